"""Typing one column of a sheet as people write it: dates, booleans, numbers, money, ID numbers; each distinct
value parsed once; cells that cannot be read become problems (row, column, masked value), never guesses."""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from complycheck import idnumbers as ids
from complycheck import values as V
from complycheck.idnumbers import birth_dates, id_keys
from complycheck.masking import show_cell
from complycheck.model import Column, Problem

MAX_PROBLEMS_PER_COLUMN = 20
# A cell that cannot be read (or is not an allowed value) is a data problem, not an input error: evaluate and validate
# both report it as a warning with file, row and column, and the cell is blank (unknown) to the rules (#13 point 10)
DATA_PROBLEM = "warning"


def parser(col: Column, date1904: bool) -> Callable[[str], Any]:
    t = col.type
    if t == "string":
        return V.normalize_text
    if t == "boolean":
        return lambda s: V.parse_bool(V.normalize_text(s))
    if t == "date":
        return lambda s: V.parse_date(V.normalize_text(s), date1904=date1904)
    if t == "integer":
        return lambda s: V.parse_int(V.normalize_text(s))
    if t == "decimal":
        return lambda s: V.parse_decimal(V.normalize_text(s))
    if t == "id_number":
        return ids.normalize_id
    if t == "list":
        return lambda s: V.parse_list(V.normalize_text(s))
    raise ValueError(t)  # pragma: no cover


def column_dtype(col: Column, values: list[Any]) -> Any:
    import polars as pl

    t = col.type
    if t == "decimal":
        scale = 0
        for v in values:
            if isinstance(v, Decimal):
                exp = v.as_tuple().exponent
                if isinstance(exp, int):
                    scale = max(scale, min(-exp, 8))
        return pl.Decimal(38, scale)
    return {
        "string": pl.String,
        "boolean": pl.Boolean,
        "date": pl.Date,
        "integer": pl.Int64,
        "id_number": pl.String,
        "list": pl.List(pl.String),
    }[t]


class ColumnState:
    """One column across batches: parsed distinct values, unreadable cells and disallowed values seen so far."""

    def __init__(self) -> None:
        self.cache: dict[str, Any] = {}
        self.bad_reasons: dict[str, str] = {}
        self.bad_cells: list[tuple[str, int]] = []  # the first MAX_PROBLEMS_PER_COLUMN unreadable cells
        self.bad_total = 0
        self.disallowed: dict[str, int] = {}  # value not among the allowed ones -> first row
        self.notes: list[Problem] = []
        self.unkeyed = 0  # ID numbers without an integer key (not 17 digits and a check character)

    def report(self, col: Column, file: str, sheet: str | None) -> list[Problem]:
        out = list(self.notes)
        for v, r in self.bad_cells:
            shown = show_cell(v, col.personal)
            out.append(
                Problem(
                    file,
                    sheet,
                    r,
                    col.header,
                    f"无法读取“{shown}”：{self.bad_reasons[v]}，按空白（未知）处理",
                    f"cannot read '{shown}' as {col.type}; treated as blank (unknown)",
                    DATA_PROBLEM,
                )
            )
        if self.bad_total > MAX_PROBLEMS_PER_COLUMN:
            out.append(
                Problem(
                    file,
                    sheet,
                    None,
                    col.header,
                    f"该列另有 {self.bad_total - MAX_PROBLEMS_PER_COLUMN} 个单元格无法读取",
                    f"{self.bad_total - MAX_PROBLEMS_PER_COLUMN} more unreadable cells in this column",
                    DATA_PROBLEM,
                )
            )
        for v in sorted(self.disallowed)[:MAX_PROBLEMS_PER_COLUMN]:
            shown = show_cell(v, col.personal)
            out.append(
                Problem(
                    file,
                    sheet,
                    self.disallowed[v],
                    col.header,
                    f"“{shown}”不在可选值（{'、'.join(col.values)}）中",
                    f"'{shown}' is not one of the allowed values ({', '.join(col.values)})",
                    DATA_PROBLEM,
                )
            )
        return out


_ID_SHAPE = ids.ID_SHAPE
_QUOTED = re.compile(r"：(?:'.*'|\".*\")$", re.S)  # a parser's own quote of the value, at the end of its message
# characters normalize_text never changes, alone or in sequence (no decompositions, no combining, not dashes or spaces)
MAY_CHANGE = r"[^\x20-\x7E\u00B7\u2018\u2019\u201C\u201D\u3001\u3002\u300A-\u3011\u3400-\u4DBF\u4E00-\u9FFF]"


def convert_ids(
    up: Any, key: Any, birth: Any, col: Column, rows: Any, file: str, sheet: str | None, st: ColumnState
) -> tuple[Any, Any, Any]:
    """ID numbers already upper-cased, with their keys and birth dates: the rare odd ones (spaces, full-width digits,
    15 digits) are normalised in Python, and their keys and birth dates recomputed."""
    out = convert(up, col, False, rows, file, sheet, st, upper=False, keyed=key.is_not_null())
    changed = (out != up).fill_null(False) | (out.is_null() != up.is_null())
    if changed.any():
        at = changed.arg_true()
        fixed = out.gather(at)
        key = key.scatter(at, id_keys(fixed))
        if birth is not None:
            birth = birth.scatter(at, birth_dates(fixed))
    return out, key, birth


def convert(
    s: Any,
    col: Column,
    date1904: bool,
    rows: Any,
    file: str,
    sheet: str | None,
    st: ColumnState,
    upper: bool = True,
    keyed: Any = None,
    distinct: list[Any] | None = None,
) -> Any:
    """One text column (a batch of it) to its declared type, vectorised: each distinct value is parsed once.
    `distinct`, when the caller computed it (see `distinct_values`): the values to parse."""
    import polars as pl

    if col.type == "string":
        # only text with a character outside those NFKC, the dash unification and stripping leave alone (printable
        # ASCII, CJK ideographs, common Chinese punctuation) is normalised, in Python: one regex pass picks it
        odd = distinct if distinct is not None else distinct_values(s, col).to_list()
        mapping = {}
        for v in odd:
            if v not in st.cache:
                st.cache[v] = V.normalize_text(v) or None
            if st.cache[v] != v:
                mapping[v] = st.cache[v]
        out = s.replace(mapping) if mapping else s
        check_values(out, col, rows, st)
        return out
    if col.type == "id_number":
        up = s.str.to_uppercase() if upper else s
        well_formed = (
            keyed if keyed is not None else up.str.contains(_ID_SHAPE).fill_null(True)
        )  # keyed: 17 digits + check
        odd = up.filter(~well_formed).drop_nulls().unique().to_list()
        mapping = {v: ids.normalize_id(v) for v in odd}
        out = up.replace({k: v for k, v in mapping.items() if v != k}) if mapping else up
        bad = [v for v in set(mapping.values()) if "科学计数法" in (ids.id_problem(v) or "")]
        if bad:
            hit = pl.DataFrame({"v": out, "r": rows}).filter(pl.col("v").is_in(bad))
            room = max(MAX_PROBLEMS_PER_COLUMN - len(st.notes), 0)
            for v, r in hit.head(room).iter_rows():
                st.notes.append(
                    Problem(
                        file,
                        sheet,
                        r,
                        col.header,
                        f"{show_cell(v, 'id_number')}：身份证号被 Excel 存成科学计数法，已损坏，无法恢复",
                        f"{show_cell(v, 'id_number')}: ID number stored by Excel in scientific notation; "
                        "corrupted, cannot be recovered",
                        DATA_PROBLEM,
                    )
                )
        return out
    parse = parser(col, date1904)
    if distinct is None:
        distinct = distinct_values(s, col).to_list()
    for v in distinct:
        if v not in st.cache and v not in st.bad_reasons:
            try:
                st.cache[v] = parse(v)
            except (ValueError, ArithmeticError) as e:
                st.bad_reasons[v] = _QUOTED.sub("", str(e))  # the message quotes the cell itself, masked and clipped
    here = {v: st.cache[v] for v in distinct if v in st.cache}
    dtype = column_dtype(col, list(here.values()))
    if col.type == "decimal":  # exact decimals at the column's scale; beyond 18 whole digits is not a real figure
        quantum = Decimal(1).scaleb(-dtype.scale)
        for k, v in list(here.items()):
            if abs(v) >= Decimal(10) ** 18:
                st.bad_reasons[k] = "数字过大"
                del here[k], st.cache[k]
            else:
                here[k] = v.quantize(quantum, rounding=ROUND_HALF_UP)
    if col.type == "list":
        keys = list(here)
        out = pl.DataFrame({"k": s}).join(
            pl.DataFrame({"k": pl.Series(keys, dtype=pl.String), "v": pl.Series([here[k] for k in keys], dtype=dtype)}),
            on="k",
            how="left",
            maintain_order="left",
        )["v"]
    else:
        if col.type == "decimal":  # through text: a Series of Decimal objects costs importing numpy (0.1 s)
            values = pl.Series([format(v, "f") for v in here.values()], dtype=pl.String).cast(dtype)
        else:
            values = pl.Series(list(here.values()), dtype=dtype, strict=False)
        out = s.replace_strict(
            pl.Series(list(here), dtype=pl.String),
            values,
            default=None,
            return_dtype=dtype,
        )
    bad_here = [v for v in distinct if v in st.bad_reasons]
    if bad_here:
        hit = pl.DataFrame({"v": s, "r": rows}).filter(pl.col("v").is_in(bad_here))
        room = max(MAX_PROBLEMS_PER_COLUMN - len(st.bad_cells), 0)
        st.bad_cells.extend(hit.head(room).iter_rows())
        st.bad_total += hit.height
    return out


def distinct_values(s: Any, col: Column) -> Any:
    """What `convert` parses in Python, as an expression over column `s` (a name) or a Series: the distinct values
    of a typed column; of a text column, those that normalising could change."""
    import polars as pl

    x = pl.col(s) if isinstance(s, str) else s
    if col.type == "string":
        return x.filter(x.str.contains(MAY_CHANGE).fill_null(False)).unique()
    return x.drop_nulls().unique()


def check_values(s: Any, col: Column, rows: Any, st: ColumnState) -> None:
    import polars as pl

    if not col.values:
        return
    uniq = s.drop_nulls().unique()
    for v in uniq.filter(~uniq.is_in(list(col.values))).to_list():
        if v not in st.disallowed:
            st.disallowed[v] = pl.DataFrame({"v": s, "r": rows}).filter(pl.col("v") == v)["r"][0]
