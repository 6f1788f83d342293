"""Rule packs: YAML files -> validated -> a RulePack with every expression compiled once."""

from __future__ import annotations

import difflib
import json
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

from complycheck import values as V
from complycheck.errors import ComplycheckError, ErrorList, Location, RuleFileError
from complycheck.lang import Compiled, Scope, compile_expr
from complycheck.lang.types import as_decimal
from complycheck.model import Clause, Column, Contract, Dataset, LineItem, Parameter, Period, Rule, RulePack
from complycheck.schema import validate
from complycheck.yamlsource import YamlDoc, load_yaml_file

MAX_PACK_FILES = 200
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def pack_files(root: Path) -> list[Path]:
    """The pack's YAML files: top level only (tests/ and catalogue/ are not rule files)."""
    if not root.exists():
        raise RuleFileError("规则目录不存在", Location(str(root)), "rules folder does not exist")
    if not root.is_dir():
        raise RuleFileError("不是目录", Location(str(root)), "not a folder")
    files = sorted(p for p in root.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file() and not p.is_symlink())
    if not files:
        raise RuleFileError("规则目录中没有 .yaml 文件", Location(str(root)), "no .yaml files in the rules folder")
    if len(files) > MAX_PACK_FILES:
        raise RuleFileError("规则文件过多", Location(str(root)), "too many rule files")
    return files


def load_pack(root: Path, catalogue: Path | None = None, overrides: dict[str, Any] | None = None) -> RulePack:
    """Load, validate and compile a rule pack; every problem found is raised together."""
    docs = _valid_docs((_display(f), lambda f=f: load_yaml_file(f, _display(f))) for f in pack_files(root))
    return _Builder(root, docs, catalogue, overrides).build()


def load_pack_texts(texts: dict[str, str], catalogue: Path | None = None) -> RulePack:
    """A pack from YAML texts in memory (file name -> text): for tests and rule authoring tools."""
    from complycheck.yamlsource import load_yaml_text

    docs = _valid_docs((name, lambda t=text, n=name: load_yaml_text(t, n)) for name, text in sorted(texts.items()))
    return _Builder(Path("<memory>"), docs, catalogue).build()


def _valid_docs(sources: Any) -> list[YamlDoc]:
    """Parse and schema-check every file; raise all problems of all files together."""
    errors: list[ComplycheckError] = []
    docs: list[YamlDoc] = []
    for _name, load in sources:
        try:
            doc = load()
        except ComplycheckError as e:
            errors.append(e)
            continue
        problems = validate(doc, "pack")
        errors.extend(problems)
        if not problems:
            docs.append(doc)
    if errors:
        raise ErrorList(errors)
    return docs


def _display(p: Path) -> str:
    try:
        return str(p.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(p)


def typed_param(name: str, raw: Any, loc: Location) -> Parameter:
    """A parameter from its YAML form, with its value typed (dates, exact decimals)."""
    meta: dict[str, Any] = raw if isinstance(raw, dict) else {"value": raw}
    value, t = meta.get("value"), meta.get("type")
    if t is None:
        if isinstance(value, str) and _DATE_RE.match(value):
            t = "date"
        elif isinstance(value, bool):
            t = "boolean"
        elif isinstance(value, int):
            t = "integer"
        elif isinstance(value, float):
            t = "number"
        elif isinstance(value, list):
            t = "list"
        elif isinstance(value, dict):
            t = "map"
        else:
            t = "string"
    try:
        value = _coerce(value, t)
    except (ValueError, TypeError) as e:
        raise RuleFileError(
            f"参数“{name}”的值与类型 {t} 不符：{e}", loc, f"parameter '{name}' does not match type {t}: {e}"
        ) from None
    return Parameter(
        name,
        value,
        t,
        meta.get("title", ""),
        meta.get("title_en", ""),
        meta.get("note", ""),
        bool(meta.get("bureau_decision", False)),
    )


def _coerce(value: Any, t: str) -> Any:
    if value is None:
        return None
    if t == "date":
        return V.to_date(value)
    if t == "integer":
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"{value!r} 不是整数")
        return value
    if t == "number":
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise ValueError(f"{value!r} 不是数字")
        return Decimal(str(value)) if not isinstance(value, float) else as_decimal(value)
    if t == "boolean":
        if not isinstance(value, bool):
            raise ValueError(f"{value!r} 不是 true/false")
        return value
    if t == "list":
        if not isinstance(value, list):
            raise ValueError("不是列表")
        return [as_decimal(v) for v in value]
    if t == "map":
        if not isinstance(value, dict):
            raise ValueError("不是映射")
        return {str(k): v for k, v in value.items()}
    if not isinstance(value, str):
        raise ValueError(f"{value!r} 不是文本")
    return value


class _Builder:
    def __init__(
        self, root: Path, docs: list[YamlDoc], catalogue: Path | None, overrides: dict[str, Any] | None = None
    ):
        self.overrides = overrides or {}
        self.root = root
        self.docs = docs
        self.catalogue_path = catalogue
        self.errors: list[ComplycheckError] = []

    def _override(self, p: Parameter, loc: Location) -> Parameter:
        """A parameter with the value a rule test (or a what-if run) sets instead of the pack's."""
        if p.name not in self.overrides:
            return p
        q = typed_param(p.name, {"value": self.overrides[p.name], "type": p.type}, loc)
        return Parameter(p.name, q.value, p.type, p.title, p.title_en, p.note, p.bureau_decision)

    def section(self, key: str) -> list[tuple[YamlDoc, Any]]:
        return [(d, d.data[key]) for d in self.docs if key in d.data]

    def one(self, key: str, required: bool) -> tuple[YamlDoc, Any] | None:
        found = self.section(key)
        if len(found) > 1:
            d2 = found[1][0]
            self.errors.append(
                RuleFileError(
                    f"“{key}”只能定义一次（另见 {found[0][0].file}）",
                    d2.where((key,)),
                    f"'{key}' may be defined only once (also in {found[0][0].file})",
                )
            )
        if not found:
            if required:
                self.errors.append(
                    RuleFileError(
                        f"规则包缺少“{key}”部分", Location(str(self.root)), f"the pack has no '{key}' section"
                    )
                )
            return None
        return found[0]

    def build(self) -> RulePack:
        pack_meta = self.one("pack", False)
        contract_src = self.one("contract", True)
        if self.errors:
            raise ErrorList(self.errors)
        assert contract_src is not None
        contract = self.contract(*contract_src)
        params = self.parameters()
        datasets = self.datasets()
        clauses = self.clauses(pack_meta)
        if self.errors:
            raise ErrorList(self.errors)
        rules = self.rules(contract, params, datasets, clauses)
        if self.errors:
            raise ErrorList(self.errors)
        meta = pack_meta[1] if pack_meta else {}
        files = [d.file for d in self.docs]
        if clauses and self.catalogue_file:
            files.append(self.catalogue_file)
        return RulePack(
            str(self.root),
            meta.get("id", self.root.name),
            str(meta.get("version", "0")),
            meta.get("title", ""),
            contract,
            params,
            datasets,
            rules,
            clauses,
            files,
        )

    # ------------------------------------------------------------------ sections
    def contract(self, doc: YamlDoc, c: dict[str, Any]) -> Contract:
        items = []
        for li in c["line_items"]:
            dl = {k: V.to_date(v) for k, v in (li.get("deadlines") or {}).items()}
            items.append(
                LineItem(
                    li["id"],
                    li["name"],
                    li.get("name_en", ""),
                    Decimal(li["amount"]),
                    V.to_date(li["deadline"]) if li.get("deadline") else None,
                    dl,
                )
            )
        ids = [li.id for li in items]
        for i, li_id in enumerate(ids):
            if li_id in ids[:i] or li_id == "contract":
                self.errors.append(
                    RuleFileError(
                        f"品目号“{li_id}”重复或保留",
                        doc.where(("contract", "line_items", i, "id")),
                        f"line item id '{li_id}' is duplicated or reserved",
                    )
                )
        sp = c.get("service_period") or {}
        return Contract(
            c["project_no"],
            c["title"],
            c.get("title_en", ""),
            c["purchaser"],
            c["supplier"],
            c.get("agency", ""),
            V.to_date(c["award_date"]),
            Decimal(c["total_amount"]),
            V.to_date(sp["start"]) if sp else None,
            V.to_date(sp["end"]) if sp else None,
            tuple(items),
        )

    def parameters(self) -> dict[str, Parameter]:
        out: dict[str, Parameter] = {}
        for doc, section in self.section("parameters"):
            for name, raw in section.items():
                loc = doc.where(("parameters", name))
                if name in out:
                    self.errors.append(RuleFileError(f"参数“{name}”重复定义", loc, f"parameter '{name}' defined twice"))
                    continue
                try:
                    out[name] = self._override(typed_param(name, raw, loc), loc)
                except ComplycheckError as e:
                    self.errors.append(e)
        return out

    def datasets(self) -> dict[str, Dataset]:
        out: dict[str, Dataset] = {}
        for doc, section in self.section("datasets"):
            for name, d in section.items():
                if name in out or name == "rows":
                    self.errors.append(
                        RuleFileError(
                            f"数据集“{name}”重复定义或名称保留",
                            doc.where(("datasets", name)),
                            f"dataset '{name}' defined twice or reserved",
                        )
                    )
                    continue
                cols = {
                    cn: Column(
                        cn,
                        c["type"],
                        c["header"],
                        c.get("header_en", ""),
                        tuple(c.get("aliases", [])),
                        (c.get("personal") or None) if c.get("personal") is not False else None,
                        bool(c.get("required", False)),
                        tuple(c.get("values", [])),
                        c.get("description", ""),
                        str(c.get("example", "")),
                    )
                    for cn, c in d["columns"].items()
                }
                for k in d.get("key", []):
                    if k not in cols:
                        self.errors.append(
                            RuleFileError(
                                f"键列“{k}”未在 columns 中声明",
                                doc.where(("datasets", name, "key")),
                                f"key column '{k}' is not declared",
                            )
                        )
                out[name] = Dataset(
                    name, d["title"], d.get("title_en", ""), d.get("owner", "supplier"), tuple(d.get("key", [])), cols
                )
        return out

    catalogue_file: str | None = None

    def clauses(self, pack_meta: tuple[YamlDoc, Any] | None) -> dict[str, Clause]:
        path = self.catalogue_path
        if path is None and pack_meta and pack_meta[1].get("catalogue"):
            path = self.root / pack_meta[1]["catalogue"]
            if not path.resolve().is_relative_to(self.root.resolve()):
                self.errors.append(
                    RuleFileError(
                        "条款目录必须在规则目录内",
                        pack_meta[0].where(("pack", "catalogue")),
                        "the clause catalogue must be inside the pack folder",
                    )
                )
                return {}
        if path is None:
            return {}
        try:
            doc = load_yaml_file(path, _display(path))
        except ComplycheckError as e:
            self.errors.append(e)
            return {}
        self.catalogue_file = doc.file
        items = doc.data.get("clauses") if isinstance(doc.data, dict) else None
        if not isinstance(items, list):
            self.errors.append(
                RuleFileError("条款目录缺少 clauses 列表", doc.where(()), "the clause catalogue has no 'clauses' list")
            )
            return {}
        out: dict[str, Clause] = {}
        for i, c in enumerate(items):
            if not isinstance(c, dict) or "id" not in c:
                self.errors.append(RuleFileError("条款缺少 id", doc.where(("clauses", i)), "clause without id"))
                continue
            src = c.get("source_text", "")
            src = "；".join(src) if isinstance(src, list) else str(src)
            out[str(c["id"])] = Clause(
                str(c["id"]),
                str(c.get("line_item", "")),
                src,
                str(c.get("meaning_en", "")),
                bool(c.get("qualitative", False)),
                str(c.get("kind", "")),
            )
        return out

    # ------------------------------------------------------------------ rules
    def rules(
        self, contract: Contract, params: dict[str, Parameter], datasets: dict[str, Dataset], clauses: dict[str, Clause]
    ) -> list[Rule]:
        out: list[Rule] = []
        seen: dict[str, str] = {}
        line_ids = {li.id for li in contract.line_items} | {"contract"}
        for doc, section in self.section("rules"):
            for i, r in enumerate(section):
                base = ("rules", i)
                rid = r["id"]
                if rid in seen:
                    self.errors.append(
                        RuleFileError(
                            f"规则编号“{rid}”重复（另见 {seen[rid]}）",
                            doc.where(base + ("id",)),
                            f"duplicate rule id '{rid}' (also at {seen[rid]})",
                        )
                    )
                    continue
                seen[rid] = str(doc.where(base))
                if r["line_item"] not in line_ids:
                    hz = difflib.get_close_matches(r["line_item"], sorted(line_ids), n=1)
                    self.errors.append(
                        RuleFileError(
                            f"规则 {rid}：品目“{r['line_item']}”不在合同中" + (f"，是不是“{hz[0]}”？" if hz else ""),
                            doc.where(base + ("line_item",)),
                            f"rule {rid}: line item '{r['line_item']}' is not in the contract",
                        )
                    )
                for j, cid in enumerate(r["clauses"]):
                    if clauses and cid not in clauses:
                        hz = difflib.get_close_matches(cid, sorted(clauses), n=1)
                        self.errors.append(
                            RuleFileError(
                                f"规则 {rid}：条款“{cid}”不在条款目录中" + (f"，是不是“{hz[0]}”？" if hz else ""),
                                doc.where(base + ("clauses", j)),
                                f"rule {rid}: clause '{cid}' is not in the catalogue",
                            )
                        )
                try:
                    out.append(self.rule(doc, base, r, contract, params, datasets))
                except ErrorList as e:
                    self.errors.extend(e.errors)
                except ComplycheckError as e:
                    self.errors.append(e)
        ids = {r.id for r in out}
        for r in out:
            for dep in r.depends_on:
                if dep not in ids:
                    self.errors.append(
                        RuleFileError(
                            f"规则 {r.id}：depends_on 中的规则“{dep}”不存在",
                            r.location,
                            f"rule {r.id}: depends_on names unknown rule '{dep}'",
                        )
                    )
        if not self.errors:
            self._check_cycles(out)
        return out

    def _check_cycles(self, rules: list[Rule]) -> None:
        deps = {r.id: r.depends_on for r in rules}
        state: dict[str, int] = {}

        def visit(rid: str, stack: list[str]) -> None:
            if state.get(rid) == 2:
                return
            if state.get(rid) == 1:
                r = next(x for x in rules if x.id == rid)
                self.errors.append(
                    RuleFileError(
                        f"depends_on 形成循环：{' → '.join(stack + [rid])}",
                        r.location,
                        f"depends_on cycle: {' -> '.join(stack + [rid])}",
                    )
                )
                return
            state[rid] = 1
            for d in deps[rid]:
                visit(d, stack + [rid])
            state[rid] = 2

        for r in rules:
            visit(r.id, [])

    def rule(
        self,
        doc: YamlDoc,
        base: tuple[Any, ...],
        r: dict[str, Any],
        contract: Contract,
        params: dict[str, Parameter],
        datasets: dict[str, Dataset],
    ) -> Rule:
        rid = r["id"]
        errs: list[ComplycheckError] = []
        local = dict(params)
        for name, raw in (r.get("params") or {}).items():
            try:
                local[name] = self._override(
                    typed_param(name, raw, doc.where(base + ("params", name))), doc.where(base + ("params", name))
                )
            except ComplycheckError as e:
                errs.append(e)
        pvals = {k: p.value for k, p in local.items()}
        types = {name: ds.types() for name, ds in datasets.items()}
        views: dict[str, tuple[str, Compiled | None]] = {}
        source = r["from"]
        if source not in datasets and source not in (r.get("with") or {}):
            hz = difflib.get_close_matches(source, list(datasets), n=1)
            raise RuleFileError(
                f"规则 {rid}：未声明的数据集“{source}”" + (f"，是不是“{hz[0]}”？" if hz else ""),
                doc.where(base + ("from",)),
                f"rule {rid}: undeclared dataset '{source}'" + (f"; did you mean '{hz[0]}'?" if hz else ""),
            )
        cfields, deadlines = contract.fields(), contract.deadlines()

        def scope(cols: dict[str, str], row: bool = True, population: str | None = None) -> Scope:
            return Scope(cols, types, pvals, cfields, deadlines, population, row)

        def comp(key: tuple[Any, ...], text: Any, sc: Scope, want: str | None = None) -> Compiled | None:
            if text is None:
                return None
            try:
                field = ".".join(map(str, key))
                return compile_expr(
                    text, sc, doc.where(base + key), f"规则 {rid} 的 {field}", want, f"rule {rid} {field}"
                )
            except ComplycheckError as e:
                errs.append(e)
                return None

        for vname, v in (r.get("with") or {}).items():
            if vname in datasets or vname == "rows":
                errs.append(
                    RuleFileError(
                        f"规则 {rid}：视图名“{vname}”与数据集重名",
                        doc.where(base + ("with", vname)),
                        f"rule {rid}: view '{vname}' shadows a dataset",
                    )
                )
                continue
            if v["from"] not in datasets:
                errs.append(
                    RuleFileError(
                        f"规则 {rid}：视图“{vname}”的数据集“{v['from']}”未声明",
                        doc.where(base + ("with", vname, "from")),
                        f"rule {rid}: view '{vname}' reads undeclared dataset '{v['from']}'",
                    )
                )
                continue
            cols = types[v["from"]]
            views[vname] = (v["from"], comp(("with", vname, "where"), v.get("where"), scope(cols), "bool"))
            types[vname] = cols
        src_ds = views[source][0] if source in views else source
        cols = types.get(src_ds, {})
        types["rows"] = cols
        row_scope = scope(cols)
        const_scope = scope({}, row=False, population="rows")
        where = comp(("where",), r.get("where"), row_scope, "bool")
        expect = comp(("expect",), r.get("expect"), row_scope, "bool")
        measure = comp(("measure",), r.get("measure"), const_scope, "const")
        group_by = None
        if r.get("group_by") is not None:
            group_by = comp(("group_by",), r["group_by"], row_scope)
        for key in ("distinct",):
            if r.get(key) is not None and r[key] not in cols:
                hz = difflib.get_close_matches(r[key], list(cols), n=1)
                errs.append(
                    RuleFileError(
                        f"规则 {rid}：{key} 的列“{r[key]}”不存在" + (f"，是不是“{hz[0]}”？" if hz else ""),
                        doc.where(base + (key,)),
                        f"rule {rid}: {key} column '{r[key]}' does not exist",
                    )
                )
        raw_groups = r.get("groups")
        if isinstance(raw_groups, list):
            raw_groups = json.dumps(raw_groups, ensure_ascii=False)
        groups = comp(("groups",), raw_groups, const_scope, "const")
        period = None
        if r.get("period"):
            p = r["period"]
            if p["column"] not in cols or cols.get(p["column"]) != "date":
                errs.append(
                    RuleFileError(
                        f"规则 {rid}：period.column “{p['column']}”不是日期列",
                        doc.where(base + ("period", "column")),
                        f"rule {rid}: period.column '{p['column']}' is not a date column",
                    )
                )
            ps, pe = (
                comp(("period", "start"), p["start"], const_scope, "const"),
                comp(("period", "end"), p["end"], const_scope, "const"),
            )
            po = comp(("period", "min_overlap_days"), p.get("min_overlap_days"), const_scope, "const")
            if ps and pe:
                period = Period(p["column"], p["unit"], ps, pe, po)
        thresholds = {k: comp((k,), r.get(k), const_scope, "const") for k in ("min", "max", "equals", "warn_min")}
        due = comp(("due",), r.get("due"), const_scope, "const")
        pending_if = comp(("pending_if",), r.get("pending_if"), const_scope, "const")
        modes = [k for k in ("expect", "measure", "period", "group_by") if r.get(k) is not None]
        if len([m for m in modes if m != "group_by" or "period" not in modes]) > 1:
            errs.append(
                RuleFileError(
                    f"规则 {rid}：expect、measure、period、group_by 只能选一种（另见 period 可与 group_by 组合）",
                    doc.where(base),
                    f"rule {rid}: use only one of expect, measure, period, group_by (period may combine with group_by)",
                )
            )
        for j, name in enumerate(r.get("optional", [])):
            if name not in datasets:
                errs.append(
                    RuleFileError(
                        f"规则 {rid}：optional 中的数据集“{name}”未声明",
                        doc.where(base + ("optional", j)),
                        f"rule {rid}: optional dataset '{name}' is not declared",
                    )
                )
        if errs:
            raise ErrorList(errs)
        compiled = [where, expect, measure, groups, group_by, due, pending_if, *thresholds.values()] + [
            v[1] for v in views.values()
        ]
        reads = {
            views[n][0] if n in views else n for c in compiled if c for n in c.names if not n.startswith("params.")
        }
        reads |= {src_ds} | {v[0] for v in views.values()}
        reads.discard("rows")
        return Rule(
            id=rid,
            line_item=r["line_item"],
            clauses=tuple(r["clauses"]),
            title=r["title"],
            title_en=r.get("title_en", ""),
            severity=r.get("severity", "major"),
            qualitative=bool(r.get("qualitative", False)),
            review=r.get("review", ""),
            review_en=r.get("review_en", ""),
            description=r.get("description", ""),
            description_en=r.get("description_en", ""),
            source=source,
            views=views,
            where=where,
            distinct=r.get("distinct"),
            expect=expect,
            measure=measure,
            group_by=group_by,
            groups=groups,
            period=period,
            min=thresholds["min"],
            max=thresholds["max"],
            equals=thresholds["equals"],
            warn_min=thresholds["warn_min"],
            due=due,
            pending_if=pending_if,
            pending_reason=r.get("pending_reason", ""),
            pending_reason_en=r.get("pending_reason_en", ""),
            depends_on=tuple(r.get("depends_on", [])),
            on_missing=r.get("on_missing", "missing_evidence"),
            on_empty=r.get("on_empty", "not_applicable"),
            params={k: local[k] for k in (r.get("params") or {}) if k in local},
            derived=bool(r.get("derived", False)),
            location=doc.where(base),
            reads=frozenset(reads),
            optional=frozenset(r.get("optional", [])),
            mode=mode_of(r),
        )


def mode_of(r: dict[str, Any]) -> str:
    """The mode deciding a rule, from the keys it has (see engine.modes)."""
    if r.get("period"):
        return "period"
    if r.get("group_by") is not None:
        return "group"
    if r.get("expect") is not None:
        return "share"
    if r.get("measure") is not None:
        return "measure"
    return "count"
