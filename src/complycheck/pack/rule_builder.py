"""Building rules: each rule's keys checked against the pack, its expressions compiled once, its mode named
(see engine.modes), its dependencies checked for unknown rules and cycles."""

from __future__ import annotations

import difflib
import json
from typing import Any

from complycheck.errors import ComplycheckError, ErrorList, RuleFileError
from complycheck.lang import Compiled, Scope, compile_expr
from complycheck.model import ALL_DATES, Clause, Contract, Dataset, Parameter, Period, Rule, RulePack, all_dates_dataset
from complycheck.pack.params import typed_param
from complycheck.pack.sections import Sections
from complycheck.yamlsource import YamlDoc


class PackBuilder(Sections):
    """The whole pack: its sections, then every rule with its expressions compiled once."""

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
        self.errors += self.unused_settings()
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
                    out.append(self.rule(doc, base, r, contract, params, datasets | {ALL_DATES: all_dates_dataset()}))
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
            ploc = doc.where(base + ("params", name))
            try:
                local[name] = typed_param(name, raw, ploc)
                local[name] = self.override(local[name], ploc, rid)
            except ComplycheckError as e:  # a setting refused: the pack's own value stands, so no error follows
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

        src_name = ((r.get("with") or {}).get(source) or {}).get("from", source)
        src_columns = datasets[src_name].columns if src_name in datasets else {}
        headers = {h: c.name for c in src_columns.values() for h in (c.header, *c.aliases, c.header_en) if h}

        def scope(cols: dict[str, str], row: bool = True, population: str | None = None) -> Scope:
            return Scope(cols, types, pvals, cfields, deadlines, population, row, headers)

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
        for key in ("distinct", "per"):
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
        entities = comp(("entities",), r.get("entities"), const_scope)
        if entities is not None and entities.node.t != "colref":
            errs.append(
                RuleFileError(
                    f"规则 {rid}：entities 必须写成 数据集.列（例如 enrolled.id_number）",
                    doc.where(base + ("entities",)),
                    f"rule {rid}: entities must be a dataset.column (e.g. enrolled.id_number)",
                )
            )
        at_least = comp(("at_least",), r.get("at_least"), const_scope, "const")
        entity_dates = r.get("entity_dates") or {}
        if entity_dates and entities is not None and entities.node.t == "colref":
            ecols = types.get(entities.node.view or "", {})
            for k in ("from", "until"):
                if entity_dates.get(k) is not None and ecols.get(entity_dates[k]) != "date":
                    errs.append(
                        RuleFileError(
                            f"规则 {rid}：entity_dates.{k} “{entity_dates[k]}”不是名单中的日期列",
                            doc.where(base + ("entity_dates", k)),
                            f"rule {rid}: entity_dates.{k} '{entity_dates[k]}' is not a date column of the entities",
                        )
                    )
        for key in ("entities", "at_least", "every_period", "entity_dates"):
            if r.get(key) is not None and r.get("per") is None:
                errs.append(
                    RuleFileError(
                        f"规则 {rid}：{key} 只用于按对象计数（需要 per）",
                        doc.where(base + (key,)),
                        f"rule {rid}: {key} belongs to the per-entity form (it needs per)",
                    )
                )
        probable = r.get("probable_match")
        if probable is not None:
            other = types.get(probable["with"], {})
            if probable["with"] not in datasets:
                errs.append(
                    RuleFileError(
                        f"规则 {rid}：probable_match.with 的数据集“{probable['with']}”未声明",
                        doc.where(base + ("probable_match", "with")),
                        f"rule {rid}: probable_match.with names undeclared dataset '{probable['with']}'",
                    )
                )
            for j, key in enumerate(probable["on"]):
                col = key.removeprefix("birth:")
                if col not in cols or col not in other:
                    errs.append(
                        RuleFileError(
                            f"规则 {rid}：probable_match.on 的列“{col}”不在两个数据集中",
                            doc.where(base + ("probable_match", "on", j)),
                            f"rule {rid}: probable_match.on column '{col}' is not in both datasets",
                        )
                    )
        thresholds = {k: comp((k,), r.get(k), const_scope, "const") for k in ("min", "max", "equals", "warn_min")}
        due = comp(("due",), r.get("due"), const_scope, "const")
        pending_if = comp(("pending_if",), r.get("pending_if"), const_scope, "const")
        primary = [k for k in ("expect", "measure", "group_by", "per") if r.get(k) is not None]
        if len(primary) > 1 or (r.get("period") is not None and primary[:1] in (["expect"], ["measure"])):
            errs.append(
                RuleFileError(
                    f"规则 {rid}：expect、measure、period、group_by、per 只能选一种"
                    "（period 可与 group_by 或 per 组合）",
                    doc.where(base),
                    f"rule {rid}: use only one of expect, measure, period, group_by, per (period may combine with "
                    "group_by or per)",
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
        compiled = [
            where,
            expect,
            measure,
            groups,
            group_by,
            due,
            pending_if,
            entities,
            at_least,
            *thresholds.values(),
        ] + [v[1] for v in views.values()]
        reads = {
            views[n][0] if n in views else n for c in compiled if c for n in c.names if not n.startswith("params.")
        }
        reads |= {src_ds} | {v[0] for v in views.values()} | ({probable["with"]} if probable else set())
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
            on_empty=r.get("on_empty") or default_on_empty(r.get("severity", "major")),
            on_empty_set="on_empty" in r,
            on_shortfall=r.get("on_shortfall", "fail"),
            on_unknown=r.get("on_unknown", "fail"),
            on_unknown_scope=r.get("on_unknown_scope", "manual_review"),
            params={k: local[k] for k in (r.get("params") or {}) if k in local},
            derived=bool(r.get("derived", False)),
            location=doc.where(base),
            reads=frozenset(reads),
            optional=frozenset(r.get("optional", [])),
            mode=mode_of(r),
            per=r.get("per"),
            entities=entities,
            at_least=at_least,
            every_period=bool(r.get("every_period", True)),
            entity_dates=(entity_dates.get("from"), entity_dates.get("until")),
            probable_match=(probable["with"], tuple(probable["on"])) if probable else None,
        )


def mode_of(r: dict[str, Any]) -> str:
    """The mode deciding a rule, from the keys it has (see engine.modes)."""
    if r.get("per") is not None:
        return "entity"
    if r.get("period"):
        return "period"
    if r.get("group_by") is not None:
        return "group"
    if r.get("expect") is not None:
        return "share"
    if r.get("measure") is not None:
        return "measure"
    return "count"


def default_on_empty(severity: str) -> str:
    """An empty population proves nothing: missing evidence for a critical or major rule, not applicable for a minor
    one, unless the rule says otherwise (`on_empty`)."""
    return "missing_evidence" if severity in ("critical", "major") else "not_applicable"
