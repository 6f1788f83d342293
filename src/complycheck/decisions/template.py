"""The decisions template: every item of a run that needs a person, with its review point, its figures and the
evidence files (with SHA-256) its rule read, as XLSX (for the panel; 结论 chosen from a list) and YAML."""

from __future__ import annotations

import json
from pathlib import Path

from complycheck.decisions.apply import Bindings, open_items
from complycheck.evidence.manifest import read_manifest, sha256
from complycheck.i18n import STATUS
from complycheck.model import ALL_DATES, RulePack
from complycheck.results import Report, Result

SHEET, PANEL_SHEET, INFO_SHEET = "决定", "验收小组", "验收信息"
COLUMNS = ["规则", "品目", "标准", "自动结果", "审核要点", "数字", "证据文件 SHA-256", "结论", "理由", "审核人", "日期"]
INFO = [
    ("项目编号", "project_no"),
    ("规则包", "pack"),
    ("评估日期", "as_of"),
    ("验收日期", "date"),
    ("验收地点", "place"),
    ("验收意见", "opinion"),
    ("服务对象意见", "recipients_opinion"),
]
DEFAULT_ROLES = ["组长（采购人代表）", "成员（采购人代表）", "成员（专家）", "成员（专家）", "成员（服务对象代表）"]
FILE_NAMES = ("decisions.xlsx", "decisions.yaml")


# --------------------------------------------------------------------------- which evidence each rule read
def evidence_bindings(pack: RulePack, evidence: Path, report: Report) -> Bindings:
    """Rule -> the evidence files (relative to the evidence folder, as the manifest names them) its rule and the
    rules it depends on read, with their SHA-256 (taken from the report's inputs, hashed again only if absent)."""
    _, doc = read_manifest(evidence)
    files = {str(n): str(e["file"]) for n, e in doc.data["datasets"].items() if isinstance(e, dict) and "file" in e}
    digests = {str(i["path"]): str(i["sha256"]) for i in report.inputs if i.get("kind") == "evidence"}

    def digest(rel: str) -> str:
        p = evidence / rel
        return digests.get(str(p)) or (sha256(p) if p.is_file() else "")

    by_id = {r.id: r for r in pack.rules}

    def reads(rid: str, seen: set[str]) -> set[str]:
        if rid in seen or rid not in by_id:
            return set()
        seen.add(rid)
        out = set(by_id[rid].reads)
        for d in by_id[rid].depends_on:
            out |= reads(d, seen)
        return out

    out: Bindings = {}
    for r in pack.rules:
        datasets = reads(r.id, set())
        names = set(files) if ALL_DATES in datasets else datasets & set(files)
        out[r.id] = {files[n]: digest(files[n]) for n in sorted(names, key=lambda n: files[n])}
    return out


# --------------------------------------------------------------------------- writing the template
def _figures(r: Result) -> str:
    return r.message


def _evidence_cell(files: dict[str, str]) -> str:
    return "\n".join(f"{f} = {h}" for f, h in files.items())


def template_yaml(report: Report, bindings: Bindings) -> str:
    """The YAML form: JSON-quoted scalars (valid YAML), comments for the panel."""

    def q(v: object) -> str:
        return json.dumps("" if v is None else str(v), ensure_ascii=False)

    c = report.contract
    lines = [
        f"# 验收小组决定 / the acceptance panel's decisions: {c.project_no} {c.title}",
        "# 每项填写 conclusion（通过 / 不通过 / 暂缓）、reason（理由）、reviewer（审核人）、date（日期）；",
        "# conclusion 留空即未决定。evidence 是生成模板时规则读取的证据文件指纹，请勿修改：证据变更后决定自动失效。",
        "# Fill in conclusion (通过/不通过/暂缓), reason, reviewer, date; leave conclusion blank to leave it open.",
        "# Do not edit evidence: a decision lapses when the files it rests on change.",
        "format_version: 1",
        f"project_no: {q(c.project_no)}",
        f"pack: {q(report.pack_id + ' ' + report.pack_version)}",
        f"as_of: {q(report.as_of.isoformat())}",
        "acceptance:",
        '  date: ""                # 验收日期 YYYY-MM-DD',
        '  place: ""               # 验收地点',
        '  opinion: ""             # 验收意见',
        '  recipients_opinion: ""  # 服务对象意见（公共服务项目应邀请服务对象参与）',
        "  panel:                  # 验收小组成员：姓名与角色，每人在验收书上签字",
    ]
    lines += [f"    - {{name: {q('')}, role: {q(role)}}}" for role in DEFAULT_ROLES]
    lines.append("decisions:")
    for r in open_items(report):
        zh_status = STATUS[r.status][0]
        lines += [
            f"  - rule: {q(r.rule)}",
            f"    line_item: {q(r.line_item)}",
            f"    title: {q(r.title)}",
            f"    status: {q(r.status)}  # {zh_status}",
            f"    review: {q(r.review)}",
            f"    figures: {q(_figures(r))}",
            "    evidence:",
        ]
        files = bindings.get(r.rule, {})
        lines += [f"      - {{file: {q(f)}, sha256: {q(h)}}}" for f, h in files.items()] or ["      []"]
        if not files:
            lines[-2] = "    evidence: []"
            lines.pop()
        lines += ['    conclusion: ""  # 通过 / 不通过 / 暂缓', '    reason: ""', '    reviewer: ""', '    date: ""']
    return "\n".join(lines) + "\n"


def template_xlsx(report: Report, bindings: Bindings, path: Path) -> None:
    """The XLSX form: one row per open item, 结论 chosen from a list; the panel and the acceptance's details."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.worksheet.datavalidation import DataValidation

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = SHEET
    ws.append(COLUMNS)
    items = open_items(report)
    for r in items:
        ws.append(
            [
                r.rule,
                r.line_item,
                r.title,
                STATUS[r.status][0],
                r.review,
                _figures(r),
                _evidence_cell(bindings.get(r.rule, {})),
                None,
                None,
                None,
                None,
            ]
        )
    last = max(2, len(items) + 1)
    dv = DataValidation(type="list", formula1='"通过,不通过,暂缓"', allow_blank=True)
    dv.error, dv.errorTitle = "请选择 通过、不通过 或 暂缓", "结论"
    dv.prompt, dv.promptTitle = "通过 / 不通过 / 暂缓", "结论"
    ws.add_data_validation(dv)
    dv.add(f"H2:H{last}")
    dd = DataValidation(type="date", operator="greaterThan", formula1="1", allow_blank=True)
    ws.add_data_validation(dd)
    dd.add(f"K2:K{last}")
    fill = PatternFill("solid", fgColor="FFF2CC")
    for col, width in zip("ABCDEFGHIJK", (16, 6, 36, 12, 40, 40, 60, 10, 40, 12, 12), strict=True):
        ws.column_dimensions[col].width = width
    for row in ws.iter_rows(min_row=1, max_row=last):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in range(2, last + 1):
        for col in "HIJK":
            ws[f"{col}{row}"].fill = fill
            ws[f"K{row}"].number_format = "yyyy-mm-dd"
    ws.freeze_panes = "B2"
    panel = wb.create_sheet(PANEL_SHEET)
    panel.append(["姓名", "角色"])
    for role in DEFAULT_ROLES:
        panel.append([None, role])
    panel.column_dimensions["A"].width, panel.column_dimensions["B"].width = 16, 28
    info = wb.create_sheet(INFO_SHEET)
    c = report.contract
    prefilled = {
        "project_no": c.project_no,
        "pack": f"{report.pack_id} {report.pack_version}",
        "as_of": report.as_of.isoformat(),
    }
    for label, key in INFO:
        info.append([label, prefilled.get(key)])
    info.column_dimensions["A"].width, info.column_dimensions["B"].width = 14, 60
    wb.save(path)


def write_template(report: Report, bindings: Bindings, folder: Path) -> list[Path]:
    """decisions.xlsx and decisions.yaml in `folder` (created if missing)."""
    folder.mkdir(parents=True, exist_ok=True)
    xlsx, yml = (folder / n for n in FILE_NAMES)
    template_xlsx(report, bindings, xlsx)
    yml.write_text(template_yaml(report, bindings), encoding="utf-8")
    return [xlsx, yml]


def template_for(report: Report, rules: Path, evidence: Path, folder: Path) -> list[Path]:
    """Write the decisions template of a run."""
    from complycheck.pack import load_pack

    return write_template(report, evidence_bindings(load_pack(rules), evidence, report), folder)
