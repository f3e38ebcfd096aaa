"""The demo is the same in every Python process for a seed: nothing hash-ordered (a set of strings, whose order
PYTHONHASHSEED changes from one process to the next) decides a random draw or its order. A set of a text frame's slot
names once did, and builds with the same seed and time gave anything from 1,035 to 1,178 reports.

The pure-Python parts run in two processes with different hash seeds: the reports' texts over every category and
channel (each text takes a few dozen draws, so one slip shifts everything after it), the district's plan and its
people. The incident year itself needs the database; its output follows from these draws and the build's queries,
which order their rows."""

import json
import os
import subprocess
import sys

import pytest

from doorstep.demo import incident_texts as words
from doorstep.incidents.models import Category

pytestmark = pytest.mark.django_db

PIECE = """
import datetime, hashlib, json, os, random, sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "doorstep.settings")
import django

django.setup()
from doorstep.demo import incident_texts as words
from doorstep.demo.incidents.texts import TextMaker
from doorstep.demo.layout import plan_district
from doorstep.demo.people import PeopleFactory, StaffNames

reference = json.load(sys.stdin)
rng = random.Random(2026)
maker = TextMaker(rng, reference["keywords"], reference["names"])
codes = sorted(reference["names"])
building = (1, 1, "430302001001001", 27.8, 112.9, "金地花园3栋", "雨湖区城正街街道金地花园3栋", "金地花园")
out = []
for _ in range(3):
    for code in codes:
        alts = words.CATEGORY_WORDS[code]["alt"]
        for channel in ("grid", "resident", "phone"):
            out.append(maker.make(code, channel, building, night=rng.random() < 0.2,
                                  alt_words=alts[0][2] if alts and rng.random() < 0.3 else None,
                                  second=rng.choice(codes) if rng.random() < 0.2 else None))
            out.append(maker._fill(rng.choice(words.CATEGORY_WORDS[code]["fix"] or ["{road}"]), maker._slots(building)))
plans = plan_district("small", random.Random(2026))
out += [(g.code, g.households, round(g.rect.x0, 9)) for s in plans for c in s.communities for g in c.grids]
factory = PeopleFactory(random.Random(2026), datetime.date(2026, 3, 18))
out += [(p.name, p.document.number, p.phone) for _ in range(100) for p in factory.household()]
names = StaffNames(random.Random(2027), taken={"王敏辉", "李静"})
out += [names() for _ in range(50)]
print(len(out), hashlib.sha256(repr(out).encode()).hexdigest())
"""


def _run(hash_seed: str, reference: str) -> str:
    env = {**os.environ, "PYTHONHASHSEED": hash_seed}
    done = subprocess.run([sys.executable, "-c", PIECE], input=reference, env=env, capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout.strip()


def test_texts_plan_and_people_are_the_same_under_every_hash_seed():
    categories = {c.code: c for c in Category.objects.filter(active=True) if c.code in words.CATEGORY_WORDS}
    assert len(categories) > 20
    reference = json.dumps({"keywords": {code: list(c.keywords) for code, c in categories.items()},
                            "names": {code: c.name for code, c in categories.items()}}, ensure_ascii=False)
    first, second = _run("1", reference), _run("2", reference)
    assert first == second
    assert int(first.split()[0]) > 6 * len(categories)  # texts were made
