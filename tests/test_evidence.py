"""Evidence as it really arrives: GBK CSV, XLSX under a title row with merged headers, JSON, YAML."""

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import Workbook

from complycheck.errors import ComplycheckError
from complycheck.evidence import load_evidence
from conftest import CONTRACT, make_id


def pack():
    from complycheck.pack import load_pack_texts

    return load_pack_texts({"contract.yaml": CONTRACT + SURVEY, "rules.yaml": "rules: []\n"})


SURVEY = """
  survey:
    title: 调查表
    columns:
      uscc: {type: string, header: 统一社会信用代码, required: true}
      beds: {type: integer, header: 床位数, aliases: [床位数/总数]}
      nursing_beds: {type: integer, header: 护理型床位数, aliases: [床位数/其中护理型]}
      day: {type: date, header: 调查日期}
      ok: {type: boolean, header: 消防安全是否达标}
      funds: {type: decimal, header: 建设资金总数}
"""


def submit(tmp: Path, name: str, entry: dict, data: bytes | None = None) -> Path:
    import yaml

    if data is not None:
        (tmp / entry["file"]).write_bytes(data)
    (tmp / "manifest.yaml").write_text(yaml.safe_dump({"datasets": {name: entry}}, allow_unicode=True), "utf-8")
    return tmp


def load(tmp: Path):
    p = pack()
    return load_evidence(tmp, p.datasets)


def test_gbk_csv_with_chinese_headers_dates_and_booleans(tmp_path):
    pid = make_id()
    text = (
        "身份证号,姓名,旗县市区,是否合格,日期,金额,次数,标签\r\n"
        f'{pid},王芳,科区,是,2022年10月31日,"1,429,200.00",３,党建、财务\r\n'
        f"{make_id(seq=3)},李娜,开鲁县,,44865,77.23万元,1,\r\n"
    )
    ev = load(submit(tmp_path, "people", {"file": "名册.csv"}, text.encode("gbk")))
    t = ev.tables["people"]
    rows = t.frame.to_dicts()
    assert rows[0]["id_number"] == pid and rows[0]["ok"] is True and rows[1]["ok"] is None
    assert rows[0]["day"] == date(2022, 10, 31) and rows[1]["day"] == date(2022, 10, 31)
    assert rows[0]["amount"] == Decimal("1429200.00") and rows[1]["amount"] == Decimal("772300.00")
    assert rows[0]["n"] == 3 and rows[0]["tags"] == ["党建", "财务"]
    assert [r["__row"] for r in rows] == [2, 3] and t.headers["id_number"] == "身份证号"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_csv_encodings_are_detected(tmp_path, encoding):
    text = "公民身份号码,姓名\r\n" + make_id() + ",王　芳\r\n"
    ev = load(submit(tmp_path, "people", {"file": "a.csv"}, text.encode(encoding)))
    assert ev.tables["people"].frame["name"].to_list() == ["王 芳"]


def test_xlsx_title_row_two_row_merged_header_serial_dates_and_total_row(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.title = "调查"
    ws["A1"] = "通辽市养老机构调查表"
    ws.merge_cells("A1:F1")
    for col, h in zip("ADEF", ["统一社会信用代码", "调查日期", "消防安全是否达标", "建设资金总数"], strict=True):
        ws[f"{col}2"] = h
        ws.merge_cells(f"{col}2:{col}3")
    ws["B2"] = "床位数"
    ws.merge_cells("B2:C2")
    ws["B3"], ws["C3"] = "总数", "其中护理型"
    ws.append(["52150000MJ0001234X", 100, 20, 44865, "√", "50万元"])
    ws.append(["52150000MJ0001235X", 80, 10, datetime(2022, 11, 3), "否", "1200000"])
    ws.append(["合计", 180, 30, None, None, None])
    hidden = wb.create_sheet("说明")
    hidden.sheet_state = "hidden"
    path = tmp_path / "调查.xlsx"
    wb.save(path)
    ev = load(submit(tmp_path, "survey", {"file": "调查.xlsx", "header_rows": 2}))
    rows = ev.tables["survey"].frame.to_dicts()
    assert [(r["beds"], r["nursing_beds"], r["day"], r["ok"], r["funds"]) for r in rows] == [
        (100, 20, date(2022, 10, 31), True, Decimal("500000")),
        (80, 10, date(2022, 11, 3), False, Decimal("1200000")),
    ]
    assert [r["__row"] for r in rows] == [4, 5]
    assert any("合计" in p.message for p in ev.problems)


def test_excel_mangled_id_numbers_are_reported_never_guessed(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.append(["公民身份号码", "姓名"])
    ws.append([150502195001010000.0, "王芳"])
    wb.save(tmp_path / "a.xlsx")
    ev = load(submit(tmp_path, "people", {"file": "a.xlsx"}))
    assert ev.tables["people"].frame["id_number"].to_list() == ["1.50502E+17"]
    assert any("科学计数法" in p.message and p.row == 2 for p in ev.problems)


def test_json_and_yaml_tables(tmp_path):
    (tmp_path / "v.yaml").write_text(f"- {{公民身份号码: '{make_id()}', 日期: 2022-10-01, 类型: 入户}}\n", "utf-8")
    ev = load(submit(tmp_path, "visits", {"file": "v.yaml"}))
    assert ev.tables["visits"].frame["day"].to_list() == [date(2022, 10, 1)]
    (tmp_path / "v.json").write_text(f'{{"rows": [{{"公民身份号码": "{make_id()}", "日期": "2022/10/02"}}]}}', "utf-8")
    ev = load(submit(tmp_path, "visits", {"file": "v.json"}))
    assert ev.tables["visits"].frame["day"].to_list() == [date(2022, 10, 2)]


def test_unreadable_cells_are_reported_with_their_row(tmp_path):
    text = f"公民身份号码,日期,是否合格\r\n{make_id()},2022-13-45,也许\r\n"
    ev = load(submit(tmp_path, "people", {"file": "a.csv"}, text.encode("utf-8")))
    msgs = sorted((p.row, p.column) for p in ev.problems if p.row)
    assert (2, "日期") in msgs and (2, "是否合格") in msgs


@pytest.mark.parametrize(
    "entry,data,expected",
    [
        ({"file": "../secret.csv"}, None, "离开了证据目录"),
        ({"file": "/etc/passwd"}, None, "离开了证据目录"),
        ({"file": "nope.csv"}, None, "不存在"),
        ({"file": "a.csv"}, '公民身份号码,姓名\r\n1,"unterminated\r\n'.encode(), "CSV 格式错误"),
        ({"file": "a.csv"}, "甲,乙\r\n1,2\r\n".encode(), "找不到表头"),
        ({"file": "a.csv"}, "姓名\r\n王芳\r\n".encode(), "缺少必需的列“公民身份号码”"),
        ({"file": "a.xlsx"}, b"PK\x03\x04 not really a zip", "XLSX 文件已损坏"),
        ({"file": "a.pdf"}, b"%PDF", "不支持的文件类型"),
        ({"file": "a.json"}, b'{"rows": [1, 2]}', "不是对象"),
        ({"file": "a.json"}, b'[{"a": 1', "JSON 语法错误"),
    ],
)
def test_bad_evidence_is_one_clear_input_error(tmp_path, entry, data, expected):
    with pytest.raises(ComplycheckError) as e:
        load(submit(tmp_path, "people", entry, data))
    assert expected in e.value.render("zh")


def test_symlinks_out_of_the_folder_are_refused(tmp_path):
    outside = tmp_path / "outside.csv"
    outside.write_text("公民身份号码\r\n1\r\n")
    sub = tmp_path / "sub"
    sub.mkdir()
    (sub / "link.csv").symlink_to(outside)
    with pytest.raises(ComplycheckError, match="evidence folder"):
        load(submit(sub, "people", {"file": "link.csv"}))


def test_extreme_numbers_in_a_decimal_column(tmp_path):
    """Found by the property-based tests: a float like 1.68e-44 in an XLSX decimal column."""
    wb = Workbook()
    ws = wb.active
    ws.append(["公民身份号码", "金额", "次数"])
    ws.append([make_id(), 1.6815581571897805e-44, 3.0])
    ws.append([make_id(seq=3), 1.5e30, 2.5])
    wb.save(tmp_path / "a.xlsx")
    ev = load(submit(tmp_path, "people", {"file": "a.xlsx"}))
    rows = ev.tables["people"].frame.to_dicts()
    assert (
        rows[0]["amount"] == Decimal("0") and rows[0]["n"] == 3 and rows[1]["amount"] is None and rows[1]["n"] is None
    )
    assert {p.column for p in ev.problems if "无法读取" in p.message} == {"金额", "次数"}


@pytest.mark.parametrize("batch", [1, 2, 1000])
def test_rows_below_a_total_are_dropped_whatever_the_batching(tmp_path, monkeypatch, batch):
    from complycheck.evidence import tables

    monkeypatch.setattr(tables, "BATCH_ROWS", batch)
    text = "身份证号,是否合格\r\n" + "".join(f"{make_id(seq=i)},是\r\n" for i in range(1, 5))
    text += "  ,\u3000\r\n合 计,4\r\n" + "".join(f"{make_id(seq=i)},否\r\n" for i in range(5, 8)) + "备注：无,\r\n"
    ev = load(submit(tmp_path, "people", {"file": "p.csv"}, text.encode()))
    assert ev.tables["people"].frame["ok"].to_list() == [True] * 4
    below = [p for p in ev.problems if "以下" in p.message]
    assert [(p.row, p.level) for p in below] == [(8, "warning")] and "4 行" in below[0].message


def test_a_header_written_differently_is_a_data_error_never_silently_a_blank_column(tmp_path):
    """其中：护理型 for 其中护理型, or a traditional form: validate fails on it (an error), evaluate says it."""
    from complycheck.evidence.headers import near_miss

    assert near_miss(["其中护理型床位"], ["机构名称", "其中：护理型床位"]) == "其中：护理型床位"
    assert near_miss(["护理型床位数"], ["護理型床位數", "地址"]) == "護理型床位數"
    assert near_miss(["护理型床位数"], ["机构名称", "地址"]) is None
    data = "统一社会信用代码,床位数,護理型床位數\n91350100M000100Y43,10,5\n".encode()
    ev = load(submit(tmp_path, "survey", {"file": "s.csv"}, data))
    problems = [p for p in ev.problems if p.column == "护理型床位数"]
    assert problems[0].level == "error" and "護理型床位數" in problems[0].message
    quiet = [p for p in ev.problems if p.column == "调查日期"]
    assert quiet[0].level == "warning"  # simply absent: a warning, read as blank
