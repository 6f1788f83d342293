"""The public Python API: the example in docs/api.md runs as written and prints what its comments say."""

import json
import re
import subprocess
import sys
from pathlib import Path

import complycheck

ROOT = Path(__file__).resolve().parent.parent


def test_the_documented_example_runs_and_prints_the_verdicts():
    code = re.search(r"```python\n(.*?)```", (ROOT / "docs" / "api.md").read_text("utf-8"), re.S).group(1)
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0] == "not_accepted"
    assert lines[1].startswith("1-1 not_accepted ['1-1.S1a', '1-1.S3c'")
    assert lines[2] == "1-2 needs_review []"
    assert "pass 174 190" in lines
    assert lines[-1] == "no-such-folder: rules folder does not exist"


def test_the_api_matches_the_command_line(tmp_path, monkeypatch):
    """`run` and `render` give the JSON report `complycheck evaluate --format json` writes, byte for byte."""
    from datetime import date

    monkeypatch.chdir(ROOT)  # input paths are reported as given, relative to the working folder
    report = complycheck.run("rules", "evidence", date(2022, 12, 15))
    out = tmp_path / "r.json"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "complycheck",
            "evaluate",
            "--as-of",
            "2022-12-15",
            "--format",
            "json",
            "--output",
            str(out),
        ],
        cwd=ROOT,
        capture_output=True,
        timeout=120,
    )
    assert complycheck.render(report, "json") == out.read_text("utf-8")
    assert json.loads(out.read_text("utf-8"))["verdict"] == report.verdict == "not_accepted"


def test_a_bureau_decision_set_through_the_api_is_applied_and_reported_and_a_contract_term_is_not():
    from datetime import date

    pack = complycheck.load_pack(ROOT / "rules", params={"1-1.S2a:min_attendance_ratio": 1})
    evidence = complycheck.load_evidence(ROOT / "evidence", pack)
    report = complycheck.evaluate(pack, evidence, date(2022, 12, 15))
    p = report.parameters["1-1.S2a:min_attendance_ratio"]
    assert (p.value, p.source) == (1, "api") and pack.rules[[r.id for r in pack.rules].index("1-1.S2a")].params[
        "min_attendance_ratio"
    ].value == 1
    try:
        complycheck.load_pack(
            ROOT / "rules", params={"threshold": 0.95}
        )  # the contract's 90%, not the bureau's to move
    except complycheck.ComplycheckError as e:
        assert "not a bureau decision" in e.render("en")
    else:
        raise AssertionError("a contract term was changed through the API")


def test_unknown_names_are_attribute_errors():
    try:
        complycheck.no_such_thing  # noqa: B018
    except AttributeError as e:
        assert "no_such_thing" in str(e)
    else:
        raise AssertionError("expected AttributeError")


def test_early_hashing_gives_every_manifest_file_the_digest_of_its_bytes_and_stops_when_cancelled(tmp_path):
    """`complycheck evaluate` hashes the evidence in the background from its first line (#17): the digests it
    reports must be the files' own, whatever the hashing overlapped with; a cancelled hashing stops between chunks."""
    import hashlib
    import shutil

    from complycheck.prehash import EarlyDigests, manifest_files

    ev = tmp_path / "ev"
    shutil.copytree(ROOT / "evidence", ev)
    early = EarlyDigests(ev)
    got = early.result()
    named = manifest_files(ev)
    assert len(named) > 20 and set(got) == {str(f) for f in named}
    for f in named:
        assert got[str(f)] == hashlib.sha256(f.read_bytes()).hexdigest()
    big = ev / "big.csv"
    big.write_bytes(b"x" * (64 << 20))  # 64 chunks of 1 MB
    (ev / "manifest.yaml").write_text("datasets:\n  a: {file: big.csv}\n", "utf-8")
    stopped = EarlyDigests(ev)
    stopped.cancel()
    assert stopped.result() == {}  # gave up before the last chunk, so nothing half-hashed is reported
    (ev / "manifest.yaml").write_text("datasets: [unclosed\n", "utf-8")
    assert EarlyDigests(ev).result() == {}  # a broken manifest: left to the loaders, which say what is wrong
