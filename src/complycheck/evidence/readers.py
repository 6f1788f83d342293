"""Readers: one per kind of file, chosen by extension (the table at the end), each turning a file into a raw
sheet. CSV lives in `csvfiles`; the sheet and the limits in `sheet`."""

from __future__ import annotations

import json
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from complycheck.errors import EvidenceError, Location
from complycheck.evidence.csvfiles import detect_encoding, read_csv
from complycheck.evidence.sheet import (
    MAX_COLUMNS,
    MAX_XLSX_CELLS,
    MAX_XLSX_RATIO,
    MAX_XLSX_UNCOMPRESSED,
    RawSheet,
    short_error,
)
from complycheck.evidence.xlsxsize import check_extent, sheet_part
from complycheck.evidence.xlsxstream import STREAM_BYTES, stream_sheet


def _check_zip(path: Path, display: str) -> None:
    try:
        with zipfile.ZipFile(path) as z:
            total = 0
            for info in z.infolist():
                total += info.file_size
                if (
                    info.compress_size
                    and info.file_size / max(info.compress_size, 1) > MAX_XLSX_RATIO
                    and info.file_size > 50 * 1024 * 1024
                ):
                    raise EvidenceError(
                        "XLSX 文件的压缩比异常（疑似压缩炸弹），拒绝读取",
                        Location(display),
                        "XLSX compression ratio is abnormal (zip bomb?); refused",
                    )
            if total > MAX_XLSX_UNCOMPRESSED:
                raise EvidenceError(
                    "XLSX 解压后过大，拒绝读取", Location(display), "XLSX too large when decompressed; refused"
                )
            names = set(z.namelist())
            if "xl/workbook.xml" not in names:
                raise EvidenceError(
                    "不是有效的 XLSX 文件（缺少 workbook.xml）",
                    Location(display),
                    "not a valid XLSX file (no workbook.xml)",
                )
            for name in names:
                if name.endswith((".xml", ".rels")):
                    with z.open(name) as part:
                        head = part.read(4096)
                    if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
                        raise EvidenceError(
                            f"XLSX 的 {name} 含有 XML 实体/DOCTYPE 声明，拒绝读取",
                            Location(display),
                            f"XLSX part {name} declares a DOCTYPE or entities; refused",
                        )
    except zipfile.BadZipFile:
        raise EvidenceError(
            "XLSX 文件已损坏（不是有效的 zip）", Location(display), "XLSX file is corrupted (not a valid zip)"
        ) from None


def read_xlsx(path: Path, display: str, sheet: str | None, stream: bool = True) -> RawSheet:
    """An Excel sheet (python-calamine): cached formula values, merged cells, the 1904 date system. A sheet of more
    than STREAM_BYTES of XML written plainly is streamed instead (`xlsxstream`), to the same text."""
    from python_calamine import CalamineWorkbook

    _check_zip(path, display)
    try:
        wb = CalamineWorkbook.from_path(str(path))
    except Exception as e:  # calamine raises its own error types for damaged files
        raise EvidenceError(
            f"无法打开 XLSX：{short_error(e)}", Location(display), f"cannot open XLSX: {short_error(e)}"
        ) from None
    try:
        names = wb.sheet_names
        if sheet is None:
            visible = [
                m.name
                for m in wb.sheets_metadata
                if str(m.visible).lower().endswith("visible") and "hidden" not in str(m.visible).lower()
            ]
            name = (visible or names)[0]
        elif sheet in names:
            name = sheet
        else:
            raise EvidenceError(
                f"找不到工作表“{sheet}”（现有：{'、'.join(names)}）",
                Location(display, sheet=sheet),
                f"no sheet '{sheet}' (sheets: {', '.join(names)})",
            )
        if stream:
            streamed = _streamed(path, display, name)
            if streamed is not None:
                return streamed
        check_extent(path, display, name)  # before the reader allocates a grid for the cells' coordinates
        ws = wb.get_sheet_by_name(name)
        if ws.width > MAX_COLUMNS or ws.height * max(ws.width, 1) > MAX_XLSX_CELLS:
            raise EvidenceError(
                f"工作表“{name}”过大（{ws.height} 行 × {ws.width} 列），拒绝读取",
                Location(display, sheet=name),
                f"sheet '{name}' is too large ({ws.height} rows x {ws.width} columns); refused",
            )
        rows = ws.to_python(skip_empty_area=False)
        merged = []
        for rng in ws.merged_cell_ranges or []:
            (r0, c0), (r1, c1) = rng
            merged.append((r0, c0, r1, c1))
    except EvidenceError:
        raise
    except Exception as e:
        raise EvidenceError(
            f"XLSX 读取失败：{short_error(e)}", Location(display), f"cannot read XLSX: {short_error(e)}"
        ) from None
    return RawSheet(rows, name, None, merged, _is_1904(path))


def _streamed(path: Path, display: str, name: str) -> RawSheet | None:
    """A large sheet written plainly, streamed (`xlsxstream`); None for any other."""
    with zipfile.ZipFile(path) as z:
        part = sheet_part(z, name)
        if part is None or part not in z.namelist() or z.getinfo(part).file_size < STREAM_BYTES:
            return None
    return stream_sheet(path, display, name, part)


def _is_1904(path: Path) -> bool:
    try:
        with zipfile.ZipFile(path) as z:
            return (
                b'date1904="1"' in z.read("xl/workbook.xml")[:200000]
                or b'date1904="true"' in z.read("xl/workbook.xml")[:200000]
            )
    except (KeyError, zipfile.BadZipFile):
        return False


def read_records(data: Any, display: str) -> RawSheet:
    """JSON/YAML: a list of objects (or {rows: [...]}) -> header row + value rows."""
    if isinstance(data, dict) and isinstance(data.get("rows"), list):
        data = data["rows"]
    if not isinstance(data, list):
        raise EvidenceError(
            "表格文件的顶层应为对象列表（或 {rows: [...]}）",
            Location(display),
            "a table file must hold a list of objects (or {rows: [...]})",
        )
    headers: list[str] = []
    for i, rec in enumerate(data):
        if not isinstance(rec, dict):
            raise EvidenceError(
                f"第 {i + 1} 条记录不是对象",
                Location(display, i + 2, row_label="row"),
                f"record {i + 1} is not an object",
            )
        for k in rec:
            if str(k) not in headers:
                headers.append(str(k))
    if not data:
        return RawSheet([], None, "utf-8", records=True)
    rows: list[list[Any]] = [list(headers)]
    for rec in data:
        rows.append([_plain(rec.get(h)) for h in headers])
    return RawSheet(rows, None, "utf-8", records=True)


def _plain(v: Any) -> Any:
    if isinstance(v, list):
        return "、".join(str(x) for x in v)
    if isinstance(v, dict):
        return json.dumps(v, ensure_ascii=False)
    return v


MAX_NUMBER_DIGITS = 30


def _json_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_NUMBER_DIGITS:
        raise _TooLong(text)
    return int(text)


class _TooLong(ValueError):
    """A JSON integer of more digits than any figure in evidence has."""


def _no_surrogates(data: Any, display: str) -> None:
    """Text (values and keys) must be Unicode: a lone surrogate from a `\\ud800` escape is refused, with its record."""
    from complycheck.yamlsource import SURROGATE

    records = data if isinstance(data, list) else [data]
    for i, rec in enumerate(records):
        stack = [rec]
        while stack:
            v = stack.pop()
            if isinstance(v, dict):
                stack.extend(v.keys())
                stack.extend(v.values())
            elif isinstance(v, list):
                stack.extend(v)
            elif isinstance(v, str) and SURROGATE.search(v):
                raise EvidenceError(
                    f"第 {i + 1} 条记录含有无效的 Unicode（单独的代理码位，如 \\ud800）",
                    Location(display, i + 2, row_label="row"),
                    f"record {i + 1} holds invalid Unicode (a lone surrogate such as \\ud800)",
                )


def read_json(path: Path, display: str) -> RawSheet:
    raw = path.read_bytes()
    try:
        data = json.loads(raw.decode(detect_encoding(raw)).lstrip("\ufeff"), parse_int=_json_int)
    except UnicodeDecodeError:
        raise EvidenceError("JSON 文件编码无法识别", Location(display), "JSON file encoding not recognised") from None
    except json.JSONDecodeError as e:
        raise EvidenceError(
            f"JSON 语法错误：{e.msg}", Location(display, e.lineno, e.colno), f"JSON syntax error: {e.msg}"
        ) from None
    except RecursionError:
        raise EvidenceError("JSON 嵌套过深", Location(display), "JSON nested too deeply") from None
    except _TooLong:
        raise EvidenceError(
            f"JSON 中有超过 {MAX_NUMBER_DIGITS} 位的整数",
            Location(display),
            f"JSON holds an integer of more than {MAX_NUMBER_DIGITS} digits",
        ) from None
    except (ValueError, OverflowError, UnicodeError) as e:  # anything else the parser raises on hostile bytes
        raise EvidenceError(
            f"JSON 无法读取：{short_error(e)}", Location(display), f"JSON cannot be read: {short_error(e)}"
        ) from None
    _no_surrogates(data.get("rows", data) if isinstance(data, dict) else data, display)
    return read_records(data, display)


def read_yaml(path: Path, display: str) -> RawSheet:
    from complycheck.errors import RuleFileError
    from complycheck.yamlsource import load_yaml_file

    try:
        doc = load_yaml_file(path, display)
    except RuleFileError as e:
        raise EvidenceError(e.message, e.location, e.message_en) from None
    return read_records(doc.data, display)


@dataclass(frozen=True)
class Reader:
    """How one kind of file becomes raw rows; `streams`: large files are read in batches (not held whole)."""

    kind: str
    read: Callable[[Path, str, dict[str, Any]], RawSheet]
    streams: bool = False


def _xlsx(path: Path, display: str, entry: dict[str, Any]) -> RawSheet:
    sheet = read_xlsx(path, display, entry.get("sheet"))
    if entry.get("date_system") == 1904:
        sheet.date1904 = True
    return sheet


_CSV = Reader("csv", lambda path, display, entry: read_csv(path, display, entry.get("encoding")), streams=True)
_XLSX = Reader("xlsx", _xlsx)
_JSON = Reader("json", lambda path, display, entry: read_json(path, display))
_YAML = Reader("yaml", lambda path, display, entry: read_yaml(path, display))

READERS: dict[str, Reader] = {
    ".csv": _CSV,
    ".txt": _CSV,
    ".xlsx": _XLSX,
    ".xlsm": _XLSX,
    ".json": _JSON,
    ".yaml": _YAML,
    ".yml": _YAML,
}


def streams(path: Path) -> bool:
    """Whether a file of this kind is read in batches (large CSV) rather than held whole."""
    r = READERS.get(path.suffix.lower())
    return r is not None and r.streams
