"""The dispatch suggestion in the running site: train on the dispatchers' decisions in the database (DispatchDecision,
accepted and overridden alike) plus the categories' cold-start samples, keep the model (SuggestionModel, the newest
is used), measure it on the decisions it did not see (a time-ordered split), and suggest for a report's text.

The model in memory is re-read when a newer one is saved (checked at most every DOORSTEP_CALENDAR_RECHECK_SECONDS per
process); with no saved model, a cold-start model is built from the categories once per process."""

import datetime
import time

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from doorstep.incidents.suggest.model import Sample, Suggester, cold_start_samples

_cache: dict[str, object] = {"checked": 0.0, "id": None, "model": None}
KEEP_MODELS = 5  # older trained models are deleted (each is a few MB)
HOLDOUT_SHARE = 0.1  # the newest tenth of the decisions measures a model trained on the rest


def suggestion_changed() -> None:
    """Forget the model in memory (tests; a training in this process)."""
    _cache.update(checked=0.0, id=None, model=None)


def category_rows() -> list[dict]:
    from doorstep.incidents.models import Category

    return [{"code": c.code, "name": c.name, "description": c.description, "keywords": list(c.keywords),
             "lead": c.lead_department.short_name, "major": c.major}
            for c in Category.objects.filter(active=True).select_related("lead_department")]


def decision_samples(*, before: datetime.datetime | None = None, since: datetime.datetime | None = None) -> list:
    """The dispatchers' decisions as samples, oldest first (department short name, category code)."""
    from doorstep.incidents.models import DispatchDecision

    rows = DispatchDecision.objects.filter(department__short_name__isnull=False)
    if before is not None:
        rows = rows.filter(decided_at__lt=before)
    if since is not None:
        rows = rows.filter(decided_at__gte=since)
    return [Sample(text=t, department=d, category=c) for t, d, c in rows.order_by("decided_at", "id").values_list(
        "text", "department__short_name", "category__code").iterator(chunk_size=5000)]


def measure(model: Suggester, samples: list) -> dict:
    """Top-1 and top-3 department accuracy and top-1 category accuracy of `model` on `samples`."""
    if not samples:
        return {"n": 0}
    top1 = top3 = category = 0
    for sample, s in zip(samples, model.suggest_many([x.text for x in samples]), strict=True):
        top1 += s.department == sample.department
        top3 += sample.department in [r.label for r in s.top3]
        category += s.category == sample.category
    n = len(samples)
    return {"n": n, "top1": round(top1 / n, 4), "top3": round(top3 / n, 4), "category": round(category / n, 4)}


def suggester_train(*, now: datetime.datetime | None = None) -> dict:
    """Train a model on every decision so far (and the categories' cold start), after measuring the same recipe on a
    time-ordered split (trained on the older 90%, tested on the newest 10% it never saw). Saves it as the newest
    SuggestionModel, deletes all but the KEEP_MODELS newest. Result: {"samples", "measured": {...}, "seconds"}.
    No audit: a model is derived data, rebuilt from the decisions at any time."""
    from doorstep.incidents.models import SuggestionModel

    started = time.perf_counter()
    now = now or timezone.now()
    cold = cold_start_samples(category_rows())
    samples = decision_samples()
    measured: dict = {"n": 0}
    if len(samples) >= 50:
        cut = int(len(samples) * (1 - HOLDOUT_SHARE))
        trial = Suggester.train(samples[:cut], cold_start=cold)
        measured = measure(trial, samples[cut:])
    model = Suggester.train(samples, cold_start=cold)
    with transaction.atomic():
        row = SuggestionModel.objects.create(trained_at=now, samples=len(samples),
                                             measured={**measured, "model": model.info.get("model", "")},
                                             blob=model.dumps())
        stale = list(SuggestionModel.objects.order_by("-id").values_list("id", flat=True)[KEEP_MODELS:])
        SuggestionModel.objects.filter(id__in=stale).delete()
    suggestion_changed()
    return {"id": row.pk, "samples": len(samples), "measured": measured,
            "seconds": round(time.perf_counter() - started, 1)}


def current_suggester() -> Suggester | None:
    """The newest trained model, or a cold-start one from the categories (None when there are no categories)."""
    from doorstep.incidents.models import SuggestionModel

    now = time.monotonic()
    if _cache["model"] is not None and now - _cache["checked"] < settings.DOORSTEP_CALENDAR_RECHECK_SECONDS:
        return _cache["model"]  # type: ignore[return-value]
    _cache["checked"] = now
    newest = SuggestionModel.objects.order_by("-id").values_list("id", flat=True).first()
    if newest is not None and newest == _cache["id"] and _cache["model"] is not None:
        return _cache["model"]  # type: ignore[return-value]
    if newest is not None:
        blob = SuggestionModel.objects.filter(pk=newest).values_list("blob", flat=True).first()
        try:
            model = Suggester.loads(bytes(blob))
        except ValueError:  # a model in a format this version cannot read: fall back to the cold start
            model = None
        if model is not None:
            _cache.update(id=newest, model=model)
            return model
    rows = category_rows()
    if not rows:
        return None
    _cache.update(id=None, model=Suggester.train([], cold_start=cold_start_samples(rows)))
    return _cache["model"]  # type: ignore[return-value]


def suggest_for_text(text: str) -> dict:
    """The suggestion for one text as stored with a report and printed by `doorstep incidents suggest`:
    {"department": short name, "category": code, "confidence": 0..1, "top3": [{"department", "confidence"}, …]}
    ({} when there is no model and no category)."""
    model = current_suggester()
    return model.suggest(text).as_json() if model is not None else {}
