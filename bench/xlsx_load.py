"""How much complycheck adds to reading a large Excel workbook: python-calamine reading it raw against complycheck
reading and typing it (header found, cells typed, ID numbers checked), each in its own process, best of N.

    python bench/xlsx_load.py --data /tmp/cc-1e5x            # a submission made by bench/generate.py --xlsx
    python bench/xlsx_load.py --rows 100000                   # generate one first

Prints each time and ends with the line `xlsx_load/calamine=<ratio>` (target: 1.5 at 10^5 rows).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable

RAW = r"""
import sys
from python_calamine import CalamineWorkbook
wb = CalamineWorkbook.from_path(sys.argv[1])
rows = wb.get_sheet_by_index(0).to_python()
print(len(rows))
"""

COMPLYCHECK = r"""
import sys
from pathlib import Path
from complycheck.evidence import load_evidence
from complycheck.rules import load_pack
pack = load_pack(Path(sys.argv[2]))  # not timed: the pack, and the polars import, happen before the clock starts
columns, ids = pack.columns_read()
import time
t = time.perf_counter()
ev = load_evidence(Path(sys.argv[1]), pack.datasets, only={sys.argv[3]}, columns=columns, id_columns=ids)
print(time.perf_counter() - t, ev.tables[sys.argv[3]].frame.height)
"""


def timed(cmd: list[str]) -> tuple[float, str]:
    t0 = time.perf_counter()
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout.strip()
    return time.perf_counter() - t0, out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, help="a submission generated with bench/generate.py --xlsx")
    ap.add_argument("--rows", type=int, default=100_000, help="rows to generate when --data is not given")
    ap.add_argument("--dataset", default="elderly_assessments", help="the dataset whose workbook is timed")
    ap.add_argument("--repeat", type=int, default=3)
    a = ap.parse_args(argv)
    tmp = tempfile.TemporaryDirectory(prefix="cc-xlsx-")
    data = a.data or Path(tmp.name) / "submission"
    if not a.data:
        subprocess.run([PY, str(ROOT / "bench" / "generate.py"), "--rows", str(a.rows), "--out", str(data), "--xlsx"], check=True, stdout=subprocess.DEVNULL)
    import yaml

    manifest = yaml.safe_load((data / "manifest.yaml").read_text("utf-8"))
    book = data / manifest["datasets"][a.dataset]["file"]
    # the raw read starts a Python with python-calamine only; complycheck's clock starts after its imports and the
    # pack (see COMPLYCHECK), so the raw side is charged for its process start: subtract an empty interpreter's
    empty = min(timed([PY, "-c", "import python_calamine"])[0] for _ in range(a.repeat))
    raw = min(timed([PY, "-c", RAW, str(book)])[0] for _ in range(a.repeat)) - empty
    ours = min(float(timed([PY, "-c", COMPLYCHECK, str(data), str(ROOT / "rules"), a.dataset])[1].split()[0]) for _ in range(a.repeat))
    print(f"workbook {book.name}: {book.stat().st_size / 1e6:.1f} MB")
    print(f"python-calamine raw (to_python)          {raw:6.2f} s")
    print(f"complycheck read + type ({a.dataset})  {ours:6.2f} s")
    print(f"xlsx_load/calamine={ours / raw:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
