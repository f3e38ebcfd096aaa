"""What every benchmark here reports the same way: percentiles, a line describing the machine it ran on, and the
report printed and written."""

import os
import platform
from pathlib import Path


def publish(text: str, out: str = "") -> None:
    """Print a benchmark's report and, with --out, write it (UTF-8) to the results file."""
    print(text)
    if out:
        Path(out).write_text(text, encoding="utf-8")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def machine(database: str = "") -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    text = (f"{platform.node()}: {os.cpu_count()} cores ({cpu}), {mem:.0f} GiB RAM, {platform.platform()}, "
            f"Python {platform.python_version()}")
    return f"{text}, {database}" if database else text
