"""How long reading one large Excel workbook takes, and how much memory: python-calamine and fastexcel reading it raw
against complycheck reading and typing it (header found, cells typed, ID numbers checked) — streamed (the default for
a large sheet written plainly, evidence/xlsxstream.py) and with the whole-sheet reader (python-calamine) it falls
back to. Each contender is a process of its own, `--repeat` times in alternating rounds; medians of the seconds and
the largest peak RSS are printed.

    python bench/xlsx_load.py --data /tmp/cc-1e6x --repeat 3   # a submission made by bench/generate.py --xlsx
    python bench/xlsx_load.py --rows 100000                    # generate one first

The raw readers' seconds are their process's less an empty interpreter's (they import little); complycheck's are
taken inside the process after its imports and the rule pack. Ends with `xlsx_load/calamine=<ratio>`.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
PEAK = "import resource; print('peak', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)"

CALAMINE = f"""
import sys
from python_calamine import CalamineWorkbook
rows = CalamineWorkbook.from_path(sys.argv[1]).get_sheet_by_index(0).to_python()
print('rows', len(rows))
{PEAK}
"""

FASTEXCEL = f"""
import sys, fastexcel
batch = fastexcel.read_excel(sys.argv[1]).load_sheet(0, header_row=None, dtypes="string").to_arrow()
print('rows', batch.num_rows)
{PEAK}
"""

COMPLYCHECK = f"""
import sys, time
from pathlib import Path
from complycheck.evidence import load_evidence, readers
from complycheck.pack import load_pack
if sys.argv[4] == "whole":
    readers.STREAM_BYTES = 10 ** 15  # the whole-sheet reader (python-calamine) for every sheet
pack = load_pack(Path(sys.argv[2]))  # not timed: the pack, and the polars import, happen before the clock starts
columns, ids = pack.columns_read()
t = time.perf_counter()
ev = load_evidence(Path(sys.argv[1]), pack.datasets, only={{sys.argv[3]}}, columns=columns, id_columns=ids)
print('seconds', time.perf_counter() - t)
print('rows', ev.tables[sys.argv[3]].frame.height)
{PEAK}
"""


def run(cmd: list[str]) -> tuple[float, dict[str, float]]:
    t0 = time.perf_counter()
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    wall = time.perf_counter() - t0
    return wall, {k: float(v) for k, v in (line.split() for line in out.splitlines() if line.strip())}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, help="a submission generated with bench/generate.py --xlsx")
    ap.add_argument("--rows", type=int, default=100_000, help="rows to generate when --data is not given")
    ap.add_argument("--dataset", default="elderly_assessments", help="the dataset whose workbook is timed")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--skip-whole", action="store_true", help="do not time complycheck's whole-sheet reader")
    a = ap.parse_args(argv)
    tmp = tempfile.TemporaryDirectory(prefix="cc-xlsx-")
    data = a.data or Path(tmp.name) / "submission"
    if not a.data:
        cmd = [PY, str(ROOT / "bench" / "generate.py"), "--rows", str(a.rows), "--out", str(data), "--xlsx"]
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    import yaml

    manifest = yaml.safe_load((data / "manifest.yaml").read_text("utf-8"))
    book = data / manifest["datasets"][a.dataset]["file"]
    rules = str(ROOT / "rules")
    contenders = {
        "python-calamine raw (to_python)": ([PY, "-c", CALAMINE, str(book)], True),
        "complycheck read + type, streamed": ([PY, "-c", COMPLYCHECK, str(data), rules, a.dataset, "stream"], False),
    }
    try:
        import fastexcel  # noqa: F401

        contenders["fastexcel raw (to_arrow, text)"] = ([PY, "-c", FASTEXCEL, str(book)], True)
    except ImportError:
        pass
    if not a.skip_whole:
        contenders["complycheck read + type, whole sheet"] = (
            [PY, "-c", COMPLYCHECK, str(data), rules, a.dataset, "whole"],
            False,
        )
    seconds: dict[str, list[float]] = {k: [] for k in contenders}
    peaks: dict[str, float] = {k: 0.0 for k in contenders}
    for _ in range(a.repeat):  # alternating rounds: a, b, c, d, a, b, c, d, ...
        empty = run([PY, "-c", "import python_calamine"])[0]
        for name, (cmd, raw) in contenders.items():
            wall, got = run(cmd)
            seconds[name].append(wall - empty if raw else got["seconds"])
            peaks[name] = max(peaks[name], got["peak"])
    print(f"workbook {book.name}: {book.stat().st_size / 1e6:.1f} MB, medians of {a.repeat} alternating rounds")
    for name in contenders:
        runs = ", ".join(f"{s:.1f}" for s in seconds[name])
        print(f"{name:40s} {statistics.median(seconds[name]):7.2f} s  peak {peaks[name]:6.0f} MB  ({runs})")
    ours = statistics.median(seconds["complycheck read + type, streamed"])
    raw = statistics.median(seconds["python-calamine raw (to_python)"])
    print(f"xlsx_load/calamine={ours / raw:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
