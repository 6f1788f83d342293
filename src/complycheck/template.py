"""`complycheck template`: blank evidence files a supplier can fill in and have load the first time.

One file per dataset the supplier provides (bureau-owned registers, `owner: bureau`, are the bureau's to supply and
get none), named by the dataset's Chinese title; each header cell carries a Chinese note (type, required, allowed
values, example, description), repeated on the `说明` sheet (CSV: in `填表说明.md`)."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from complycheck.model import Column, Dataset, RulePack

TYPE_WORDS = {
    "string": ("文本", "text"),
    "integer": ("整数", "whole number"),
    "decimal": ("数字（可带千分位、%、万元）", "number"),
    "boolean": ("是/否", "yes/no (是/否)"),
    "date": ("日期，如 2022-10-31 或 2022年10月31日", "date, e.g. 2022-10-31"),
    "id_number": (
        "18 位公民身份号码（请设为文本格式，勿用科学计数法）",
        "18-character resident ID number (format the column as text)",
    ),
    "list": ("多个值用顿号“、”分隔", "several values separated by 、"),
}
EXAMPLES = {
    "string": "",
    "integer": "12",
    "decimal": "1,200.50",
    "boolean": "是",
    "date": "2022-10-31",
    "id_number": "150502195001010119",
    "list": "党建、财务管理",
}


def safe_cell(v: Any) -> Any:
    """Neutralise text that a spreadsheet would run as a formula (=, +, -, @, tab, CR)."""
    if isinstance(v, str) and v[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + v
    return v


NOTES_HEADINGS = ["列名", "字段", "类型", "可选值", "示例", "个人信息", "说明"]


def _example(c: Column) -> str:
    return c.values[0] if c.values else c.example or EXAMPLES[c.type]


def header_note(c: Column) -> str:
    """The Chinese note on a header cell: what to write in the column."""
    parts = [f"类型：{TYPE_WORDS[c.type][0]}", "必填" if c.required else "可留空"]
    if c.values:
        parts.append("可选值：" + "、".join(c.values))
    if _example(c):
        parts.append(f"示例：{_example(c)}")
    if c.personal or c.type == "id_number":
        parts.append("个人信息（报告中脱敏）")
    if c.description:
        parts.append(c.description)
    if c.aliases:
        parts.append("也可写作：" + "、".join(c.aliases))
    return "；".join(parts)


def _notes(ds: Dataset) -> list[list[Any]]:
    rows: list[list[Any]] = [list(NOTES_HEADINGS)]
    for c in ds.columns.values():
        rows.append(
            [
                c.header,
                c.name,
                TYPE_WORDS[c.type][0],
                "、".join(c.values),
                _example(c),
                "是（报告中脱敏）" if c.personal or c.type == "id_number" else "",
                ("必填列。" if c.required else "") + (c.description or ""),
            ]
        )
    return [[safe_cell(x) for x in r] for r in rows]


def _validation(ws: Any, col_letter: str, c: Column) -> None:
    from openpyxl.worksheet.datavalidation import DataValidation

    rng = f"{col_letter}2:{col_letter}5000"
    dv = None
    if c.values and sum(len(v) + 1 for v in c.values) < 250:
        dv = DataValidation(
            type="list", formula1='"' + ",".join(v.replace('"', "") for v in c.values) + '"', allow_blank=True
        )
    elif c.type == "boolean":
        dv = DataValidation(type="list", formula1='"是,否"', allow_blank=True)
    elif c.type == "date":
        dv = DataValidation(type="date", operator="greaterThan", formula1="1", allow_blank=True)
    elif c.type == "integer":
        dv = DataValidation(type="whole", operator="greaterThanOrEqual", formula1="0", allow_blank=True)
    elif c.type == "decimal":
        dv = DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="-1000000000000", allow_blank=True)
    if dv is not None:
        dv.error = f"“{c.header}”的值不符合要求"
        dv.errorTitle = "complycheck"
        dv.prompt = TYPE_WORDS[c.type][0]
        dv.showErrorMessage = True
        dv.add(rng)
        ws.add_data_validation(dv)


def write_xlsx(ds: Dataset, path: Path) -> None:
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    ws = wb.active
    ws.title = ds.title[:31].replace("/", "／")
    for i, c in enumerate(ds.columns.values(), 1):
        cell = ws.cell(1, i, safe_cell(c.header))
        cell.font = Font(bold=True)
        cell.comment = Comment(header_note(c), "complycheck", width=320, height=160)
        letter = get_column_letter(i)
        ws.column_dimensions[letter].width = max(12, min(40, len(c.header) * 2 + 4))
        if c.type in ("id_number", "string", "list"):
            for r in range(2, 502):
                ws.cell(r, i).number_format = "@"  # text: IDs never become 1.50502E+17
        if c.type == "date":
            for r in range(2, 502):
                ws.cell(r, i).number_format = "yyyy-mm-dd"
        _validation(ws, letter, c)
    ws.freeze_panes = "A2"
    notes = wb.create_sheet("说明")
    for row in _notes(ds):
        notes.append(row)
    wb.save(path)


def write_csv(ds: Dataset, path: Path) -> None:
    buf = io.StringIO(newline="")
    csv.writer(buf, lineterminator="\r\n").writerow([safe_cell(c.header) for c in ds.columns.values()])
    path.write_bytes(buf.getvalue().encode("utf-8-sig"))


UNSAFE = str.maketrans({c: "_" for c in '\\:*?"<>|\t\r\n'} | {"/": "、"})


def file_stem(ds: Dataset, taken: set[str]) -> str:
    """The dataset's Chinese title as a file name (no path separators or characters Windows refuses); the dataset
    name is added when two titles would give the same name."""
    stem = ds.title.translate(UNSAFE).strip(" .") or ds.name
    if stem in taken or stem.startswith((".", "~")):
        stem = f"{stem}（{ds.name}）"
    taken.add(stem)
    return stem


def supplied(pack: RulePack) -> dict[str, Dataset]:
    """The datasets a supplier fills in: all but the bureau's own registers."""
    return {name: ds for name, ds in pack.datasets.items() if ds.owner != "bureau"}


def write_templates(pack: RulePack, out: Path, fmt: str) -> list[Path]:
    """One blank file per dataset the supplier provides, plus a manifest that names them all (and, for CSV, the
    notes on every column in 填表说明.md)."""
    import yaml

    out.mkdir(parents=True, exist_ok=True)
    written = []
    manifest: dict[str, Any] = {"datasets": {}}
    taken: set[str] = set()
    notes: list[str] = []
    for name, ds in supplied(pack).items():
        path = out / f"{file_stem(ds, taken)}.{fmt}"
        (write_xlsx if fmt == "xlsx" else write_csv)(ds, path)
        manifest["datasets"][name] = {"file": path.name}
        written.append(path)
        notes += (
            [f"{path.name}（{ds.title}）"] + [f"  {c.header}：{header_note(c)}" for c in ds.columns.values()] + [""]
        )
    bureau = [f"{ds.title}（{name}）" for name, ds in pack.datasets.items() if ds.owner == "bureau"]
    if fmt == "csv":
        readme = out / "填表说明.md"
        readme.write_text("各列填写说明 / what to write in each column\n\n" + "\n".join(notes), "utf-8")
        written.append(readme)
    m = out / "manifest.yaml"
    m.write_text(
        "# 证据清单（由 complycheck template 生成）/ evidence manifest\n"
        + (
            "# 以下名册由民政局提供，不需供应商填写 / registers the bureau supplies: " + "；".join(bureau) + "\n"
            if bureau
            else ""
        )
        + yaml.safe_dump(manifest, allow_unicode=True, sort_keys=False),
        "utf-8",
    )
    written.append(m)
    return written
