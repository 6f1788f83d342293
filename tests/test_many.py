"""Many submissions in one process (#17.4): `complycheck batch` and `run_many`.

Each report must be byte-identical to a single `complycheck evaluate` of that folder; a broken submission is its own
input error (exit 2) and the others go on; the summary's exit code is the worst of them."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from conftest import ROOT

AS_OF = "2022-12-15"
FORMATS = ["json", "text", "html", "junit", "markdown", "rectification"]


@pytest.fixture(scope="module")
def submissions(tmp_path_factory) -> Path:
    """Four submission folders: the sample, its second round (fixed), one with no manifest, one with a broken
    table; generated here, never committed."""
    root = tmp_path_factory.mktemp("subs")
    shutil.copytree(ROOT / "evidence", root / "开鲁县")
    subprocess.run(
        [sys.executable, str(ROOT / "tools" / "generate_evidence.py"), "--fixed", str(root / "科尔沁区")],
        check=True,
        capture_output=True,
    )
    (root / "empty").mkdir()
    shutil.copytree(ROOT / "evidence", root / "torn")
    (root / "torn" / "养老护理员培训学员.csv").write_bytes(b"\xff\xfe\x00garbage,\n\x00\x00")
    (root / ".hidden").mkdir()  # not a submission
    return root


def test_every_report_is_byte_identical_to_a_single_evaluate(cli, submissions, tmp_path):
    out = tmp_path / "out"
    args = ["batch", "--rules", str(ROOT / "rules"), "--submissions", str(submissions), "-o", str(out)]
    code, stdout, _ = cli(*args, "--as-of", AS_OF, *(x for f in FORMATS for x in ("--format", f)), "--quiet")
    summary = json.loads((out / "summary.json").read_text("utf-8"))
    assert code == summary["exit_code"] == 2
    by = {s["submission"]: s for s in summary["submissions"]}
    assert list(by) == ["empty", "torn", "开鲁县", "科尔沁区"]  # sorted by name; .hidden skipped
    for name in ("开鲁县", "科尔沁区"):
        assert by[name]["exit_code"] == 1 and set(by[name]["reports"]) == set(FORMATS)
        for fmt in FORMATS:
            single = tmp_path / f"single-{fmt}"
            evidence = str(submissions / name)
            code1, _, _ = cli("evaluate", "--rules", str(ROOT / "rules"), "--evidence", evidence, "--as-of", AS_OF,
                              "--format", fmt, "-o", str(single))  # fmt: skip
            assert code1 == 1
            batch = Path(by[name]["reports"][fmt])
            assert batch.read_bytes() == single.read_bytes(), (name, fmt)
    assert by["开鲁县"]["verdict"] == "not_accepted" and "1-1.S1a" in by["开鲁县"]["failing_rules"]
    assert by["科尔沁区"]["verdict"] == "needs_review" and by["科尔沁区"]["line_items"]["1-2"] == "needs_review"
    for name in ("empty", "torn"):
        assert by[name]["exit_code"] == 2 and by[name]["error"] and "reports" not in by[name]
        assert not list(out.glob(f"{name}.*"))
    assert "manifest" in by["empty"]["error"]
    assert "养老护理员培训学员.csv" in by["torn"]["error"]
    text = (out / "summary.txt").read_text("utf-8")
    assert text == stdout and "输入错误" in text and "4 份提交，退出码 2" in text


def test_the_summary_in_english_and_the_worst_exit_code(cli, submissions, tmp_path):
    good = tmp_path / "good"
    good.mkdir()
    shutil.copytree(submissions / "科尔沁区", good / "r2")
    code, out, _ = cli("batch", "--rules", str(ROOT / "rules"), "--submissions", str(good), "-o", str(tmp_path / "o"),
                       "--as-of", AS_OF, "--lang", "en", "-q")  # fmt: skip
    assert code == 1 and "needs review" in out and "1 submissions, exit code 1" in out
    assert (tmp_path / "o" / "r2.txt").read_text("utf-8").startswith("Contract")


def test_two_at_a_time_gives_what_one_at_a_time_gives(submissions):
    from complycheck import render, run_many

    one = run_many(ROOT / "rules", submissions, date(2022, 12, 15), jobs=1)
    two = run_many(ROOT / "rules", submissions, date(2022, 12, 15), jobs=2)
    assert [o.name for o in one] == [o.name for o in two] == ["empty", "torn", "开鲁县", "科尔沁区"]
    assert [o.code for o in one] == [o.code for o in two] == [2, 2, 1, 1]
    for a, b in zip(one, two, strict=True):
        assert (render(a.report, "json") if a.report else a.error.render()) == (
            render(b.report, "json") if b.report else b.error.render()
        )


def test_a_bug_on_one_submission_is_exit_3_for_that_one_only(submissions, monkeypatch):
    from complycheck import api
    from complycheck.batch import run_many, worst

    real = api.run_on

    def flaky(pack, folder, *a, **kw):
        if folder.name == "开鲁县":
            raise RuntimeError("boom 150502199001011234")
        return real(pack, folder, *a, **kw)

    monkeypatch.setattr(api, "run_on", flaky)
    folders = [submissions / "开鲁县", submissions / "科尔沁区"]
    outcomes = run_many(ROOT / "rules", folders, date(2022, 12, 15), jobs=1)  # in this process: patched
    assert [o.code for o in outcomes] == [3, 1] and worst(outcomes) == 3
    assert outcomes[0].bug == "RuntimeError: boom 150502********1234"


def test_a_stale_report_of_a_now_broken_submission_is_removed(cli, submissions, tmp_path):
    subs = tmp_path / "subs"
    shutil.copytree(submissions / "开鲁县", subs / "a")
    out = subs / "reports"  # the output folder inside the submissions folder is not a submission
    args = ["batch", "--rules", str(ROOT / "rules"), "--submissions", str(subs), "-o", str(out), "--as-of", AS_OF]
    assert cli(*args, "-q")[0] == 1 and (out / "a.txt").is_file()
    (subs / "a" / "manifest.yaml").write_text("datasets: [\n", "utf-8")
    code, text, _ = cli(*args, "-q")
    assert code == 2 and not (out / "a.txt").exists() and "manifest.yaml:2" in text


def test_input_errors_of_the_whole_batch(cli, submissions, tmp_path):
    rules = str(ROOT / "rules")
    code, _, err = cli("batch", "--rules", rules, "--submissions", str(tmp_path / "none"), "-o", str(tmp_path / "o"))
    assert code == 2 and "提交目录不存在" in err
    clash = tmp_path / "clash"
    shutil.copytree(submissions / "开鲁县", clash / "summary")
    code, _, err = cli("batch", "--rules", rules, "--submissions", str(clash), "-o", str(tmp_path / "o2"))
    assert code == 2 and "summary.txt" in err
    bad = tmp_path / "waivers.yaml"
    bad.write_text("waivers: 3\n", "utf-8")
    code, out, err = cli("batch", "--rules", rules, "--submissions", str(submissions), "-o", str(tmp_path / "o3"),
                         "--waivers", str(bad))  # fmt: skip
    assert code == 2 and out == "" and err.count("waivers.yaml") == 1


def test_an_interrupt_stops_the_batch(submissions):
    from complycheck.batch import run_many

    told = []

    def stop(outcome):
        told.append(outcome.name)
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_many(ROOT / "rules", [submissions / "开鲁县"] * 6, date(2022, 12, 15), jobs=2, each=stop)
    assert told == ["开鲁县"]
