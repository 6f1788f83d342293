"""#17.3: a large XLSX sheet is streamed (evidence/xlsxstream.py), never held whole, and gives the typed table and
the problems that python-calamine's whole-sheet read gives. Workbooks are built at test time; the size threshold is
lowered so that small ones stream, and the XML is read in small pieces so that they take many."""

import io
import random
import zipfile
from datetime import date, datetime, time

import pytest
from openpyxl import Workbook

from complycheck.evidence import load_evidence, readers, xlsxstream
from complycheck.evidence.sheet import cell_text, text_series
from complycheck.pack import load_pack_texts
from conftest import CONTRACT, make_id

HEADER = ["公民身份号码", "姓名", "旗县市区", "是否合格", "日期", "金额", "次数", "标签"]


def people(n: int, seed: int = 1) -> list[list]:
    rnd = random.Random(seed)
    words = ["王芳", " 李娜 ", "a&b<c>\"'", "科尔沁区", "是", "否", "√", "", "  ", "合格", "2022年10月3日"]
    rows = []
    for i in range(n):
        rows.append(
            [
                make_id(seq=i % 900 + 1) if i % 13 else (make_id(seq=5)[:-1] + "0"),
                rnd.choice(words),
                rnd.choice(["科区", "开鲁县", None]),
                rnd.choice([True, False, "是", "否", None, 1, 0]),
                rnd.choice(
                    [date(2022, 10, rnd.randint(1, 31)), datetime(2022, 11, 2, 13, 5), "2022-10-03", 44865, None]
                ),
                rnd.choice([1.5, 0.1, 2.5e-07, 1.68e-44, 1e16, -3.0, 12345.678, "1,429,200.00", None, 7]),
                rnd.choice([3, 3.0, "３", None, 4.5]),
                rnd.choice(["党建、财务", None, "x"]),
            ]
        )
    return rows


def book(rows: list[list], write_only: bool = False, title: bool = True, extra=None) -> bytes:
    wb = Workbook(write_only=write_only)
    ws = wb.create_sheet("名单") if write_only else wb.active
    if not write_only:
        ws.title = "名单"
    if title:
        ws.append(["某某项目人员名册（2022年）"])
    ws.append(HEADER)
    for i, r in enumerate(rows):
        if i == len(rows) - 3:
            ws.append(["合计", None, None, None, None, 100])
        ws.append(r)
    if extra:
        extra(ws)
    if title and not write_only:
        ws.merge_cells("A1:H1")
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def load(tmp_path, data: bytes, stream: bool, **kw):
    (tmp_path / "p.xlsx").write_bytes(data)
    (tmp_path / "manifest.yaml").write_text("datasets:\n  people: {file: p.xlsx}\n", "utf-8")
    pack = load_pack_texts({"contract.yaml": CONTRACT, "rules.yaml": "rules: []\n"})
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(readers, "STREAM_BYTES", 0 if stream else 10**15)
        mp.setattr(xlsxstream, "CHUNK", 2048)
        streamed, exact = [], []
        real, real_exact = readers.stream_sheet, xlsxstream.LazyXlsx.exact
        mp.setattr(readers, "stream_sheet", lambda *a: streamed.append(real(*a)) or streamed[-1])
        mp.setattr(xlsxstream.LazyXlsx, "exact", lambda self: exact.append(1) or real_exact(self))
        ev = load_evidence(tmp_path, pack.datasets, **kw)
    # True: streamed to the end; False: not streamed; "fell back": the exact reader took over midway
    return ev.tables["people"], [("fell back" if exact else True) if s is not None else False for s in streamed]


@pytest.mark.parametrize("write_only", [False, True], ids=["shared_strings", "inline_strings"])
@pytest.mark.parametrize("seed", [1, 2])
def test_a_streamed_sheet_gives_the_table_the_whole_sheet_gives(tmp_path, write_only, seed):
    data = book(people(400, seed), write_only=write_only, title=not write_only)
    whole, used = load(tmp_path, data, stream=False)
    assert used == []
    streamed, used = load(tmp_path, data, stream=True)
    assert used == [True]  # it really streamed
    assert streamed.frame.equals(whole.frame)
    assert streamed.problems == whole.problems and streamed.problems
    assert streamed.headers == whole.headers and streamed.keyed == whole.keyed


def test_a_streamed_sheet_in_small_batches_and_only_the_columns_read(tmp_path):
    data = book(people(300, 3))
    whole, _ = load(
        tmp_path, data, stream=False, columns={"people": {"id_number", "day"}}, id_columns={"people": set()}
    )
    streamed, used = load(
        tmp_path, data, stream=True, columns={"people": {"id_number", "day"}}, id_columns={"people": set()}
    )
    assert used == [True] and streamed.frame.equals(whole.frame) and streamed.problems == whole.problems


@pytest.mark.parametrize(
    "name,extra,used",
    [
        ("an_error_cell_deep_down", lambda ws: ws.append([make_id(), "王", "科区", "#N/A"]), "fell back"),
        (
            "a_cell_beyond_the_header_deep_down",
            lambda ws: ws.append([make_id(), "王", None, None, None, None, 1, 2, 3, 4]),
            "fell back",
        ),
        ("a_time_of_day_format", lambda ws: ws.append([make_id(), "王", None, None, time(8, 30)]), False),
    ],
)
def test_what_the_stream_does_not_read_is_read_by_the_exact_reader(tmp_path, name, extra, used):
    data = book(people(200, 4), write_only=True, title=False, extra=extra)
    whole, _ = load(tmp_path, data, stream=False)
    streamed, how = load(tmp_path, data, stream=True)
    assert how == [used]
    assert streamed.frame.equals(whole.frame) and streamed.problems == whole.problems


def test_a_1904_workbook_is_not_streamed(tmp_path):
    wb = Workbook()
    wb.epoch = __import__("openpyxl").utils.datetime.CALENDAR_MAC_1904
    wb.active.append(HEADER)
    for r in people(50):
        wb.active.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    whole, _ = load(tmp_path, buf.getvalue(), stream=False)
    streamed, used = load(tmp_path, buf.getvalue(), stream=True)
    assert used == [False]
    assert streamed.frame.equals(whole.frame)


def test_text_of_a_column_is_the_text_of_each_cell():
    """Batches of a sheet are typed separately: a column's text must not depend on its neighbours."""
    rnd = random.Random(7)
    pool = [0.1, 2.5e-07, 1.68e-44, 1e16, 1e15, 123.0, -0.0, 1e-4, 9.99e-5, 3, True, "x", None, date(1900, 1, 5)]
    for _ in range(300):
        values = [rnd.choice(pool) for _ in range(rnd.randint(1, 6))]
        floats = [v for v in values if type(v) is float]
        for vs in (values, floats):
            if vs:
                assert text_series("c", vs).to_list() == [cell_text(v) for v in vs], vs


def test_the_stream_reads_the_xml_in_pieces(tmp_path):
    data = book(people(300, 5), write_only=True, title=False)
    (tmp_path / "p.xlsx").write_bytes(data)
    with zipfile.ZipFile(tmp_path / "p.xlsx") as z:
        part = "xl/worksheets/sheet1.xml"
        size = z.getinfo(part).file_size
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(xlsxstream, "CHUNK", 4096)
        sheet = xlsxstream.stream_sheet(tmp_path / "p.xlsx", "p.xlsx", "名单", part)
        assert sheet is not None
        batches = list(sheet.frame.batches(None, 1, 50))
    assert size > 10 * 4096 and len(batches) >= 5
    assert sum(b.height for b in batches) == 301  # and the 合计 row
