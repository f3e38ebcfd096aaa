"""Loading a district's own ledger (issue #12 item 4): wall time and peak memory of `doorstep registry import`.

Usage: .venv/bin/python bench/registry_import.py [--residents 300000] [--out bench/results/registry-import-sqlite.md]

Generates a district ledger of N residents with the demo's people generator (doorstep/demo/people.py: realistic
names, every document type, landlines, dotted names) — the org tree (streets, communities, grids of about 350
households), buildings, households and residents — as an .xlsx workbook and as a .zip of CSV files, then runs, each
step as its own `doorstep registry import` process on a fresh database:

1. the check (dry run) of the workbook, 2. the check of the CSV zip, 3. the first import of the workbook into an
empty registry (the org tree comes from the file), 4. the re-import of the unchanged workbook (writes nothing).

Peak memory is the importing process's own RSS (getrusage maxrss, printed by the command), not tracemalloc's.
On SQLite it uses a fresh file in a temporary DOORSTEP_VAR_DIR (your own var/ is untouched); with DATABASE_URL set
it expects an empty database (it migrates it). Target: 300,000 residents imported in ≤ 120 s and ≤ 2 GiB.
"""

import argparse
import csv
import datetime
import io
import os
import random
import re
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import machine, publish  # noqa: E402

PY = sys.executable
HOUSEHOLDS_PER_GRID = 350
GRIDS_PER_COMMUNITY = 8
COMMUNITIES_PER_STREET = 5
BUILDING_SIZES = (12, 18, 24, 30, 36, 48, 60, 72)
RELATION_WORDS = {"head": "户主", "spouse": "配偶", "child": "子女", "parent": "父母", "grandchild": "孙子女",
                  "sibling": "兄弟姐妹", "other": "其他"}
DOCUMENT_WORDS = {"hmt_residence": "港澳台居民居住证", "foreign_permanent": "外国人永久居留身份证"}
FLAGS = ("is_elderly_alone", "is_disabled", "is_low_income", "is_migrant", "is_party_member", "is_veteran")


def generate(residents: int, folder: Path) -> tuple[Path, Path, int]:
    """The ledger as (workbook, CSV zip, households)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "doorstep.settings")
    import django

    django.setup()
    from openpyxl import Workbook

    from doorstep.core.phones import parse_phone
    from doorstep.demo.layout import DISTRICT_CODE
    from doorstep.demo.people import PeopleFactory, household_number
    from doorstep.registry.ledger.columns import BUILDINGS, HOUSEHOLDS, KINDS, ORG, RESIDENTS, SHEETS

    rng = random.Random(2026)
    factory = PeopleFactory(rng, datetime.date.today())
    rows = {ORG: [["区", DISTRICT_CODE, "雨湖区", ""]], BUILDINGS: [], HOUSEHOLDS: [], RESIDENTS: []}
    count = households = 0
    street = community = grid = 0
    in_grid = HOUSEHOLDS_PER_GRID
    building_left = 0
    building_code = grid_code = ""
    while count < residents:
        if in_grid >= HOUSEHOLDS_PER_GRID:
            in_grid, building_left = 0, 0
            grid += 1
            if grid > GRIDS_PER_COMMUNITY or community == 0:
                grid, community = 1, community + 1
                if community > COMMUNITIES_PER_STREET or street == 0:
                    community, street = 1, street + 1
                    rows[ORG].append(["街道", f"{DISTRICT_CODE}{street:03d}", f"第{street}街道", ""])
                rows[ORG].append(["社区", f"{DISTRICT_CODE}{street:03d}{community:03d}", f"第{street}-{community}社区",
                                  ""])
            grid_code = f"{DISTRICT_CODE}{street:03d}{community:03d}{grid:03d}"
            rows[ORG].append(["网格", grid_code, f"第{street}-{community}社区第{grid}网格", ""])
        if building_left == 0:
            building_left = rng.choice(BUILDING_SIZES)
            building_code = f"{grid_code}B{len(rows[BUILDINGS]) + 1:05d}"
            located = rng.random() < 0.9
            rows[BUILDINGS].append([building_code, f"小区{len(rows[BUILDINGS]) + 1}栋", f"湘潭市雨湖区{building_code}",
                                    grid_code, f"{27.8 + rng.random() / 10:.6f}" if located else "",
                                    f"{112.85 + rng.random() / 10:.6f}" if located else ""])
        households += 1
        number = household_number(households)
        members = factory.household()
        kind = "居住户" if members[0].flags["is_migrant"] else "户籍户"
        rows[HOUSEHOLDS].append([number, building_code, f"{in_grid // 4 + 1}{in_grid % 4 + 1:02d}室", kind])
        for person in members:
            phone = person.phone
            while phone and parse_phone(phone) is None:  # the generator draws some unallocated mobile ranges
                phone = factory.phone()
            rows[RESIDENTS].append([person.name, "", "", DOCUMENT_WORDS.get(person.document.type, ""),
                                    person.document.number, number, RELATION_WORDS[person.relation], phone,
                                    *("是" if person.flags[f] else "否" for f in FLAGS), person.employer])
            count += 1
        in_grid += 1
        building_left -= 1
    book = Workbook(write_only=True)
    for kind in KINDS:
        sheet = book.create_sheet(SHEETS[kind].name)
        sheet.append([c.header for c in SHEETS[kind].columns])
        for row in rows[kind]:
            sheet.append(row)
    xlsx = folder / "ledger.xlsx"
    book.save(xlsx)
    archive = folder / "ledger-csv.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as out:
        for kind in KINDS:
            text = io.StringIO()
            writer = csv.writer(text, lineterminator="\r\n")
            writer.writerow([c.header for c in SHEETS[kind].columns])
            writer.writerows(rows[kind])
            out.writestr(SHEETS[kind].name + ".csv", text.getvalue().encode("gb18030"))  # as Chinese Excel saves it
    return xlsx, archive, households


def step(env: dict, name: str, path: Path, *, commit: bool) -> tuple[str, float, float, str]:
    command = [PY, "-m", "doorstep.cli", "registry", "import", str(path)] + (["--commit"] if commit else [])
    started = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        sys.stderr.write(done.stdout[-3000:] + done.stderr[-3000:])
        raise SystemExit(f"{name} failed")
    peak = re.search(r"peak memory ([\d.]+) MiB", done.stdout)
    counts = " / ".join(line.split(":", 1)[1].strip() for line in done.stdout.splitlines()
                        if line.startswith("居民"))
    return name, elapsed, float(peak.group(1)) if peak else 0.0, counts


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--residents", type=int, default=300_000)
    parser.add_argument("--out", default="")
    args = parser.parse_args()
    env = dict(os.environ, DOORSTEP_LANGUAGE="en")
    work = Path(tempfile.mkdtemp(prefix="doorstep-ledger-bench-"))
    if not env.get("DATABASE_URL"):
        env["DOORSTEP_VAR_DIR"] = str(work)
        env.setdefault("DOORSTEP_SECRET_KEY", "bench-secret")
        env.setdefault("DOORSTEP_DATA_KEY", "YmVuY2gtYmVuY2gtYmVuY2gtYmVuY2gtYmVuY2gtMTI=")
    os.environ.update({k: env[k] for k in ("DOORSTEP_VAR_DIR", "DOORSTEP_SECRET_KEY", "DOORSTEP_DATA_KEY")
                       if k in env})
    started = time.perf_counter()
    xlsx, archive, households = generate(args.residents, work)
    generated = time.perf_counter() - started
    subprocess.run([PY, "-m", "doorstep.cli", "migrate", "-v", "0"], cwd=ROOT, env=env, check=True)
    results = [
        step(env, "check (dry run), workbook", xlsx, commit=False),
        step(env, "check (dry run), CSV zip (GB18030)", archive, commit=False),
        step(env, "first import into an empty registry, workbook", xlsx, commit=True),
        step(env, "re-import of the unchanged workbook", xlsx, commit=True),
    ]
    vendor = "postgresql" if env.get("DATABASE_URL", "").startswith("postgres") else "sqlite"
    lines = [f"# Ledger import, {args.residents:,} residents, {vendor}", "",
             f"Machine: {machine(vendor)}, {time.strftime('%Y-%m-%d %H:%M')}", "",
             f"Ledger: {households:,} households; workbook {xlsx.stat().st_size / 2**20:.1f} MiB, CSV zip "
             f"{archive.stat().st_size / 2**20:.1f} MiB (generated in {generated:.0f} s, not measured).", "",
             "| step | wall time s | peak RSS MiB | residents (the command's own count) |", "|---|---|---|---|"]
    lines += [f"| {name} | {elapsed:.1f} | {peak:.0f} | {counts} |" for name, elapsed, peak, counts in results]
    lines += ["", "Target (issue #12 item 4): 300,000 residents imported in ≤ 120 s and ≤ 2 GiB (2,048 MiB), on SQLite "
              "on this machine and on PostgreSQL. Wall time includes starting the command (about 1.5 s)."]
    publish("\n".join(lines) + "\n", args.out)


if __name__ == "__main__":
    main()
