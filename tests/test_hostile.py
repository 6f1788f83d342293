"""A hostile corpus, built at test time: every case gives exit 2 or a correct verdict, never a traceback,
each in under 10 s and 256 MB, and nothing leaks or runs."""

import io
import os
import re
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
import yaml
from openpyxl import Workbook

from conftest import CONTRACT, ROOT, make_id

# Peak memory is read by the child itself from /proc (VmHWM of its own address space): a parent's rusage of its
# children also counts the pages of the forked copy of the (large) test process, which is not what we measure.
WRAPPER = """
import atexit, sys, runpy
out = sys.argv[1]
def hwm():
    with open('/proc/self/status') as f:
        kb = next(int(l.split()[1]) for l in f if l.startswith('VmHWM'))
    with open(out, 'w') as f:
        f.write(str(kb))
atexit.register(hwm)
import os
_exit = os._exit
def leave(code):  # the console script leaves with os._exit, which skips atexit
    hwm()
    _exit(code)
os._exit = leave
sys.argv = ['complycheck'] + sys.argv[2:]
runpy.run_module('complycheck', run_name='__main__')
"""
RULES = (
    CONTRACT
    + """
rules:
  - {id: A1, line_item: A, clauses: [X.1], title: 都合格, from: people, expect: ok == True}
  - {id: B1, line_item: B, clauses: [X.2], title: 有走访, from: visits}
"""
)
PID = make_id()


def run(args: list[str], cwd: Path) -> tuple[int, str, float, int]:
    """Exit code, output, wall seconds and the peak RSS (KiB) of the complycheck process itself."""
    t0 = time.monotonic()
    hwm_file = cwd / ".hwm"
    res = subprocess.run(
        [sys.executable, "-c", WRAPPER, str(hwm_file), *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "COMPLYCHECK_DEBUG": ""},
    )
    elapsed = time.monotonic() - t0
    peak = int(hwm_file.read_text()) if hwm_file.exists() else 0
    hwm_file.unlink(missing_ok=True)
    return res.returncode, res.stdout + res.stderr, elapsed, peak


def check(code: int, out: str, elapsed: float, rss_kb: int, allowed=(2,)) -> None:
    assert "Traceback" not in out, out
    assert code in allowed, (code, out[-500:])
    assert elapsed < 10, elapsed
    assert 0 < rss_kb < 256 * 1024, rss_kb


# ----------------------------------------------------------------------------- rule files
RULE_CASES = {
    "billion_laughs": "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
    "c: [*b, *b, *b, *b, *b, *b, *b, *b, *b]\n",
    "python_tag": "rules: !!python/object/apply:os.system ['touch pwned']\n",
    "deep_nesting": "rules: " + "[" * 5000 + "]" * 5000 + "\n",
    "huge_file": "# " + "x" * (3 * 1024 * 1024) + "\n",
    "empty": "",
    "list_top": "- a\n- b\n",
    "scalar_top": "hello\n",
    "duplicate_keys": "rules: []\nrules: []\n",
    "fullwidth_colon": "rules：[]\n",
    "ideographic_indent": "rules:\n\u3000- id: x\n",
    "control_chars": 'rules: []\nx: "\x1b[31mred"\n',
    "nul_bytes": "rules: []\n\x00\n",
    "lone_surrogate": 'rules:\n  - {id: "\\ud800", line_item: A, clauses: [X.1], title: t, from: people}\n',
    "lone_surrogate_key": 'rules: []\nparameters: {"\\udc00": 1}\n',
    "huge_integer": "rules: []\nparameters: {n: " + "9" * 5000 + "}\n",
    "yes_as_text": "rules:\n  - {id: Y1, line_item: yes, clauses: [X.1], title: t, from: people}\n",
}
EXPRESSIONS = [
    "__import__('os').system('touch pwned')",
    "().__class__.__bases__[0].__subclasses__()",
    "(lambda: 1)()",
    "10 ** 10 ** 10",
    "'a' * 10 ** 9 == name",
    "f'{ok:>999999999}' == name",
    "(" * 1000 + "ok" + ")" * 1000,
    "ok == True or " * 20000 + "ok",
    "ok = True",
    "ok == True; __import__('os')",
    "[x for x in range(10**9)]",
    "ok and open('/etc/passwd')",
    "True or __import__('os').system('touch pwned')",
    "getattr(ok, '__class__')",
    "name.__len__() > 1",
    "n / 0 > 1",
    "ok == float('nan')",
    "date('2022-02-30') < day",
    "days(10 ** 15) > day",
]


@pytest.mark.parametrize("name", sorted(RULE_CASES))
def test_hostile_rule_files(tmp_path, name):
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "a.yaml").write_text(CONTRACT + "rules: []\n", "utf-8")
    (rules / "b.yaml").write_bytes(RULE_CASES[name].encode("utf-8"))
    code, out, t, rss = run(["evaluate", "--rules", str(rules), "--evidence", str(tmp_path)], tmp_path)
    check(code, out, t, rss)
    assert len(out.strip().splitlines()) >= 1 and "b.yaml" in out
    assert not (tmp_path / "pwned").exists()


def test_yaml_11_octal_stays_text(tmp_path):
    from complycheck.pack import load_pack_texts

    pack = load_pack_texts(
        {"a.yaml": CONTRACT + "rules:\n  - {id: 010, line_item: A, clauses: [X.1], title: t, from: people}\n"}
    )
    assert [r.id for r in pack.rules] == ["010"]


@pytest.mark.parametrize("encoding", ["utf-16", "gbk"])
def test_rule_files_in_other_encodings(tmp_path, encoding):
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "a.yaml").write_bytes((CONTRACT + "rules: []\n").encode(encoding))
    code, out, t, rss = run(["validate", "--rules", str(rules)], tmp_path)
    check(code, out, t, rss)
    assert ("UTF-16" in out) if encoding == "utf-16" else ("GBK" in out and "a.yaml:" in out)


def test_bom_is_accepted(tmp_path):
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "a.yaml").write_bytes("\ufeff".encode() + RULES.encode())
    code, out, t, rss = run(["validate", "--rules", str(rules)], tmp_path)
    check(code, out, t, rss, allowed=(0,))


@pytest.mark.parametrize("expr", EXPRESSIONS)
def test_hostile_expressions(tmp_path, expr):
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "a.yaml").write_text(
        CONTRACT
        + "rules:\n  - id: H1\n    line_item: A\n    clauses: [X.1]\n    title: t\n    from: people\n    expect: "
        + yaml.safe_dump(expr, width=10**9).split("\n...")[0].strip()
        + "\n",
        "utf-8",
    )
    ev = evidence_dir(tmp_path, "p.csv", f"公民身份号码,姓名,是否合格,次数,日期\n{PID},王芳,是,1,2022-10-01\n".encode())
    code, out, t, rss = run(
        ["evaluate", "--rules", str(rules), "--evidence", str(ev), "--as-of", "2022-12-15"], tmp_path
    )
    check(code, out, t, rss, allowed=(1, 2))
    if code == 1:  # evaluated: the result is a defined status, never a crash
        assert "H1" in out
    assert not (tmp_path / "pwned").exists() and PID not in out


# ----------------------------------------------------------------------------- evidence
def evidence_dir(tmp: Path, file: str, data: bytes | None, entry: dict | None = None) -> Path:
    ev = tmp / "ev"
    ev.mkdir(exist_ok=True)
    if data is not None and "\x00" not in file:
        (ev / file).write_bytes(data)
    (ev / "manifest.yaml").write_text(
        yaml.safe_dump({"datasets": {"people": {"file": file, **(entry or {})}}}, allow_unicode=True), "utf-8"
    )
    return ev


def xlsx(build) -> bytes:
    wb = Workbook()
    build(wb)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _formula_and_hidden(wb):
    ws = wb.active
    ws.append(["公民身份号码", "是否合格", "次数"])
    ws.append([PID, "是", "=1+1"])
    hidden = wb.create_sheet("hidden", 0)
    hidden.sheet_state = "hidden"
    hidden.append(["nothing", "here"])


def _date1904(wb):
    wb.epoch = __import__("openpyxl").utils.datetime.CALENDAR_MAC_1904
    ws = wb.active
    ws.append(["公民身份号码", "日期", "是否合格"])
    ws.append([PID, __import__("datetime").date(2022, 10, 31), "是"])


def _sci_ids(wb):
    ws = wb.active
    ws.append(["公民身份号码", "是否合格"])
    ws.append([150502195001010000.0, "是"])


def zip_bomb() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/workbook.xml", "<workbook/>")
        with z.open("xl/worksheets/sheet1.xml", "w") as part:
            chunk = b"\0" * (1024 * 1024)
            for _ in range(120):
                part.write(chunk)
    return buf.getvalue()


def entity_xlsx() -> bytes:
    good = xlsx(lambda wb: wb.active.append(["公民身份号码"]))
    src = zipfile.ZipFile(io.BytesIO(good))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                rest = body.split(b"?>", 1)[1] if body.startswith(b"<?xml") else body
                body = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a SYSTEM "file:///etc/passwd">]>' + rest
            z.writestr(info, body)
    return buf.getvalue()


EVIDENCE_CASES = {
    "utf16_text": ("p.csv", f"公民身份号码\t是否合格\r\n{PID}\t是\r\n".encode("utf-16"), None, (1,)),
    "gb18030_rare": ("p.csv", f"公民身份号码,姓名,是否合格\r\n{PID},𠀀䶮,是\r\n".encode("gb18030"), None, (1,)),
    "ragged_rows": (
        "p.csv",
        f"公民身份号码,是否合格\r\n{PID},是,extra,more\r\n{make_id(seq=3)}\r\n".encode(),
        None,
        (1,),
    ),
    "duplicate_and_blank_headers": (
        "p.csv",
        f"公民身份号码,,是否合格,是否合格\r\n{PID},x,是,否\r\n".encode(),
        None,
        (1,),
    ),
    "empty_file": ("p.csv", b"", None, (2,)),
    "header_only": ("p.csv", "公民身份号码,是否合格\r\n".encode(), None, (1,)),
    "quoted_newlines": ("p.csv", f'公民身份号码,姓名,是否合格\r\n{PID},"王\n芳",是\r\n'.encode(), None, (1,)),
    "unterminated_quote": ("p.csv", f'公民身份号码,姓名\r\n{PID},"王芳\r\n'.encode(), None, (2,)),
    "formula_and_hidden_sheet": ("p.xlsx", xlsx(_formula_and_hidden), None, (1,)),
    "date_1904": ("p.xlsx", xlsx(_date1904), {"date_system": 1904}, (1,)),
    "excel_mangled_ids": ("p.xlsx", xlsx(_sci_ids), None, (1,)),
    "corrupted_xlsx": ("p.xlsx", b"PK\x03\x04" + os.urandom(2000), None, (2,)),
    "truncated_xlsx": ("p.xlsx", xlsx(_sci_ids)[:700], None, (2,)),
    "zip_bomb": ("p.xlsx", zip_bomb, None, (2,)),
    "xml_entities": ("p.xlsx", entity_xlsx, None, (2,)),
    "path_traversal": ("../../etc/passwd", None, None, (2,)),
    "absolute_path": ("/etc/passwd", None, None, (2,)),
    "json_huge_integer": ("p.json", f'[{{"公民身份号码": "{PID}", "次数": {"9" * 5000}}}]'.encode(), None, (2,)),
    "json_lone_surrogate": ("p.json", f'[{{"公民身份号码": "{PID}", "是否合格": "\\ud800"}}]'.encode(), None, (2,)),
    "json_surrogate_key": ("p.json", f'[{{"公民身份号码": "{PID}", "\\udc00": "是"}}]'.encode(), None, (2,)),
    "json_surrogate_pair_is_fine": (
        "p.json",
        f'[{{"公民身份号码": "{PID}", "姓名": "\\ud840\\udc00"}}]'.encode(),
        None,
        (1,),
    ),
    "yaml_lone_surrogate": ("p.yaml", f'- {{公民身份号码: "{PID}", 是否合格: "\\ud800"}}\n'.encode(), None, (2,)),
    "yaml_huge_integer": ("p.yaml", f'- {{公民身份号码: "{PID}", 次数: {"9" * 5000}}}\n'.encode(), None, (2,)),
    "nul_in_file_name": ("a\x00.csv", None, None, (2,)),
    "binary_garbage_csv": ("p.csv", os.urandom(5000), None, (1, 2)),
    "control_sequences": (
        "p.csv",
        f"公民身份号码,姓名,是否合格,旗县市区\r\n{PID},王芳,否,\x1b[2J\x1b]0;pwn\x07\r\n".encode(),
        None,
        (1,),
    ),
}


@pytest.mark.parametrize("name", sorted(EVIDENCE_CASES))
def test_hostile_evidence(tmp_path, name):
    file, data, entry, allowed = EVIDENCE_CASES[name]
    data = data() if callable(data) else data
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "a.yaml").write_text(RULES, "utf-8")
    ev = evidence_dir(tmp_path, file, data, entry)
    code, out, t, rss = run(
        ["evaluate", "--rules", str(rules), "--evidence", str(ev), "--as-of", "2022-12-15", "--format", "text"],
        tmp_path,
    )
    check(code, out, t, rss, allowed)
    assert PID not in out and "\x1b" not in out and "root:x:" not in out


def test_a_yaml_bomb_in_the_manifest_is_refused_before_anything_reads_it(tmp_path):
    """The manifest is read early (its files are hashed while the pack is parsed): a billion-laughs file name must be
    refused by the strict loader there too, in bounded time and memory."""
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "a.yaml").write_text(RULES, "utf-8")
    ev = tmp_path / "ev"
    ev.mkdir()
    laughs = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{c}: &{c} [{', '.join(['*' + p] * 9)}]\n" for p, c in zip("abcdefgh", "bcdefghi", strict=True)
    )
    (ev / "manifest.yaml").write_text(laughs + "datasets:\n  people: {file: *i}\n", "utf-8")
    code, out, t, rss = run(
        ["evaluate", "--rules", str(rules), "--evidence", str(ev), "--as-of", "2022-12-15"], tmp_path
    )
    check(code, out, t, rss)
    assert "锚点" in out or "别名" in out


@pytest.mark.parametrize("where", ["manifest", "rules"])
def test_file_names_that_are_not_unicode_are_input_errors(tmp_path, where):
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "a.yaml").write_text(RULES, "utf-8")
    ev = evidence_dir(tmp_path, "p.csv", f"公民身份号码,是否合格\r\n{PID},是\r\n".encode())
    if where == "manifest":  # an escape for a lone surrogate: no file system can be asked about it
        (ev / "manifest.yaml").write_text('datasets:\n  people: {file: "\\ud800.csv"}\n', "utf-8")
    else:  # a rule file whose name is bytes that are not UTF-8
        with open(os.path.join(os.fsencode(rules), b"\xff\xfe.yaml"), "wb") as f:
            f.write(b"rules: []\n")
    code, out, t, rss = run(["evaluate", "--rules", str(rules), "--evidence", str(ev)], tmp_path)
    check(code, out, t, rss)
    assert "Unicode" in out and ("manifest.yaml:2:" in out or ".yaml" in out), out


def test_symlink_and_special_files_are_refused(tmp_path):
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "a.yaml").write_text(RULES, "utf-8")
    ev = evidence_dir(tmp_path, "p.csv", None)
    (ev / "p.csv").symlink_to("/etc/passwd")
    code, out, t, rss = run(["evaluate", "--rules", str(rules), "--evidence", str(ev)], tmp_path)
    check(code, out, t, rss)
    assert "root:x:" not in out and "链接" in out
    (ev / "p.csv").unlink()
    os.mkfifo(ev / "p.csv")
    code, out, t, rss = run(["evaluate", "--rules", str(rules), "--evidence", str(ev)], tmp_path)
    check(code, out, t, rss)
    assert "不是普通文件" in out


def test_large_csv_in_bounded_time_and_memory(tmp_path):
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "a.yaml").write_text(RULES, "utf-8")
    line = f"{PID},王芳,是,科尔沁区,2022-10-01,1,1,\r\n".encode()
    data = "公民身份号码,姓名,是否合格,旗县市区,日期,金额,次数,标签\r\n".encode() + line * 200_000
    ev = evidence_dir(tmp_path, "p.csv", data)
    code, out, t, rss = run(
        ["evaluate", "--rules", str(rules), "--evidence", str(ev), "--as-of", "2022-12-15"], tmp_path
    )
    check(code, out, t, rss, allowed=(1,))
    assert "200000/200000" in out


def test_report_output_is_atomic_and_never_outside_the_path(tmp_path):
    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules)
    before = set(os.listdir(tmp_path))
    code, out, t, rss = run(
        [
            "evaluate",
            "--rules",
            str(rules),
            "--evidence",
            str(ROOT / "evidence"),
            "--as-of",
            "2022-12-15",
            "--output",
            str(tmp_path / "r.json"),
            "--format",
            "json",
            "--report",
            "html=/nonexistent/x.html",
        ],
        tmp_path,
    )
    check(code, out, t, rss)
    assert set(os.listdir(tmp_path)) == before  # nothing half-written, no temp files left


# ----------------------------------------------------------------------------- round two (#13): never guess
AMBIGUOUS = [  # (column header, cell text): each is unreadable, reported with file, row and column
    ("日期", "2022年10月"),
    ("日期", "2022-10"),
    ("日期", "22/10/05"),
    ("日期", "22.10.31"),
    ("日期", "60"),
    ("日期", "2022年10月—11月"),
    ("金额", "1,5"),
    ("金额", "1_000"),
    ("金额", "394.500,00"),
    ("金额", "1 000"),
    ("次数", "1_000"),
    ("次数", "1" * 40),
    ("是否合格", "X"),
    ("是否合格", "x"),
]


def _report(tmp_path: Path, ev: Path, rules_text: str) -> tuple[int, dict]:
    import json

    rules = tmp_path / "rules"
    rules.mkdir(exist_ok=True)
    (rules / "a.yaml").write_text(rules_text, "utf-8")
    out = tmp_path / "r.json"
    code, text, t, rss = run(
        ["evaluate", "--rules", str(rules), "--evidence", str(ev), "--as-of", "2022-12-15", "--format", "json"]
        + ["--output", str(out)],
        tmp_path,
    )
    check(code, text, t, rss, allowed=(0, 1))
    return code, json.loads(out.read_text("utf-8"))


@pytest.mark.parametrize("header,cell", AMBIGUOUS)
def test_ambiguous_cells_are_unreadable_not_guessed(tmp_path, header, cell):
    headers = ["公民身份号码", "日期", "金额", "次数", "是否合格"]
    row = [PID, "2022-10-01", "1", "1", "是"]
    row[headers.index(header)] = cell
    data = (",".join(headers) + "\r\n" + ",".join(f'"{c}"' for c in row) + "\r\n").encode()
    ev = evidence_dir(tmp_path, "p.csv", data)
    rules = RULES + "  - {id: C1, line_item: A, clauses: [X.1], title: 有值, from: people, expect: present(day)"
    rules += " and present(amount) and present(n) and present(ok)}\n"
    code, rep = _report(tmp_path, ev, rules)
    hits = [p for p in rep["data_problems"] if p["column"] == header and p["row"] == 2]
    assert hits and "p.csv" in hits[0]["file"], rep["data_problems"]
    results = {r["rule"]: r for li in rep["line_items"] for r in li["results"]}
    assert results["C1"]["status"] != "pass"  # read as blank (unknown), never as a value


def _serial_60(wb):
    ws = wb.active
    ws.append(["公民身份号码", "日期", "是否合格"])
    ws.append([PID, 60, "是"])
    ws.cell(2, 2).number_format = "yyyy-mm-dd"  # Excel shows the 1900-02-29 that never was


def test_excel_phantom_leap_day_is_unreadable(tmp_path):
    ev = evidence_dir(tmp_path, "p.xlsx", xlsx(_serial_60))
    code, rep = _report(
        tmp_path,
        ev,
        RULES + "  - {id: D1, line_item: A, clauses: [X.1], title: t, from: people, expect: present(day)}\n",
    )
    assert [p["row"] for p in rep["data_problems"] if p["column"] == "日期"] == [2], rep["data_problems"]
    assert "1900-02-28" not in str(rep)


@pytest.mark.parametrize("cell", ["2022-10-31T23:30:00+08:00", "2022-10-31 23:30-05:00", "2022-10-31T23:30:00Z"])
def test_a_date_time_with_an_offset_is_its_local_calendar_date(tmp_path, cell):
    data = f"公民身份号码,日期,是否合格\r\n{PID},{cell},是\r\n".encode()
    ev = evidence_dir(tmp_path, "p.csv", data)
    rules = (
        RULES
        + "  - {id: D1, line_item: A, clauses: [X.1], title: 当日, from: people, expect: day == date('2022-10-31')}\n"
    )
    code, rep = _report(tmp_path, ev, rules)
    results = {r["rule"]: r for li in rep["line_items"] for r in li["results"]}
    assert results["D1"]["status"] == "pass", results["D1"]
    assert not [p for p in rep["data_problems"] if p["column"] == "日期"]


# ----------------------------------------------------------------------------- round two (#13): rows without data
def _results(rep: dict) -> dict:
    return {r["rule"]: r for li in rep["line_items"] for r in li["results"]}


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_a_row_of_spaces_is_not_a_row(tmp_path, kind):
    rows = [
        ["公民身份号码", "姓名", "是否合格", "旗县市区"],
        [PID, "王芳", "是", "科尔沁区"],
        [" ", "\u3000", "  ", " "],
    ]
    if kind == "csv":
        ev = evidence_dir(tmp_path, "p.csv", "".join(",".join(r) + "\r\n" for r in rows).encode())
    else:
        ev = evidence_dir(tmp_path, "p.xlsx", xlsx(lambda wb: [wb.active.append(r) for r in rows]))
    code, rep = _report(tmp_path, ev, RULES)
    assert _results(rep)["A1"]["measured"]["denominator"] == 1, _results(rep)["A1"]


@pytest.mark.parametrize("total", ["合计", "总计", "合  计"])
def test_rows_below_a_total_row_are_not_data(tmp_path, total):
    text = f"公民身份号码,是否合格,次数\r\n{PID},是,1\r\n{total},,1\r\n{make_id(seq=5)},否,1\r\n制表人：张三,,\r\n"
    ev = evidence_dir(tmp_path, "p.csv", text.encode())
    code, rep = _report(tmp_path, ev, RULES)
    assert _results(rep)["A1"]["measured"]["denominator"] == 1, _results(rep)["A1"]
    below = [p for p in rep["data_problems"] if p["row"] == 4]
    assert below and "合计" in below[0]["message"]["zh"], rep["data_problems"]  # said, never silent


@pytest.mark.parametrize("size", ["small", "large"])
def test_a_short_row_is_reported_like_a_long_one(tmp_path, size):
    line = f"{PID},王芳,是,1\r\n"
    filler = line * (1 if size == "small" else 40_000)  # large: over 1 MB, the streamed reader
    text = "公民身份号码,姓名,是否合格,次数\r\n" + filler + f"{make_id(seq=7)},李娜\r\n" + f"{PID},王芳,是,1,多余\r\n"
    ev = evidence_dir(tmp_path, "p.csv", text.encode())
    code, rep = _report(tmp_path, ev, RULES)
    n = filler.count("\n")
    rows = {p["row"]: p for p in rep["data_problems"]}
    assert n + 2 in rows and n + 3 in rows, rep["data_problems"]
    assert rows[n + 2]["level"] == rows[n + 3]["level"] == "warning"


# ----------------------------------------------------------------------------- round two (#13): printing never fails
@pytest.mark.parametrize("encoding", ["gbk", "ascii", "latin-1"])
@pytest.mark.parametrize("command", ["evaluate", "validate", "explain"])
def test_printing_never_crashes_whatever_the_output_encoding(tmp_path, encoding, command):
    args = {"evaluate": ["evaluate", "--as-of", "2022-12-15"], "validate": ["validate"], "explain": ["explain"]}
    args["explain"] += ["1-1.S1a", "--evidence", str(ROOT / "evidence")]
    base = [sys.executable, "-m", "complycheck", *args[command]]
    plain = subprocess.run(base, cwd=ROOT, capture_output=True, timeout=120)
    res = subprocess.run(
        base, cwd=ROOT, capture_output=True, timeout=120, env={**os.environ, "PYTHONIOENCODING": encoding}
    )
    # every byte is of the encoding asked for, or (click's choice for a console that says ASCII) UTF-8
    out = (res.stdout + res.stderr).decode("utf-8" if encoding == "ascii" else encoding, "strict")
    assert res.returncode == plain.returncode and res.returncode in (0, 1), out[-500:]
    assert "Traceback" not in out and "内部错误" not in out and "internal error" not in out
    if encoding == "gbk" and command == "evaluate":  # Chinese stays; marks GBK lacks become the nearest it has
        assert "验收不通过" in out and "√ [通过]" in out and "× [不通过]" in out and "✓" not in out


# ----------------------------------------------------------------------------- round two (#13): a zero denominator
def test_a_division_by_a_cell_holding_0_is_a_zero_denominator_naming_the_column(tmp_path):
    text = f"公民身份号码,金额,次数\r\n{PID},5,0\r\n{make_id(seq=2)},5,1\r\n{make_id(seq=3)},5,\r\n"
    ev = evidence_dir(tmp_path, "p.csv", text.encode())
    rules = RULES + "  - {id: Z1, line_item: A, clauses: [X.1], title: 均值, from: people, expect: amount / n >= 1}\n"
    rules += "  - {id: Z2, line_item: A, clauses: [X.1], title: 范围, from: people, where: amount / (n - 1) > 1,"
    rules += " expect: present(amount)}\n"
    code, rep = _report(tmp_path, ev, rules)
    z1, z2 = _results(rep)["Z1"], _results(rep)["Z2"]
    reasons = {f["row"]: (f["reason"]["zh"], f["reason"]["en"]) for f in z1["failures"]}
    assert reasons[2] == (
        "除数为 0（列 n“次数”）无法判断：amount / n >= 1",
        "zero denominator (column n“次数”), unknown: amount / n >= 1",
    )
    assert "空白" in reasons[4][0]  # a blank cell is still a blank cell
    assert z1["details"]["rows_zero_denominator"] == 1 and z1["details"]["zero_denominator_columns"] == ["n"]
    assert "1 行因除数为 0（列 n“次数”）" in z1["message"]["zh"] and "zero denominator" in z1["message"]["en"]
    # the denominator is an expression: the row where n - 1 is 0 is undecided for the scope, and says why
    scope = {f["row"]: f["reason"]["zh"] for f in z2["failures"]}
    assert "除数为 0：列 n“次数”" in scope[3], z2["failures"]
    assert z2["details"]["rows_zero_denominator"] == 1 and "除数为 0" in z2["message"]["zh"]


# ----------------------------------------------------------------------------- round two (#13): long cells
LONG_RULES = (
    CONTRACT.replace("{type: string, header: 旗县市区}", "{type: string, header: 旗县市区, values: [科尔沁区, 开鲁县]}")
    + """
rules:
  - {id: L1, line_item: A, clauses: [X.1], title: 区, from: people, expect: district in params.districts}
  - {id: L2, line_item: A, clauses: [X.1], title: 有值, from: people,
     expect: present(day) and present(amount) and present(n) and present(ok) and name != 'x'}
  - {id: L3, line_item: A, clauses: [X.1], title: 分组, from: people, group_by: district, min: 2}
  - {id: L4, line_item: B, clauses: [X.2], title: 每人, from: people, group_by: name, min: 2}
"""
)


@pytest.mark.parametrize(
    "args",
    [["evaluate", "--format", "text"], ["evaluate", "--format", "json"], ["evaluate", "--format", "markdown"]]
    + [["validate"]],
)
def test_messages_quote_at_most_a_short_prefix_of_a_long_cell(tmp_path, args):
    long = "长" * 10_000
    header = ["公民身份号码", "姓名", "旗县市区", "日期", "金额", "次数", "是否合格", "标签", "旗县市区"]
    rows = [
        [PID, "王芳", long, long, long, long, long, long, long],
        [long, long, "科尔沁区", "2022-10-01", "1", "1", "是"],
    ]
    ev = evidence_dir(tmp_path, "p.csv", "".join(",".join(r) + "\r\n" for r in [header, rows[0], rows[1]]).encode())
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "a.yaml").write_text(LONG_RULES, "utf-8")
    extra = ["--as-of", "2022-12-15"] if args[0] == "evaluate" else []
    code, out, t, rss = run([args[0], "--rules", str(rules), "--evidence", str(ev), *extra, *args[1:]], tmp_path)
    check(code, out, t, rss, allowed=(0, 1))  # validate: unreadable cells are warnings (evaluate: not accepted)
    assert "长" * 40 + "…" in out  # quoted, as a prefix
    assert "长" * 41 not in out and "*" * 41 not in out


# ----------------------------------------------------------------------------- round two (#13): one reading of a cell
def test_validate_and_evaluate_agree_that_an_unreadable_cell_is_a_data_problem(tmp_path):
    """An unreadable cell is a data problem, never an input error: both commands report it as a warning with file,
    row and column (the same message), the cell is blank to the rules, and neither exits 2 over it."""
    import json
    import re

    headers = ["公民身份号码", "日期", "金额", "是否合格"]
    rows = [
        [PID, "2022年10月", "1", "是"],
        [make_id(seq=2), "2022-10-01", "1,5", "X"],
        [make_id(seq=3), "2022-10-01", "2", "是"],
    ]
    ev = evidence_dir(
        tmp_path, "p.csv", "".join(",".join(f'"{c}"' for c in r) + "\r\n" for r in [headers, *rows]).encode()
    )
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "a.yaml").write_text(
        RULES + "  - {id: C1, line_item: A, clauses: [X.1], title: 有值, from: people,"
        " expect: present(day) and present(amount)}\n",
        "utf-8",
    )
    out = tmp_path / "r.json"
    code_e, text_e, t, rss = run(
        ["evaluate", "--rules", str(rules), "--evidence", str(ev), "--as-of", "2022-12-15", "--format", "json"]
        + ["--output", str(out)],
        tmp_path,
    )
    check(code_e, text_e, t, rss, allowed=(1,))  # decided: not accepted, because the cells are blank to the rules
    rep = json.loads(out.read_text("utf-8"))
    code_v, text_v, t, rss = run(["validate", "--rules", str(rules), "--evidence", str(ev)], tmp_path)
    check(code_v, text_v, t, rss, allowed=(0,))  # warnings only: not an input error
    unreadable = {(2, "日期"), (3, "金额"), (3, "是否合格")}
    evaluated = {(p["row"], p["column"]): (p["level"], p["message"]["zh"]) for p in rep["data_problems"]}
    validated = {}
    for line in text_v.splitlines():
        m = re.match(r".*p\.csv:(\d+):([^:]+): 警告：(.*)$", line)
        if m:
            validated[(int(m[1]), m[2])] = ("warning", m[3])
    assert unreadable <= set(evaluated), rep["data_problems"]
    assert {k: evaluated[k] for k in unreadable} == {k: validated.get(k) for k in unreadable}, text_v
    assert all(evaluated[k][0] == "warning" and "无法读取" in evaluated[k][1] for k in unreadable)
    assert _results(rep)["C1"]["status"] != "pass"


# ----------------------------------------------------------------------------- round two (#13): refusals name columns
REFUSED = [  # (expression, the column it names): refused at load, naming the column it was applied to
    ("name > 5", "name“姓名”"),
    ("day + 1 > 2", "day“日期”"),
    ("matches(day, '^2022')", "day“日期”"),
    ("-name > 1", "name“姓名”"),
    ("name", "name“姓名”"),
    ("district in 'abc'", "district“旗县市区”"),
    ("valid_id(day)", "day“日期”"),
    ("sum(visits.day) > 1", "visits.day"),
]


@pytest.mark.parametrize("expr,named", REFUSED)
def test_a_refused_construct_names_the_column_it_was_applied_to(tmp_path, expr, named):
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "a.yaml").write_text(
        RULES + f'  - {{id: F1, line_item: A, clauses: [X.1], title: t, from: people, expect: "{expr}"}}\n', "utf-8"
    )
    for lang in ("zh", "en"):
        code, out, t, rss = run(["validate", "--rules", str(rules), "--lang", lang], tmp_path)
        check(code, out, t, rss)
        line = next(x for x in out.splitlines() if "a.yaml:" in x and "F1" in x)
        assert re.search(r"a\.yaml:\d+:\d+:", line) and named in line, line  # file, line and column, as before


def test_a_panic_in_polars_over_a_file_is_an_input_error_naming_it(tmp_path, monkeypatch):
    """polars' Rust panics derive from BaseException, not Exception: one over a file's values is still an input error
    with the file named (exit 2), never a traceback."""
    import polars as pl

    from complycheck.evidence import load_evidence, tables

    text = f"公民身份号码,姓名,是否合格,次数\r\n{PID},王芳,是,1\r\n"
    ev = evidence_dir(tmp_path, "p.csv", text.encode())

    def panic(*a, **k):
        raise pl.exceptions.PanicException("out-of-range date")

    monkeypatch.setattr(tables._Typer, "batch", panic)
    from complycheck.errors import ComplycheckError
    from complycheck.pack import load_pack_texts

    pack = load_pack_texts({"rules.yaml": RULES})
    with pytest.raises(ComplycheckError) as e:
        load_evidence(ev, pack.datasets)
    assert "p.csv" in e.value.render("en") and "PanicException" in e.value.render("en")
