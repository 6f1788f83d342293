"""One benchmark run: the floor, a hand-written pandas script, complycheck end to end, and a peer if installed.

    python bench/run.py --rows 1000000            # CSV big datasets
    python bench/run.py --rows 100000 --xlsx      # XLSX big datasets
    python bench/run.py --rows 1000000 --data /tmp/cc-1e6   # reuse a generated submission

Each contender runs in its own process, on the same files, in the same run; wall time and peak memory (max RSS)
are measured for each, best of --repeat runs (default 3; the pandas script once: it is slow and far behind).
The last line is `c/a=<ratio> c/b=<ratio> peak_mb=<MB of (c)>`.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable

FLOOR = r"""
import sys, yaml
from pathlib import Path
root = Path(sys.argv[1]); m = yaml.safe_load((root / "manifest.yaml").read_text("utf-8"))
n = 0
for name, e in m["datasets"].items():
    f = root / e["file"]
    if f.suffix == ".csv":
        import polars as pl
        n += pl.read_csv(f, infer_schema=False, encoding="utf8-lossy", truncate_ragged_lines=True).height
    elif f.suffix == ".xlsx":
        from python_calamine import CalamineWorkbook
        wb = CalamineWorkbook.from_path(str(f)); n += len(wb.get_sheet_by_index(0).to_python())
print(n)
"""

PANDERA = r"""
import sys, yaml, polars as pl, pandera.polars as pa
from pathlib import Path
root = Path(sys.argv[1]); m = yaml.safe_load((root / "manifest.yaml").read_text("utf-8"))
df = pl.read_csv(root / m["datasets"]["elderly_assessments"]["file"], infer_schema=False)
schema = pa.DataFrameSchema({
    "公民身份号码": pa.Column(str, pa.Check.str_matches(r"^\d{17}[\dX]$")),
    "评估报告编号": pa.Column(str, nullable=False), "证明编号": pa.Column(str, nullable=False),
    "是否签收": pa.Column(str, pa.Check.isin(["是", "√", "已签收"]), nullable=True),
    "总分": pa.Column(str, pa.Check.str_matches(r"^\d+$")),
})
try:
    schema.validate(df, lazy=True); print("valid")
except pa.errors.SchemaErrors as e:
    print("invalid", len(e.failure_cases))
"""


def best(label: str, cmd: list[str], repeat: int) -> tuple[float, float, int]:
    """The fastest of `repeat` runs (its wall time, the largest peak seen, the last exit code)."""
    runs = [measure(label, cmd) for _ in range(max(repeat, 1))]
    return min(r[0] for r in runs), max(r[1] for r in runs), runs[-1][2]


def measure(label: str, cmd: list[str]) -> tuple[float, float, int]:
    """(wall seconds, peak MB, exit code) of one process."""
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(p.pid, 0)
    p.returncode = os.waitstatus_to_exitcode(status)  # reaped here: tell Popen
    wall = time.perf_counter() - t0
    err = p.stderr.read().decode("utf-8", "replace") if p.stderr else ""
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):
        print(f"{label} exited {code}: {err[-400:]}", file=sys.stderr)
    return wall, usage.ru_maxrss / 1024, code


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, required=True, help="rows of each big dataset (1e5, 1e6, 1e7)")
    ap.add_argument("--xlsx", action="store_true", help="big datasets as XLSX instead of CSV")
    ap.add_argument("--gbk", action="store_true", help="big CSV files in GBK/GB18030, as Excel on Chinese Windows saves them")
    ap.add_argument("--data", type=Path, help="an already generated submission (default: generate into a temp folder)")
    ap.add_argument("--skip-pandas", action="store_true", help="do not run the pandas script (b)")
    ap.add_argument("--repeat", type=int, default=3, help="runs of (a), (c) and (d); the best is reported (default 3)")
    ap.add_argument("--spill", choices=["auto", "always", "never"], default="auto",
                    help="complycheck's --spill/--no-spill (auto: spill above 1 GiB of evidence, as by default)")
    a = ap.parse_args(argv)
    tmp = tempfile.TemporaryDirectory(prefix="cc-bench-")
    data = a.data or Path(tmp.name) / "submission"
    if not a.data:
        t0 = time.perf_counter()
        subprocess.run([PY, str(ROOT / "bench" / "generate.py"), "--rows", str(a.rows), "--out", str(data)] + (["--xlsx"] if a.xlsx else []) + (["--gbk"] if a.gbk else []),
                       check=True, stdout=subprocess.DEVNULL)
        print(f"generated {a.rows:,} rows per big dataset in {time.perf_counter() - t0:.1f} s: {data}")
    big_rows = 2 * a.rows + a.rows + a.rows // 5
    cc = str(Path(PY).parent / "complycheck")
    out = Path(tmp.name) / "report.json"
    runs: list[tuple[str, tuple[float, float, int] | None]] = []
    runs.append(("(a) floor: polars/calamine read", best("a", [PY, "-c", FLOOR, str(data)], a.repeat)))
    pandas_ok = not a.skip_pandas and subprocess.run([PY, "-c", "import pandas"], capture_output=True).returncode == 0
    runs.append(("(b) pandas script", measure("b", [PY, str(ROOT / "bench" / "pandas_baseline.py"), str(data)]) if pandas_ok else None))
    why_b = "skipped (--skip-pandas)" if a.skip_pandas else "not run (pandas not installed)"
    spill = {"auto": [], "always": ["--spill"], "never": ["--no-spill"]}[a.spill]
    runs.append(("(c) complycheck evaluate", best("c", [cc, "evaluate", "--rules", str(ROOT / "rules"), "--evidence", str(data),
                                                        "--as-of", "2022-12-15", "--format", "json", "--output", str(out), "--quiet", *spill], a.repeat)))
    peer = subprocess.run([PY, "-c", "import pandera.polars"], capture_output=True).returncode == 0 and not a.xlsx
    runs.append(("(d) pandera on polars (5 column checks, assessments only)", best("d", [PY, "-c", PANDERA, str(data)], a.repeat) if peer else None))
    print(f"{'contender':<58} {'wall s':>8} {'rows/s':>12} {'peak MB':>9}")
    for label, r in runs:
        if r is None:
            why = why_b if label.startswith("(b)") else ("not run (CSV only)" if a.xlsx else "not run (pandera not installed)")
            print(f"{label:<58} {why:>31}")
            continue
        wall, mb, code = r
        flag = "" if code in (0, 1) else f"   FAILED (exit {code})"
        print(f"{label:<58} {wall:>8.2f} {big_rows / wall:>12,.0f} {mb:>9.0f}{flag}")
    a_wall, b, c = runs[0][1][0], runs[1][1], runs[2][1]  # type: ignore[index]
    ratio_b = f"{c[0] / b[0]:.2f}" if b else "n/a"
    print(f"c/a={c[0] / a_wall:.2f} c/b={ratio_b} peak_mb={c[1]:.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
