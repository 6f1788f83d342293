"""One benchmark run: the floor, a pandas script, complycheck end to end, a DuckDB script, and a peer if installed.

    python bench/run.py --rows 1000000            # CSV big datasets
    python bench/run.py --rows 100000 --xlsx      # XLSX big datasets
    python bench/run.py --rows 1000000 --data /tmp/cc-1e6   # reuse a generated submission

Each contender runs as a whole process on the same files, --repeat times (default 3), in alternating rounds
(a, b, c, d, e, a, b, c, d, e, ...) so that a slow patch of the machine hits every contender alike; the median wall
time and the largest peak memory (max RSS) of each are reported, and the ratios of complycheck's median to the others'.
Then every contender that prints counts (b, e) is checked against complycheck's JSON report, rule by rule; a
disagreement is printed loudly and the exit status is 1. The last line is
`c/a=<ratio> c/b=<ratio> c/e=<ratio> peak_mb=<MB of (c)>`.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
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


UNSUPPORTED = 3  # a baseline's exit status for input it cannot read (duckdb: XLSX)


@dataclass
class Contender:
    key: str
    label: str
    cmd: list[str]
    counts: bool = False  # prints per-rule counts as JSON on stdout
    walls: list[float] = field(default_factory=list)
    peaks: list[float] = field(default_factory=list)
    outputs: list[str] = field(default_factory=list)
    failed: str = ""

    def median(self) -> float:
        return statistics.median(self.walls)


def measure(c: Contender, tmp: Path) -> None:
    """One run of one contender as its own process: wall seconds, peak MB (max RSS), stdout kept."""
    out, err = tmp / f"{c.key}.out", tmp / f"{c.key}.err"
    with out.open("wb") as o, err.open("wb") as e:
        t0 = time.perf_counter()
        p = subprocess.Popen(c.cmd, stdout=o, stderr=e)
        _, status, usage = os.wait4(p.pid, 0)
        wall = time.perf_counter() - t0
    p.returncode = code = os.waitstatus_to_exitcode(status)  # reaped here: tell Popen
    text = err.read_text("utf-8", "replace")
    if code == UNSUPPORTED and c.counts:
        c.failed = "unsupported: " + text.strip().splitlines()[-1] if text.strip() else "unsupported"
        return
    if code not in (0, 1):
        c.failed = f"FAILED (exit {code})"
        print(f"{c.key} exited {code}: {text[-400:]}", file=sys.stderr)
        return
    c.walls.append(wall)
    c.peaks.append(usage.ru_maxrss / 1024)
    c.outputs.append(out.read_text("utf-8"))


def report_counts(report: Path) -> dict[str, dict]:
    """Each rule's measured counts in complycheck's JSON report: numerator/denominator of a share, value (and min)."""
    r = json.loads(report.read_text("utf-8"))
    out = {}
    for res in [x for li in r["line_items"] for x in li["results"]] + r["contract_results"]:
        m, t = res.get("measured") or {}, res.get("threshold") or {}
        if m.get("kind") == "share":
            out[res["rule"]] = {"numerator": m["numerator"], "denominator": m["denominator"]}
        elif m.get("kind") in ("count", "value"):
            out[res["rule"]] = {"value": m["value"], **({"min": t["min"]} if "min" in t else {})}
    return out


def agreement(contenders: list[Contender], report: Path) -> list[str]:
    """Every disagreement between a counting contender and complycheck's report (empty when all agree)."""
    if not report.exists():
        return ["complycheck wrote no report: nothing to compare"]
    cc = report_counts(report)
    bad = []
    for c in contenders:
        if not c.counts or c.failed or not c.outputs:
            continue
        if len(set(c.outputs)) > 1:
            bad.append(f"({c.key}) printed different counts in different runs")
        try:
            mine = json.loads(c.outputs[-1])
        except json.JSONDecodeError as e:
            bad.append(f"({c.key}) printed no JSON: {e}")
            continue
        for rule, got in sorted(mine.items()):
            want = cc.get(rule)
            if want is None:
                bad.append(f"({c.key}) {rule}: {got}, not in complycheck's report")
            elif {k: int(v) for k, v in got.items()} != {k: int(v) for k, v in want.items() if k in got}:
                bad.append(f"({c.key}) {rule}: {got} but complycheck {want}")
        print(f"agreement ({c.key}): {len(mine)} rules compared with complycheck's report: "
              + ", ".join(sorted(mine)))
    return bad


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, required=True, help="rows of each big dataset (1e5, 1e6, 1e7)")
    ap.add_argument("--xlsx", action="store_true", help="big datasets as XLSX instead of CSV")
    ap.add_argument("--gbk", action="store_true", help="big CSV files in GBK/GB18030, as Excel on Chinese Windows saves them")
    ap.add_argument("--data", type=Path, help="an already generated submission (default: generate into a temp folder)")
    ap.add_argument("--skip-pandas", action="store_true", help="do not run the pandas script (b)")
    ap.add_argument("--skip-duckdb", action="store_true", help="do not run the DuckDB script (e)")
    ap.add_argument("--repeat", type=int, default=3, help="runs of every contender, in alternating rounds; the median is reported (default 3)")
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
    spill = {"auto": [], "always": ["--spill"], "never": ["--no-spill"]}[a.spill]
    importable = lambda mod: subprocess.run([PY, "-c", f"import {mod}"], capture_output=True).returncode == 0  # noqa: E731
    contenders = [Contender("a", "(a) floor: polars/calamine read", [PY, "-c", FLOOR, str(data)])]
    skipped: list[tuple[str, str]] = []
    if a.skip_pandas:
        skipped.append(("(b) pandas script", "skipped (--skip-pandas)"))
    elif not importable("pandas, pyarrow"):
        skipped.append(("(b) pandas script", "not run (pandas or pyarrow not installed)"))
    else:
        contenders.append(Contender("b", "(b) pandas script", [PY, str(ROOT / "bench" / "pandas_baseline.py"), str(data)], counts=True))
    contenders.append(Contender("c", "(c) complycheck evaluate", [cc, "evaluate", "--rules", str(ROOT / "rules"), "--evidence", str(data),
                                                                  "--as-of", "2022-12-15", "--format", "json", "--output", str(out), "--quiet", *spill]))
    if a.xlsx or not importable("pandera.polars"):
        skipped.append(("(d) pandera on polars (5 column checks, assessments only)", "not run (CSV only)" if a.xlsx else "not run (pandera not installed)"))
    else:
        contenders.append(Contender("d", "(d) pandera on polars (5 column checks, assessments only)", [PY, "-c", PANDERA, str(data)]))
    if a.skip_duckdb:
        skipped.append(("(e) duckdb SQL script", "skipped (--skip-duckdb)"))
    elif not importable("duckdb"):
        skipped.append(("(e) duckdb SQL script", "not run (duckdb not installed)"))
    else:
        contenders.append(Contender("e", "(e) duckdb SQL script", [PY, str(ROOT / "bench" / "duckdb_baseline.py"), str(data)], counts=True))
    for i in range(max(a.repeat, 1)):
        for c in contenders:
            if not c.failed:
                measure(c, Path(tmp.name))
        print(f"round {i + 1}: " + "  ".join(f"{c.key} {c.walls[-1]:.2f} s" if c.walls and not c.failed else f"{c.key} -" for c in contenders), flush=True)
    by = {c.key: c for c in contenders}
    print(f"{'contender':<58} {'median s':>9} {'min–max s':>13} {'rows/s':>12} {'peak MB':>9}")
    for c in contenders:
        if c.failed or not c.walls:
            print(f"{c.label:<58} {c.failed or 'no run':>31}")
            continue
        print(f"{c.label:<58} {c.median():>9.2f} {min(c.walls):>6.2f}–{max(c.walls):<6.2f} {big_rows / c.median():>12,.0f} {max(c.peaks):>9.0f}")
    for label, why in skipped:
        print(f"{label:<58} {why:>31}")
    c = by["c"]
    ratios = []
    for k in "abe":
        x = by.get(k)
        if c.walls and x is not None and x.walls and not x.failed:
            per_round = [cw / xw for cw, xw in zip(c.walls, x.walls)]
            print(f"c/{k}: {c.median() / x.median():.2f} (ratio of medians; per-round ratios: median {statistics.median(per_round):.2f}, "
                  f"{min(per_round):.2f}–{max(per_round):.2f})")
            ratios.append(f"c/{k}={c.median() / x.median():.2f}")
        else:
            ratios.append(f"c/{k}=n/a")
    bad = agreement(contenders, out)
    if bad:
        print("\n" + "!" * 78, file=sys.stderr)
        print(f"DISAGREEMENT: {len(bad)} count(s) differ from complycheck's report", file=sys.stderr)
        for line in bad:
            print("  " + line, file=sys.stderr)
        print("!" * 78 + "\n", file=sys.stderr)
    elif any(x.counts and x.outputs for x in contenders):
        print("agreement: every count of every contender equals complycheck's report")
    print(" ".join(ratios) + (f" peak_mb={max(c.peaks):.0f}" if c.peaks else ""))
    return 1 if bad or c.failed else 0


if __name__ == "__main__":
    sys.exit(main())
