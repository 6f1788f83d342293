"""Building a pack's sections from its validated YAML documents: contract, parameters, datasets, clause catalogue.
Every problem found is collected, not raised at the first."""

from __future__ import annotations

import difflib
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any

from complycheck import values as V
from complycheck.errors import ComplycheckError, Location, RuleFileError
from complycheck.model import Clause, Column, Contract, Dataset, LineItem, Parameter, Setting
from complycheck.pack.params import display_path, typed_param
from complycheck.yamlsource import YamlDoc, load_yaml_file


class Sections:
    """The pack's sections other than rules: the contract, parameters, datasets and the clause catalogue."""

    def __init__(
        self,
        root: Path,
        docs: list[YamlDoc],
        catalogue: Path | None,
        overrides: dict[str, Any] | None = None,
        settings: list[Setting] | None = None,
    ):
        self.overrides = overrides or {}
        self.settings = settings or []
        self.settings_used: set[int] = set()
        self.decision_names: list[str] = []  # every bureau-decision parameter, for did-you-mean
        self.root = root
        self.docs = docs
        self.catalogue_path = catalogue
        self.errors: list[ComplycheckError] = []

    def override(self, p: Parameter, loc: Location, rule: str | None = None) -> Parameter:
        """A parameter with the value a rule test sets (`overrides`: any parameter), or a run's setting of a bureau
        decision (`settings`: by name, or RULE:name for one rule's own), instead of the pack's."""
        if p.bureau_decision:
            self.decision_names += [p.name] + ([f"{rule}:{p.name}"] if rule else [])
        for i, s in enumerate(self.settings):
            if s.name not in (p.name, f"{rule}:{p.name}"):
                continue
            self.settings_used.add(i)
            if not p.bureau_decision:
                raise RuleFileError(
                    f"参数“{s.name}”不是民政局决定事项（bureau_decision），不能在运行时改变；请修改规则包",
                    s.location or Location(s.source),
                    f"parameter '{s.name}' is not a bureau decision (bureau_decision) and cannot be set for a run; "
                    "change the rule pack",
                )
            q = typed_param(p.name, {"value": s.value, "type": p.type}, s.location or Location(s.source))
            p = replace(p, value=q.value, source=s.source)
        if p.name not in self.overrides:
            return p
        q = typed_param(p.name, {"value": self.overrides[p.name], "type": p.type}, loc)
        return replace(p, value=q.value)

    def unused_settings(self) -> list[ComplycheckError]:
        """A setting that names no bureau decision of the pack: refused, with a did-you-mean."""
        out: list[ComplycheckError] = []
        for i, s in enumerate(self.settings):
            if i in self.settings_used:
                continue
            close = difflib.get_close_matches(s.name, sorted(set(self.decision_names)), n=1)
            out.append(
                RuleFileError(
                    f"规则包中没有名为“{s.name}”的民政局决定参数" + (f"，是不是“{close[0]}”？" if close else ""),
                    s.location or Location(s.source),
                    f"the pack has no bureau-decision parameter '{s.name}'"
                    + (f"; did you mean '{close[0]}'?" if close else ""),
                )
            )
        return out

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
                    out[name] = typed_param(name, raw, loc)
                    out[name] = self.override(out[name], loc)
                except ComplycheckError as e:  # a setting refused: the pack's own value stands, so no error follows
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
            doc = load_yaml_file(path, display_path(path))
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
