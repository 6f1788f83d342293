"""Reading a filled decisions file (XLSX or YAML) back and applying it to a run. A malformed file is one input
error per problem, naming file and row."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

from complycheck.decisions.records import CONCLUSIONS, Decision, DecisionForm, PanelMember
from complycheck.decisions.template import INFO, INFO_SHEET, PANEL_SHEET, SHEET, evidence_bindings
from complycheck.errors import ComplycheckError, ErrorList, Location
from complycheck.evidence.manifest import sha256
from complycheck.results import Report


# --------------------------------------------------------------------------- reading a filled one
class _Errors:
    def __init__(self) -> None:
        self.items: list[ComplycheckError] = []

    def add(self, zh: str, where: Location, en: str) -> None:
        self.items.append(ComplycheckError(zh, where, en))


def _text(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, datetime):
        return v.date().isoformat()
    return str(v).strip()


def _date(v: Any, where: Location, errors: _Errors, what: str) -> date | None:
    from complycheck.values import to_date

    if v is None or (isinstance(v, str) and not v.strip()):
        return None
    try:
        return to_date(v)
    except ValueError:
        errors.add(f"{what}不是有效日期：{_text(v)}", where, f"{what} is not a valid date: {_text(v)}")
        return None


def _decision(
    rule: str, fields: dict[str, Any], evidence: dict[str, str], where: Location, errors: _Errors
) -> Decision | None:
    """One row: None when 结论 is blank (left open); every problem reported with its place."""
    conclusion = _text(fields.get("conclusion"))
    if not rule:
        errors.add("决定缺少规则编号", where, "a decision without a rule id")
        return None
    if not conclusion:
        return None
    if conclusion not in CONCLUSIONS:
        errors.add(
            f"结论应为 通过、不通过 或 暂缓，而不是“{conclusion}”",
            where,
            f"the conclusion must be 通过, 不通过 or 暂缓, not '{conclusion}'",
        )
        return None
    reason, reviewer = _text(fields.get("reason")), _text(fields.get("reviewer"))
    n_errors = len(errors.items)
    day = _date(fields.get("date"), where, errors, "日期")
    if len(errors.items) > n_errors:
        return None
    missing = [zh for zh, v in (("理由", reason), ("审核人", reviewer), ("日期", day)) if not v]
    if missing:
        errors.add(
            f"{rule} 已填结论，但缺少{'、'.join(missing)}：每项决定须写明理由、审核人和日期",
            where,
            f"{rule} has a conclusion but no {', '.join(missing)}: every decision says why, who and when",
        )
        return None
    return Decision(rule, CONCLUSIONS[conclusion], reason, reviewer, day, evidence, str(where))


def _parse_evidence_cell(text: str, where: Location, errors: _Errors) -> dict[str, str]:
    out: dict[str, str] = {}
    for line in text.splitlines():
        if not line.strip():
            continue
        name, sep, digest = line.rpartition("=")
        if not sep or not name.strip() or len(digest.strip()) not in (0, 64):
            errors.add(
                f"证据指纹应为“文件 = SHA-256”：{line[:80]}",
                where,
                f"evidence should read 'file = SHA-256': {line[:80]}",
            )
            continue
        out[name.strip()] = digest.strip()
    return out


def load_decisions(path: Path) -> DecisionForm:
    """A filled decisions file, XLSX or YAML (by extension)."""
    if not path.is_file():
        raise ComplycheckError("决定文件不存在", Location(str(path)), "the decisions file does not exist")
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return _load_xlsx(path)
    if suffix in (".yaml", ".yml"):
        return _load_yaml(path)
    raise ComplycheckError("决定文件应为 .xlsx 或 .yaml", Location(str(path)), "a decisions file is .xlsx or .yaml")


def _form(
    path: Path,
    meta: dict[str, Any],
    panel: list[PanelMember],
    decisions: list[Decision],
    where: Location,
    errors: _Errors,
) -> DecisionForm:
    day = _date(meta.get("date"), where, errors, "验收日期")
    if errors.items:
        raise ErrorList(errors.items)
    return DecisionForm(
        str(path),
        sha256(path),
        _text(meta.get("project_no")),
        day,
        _text(meta.get("place")),
        _text(meta.get("opinion")),
        _text(meta.get("recipients_opinion")),
        tuple(panel),
        tuple(decisions),
    )


def _load_yaml(path: Path) -> DecisionForm:
    from complycheck.yamlsource import load_yaml_file

    doc = load_yaml_file(path, str(path))
    errors = _Errors()
    data = doc.data
    if not isinstance(data, dict) or not isinstance(data.get("decisions", []), list):
        raise ComplycheckError(
            "决定文件应为映射，含 decisions 列表", doc.where(()), "a decisions file maps keys, with a decisions list"
        )
    acc = data.get("acceptance") or {}
    if not isinstance(acc, dict):
        errors.add("acceptance 应为映射", doc.where(("acceptance",)), "acceptance must be a mapping")
        acc = {}
    panel = []
    for i, m in enumerate(acc.get("panel") or []):
        if not isinstance(m, dict):
            errors.add(
                "验收小组成员应写成 {name, role}",
                doc.where(("acceptance", "panel", i)),
                "a panel member is {name, role}",
            )
            continue
        if _text(m.get("name")):
            panel.append(PanelMember(_text(m.get("name")), _text(m.get("role"))))
    decisions = []
    for i, d in enumerate(data.get("decisions") or []):
        where = doc.where(("decisions", i))
        if not isinstance(d, dict):
            errors.add("每项决定应为映射", where, "each decision is a mapping")
            continue
        evidence: dict[str, str] = {}
        ev = d.get("evidence") or []
        if not isinstance(ev, list) or not all(isinstance(e, dict) and "file" in e for e in ev):
            errors.add(
                "evidence 应为 {file, sha256} 的列表",
                doc.where(("decisions", i, "evidence")),
                "evidence is a list of {file, sha256}",
            )
        else:
            evidence = {_text(e["file"]): _text(e.get("sha256")) for e in ev}
        dec = _decision(_text(d.get("rule")), d, evidence, where, errors)
        if dec:
            decisions.append(dec)
    meta = {"project_no": data.get("project_no"), **acc}
    return _form(path, meta, panel, decisions, doc.where(("acceptance", "date")), errors)


def _load_xlsx(path: Path) -> DecisionForm:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as e:  # not a workbook, or a broken one
        raise ComplycheckError(
            f"无法读取决定文件（{type(e).__name__}）",
            Location(str(path)),
            f"cannot read the workbook ({type(e).__name__})",
        ) from None
    errors = _Errors()
    try:
        if SHEET not in wb.sheetnames:
            raise ComplycheckError(f"决定文件缺少工作表“{SHEET}”", Location(str(path)), f"no sheet '{SHEET}'")
        rows = list(wb[SHEET].iter_rows(values_only=True))
        header = [_text(h) for h in (rows[0] if rows else [])]
        missing = [c for c in ("规则", "结论", "理由", "审核人", "日期") if c not in header]
        if missing:
            raise ComplycheckError(
                f"工作表“{SHEET}”缺少列：{'、'.join(missing)}",
                Location(str(path), 1, sheet=SHEET, row_label="row"),
                f"sheet '{SHEET}' lacks columns: {', '.join(missing)}",
            )
        col = {h: i for i, h in enumerate(header)}
        key = {"结论": "conclusion", "理由": "reason", "审核人": "reviewer", "日期": "date"}
        decisions = []
        for n, row in enumerate(rows[1:], start=2):
            if all(v is None or _text(v) == "" for v in row):
                continue
            where = Location(str(path), n, sheet=SHEET, row_label="row")
            fields = {en: row[col[zh]] if col[zh] < len(row) else None for zh, en in key.items()}
            ev_col = col.get("证据文件 SHA-256")
            ev_text = _text(row[ev_col]) if ev_col is not None and ev_col < len(row) else ""
            evidence = _parse_evidence_cell(ev_text, where, errors)
            dec = _decision(_text(row[col["规则"]]), fields, evidence, where, errors)
            if dec:
                decisions.append(dec)
        panel = []
        if PANEL_SHEET in wb.sheetnames:
            for row in list(wb[PANEL_SHEET].iter_rows(values_only=True))[1:]:
                if row and _text(row[0]):
                    panel.append(PanelMember(_text(row[0]), _text(row[1]) if len(row) > 1 else ""))
        meta: dict[str, Any] = {}
        info_where = Location(str(path), sheet=INFO_SHEET)
        if INFO_SHEET in wb.sheetnames:
            labels = dict(INFO)
            for n, row in enumerate(wb[INFO_SHEET].iter_rows(values_only=True), start=1):
                if row and _text(row[0]) in labels:
                    meta[labels[_text(row[0])]] = row[1] if len(row) > 1 else None
                    if labels[_text(row[0])] == "date":
                        info_where = Location(str(path), n, sheet=INFO_SHEET, row_label="row")
    finally:
        wb.close()
    return _form(path, meta, panel, decisions, info_where, errors)


def check_form(form: DecisionForm, report: Report) -> None:
    """A decisions file written for another contract is refused."""
    if form.project_no and form.project_no != report.contract.project_no:
        raise ComplycheckError(
            f"决定文件属于项目 {form.project_no}，不是本次评估的 {report.contract.project_no}",
            Location(form.path),
            f"the decisions file is for project {form.project_no}, not {report.contract.project_no}",
        )


def with_decisions(report: Report, rules: Path, evidence: Path, decisions: Path) -> Report:
    """Read a filled decisions file and apply it to a run's report (the evidence each rule read, hashed, is taken
    from the report's inputs)."""
    from complycheck.decisions.apply import apply_decisions
    from complycheck.pack import load_pack

    form = load_decisions(decisions)
    check_form(form, report)
    return apply_decisions(report, form, evidence_bindings(load_pack(rules), evidence, report))
