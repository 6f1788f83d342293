"""Many submissions: N separate `complycheck evaluate` processes against one `complycheck batch` (#17.4).

    python bench/many.py --copies 8                  # 8 copies of the bundled sample
    python bench/many.py --copies 8 --rows 100000    # 8 copies of a bench/generate.py submission of 10^5 rows

The submission folders are generated (or copied) into a temporary folder, never committed. Contenders, each timed as
whole processes in alternating rounds (--repeat, default 3), median wall time and the largest peak RSS of any one
process, and the CPU seconds (user + system) of all its processes and the cores that kept busy (CPU / wall):

- (s) N `complycheck evaluate` processes one after another (a shell loop);
- (p) the same N processes, two at a time (`xargs -P 2`: the fair baseline for using both cores);
- (b1) `complycheck batch --jobs 1`: one process, the pack compiled once, one submission at a time;
- (b2) `complycheck batch` (the default: two worker processes, each compiling the pack once);
- (pl) a pipeline in one process: the next submission loaded while the current one is evaluated (written here
  for the measurement only, from the API's public pieces; not what `batch` does).

Every contender writes a JSON report per submission; afterwards each batch report is compared byte for byte with the
report of the separate process (the pipeline's too) and a difference is printed loudly (exit status 1).
The last line is `b2/s=<ratio> b2/p=<ratio> b2/b1=<ratio> pl/b2=<ratio>`.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
CC = str(Path(PY).parent / "complycheck")
AS_OF = "2022-12-15"

PIPELINE = r"""
import sys, threading, queue
from dataclasses import replace
from datetime import date
from pathlib import Path
from complycheck import api, render
from complycheck.engine import evaluate
from complycheck.pack import load_pack
rules, out, folders = Path(sys.argv[1]), Path(sys.argv[2]), [Path(p) for p in sys.argv[3:]]
pack = load_pack(rules)
q = queue.Queue(maxsize=1)  # at most one loaded submission waiting: two in memory at most
def load():
    for f in folders:
        inp = api.load_submission(pack, f)
        q.put((f, inp, api.input_digests(inp, None)))
    q.put(None)
threading.Thread(target=load, daemon=True).start()
while (item := q.get()) is not None:
    f, inp, digests = item
    report = evaluate(pack, inp.evidence.tables, date(2022, 12, 15), inp.waivers, None, inp.evidence.problems)
    (out / f"{f.name}.json").write_text(render(replace(report, inputs=digests), "json"), "utf-8")
"""


def timed(cmds: list[list[str]], parallel: int) -> tuple[float, float, float]:
    """Run the commands, `parallel` at a time: wall seconds, the largest peak RSS (MB) of any of them, CPU seconds."""
    t0 = time.perf_counter()
    running: list[subprocess.Popen[bytes]] = []
    peak = cpu = 0.0
    todo = list(cmds)
    while todo or running:
        while todo and len(running) < parallel:
            running.append(subprocess.Popen(todo.pop(0), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE))
        pid, status, usage = os.wait4(-1, 0)
        p = next(p for p in running if p.pid == pid)
        running.remove(p)
        p.returncode = code = os.waitstatus_to_exitcode(status)
        if code not in (0, 1):
            sys.exit(f"{p.args} exited {code}: {p.stderr.read().decode()[-400:] if p.stderr else ''}")
        peak = max(peak, usage.ru_maxrss / 1024)
        cpu += usage.ru_utime + usage.ru_stime
    return time.perf_counter() - t0, peak, cpu


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--copies", type=int, default=8, help="submission folders (default 8)")
    ap.add_argument("--rows", type=int, default=0, help="rows of each big dataset (bench/generate.py); 0: the sample")
    ap.add_argument("--repeat", type=int, default=3, help="alternating rounds; the median is reported (default 3)")
    a = ap.parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="cc-many-"))
    try:
        subs = tmp / "subs"
        subs.mkdir()
        one = tmp / "one"
        if a.rows:
            subprocess.run(
                [PY, str(ROOT / "bench" / "generate.py"), "--rows", str(a.rows), "--out", str(one)],
                check=True,
                stdout=subprocess.DEVNULL,
            )
        else:
            shutil.copytree(ROOT / "evidence", one)
        folders = []
        for i in range(a.copies):
            folders.append(subs / f"county-{i:02d}")
            shutil.copytree(one, folders[-1])
        rules = str(ROOT / "rules")
        outs = {k: tmp / f"out-{k}" for k in ("s", "p", "b1", "b2", "pl")}
        for o in outs.values():
            o.mkdir()
        single = [
            [
                CC,
                "evaluate",
                "--rules",
                rules,
                "--evidence",
                str(f),
                "--as-of",
                AS_OF,
                "--format",
                "json",
                "-o",
                str(outs["s"] / f"{f.name}.json"),
                "-q",
            ]
            for f in folders
        ]
        single_p = [
            [x if x != str(outs["s"] / f"{f.name}.json") else str(outs["p"] / f"{f.name}.json") for x in c]
            for c, f in zip(single, folders, strict=True)
        ]
        batch = [CC, "batch", "--rules", rules, "--submissions", str(subs), "--as-of", AS_OF, "--format", "json", "-q"]
        contenders = {
            "s": (f"(s) {a.copies} evaluate processes, one after another", single, 1),
            "p": (f"(p) {a.copies} evaluate processes, two at a time", single_p, 2),
            "b1": (
                "(b1) one batch command, --jobs 1 (in-process)",
                [batch + ["-o", str(outs["b1"]), "--jobs", "1"]],
                1,
            ),
            "b2": ("(b2) one batch command, two workers (default)", [batch + ["-o", str(outs["b2"])]], 1),
            "pl": (
                "(pl) one process, load next while evaluating",
                [[PY, "-c", PIPELINE, rules, str(outs["pl"]), *map(str, folders)]],
                1,
            ),
        }
        walls: dict[str, list[float]] = {k: [] for k in contenders}
        peaks: dict[str, list[float]] = {k: [] for k in contenders}
        cpus: dict[str, list[float]] = {k: [] for k in contenders}
        for r in range(a.repeat):
            for k, (_, cmds, par) in contenders.items():
                w, m, c = timed(cmds, par)
                cpus[k].append(c)
                walls[k].append(w)
                peaks[k].append(m)
            print(f"round {r + 1}: " + "  ".join(f"{k} {walls[k][-1]:.2f} s" for k in contenders), flush=True)
        size = sum(f.stat().st_size for f in one.rglob("*") if f.is_file()) / 1e6
        print(
            f"{a.copies} submissions of {size:.1f} MB each "
            f"({'the bundled sample' if not a.rows else f'{a.rows:,} rows'})"
        )
        print(
            f"{'contender':<52} {'median s':>9} {'min–max s':>13} {'s/submission':>13} {'peak MB':>8} "
            f"{'CPU s':>7} {'cores':>6}"
        )
        med = {k: statistics.median(v) for k, v in walls.items()}
        for k, (label, _, _) in contenders.items():
            print(
                f"{label:<52} {med[k]:>9.2f} {min(walls[k]):>6.2f}–{max(walls[k]):<6.2f} "
                f"{med[k] / a.copies:>13.3f} {max(peaks[k]):>8.0f} {statistics.median(cpus[k]):>7.2f} "
                f"{statistics.median(c / w for c, w in zip(cpus[k], walls[k], strict=True)):>6.2f}"
            )
        bad = []
        for f in folders:
            ref = (outs["s"] / f"{f.name}.json").read_bytes()
            bad += [
                f"{k}: {f.name}.json differs"
                for k in ("p", "b1", "b2", "pl")
                if (outs[k] / f"{f.name}.json").read_bytes() != ref
            ]
        if bad:
            print(
                "!" * 78 + "\nREPORTS DIFFER from the separate processes':\n  " + "\n  ".join(bad) + "\n" + "!" * 78,
                file=sys.stderr,
            )
        else:
            print("identical: every batch and pipeline report equals its separate process's, byte for byte")
        ratios = {
            "b2/s": med["b2"] / med["s"],
            "b2/p": med["b2"] / med["p"],
            "b2/b1": med["b2"] / med["b1"],
            "pl/b2": med["pl"] / med["b2"],
        }
        for k in ratios:
            x, y = k.split("/")
            per = [wx / wy for wx, wy in zip(walls[x], walls[y], strict=True)]
            print(f"{k}: {ratios[k]:.2f} (ratio of medians; per round {min(per):.2f}–{max(per):.2f})")
        print(" ".join(f"{k}={v:.2f}" for k, v in ratios.items()))
        return 1 if bad else 0
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
