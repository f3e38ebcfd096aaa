"""Inbox texts written once and read in either language (issue #11 item 13).

A notification is a record, and records are kept in the site's language (Chinese): `title` and `body` are stored
as sentences, and the e-mail copy is sent from them. Next to them the notification keeps its words — the msgid and
the values — so the inbox can say it again in the reader's language. A value is data as it is (a case number, an
item's name, what a clerk typed), or a label from one of our tables (`label`, translated when shown), or a date
(`day`, formatted for the reader).

    notify(users, kind="case.delivery", title=said(gettext_noop("待送达：{item}"), item=case.item.name), …)

Shapes: a spec is {"msgid": str, "context": str | None, "params": {name: str | int | {"label", "context"} |
{"day": "YYYY-MM-DD"}}}. Rendering never raises: a spec the catalog cannot fill falls back to the stored text.
"""

import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.utils import formats, translation
from django.utils.translation import gettext, pgettext


@dataclass(frozen=True)
class Said:
    msgid: str
    context: str | None = None
    params: dict = field(default_factory=dict)

    def spec(self) -> dict:
        return {"msgid": self.msgid, "context": self.context, "params": self.params}


def said(msgid: str, *, context: str | None = None, **params) -> Said:
    """A sentence to store and to show: `msgid` marked with gettext_noop/pgettext_noop at the call, its values."""
    return Said(msgid, context, {name: (value if isinstance(value, (dict, int)) else str(value))
                                 for name, value in params.items()})


def label(msgid: str, context: str | None = None) -> dict:
    """A value that is one of our own labels (a state, a level): translated where the sentence is shown."""
    return {"label": msgid, "context": context}


def day(value: datetime.date) -> dict:
    """A date, formatted in the reader's language (2026年12月8日 / Dec. 8, 2026)."""
    return {"day": value.isoformat()}


def _value(value) -> str:
    if isinstance(value, dict) and "label" in value:
        return pgettext(value["context"], value["label"]) if value.get("context") else gettext(value["label"])
    if isinstance(value, dict) and "day" in value:
        return formats.date_format(datetime.date.fromisoformat(value["day"]), "DATE_FORMAT")
    return str(value)


def words_text(spec: dict | None, fallback: str = "") -> str:
    """The sentence of `spec` in the active language, or `fallback` (the stored text) when there is no spec or the
    catalog's text does not fit its values."""
    if not spec:
        return fallback
    try:
        context, msgid = spec.get("context"), spec["msgid"]
        template = pgettext(context, msgid) if context else gettext(msgid)
        return template.format(**{name: _value(value) for name, value in spec.get("params", {}).items()})
    except (KeyError, IndexError, ValueError, TypeError):
        return fallback


def stored_text(text) -> tuple[str, dict | None]:
    """(the sentence in the records' language, its spec or None) for a str or a Said."""
    if isinstance(text, Said):
        spec = text.spec()
        with translation.override(settings.LANGUAGE_CODE):
            return words_text(spec), spec
    return text, None
