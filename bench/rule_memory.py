"""Time and peak-memory growth of each rule, evaluated streamed (spilled) or in memory, in one process.

    python bench/rule_memory.py /tmp/cc-1e7            # spilled, as the default does above 1 GiB
    python bench/rule_memory.py /tmp/cc-1e6 --memory   # in memory

Prints the peak RSS after the pack and after the evidence, then the rules that raised the peak (MB added to the
process's maximum RSS while the rule ran) and the slowest rules. Rules run one at a time here, in pack order, so a
rule's growth is what it needed beyond every peak before it: run it again with a rule left out to see the next.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("evidence")
    ap.add_argument("--rules", default=str(ROOT / "rules"))
    ap.add_argument("--memory", action="store_true", help="in memory instead of spilled")
    ap.add_argument("--top", type=int, default=8)
    ap.add_argument("--as-of", default="2022-12-15")
    a = ap.parse_args()

    import complycheck
    import complycheck.engine.evaluate
    from complycheck import api

    engine = sys.modules["complycheck.engine.evaluate"]

    def rss() -> int:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024

    pack = complycheck.load_pack(a.rules)
    print(f"after the pack: {rss()} MB")
    spill = None if a.memory else tempfile.TemporaryDirectory(prefix="complycheck-bench-")
    folder = Path(spill.name) if spill is not None else None
    inp = api.load_submission(pack, Path(a.evidence), None, None, folder, None)
    print(f"after the evidence: {rss()} MB")
    seen: list[tuple[int, float, str]] = []
    decide = engine.evaluate_rule

    def timed(pack, rule, *args, **kw):  # type: ignore[no-untyped-def]
        before, t = rss(), time.perf_counter()
        out = decide(pack, rule, *args, **kw)
        seen.append((rss() - before, time.perf_counter() - t, rule.id))
        return out

    engine.evaluate_rule = timed
    hold = api._holder(folder) if folder is not None else None
    as_of = date.fromisoformat(a.as_of)
    engine.evaluate(inp.pack, inp.evidence.tables, as_of, inp.waivers, None, inp.evidence.problems, hold)
    print(f"at the end: {rss()} MB")
    print("rules that raised the peak:")
    for grew, secs, rule in sorted(seen, key=lambda x: -x[0])[: a.top]:
        if grew:
            print(f"  +{grew} MB  {secs:.2f} s  {rule}")
    print("slowest rules:")
    for grew, secs, rule in sorted(seen, key=lambda x: -x[1])[: a.top]:
        print(f"  {secs:.2f} s  +{grew} MB  {rule}")
    if spill is not None:
        spill.cleanup()


if __name__ == "__main__":
    main()
