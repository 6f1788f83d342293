"""Where one evaluation's time goes, in one process: imports, the pack, loading, the rules, the report.

    .venv/bin/python bench/phases.py /tmp/cc-1e5                 # in memory
    .venv/bin/python bench/phases.py /tmp/cc-1e6 --spill         # spilled (as above 1 GiB of evidence)
    .venv/bin/python bench/phases.py evidence --top 20           # the bundled sample, the 20 slowest rules

Each phase is printed with its wall time and the process's CPU time over it (two cores: CPU above wall means both
were busy), then the slowest rules, each with how it was decided: in memory, in memory on its columns of spilled
tables (they fit the budget of `complycheck.engine.fitting`), or streamed. Rules run two at a time, so their times
add up to more than the rules' phase.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("evidence", type=Path)
    ap.add_argument("--rules", type=Path, default=ROOT / "rules")
    ap.add_argument("--spill", action="store_true", help="spill the large tables to disk (as above 1 GiB)")
    ap.add_argument("--as-of", default="2022-12-15")
    ap.add_argument("--top", type=int, default=12, help="how many of the slowest rules to list")
    a = ap.parse_args()
    clock = [time.perf_counter(), time.process_time()]

    def phase(name: str) -> None:
        wall, cpu = time.perf_counter(), time.process_time()
        print(f"{name:18s} wall {wall - clock[0]:7.3f} s   cpu {cpu - clock[1]:7.3f} s")
        clock[:] = [wall, cpu]

    from complycheck.prehash import EarlyDigests

    early = EarlyDigests(a.evidence)  # as `complycheck evaluate` does: hashing starts before the imports
    import complycheck.engine.evaluate  # noqa: F401  (the module, for the timing hook below)
    from complycheck import api
    from complycheck.reports import get

    phase("imports")
    from complycheck.pack import load_pack

    pack = load_pack(a.rules)
    phase("pack")
    folder = tempfile.TemporaryDirectory(prefix="complycheck-bench-") if a.spill else None
    inp = api.load_submission(pack, a.evidence, spill=Path(folder.name) if folder else None)
    phase("loading")
    engine = sys.modules["complycheck.engine.evaluate"]
    decide, times = engine.evaluate_rule, {}

    def timed(pack, rule, tables, as_of, streaming=False, hold=None):  # type: ignore[no-untyped-def]
        import polars as pl

        start = time.perf_counter()
        out = decide(pack, rule, tables, as_of, streaming, hold)
        fitted = any(n in inp.evidence.tables and isinstance(inp.evidence.tables[n].frame, pl.LazyFrame)
                     for n in rule.reads)  # fmt: skip
        way = "streamed" if streaming else ("in memory, columns collected" if fitted else "in memory")
        times[rule.id] = (time.perf_counter() - start, way)
        return out

    engine.evaluate_rule = timed
    report = engine.evaluate(
        inp.pack,
        inp.evidence.tables,
        date.fromisoformat(a.as_of),
        inp.waivers,
        None,
        inp.evidence.problems,
        api._holder(Path(folder.name)) if folder else None,
    )
    phase("rules")
    api.input_digests(inp, None, early)
    get("json")(report, "zh")
    phase("digests, report")
    if folder:
        folder.cleanup()
    print(f"\n{len(times)} rules, {sum(t for t, _ in times.values()):.3f} s in all; the slowest:")
    for rule_id, (t, way) in sorted(times.items(), key=lambda x: -x[1][0])[: a.top]:
        print(f"  {t:7.3f} s  {rule_id:28s} {way}")


if __name__ == "__main__":
    main()
