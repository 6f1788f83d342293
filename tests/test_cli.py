"""The command line: formats, languages, exit codes and clear one-line errors."""

import json
import shutil
import xml.etree.ElementTree as ET

import jsonschema

from conftest import ROOT, make_id

ARGS = ["evaluate", "--rules", str(ROOT / "rules"), "--evidence", str(ROOT / "evidence"), "--as-of", "2022-12-15"]


def test_text_report_in_chinese_by_default_and_english_on_request(cli):
    code, out, err = cli(*ARGS)
    assert code == 1 and err == ""
    assert "品目 1-1" in out and "结论: 验收不通过" in out and "1,429,200.00" in out
    code, out, _ = cli(*ARGS, "--lang", "en")
    assert code == 1 and "Line item 1-1" in out and "Verdict: not accepted" in out and "验收不通过" not in out


def test_json_report_follows_the_schema_and_is_byte_identical(cli):
    from importlib import resources

    code, out, _ = cli(*ARGS, "--format", "json")
    code2, out2, _ = cli(*ARGS, "--format", "json")
    assert code == code2 == 1 and out == out2
    data = json.loads(out)
    schema = json.loads(resources.files("complycheck.schemas").joinpath("report.schema.json").read_text("utf-8"))
    jsonschema.Draft202012Validator(schema).validate(data)
    assert data["schema_version"] == "1.3" and data["as_of"] == "2022-12-15" and data["verdict"] == "not_accepted"
    assert all(len(i["sha256"]) == 64 for i in data["inputs"]) and any(i["kind"] == "evidence" for i in data["inputs"])


def test_several_formats_in_one_run(cli, tmp_path):
    j, x, t = tmp_path / "r.json", tmp_path / "r.xml", tmp_path / "r.txt"
    code, out, _ = cli(*ARGS, "--output", str(t), "--report", f"json={j}", "--report", f"junit={x}")
    assert code == 1 and out == ""
    assert json.loads(j.read_text("utf-8"))["verdict"] == "not_accepted"
    root = ET.parse(x).getroot()
    suites = [s for s in root.findall("testsuite") if "次要" not in s.get("name")]  # minor rules: suites of their own
    assert [s.get("name").split(" ")[0] for s in suites] == ["1-1", "1-2", "1-3", "合同整体"]
    assert int(root.get("failures")) == 8 and root.find(".//testcase[@name]") is not None
    assert "结论" in t.read_text("utf-8")


def one_line_error(cli, *args):
    code, out, err = cli(*args)
    assert code == 2, (out, err)
    assert "Traceback" not in err + out and err.strip()
    return err.strip()


def test_missing_folder_is_exit_2(cli, tmp_path):
    err = one_line_error(cli, "evaluate", "--rules", str(tmp_path / "nope"))
    assert err == f"{tmp_path / 'nope'}: 规则目录不存在"


def test_broken_rule_file_names_file_line_and_column(cli, tmp_path):
    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules)
    (rules / "zz-broken.yaml").write_text('rules: [\n  - id: x\n    expect: "1 +"\n', "utf-8")
    err = one_line_error(cli, "evaluate", "--rules", str(rules), "--evidence", str(ROOT / "evidence"))
    assert err.endswith("zz-broken.yaml:2:3: YAML 语法错误：此处应有内容，却是“-”（方括号或花括号没有闭合？）")
    assert len(err.splitlines()) == 1


def test_misspelled_key_is_reported_with_a_suggestion(cli, tmp_path):
    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules)
    text = (rules / "1-2.yaml").read_text("utf-8").replace("    severity: critical", "    severty: critical", 1)
    (rules / "1-2.yaml").write_text(text, "utf-8")
    err = one_line_error(cli, "evaluate", "--rules", str(rules), "--lang", "en")
    assert "1-2.yaml:" in err and "unknown key 'severty'; did you mean 'severity'?" in err


def test_malformed_evidence_table_names_the_row(cli, tmp_path):
    ev = tmp_path / "evidence"
    shutil.copytree(ROOT / "evidence", ev)
    (ev / "评估复核抽查.csv").write_bytes('公民身份号码,复核日期\r\n1,"2022\r\n'.encode("gbk"))
    err = one_line_error(cli, "evaluate", "--evidence", str(ev), "--as-of", "2022-12-15")
    assert "评估复核抽查.csv:2" in err and "CSV 格式错误" in err


def test_usage_errors_are_exit_2(cli):
    assert cli("evaluate", "--format", "pdf")[0] == 2
    assert "--as-of 日期无效" in one_line_error(cli, *ARGS[:-1], "2022-13-45")
    assert "格式=文件" in one_line_error(cli, *ARGS, "--report", "json")


def test_unwritable_output_writes_nothing(cli, tmp_path):
    ok = tmp_path / "ok.json"
    err = one_line_error(cli, *ARGS, "--output", str(ok), "--report", f"junit={tmp_path / 'missing' / 'r.xml'}")
    assert "无法写入报告文件" in err and not ok.exists()


def test_internal_error_is_exit_3_without_traceback(cli, monkeypatch):
    import complycheck.api

    def boom(*a, **k):
        raise RuntimeError("kaboom " + make_id())

    monkeypatch.setattr(complycheck.api, "run", boom)
    code, out, err = cli(*ARGS)
    assert code == 3 and "Traceback" not in err and "内部错误" in err and "kaboom" in err
    assert make_id() not in err


def test_exit_0_when_every_line_item_is_accepted(cli, tmp_path):
    from conftest import CONTRACT

    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "pack.yaml").write_text(
        CONTRACT
        + """
rules:
  - {id: A1, line_item: A, clauses: [X.1], title: 都合格, from: people, expect: ok == True}
  - {id: B1, line_item: B, clauses: [X.2], title: 有人, from: people}
""",
        "utf-8",
    )
    ev = tmp_path / "ev"
    ev.mkdir()
    (ev / "manifest.yaml").write_text("datasets:\n  people: {file: p.csv}\n", "utf-8")
    (ev / "p.csv").write_text(f"公民身份号码,是否合格\n{make_id()},是\n", "utf-8")
    code, out, _ = cli("evaluate", "--rules", str(rules), "--evidence", str(ev))
    assert code == 0 and "验收通过" in out


def test_waiver_file_applies_and_a_malformed_one_is_exit_2(cli, tmp_path):
    w = tmp_path / "w.yaml"
    w.write_text(
        "waivers:\n  - {rule: 1-3.S8, reason: 疫情封控期间暂停集体活动, approver: 通辽市民政局, "
        "reference: 通民函〔2022〕88号, start: '2022-11-01', expires: '2023-03-31'}\n",
        "utf-8",
    )
    code, out, _ = cli(*ARGS, "--waivers", str(w), "--format", "json")
    r = [r for li in json.loads(out)["line_items"] for r in li["results"] if r["rule"] == "1-3.S8"][0]
    assert (
        r["status"] == "waived"
        and r["waiver"]["reference"] == "通民函〔2022〕88号"
        and r["details"]["status_before_waiver"] == "fail"
    )
    w.write_text("waivers:\n  - {rule: 1-3.S8, reason: 理由充分, approver: 局长, start: '2022-11-01'}\n", "utf-8")
    assert "缺少必填的键“expires”" in one_line_error(cli, *ARGS, "--waivers", str(w))


def test_the_installed_command_exits_at_once_with_every_output_flushed(tmp_path):
    """`complycheck` (the console script) leaves with os._exit after the command: the exit code, stdout, stderr
    and report files must all be complete."""
    import subprocess
    import sys
    from pathlib import Path

    exe = shutil.which("complycheck", path=str(Path(sys.executable).parent))
    assert exe is not None
    out = tmp_path / "r.json"
    p = subprocess.run(
        [
            exe,
            "evaluate",
            "--rules",
            str(ROOT / "rules"),
            "--evidence",
            str(ROOT / "evidence"),
            "--as-of",
            "2022-12-15",
            "--report",
            f"json={out}",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert (
        p.returncode == 1
        and p.stdout.startswith("合同 TLSZCS-C-F-220141")
        and p.stdout.rstrip().endswith("结论: 验收不通过")
    )
    assert json.loads(out.read_text("utf-8"))["verdict"] == "not_accepted"
    p = subprocess.run([exe, "evaluate", "--format", "bogus"], capture_output=True, text=True, timeout=60)
    assert p.returncode == 2 and "bogus" in p.stderr
    p = subprocess.run(
        [sys.executable, "-m", "complycheck", "evaluate", "--evidence", str(tmp_path / "none")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert p.returncode == 2 and "证据目录不存在" in p.stderr


def grow(csv_file, size: int) -> None:
    """Make a sample CSV at least `size` bytes by repeating its rows (the large-file paths start at 1 MB)."""
    data = csv_file.read_bytes()
    head, *rows = data.rstrip(b"\r\n").split(b"\r\n" if b"\r\n" in data else b"\n")
    body = b"\r\n".join(rows)
    csv_file.write_bytes(b"\r\n".join([head] + [body] * (size // len(body) + 1)) + b"\r\n")


def test_spill_option_gives_the_same_report(cli, tmp_path, monkeypatch):
    """--spill streams large tables from a temporary folder (here: only what is over the 8 MB threshold, i.e.
    nothing of the sample, so a big CSV is made); --no-spill keeps everything in memory. Same report."""
    import shutil

    ev = tmp_path / "ev"
    shutil.copytree(ROOT / "evidence", ev)
    roster = ev / "适老化改造户名册.csv"
    grow(roster, 9 * 1024 * 1024)
    assert roster.stat().st_size > 8 * 1024 * 1024
    from complycheck.evidence import tables

    spilled: list[str] = []
    keep = tables._Typer.keep
    monkeypatch.setattr(
        tables._Typer,
        "keep",
        lambda self, part, spill, name: (spilled.append(name) if spill else None, keep(self, part, spill, name))[1],
    )
    outs = []
    for flag in ("--spill", "--no-spill"):
        code, out, _ = cli("evaluate", "--evidence", str(ev), "--as-of", "2022-12-15", "--format", "json", flag)
        assert code == 1
        outs.append(out)
        assert set(spilled) == ({"retrofit_households"} if flag == "--spill" else set())
        spilled.clear()
    assert outs[0] == outs[1]


def test_progress_line_names_the_phase_the_dataset_and_the_records_read(capsys):
    from complycheck.console import Progress

    p = Progress("zh", enabled=True, after=0)
    p(0, 3, "老年人能力评估记录", 250_000)
    p(4, 65, "1-1.S1a", None, "rules")
    err = capsys.readouterr().err
    assert "读取证据 1/3: 老年人能力评估记录，已读 250,000 行" in err and "评估规则 5/65: 1-1.S1a" in err
    p.done()
    assert capsys.readouterr().err == "\r\x1b[K"
    quiet = Progress("en", enabled=False, after=0)  # not a terminal, or --quiet
    quiet(0, 3, "roster", 10)
    late = Progress("en", enabled=True, after=60)  # fast runs show nothing
    late(0, 3, "roster", 10)
    late.done()
    assert capsys.readouterr().err == ""


def test_loading_and_evaluating_report_progress(tmp_path, monkeypatch):
    """A large file reports the records read after each batch; then each rule decided."""
    import shutil
    from datetime import date

    from complycheck import api as app
    from complycheck.evidence import tables

    ev = tmp_path / "ev"
    shutil.copytree(ROOT / "evidence", ev)
    roster = ev / "适老化改造户名册.csv"
    grow(roster, 2 * 1024 * 1024)
    monkeypatch.setattr(tables, "BATCH_ROWS", 5000)
    heard = []
    app.run(
        ROOT / "rules",
        ev,
        date(2022, 12, 15),
        progress=lambda i, n, what, rows=None, phase="read": heard.append((phase, what, rows)),
    )
    from complycheck.pack import load_pack

    title = load_pack(ROOT / "rules").datasets["retrofit_households"].title
    counts = [rows for phase, what, rows in heard if phase == "read" and what == title and rows is not None]
    assert len(counts) >= 3 and counts == sorted(counts) and counts[0] == 5000
    rules = [what for phase, what, _ in heard if phase == "rules"]
    assert len(rules) == len(load_pack(ROOT / "rules").rules) and "1-1.S1a" in rules


def test_sigterm_unwinds_and_removes_the_spill_folder(tmp_path):
    """`kill` (or a CI timeout) in the middle of a spilled run: exit 130, and no personal data left in TMPDIR."""
    import os
    import subprocess
    import sys

    spool = tmp_path / "spool"
    spool.mkdir()
    code = """
import os, signal, sys
from complycheck.evidence import tables
keep = tables._Typer.keep
def keep_then_stop(self, part, spill, name):
    out = keep(self, part, spill, name)
    if spill is not None:
        assert any(spill.iterdir())
        os.kill(os.getpid(), signal.SIGTERM)
    return out
tables._Typer.keep = keep_then_stop
import complycheck.api as app
load = app.load_submission
app.load_submission = lambda pack, evidence, waivers, progress, folder, least: load(
    pack, evidence, waivers, progress, folder, 0
)  # spill all
sys.argv = ["complycheck", "evaluate", "--rules", sys.argv[1], "--evidence", sys.argv[2], "--as-of", "2022-12-15",
            "--spill", "--quiet"]
from complycheck.cli import entry
entry()
"""
    p = subprocess.run(
        [sys.executable, "-c", code, str(ROOT / "rules"), str(ROOT / "evidence")],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "TMPDIR": str(spool)},
    )
    assert p.returncode == 130 and "Traceback" not in p.stderr, p.stderr[-500:]
    assert list(spool.iterdir()) == []


def test_a_full_disk_while_spilling_is_a_clear_error_not_a_bug(cli, monkeypatch):
    import polars as pl

    def full(self, *a, **k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(pl.DataFrame, "write_ipc", full)
    from complycheck import api as app

    load = app.load_submission
    monkeypatch.setattr(app, "load_submission", lambda pk, e, w, p, f, m: load(pk, e, w, p, f, 0))
    code, _, err = cli("evaluate", "--as-of", "2022-12-15", "--spill")
    assert code == 2 and "磁盘已满" in err and "TMPDIR" in err and "Traceback" not in err


def test_spilling_is_decided_by_the_whole_evidence_folder(tmp_path):
    """Files in subfolders count too (a manifest may name data/roster.csv)."""
    from complycheck import api as app

    (tmp_path / "data" / "deep").mkdir(parents=True)
    (tmp_path / "manifest.yaml").write_bytes(b"x" * 10)
    (tmp_path / "data" / "a.csv").write_bytes(b"x" * 1000)
    (tmp_path / "data" / "deep" / "b.csv").write_bytes(b"x" * 500)
    (tmp_path / "data" / "link.csv").symlink_to(tmp_path / "data" / "a.csv")  # not counted twice
    assert app.evidence_bytes(tmp_path) == 1510


def test_bureau_decisions_are_set_per_run_typed_checked_and_reported(cli, tmp_path):
    import json as _json

    out = tmp_path / "r.json"
    code, _, err = cli(
        "evaluate",
        "--as-of",
        "2022-12-15",
        "--param",
        "deadline_grace_days=3",
        "--format",
        "json",
        "--output",
        str(out),
    )
    assert code == 1 and not err
    params = _json.loads(out.read_text("utf-8"))["parameters"]
    assert params["deadline_grace_days"] == {
        "value": 3,
        "type": "integer",
        "title": "截止日期宽限天数",
        "bureau_decision": True,
        "source": "--param",
    }
    assert params["1-1.S2a:min_attendance_ratio"]["source"] == "pack"
    code, _, err = cli("evaluate", "--as-of", "2022-12-15", "--param", "deadline_grace_day=3")
    assert code == 2 and "是不是“deadline_grace_days”" in err and err.count("\n") == 1
    code, _, err = cli("evaluate", "--as-of", "2022-12-15", "--param", "threshold=0.5")
    assert code == 2 and "不是民政局决定事项" in err and err.count("\n") == 1
    code, _, err = cli("evaluate", "--as-of", "2022-12-15", "--param", "deadline_grace_days=abc")
    assert code == 2 and "不是整数" in err
    f = tmp_path / "decisions.yaml"
    f.write_text("deadline_grace_days: 2\nnot_a_param: 1\n", "utf-8")
    code, _, err = cli("evaluate", "--as-of", "2022-12-15", "--params", str(f))
    assert code == 2 and f"{f}:2:1" in err and "not_a_param" in err
    f.write_text("deadline_grace_days: 2\n", "utf-8")
    code, text, _ = cli("evaluate", "--as-of", "2022-12-15", "--params", str(f))
    assert code == 1 and f"deadline_grace_days = 2（{f}）" in text
