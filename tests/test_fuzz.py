"""Property-based tests: any input yields a result or a clear input error, never an uncaught exception."""

import io
from datetime import date, datetime

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from complycheck.errors import ComplycheckError, Location
from complycheck.evidence import load_evidence
from complycheck.lang import Scope, compile_expr
from complycheck.pack import load_pack_texts
from complycheck.yamlsource import load_yaml_text
from conftest import CONTRACT, pack_with, run_rules

FAST = settings(
    max_examples=150, deadline=2000, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
PACK = pack_with("rules: []\n")

yaml_chars = st.sampled_from(
    list("abc:-[]{}&*!|>'\"#%@`,?\n  \t0123456789.：\u3000是否") + ["rules", "id", "expect", "from"]
)


@FAST
@given(st.text(max_size=300))
def test_any_text_as_a_rule_file(text):
    try:
        load_pack_texts({"a.yaml": CONTRACT, "b.yaml": text})
    except ComplycheckError as e:
        assert e.render("zh") and e.render("en")


@FAST
@given(st.lists(yaml_chars, max_size=80).map("".join))
def test_yaml_like_noise(text):
    got = []
    for fast in (True, False):  # libyaml and the exact loader must agree, data, positions and errors alike
        try:
            d = load_yaml_text(text, "f.yaml", fast=fast)
            got.append((d.data, d.positions, d.key_positions))
        except ComplycheckError as e:
            assert str(e.location).startswith("f.yaml")
            got.append(e.render("zh"))
    assert got[0] == got[1]


names = st.sampled_from(
    [
        "ok",
        "n",
        "name",
        "day",
        "amount",
        "tags",
        "district",
        "id_number",
        "params.threshold",
        "params.districts",
        "as_of",
        "contract.total_amount",
        "people.id_number",
        "visits.day",
        "x",
        "__class__",
        "rows",
    ]
)
funcs = st.sampled_from(
    [
        "present",
        "blank",
        "valid_id",
        "age",
        "between",
        "contains",
        "count",
        "sum",
        "distinct",
        "len",
        "lookup",
        "round",
        "ceil",
        "date",
        "days",
    ]
)
literals = st.one_of(
    st.integers(-(10**6), 10**6).map(str),
    st.sampled_from(['"是"', '"2022-10-31"', "True", "None", "0.9", "[1, 2]", '["a"]', "1e308"]),
)


@st.composite
def expressions(draw, depth=0):
    if depth > 3 or draw(st.booleans()):
        return draw(st.one_of(names, literals))
    kind = draw(st.integers(0, 4))
    a = draw(expressions(depth + 1))
    b = draw(expressions(depth + 1))
    if kind == 0:
        return f"{a} {draw(st.sampled_from(['==', '!=', '<', '>=', 'in', 'not in']))} {b}"
    if kind == 1:
        return f"{a} {draw(st.sampled_from(['and', 'or', '+', '-', '*', '/', '%', '**']))} {b}"
    if kind == 2:
        return f"{draw(funcs)}({a}, {b})" if draw(st.booleans()) else f"{draw(funcs)}({a})"
    if kind == 3:
        return f"not ({a})"
    return f"({a} if {b} else {a})"


def _scope(row=True):
    types = {n: d.types() for n, d in PACK.datasets.items()}
    cols = types["people"]
    return Scope(
        cols if row else {},
        {**types, "rows": cols},
        {"threshold": 0.9, "districts": ["a"]},
        PACK.contract.fields(),
        PACK.contract.deadlines(),
        "rows",
        row,
    )


@FAST
@given(st.one_of(expressions(), st.text(max_size=60)))
def test_any_expression_compiles_or_is_refused_clearly(text):
    for row in (True, False):
        try:
            compile_expr(text, _scope(row), Location("r.yaml", 1, 1), "X", "bool" if row else None)
        except ComplycheckError as e:
            assert e.render("zh").startswith("r.yaml:")


@settings(max_examples=60, deadline=4000, suppress_health_check=[HealthCheck.too_slow])
@given(
    expressions(),
    st.lists(
        st.tuples(
            st.sampled_from(["是", "否", "", "√"]),
            st.sampled_from(["", "1", "x", "-3"]),
            st.sampled_from(["2022-10-01", "", "2022年13月", "44865"]),
        ),
        max_size=5,
    ),
)
def test_compiled_expressions_evaluate_to_a_status(expr, rows):
    rules = (
        "rules:\n  - id: F1\n    line_item: A\n    clauses: [X.1]\n    title: t\n    from: people\n    expect: "
        + yaml.safe_dump(expr, width=10**6).split("\n...")[0].strip()
        + "\n"
    )
    try:
        pack_with(rules)
    except ComplycheckError:
        return
    recs = [
        {"公民身份号码": f"15050219500101{i:03d}X", "是否合格": a, "次数": b, "日期": c}
        for i, (a, b, c) in enumerate(rows)
    ]
    _, r = run_rules(rules, people=recs)
    assert r["F1"].status in ("pass", "fail", "not_applicable", "missing_evidence", "error")


@FAST
@given(st.binary(max_size=400))
def test_any_bytes_as_a_csv(tmp_path_factory, data):
    ev = tmp_path_factory.mktemp("csv")
    (ev / "p.csv").write_bytes(data)
    (ev / "manifest.yaml").write_text("datasets:\n  people: {file: p.csv}\n", "utf-8")
    try:
        load_evidence(ev, PACK.datasets)
    except ComplycheckError as e:
        assert "p.csv" in e.render("zh") or "manifest" in e.render("zh")


cells = st.one_of(
    st.none(),
    st.text(max_size=12),
    st.integers(-(10**16), 10**16),
    st.floats(allow_nan=True, allow_infinity=False, width=32),
    st.booleans(),
    st.dates(date(1900, 3, 1), date(2100, 1, 1)),
    st.datetimes(datetime(1900, 3, 1), datetime(2100, 1, 1)),
)


@settings(
    max_examples=60, deadline=4000, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(st.lists(st.lists(cells, min_size=1, max_size=6), max_size=6), st.booleans())
def test_any_cells_in_an_xlsx(tmp_path_factory, rows, with_header):
    ev = tmp_path_factory.mktemp("xlsx")
    wb = Workbook()
    ws = wb.active
    if with_header:
        ws.append(["公民身份号码", "是否合格", "日期", "金额", "次数", "标签"])
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    for row in rows:  # control characters cannot be stored in a worksheet at all
        ws.append([ILLEGAL_CHARACTERS_RE.sub("", c) if isinstance(c, str) else c for c in row])
    buf = io.BytesIO()
    wb.save(buf)
    (ev / "p.xlsx").write_bytes(buf.getvalue())
    (ev / "manifest.yaml").write_text("datasets:\n  people: {file: p.xlsx}\n", "utf-8")
    try:
        out = load_evidence(ev, PACK.datasets)
        assert out.tables["people"].frame.height <= len(rows)
    except ComplycheckError as e:
        assert "p.xlsx" in e.render("zh")


# the loaders' other exceptions (#13.1): digit limits, lone surrogates, odd file names, in JSON, YAML and the manifest
json_bits = st.sampled_from(
    [
        '[{"公民身份号码": ',
        '"150502195001010018"',
        ', "次数": ',
        "9" * 40,
        "9" * 5000,
        "1e999",
        "-0",
        "NaN",
        '"\\ud800"',
    ]
    + [
        '"\\udc00"',
        '"\\ud840\\udc00"',
        '"\\u0000"',
        "}]",
        "{",
        "[",
        "]",
        ",",
        ":",
        '"rows"',
        '"是否合格"',
        "null",
        "true",
    ]
)


def _load_one(tmp_path_factory, name: str, data: bytes, manifest: str | None = None):
    ev = tmp_path_factory.mktemp("ev")
    (ev / name).write_bytes(data)
    (ev / "manifest.yaml").write_text(manifest or f"datasets:\n  people: {{file: {name}}}\n", "utf-8")
    try:
        load_evidence(ev, PACK.datasets)
    except ComplycheckError as e:
        assert name in e.render("zh") or "manifest" in e.render("zh")


@FAST
@given(st.lists(json_bits, max_size=30).map("".join))
def test_any_json_like_text_as_evidence(tmp_path_factory, text):
    _load_one(tmp_path_factory, "p.json", text.encode("utf-8", "surrogatepass"))


@FAST
@given(st.lists(st.one_of(yaml_chars, json_bits), max_size=40).map("".join))
def test_any_yaml_like_text_as_evidence(tmp_path_factory, text):
    _load_one(tmp_path_factory, "p.yaml", text.encode("utf-8", "surrogatepass"))


@FAST
@given(st.text(max_size=30))
def test_any_file_name_in_the_manifest(tmp_path_factory, name):
    quoted = '"' + "".join(f"\\u{ord(c):04x}" if ord(c) < 0x10000 else c for c in name) + '"'
    ev = tmp_path_factory.mktemp("ev")
    (ev / "manifest.yaml").write_text(f"datasets:\n  people: {{file: {quoted}}}\n", "utf-8")
    try:
        load_evidence(ev, PACK.datasets)
    except ComplycheckError as e:
        assert "manifest" in e.render("zh")


@settings(
    max_examples=40, deadline=6000, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(st.lists(st.lists(cells, min_size=1, max_size=6), min_size=1, max_size=8), st.booleans())
def test_any_sheet_streamed_reads_as_the_whole_sheet_reads(tmp_path_factory, rows, write_only):
    """The streamed XLSX reader (large sheets written plainly) gives the same table and problems, or the same error,
    as python-calamine reading the whole sheet, whatever the cells; a sheet it cannot stream exactly it hands over."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    from complycheck.evidence import readers

    ev = tmp_path_factory.mktemp("xlsxs")
    wb = Workbook(write_only=write_only)
    ws = wb.create_sheet() if write_only else wb.active
    ws.append(["公民身份号码", "是否合格", "日期", "金额", "次数", "标签"])
    for row in rows:
        ws.append([ILLEGAL_CHARACTERS_RE.sub("", c) if isinstance(c, str) else c for c in row])
    buf = io.BytesIO()
    wb.save(buf)
    (ev / "p.xlsx").write_bytes(buf.getvalue())
    (ev / "manifest.yaml").write_text("datasets:\n  people: {file: p.xlsx}\n", "utf-8")

    def outcome(stream: bool):
        saved = readers.STREAM_BYTES
        readers.STREAM_BYTES = 0 if stream else 10**15
        try:
            t = load_evidence(ev, PACK.datasets).tables["people"]
            return t.frame.rows(), [(p.row, p.column, p.message, p.level) for p in t.problems]
        except ComplycheckError as e:
            return e.render("en")
        finally:
            readers.STREAM_BYTES = saved

    assert outcome(True) == outcome(False)
