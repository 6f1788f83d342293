"""#13.2: a workbook's declared sheet size and its cells' coordinates are untrusted. Workbooks are built at test time
(openpyxl, then the sheet's XML rewritten by hand). Before the sheet was scanned first, one cell at XFD1048576 made
python-calamine ask for a 512 GB grid and the process was aborted (exit 134, a Rust backtrace, no report)."""

import io
import re
import zipfile

import pytest
from openpyxl import Workbook

from complycheck.evidence import xlsxsize
from test_hostile import PID, RULES, check, run

SHEET = "xl/worksheets/sheet1.xml"


def workbook(rows: int = 3) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "名单"
    ws.append(["公民身份号码", "是否合格"])
    for _ in range(rows - 1):
        ws.append([PID, "是"])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def rewrite(book: bytes, change) -> bytes:
    src = zipfile.ZipFile(io.BytesIO(book))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for info in src.infolist():
            body = src.read(info.filename)
            z.writestr(info, change(body) if info.filename == SHEET else body)
    return buf.getvalue()


def declared(ref: str):
    return lambda xml: re.sub(rb"<dimension [^>]*>", f'<dimension ref="{ref}"/>'.encode(), xml)


def extra_row(row: str):
    return lambda xml: xml.replace(b"</sheetData>", row.encode() + b"</sheetData>")


def in_row_two(cell: str):
    return lambda xml: xml.replace(b'<row r="2">', b'<row r="2">' + cell.encode())


HUGE = {  # name: (change to the sheet's XML, refused?, words the refusal must hold)
    "declares_the_whole_grid_holds_3_rows": (declared("A1:XFD1048576"), False, ""),
    "declares_beyond_excel_holds_3_rows": (declared("A1:ZZZZ99999999"), False, ""),
    "one_cell_at_xfd1048576": (extra_row('<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'), True, "过大"),
    "a_far_cell_inside_row_2": (in_row_two('<c r="XFD1048576"><v>1</v></c>'), True, "过大"),
    "a_far_cell_attributes_reordered": (in_row_two("<c t='n' r='XFD1048576'><v>1</v></c>"), True, "过大"),
    "a_far_row_without_a_cell_reference": (extra_row('<row r="100000"><c><v>1</v></c></row>'), False, ""),
    "a_cell_beyond_excel": (extra_row('<row r="99999999"><c r="ZZZZ99999999"><v>1</v></c></row>'), True, "超出 Excel"),
    "a_column_beyond_excel_in_row_2": (in_row_two('<c r="XFE2"><v>1</v></c>'), True, "超出 Excel"),
    "501_columns": (in_row_two('<c r="SG2"><v>1</v></c>'), True, "过大"),
}


@pytest.mark.parametrize("name", sorted(HUGE))
def test_a_sheet_is_bounded_by_what_it_holds_not_by_what_it_declares(tmp_path, name):
    change, refused, words = HUGE[name]
    book = rewrite(workbook(), change)
    assert change(zipfile.ZipFile(io.BytesIO(workbook())).read(SHEET)) != zipfile.ZipFile(io.BytesIO(workbook())).read(
        SHEET
    )
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "a.yaml").write_text(RULES, "utf-8")
    ev = tmp_path / "ev"
    ev.mkdir()
    (ev / "p.xlsx").write_bytes(book)
    (ev / "manifest.yaml").write_text("datasets:\n  people: {file: p.xlsx}\n", "utf-8")
    code, out, t, rss = run(
        ["evaluate", "--rules", str(rules), "--evidence", str(ev), "--as-of", "2022-12-15", "--format", "text"],
        tmp_path,
    )
    if refused:
        check(code, out, t, rss, (2,))
        line = next(x for x in out.splitlines() if "p.xlsx" in x)
        assert "名单" in line and words in out, out  # one line naming the file and the sheet
    else:
        check(code, out, t, rss, (0, 1))


def test_the_scan_finds_the_same_extent_however_the_xml_is_chunked(monkeypatch):
    rows = "".join(f'<row r="{i}"><c r="A{i}"><v>{i}</v></c><c r="AB{i}"><v>1</v></c></row>' for i in range(1, 400))
    odd = "<row r='400'><c t='n' r='C777'><v>1</v></c></row>"  # written otherwise: the exact scan counts it
    xml = f'<worksheet><dimension ref="A1:XFD1048576"/><sheetData>{rows}{odd}</sheetData></worksheet>'.encode()
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr(SHEET, xml)
    z = zipfile.ZipFile(buf)
    whole = xlsxsize.scan(z, SHEET)  # a small part: counted in Python
    assert (whole.rows, whole.columns) == (777, 28)
    monkeypatch.setattr(xlsxsize, "SMALL_PART", 0)  # the chunked scan, in polars
    for size in (7, 64, 1000):
        monkeypatch.setattr(xlsxsize, "CHUNK", size)
        got = xlsxsize.scan(z, SHEET)
        assert (got.rows, got.columns, got.unplaced_cells, got.unplaced_rows) == (777, 28, 0, 0), size


def test_small_sheets_counted_in_python_find_what_the_chunked_scan_finds():
    """Most sheets are a few MB of XML, where one polars query costs more than the count (#17): they are counted in
    Python, element by element. On any well-formed XML both counts agree; a tag's attributes are searched only up to
    its end or the next `<`, so unclosed tags cannot make the Python count quadratic."""
    import random
    import time

    import polars as pl

    rng = random.Random(7)
    pieces = [
        '<row r="{n}">', "<row>", "</row>", '<c r="{col}{n}">', "<c>", "<c/>", "<c t='s' r='{col}{n}'>",
        '<x:c r="{col}{n}">', "<v>1</v>", "</c>", '<c r="$A$1">', '<c  r = "{col}0{n}">', '<row r="0">',
        '<row spans="1:3" r="{n}">', "<cx r='A1'>", "<col r='A1'>", '<c r="{col}{big}">', '<row r="{big}">', "中",
        '<c r="{col}">', '<c\nr="{col}{n}"/>', "<c r='{n}{col}'>",
    ]  # fmt: skip
    for _ in range(2000):
        text = "".join(
            rng.choice(pieces).format(
                n=rng.randint(1, 2_000_000),
                col="".join(rng.choice("ABCXYZabq") for _ in range(rng.randint(1, 5))),
                big="1" + "0" * rng.randint(5, 15),
            )
            for _ in range(rng.randint(0, 40))
        )
        small, chunked = xlsxsize.Extent(), xlsxsize.Extent()
        xlsxsize._count_small(text, small)
        xlsxsize._count(pl.DataFrame({"x": [text]}), chunked)
        assert small == chunked, text
    hostile = "<c " * 400_000 + "<row " * 300_000  # 2.7 MB of unclosed tags
    t = time.perf_counter()
    xlsxsize._count_small(hostile, ext := xlsxsize.Extent())
    assert (ext.unplaced_cells, ext.unplaced_rows) == (400_000, 300_000) and time.perf_counter() - t < 5


def test_small_sheets_written_as_excel_writes_are_counted_by_regex_alike():
    """A small sheet written as Excel, WPS and openpyxl write (coordinates first, double quotes, no prefix) is
    counted by a few regex scans rather than a step per cell (#17); written any other way, the count falls back to
    the element-by-element one. Either way the extent is the same."""
    import random

    rng = random.Random(11)
    odd = ['<row>', "<c>", "<c/>", "<c t='s' r='A1'>", '<x:c r="B2">', '<c r="$A$1">', '<c r="a3">', '<row r="07">',
           '<c r="A07">', '<row spans="1:3" r="4">', '<c s="1" r="C9">', '<c r="ABCD5">']  # fmt: skip
    fast = 0
    for _ in range(2000):
        parts = []
        for n in sorted(rng.sample(range(1, 3_000_000), rng.randint(0, 12))):
            parts.append(f'<row r="{n}" spans="1:4">')
            for _ in range(rng.randint(0, 5)):
                col = "".join(rng.choice("ABCXYZ") for _ in range(rng.randint(1, 3)))
                parts.append(f'<c r="{col}{rng.choice([n, rng.randint(1, 9_999_999)])}" t="s"><v>中</v></c>')
            parts.append("</row>")
        if rng.random() < 0.5:
            parts.insert(rng.randint(0, len(parts)), rng.choice(odd))
        text = "".join(parts)
        by_regex, by_element = xlsxsize.Extent(), xlsxsize.Extent()
        xlsxsize._count_small(text, by_element)
        if xlsxsize._canonical_small(text, by_regex):
            fast += 1
            assert by_regex == by_element, text
        else:
            assert by_regex == xlsxsize.Extent(), text  # nothing counted when it gives up
    assert 900 < fast < 2000


def test_numbers_greater_than():
    import re

    for n in (0, 1, 9, 10, 99, 150, 1048576):
        pattern = re.compile(xlsxsize.greater_than(n) + "$")
        for k in [*range(0, 2000), *range(max(n - 1500, 0), n + 1500)]:
            assert bool(pattern.match(str(k))) == (k > n), (n, k)
