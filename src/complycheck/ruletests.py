"""Rule tests written in YAML beside the pack (`rules/tests/*.yaml`): inline evidence rows, an as-of date,
the expected status and optionally expected measured figures. `complycheck test` runs them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from complycheck.engine import evaluate
from complycheck.errors import ComplycheckError, ErrorList, Location, RuleFileError
from complycheck.evidence import table_from_records
from complycheck.model import RulePack
from complycheck.results import STATUSES, Result
from complycheck.schema import validate
from complycheck.values import to_date
from complycheck.yamlsource import YamlDoc, load_yaml_file

TESTS_DIR = "tests"
AS_OF_MARGIN_DAYS = 15  # a test's default date: this long after the pack's last deadline (or service end)


def default_as_of(pack: RulePack) -> date | None:
    """A rule test's date when it sets none: the latest of the contract's service end and its line items'
    deadlines, plus AS_OF_MARGIN_DAYS, when the work is done and acceptance is under way. None when the pack
    has neither (its tests must then each set `as_of`)."""
    c = pack.contract
    days = [d for d in (c.service_end, *c.deadlines().values()) if d is not None]
    return max(days) + timedelta(days=AS_OF_MARGIN_DAYS) if days else None


@dataclass
class RuleTest:
    name: str
    rule: str
    as_of: date
    datasets: dict[str, list[dict[str, Any]]]
    expect: str
    measured: dict[str, Any] | None
    where: str
    params: dict[str, Any] = field(default_factory=dict)
    folder: Path | None = None  # where fixture files named by the test live


@dataclass
class TestOutcome:
    test: RuleTest
    ok: bool
    got: str
    detail: str
    result: Result | None = None


@dataclass
class TestRun:
    outcomes: list[TestOutcome] = field(default_factory=list)
    untested: list[str] = field(default_factory=list)
    missing_fail_case: list[str] = field(default_factory=list)
    missing_pass_case: list[str] = field(default_factory=list)

    @property
    def failed(self) -> list[TestOutcome]:
        return [o for o in self.outcomes if not o.ok]


def load_tests(pack: RulePack, folder: Path) -> list[RuleTest]:
    """Every test file of the pack; unknown rules and datasets are input errors with their line."""
    files = sorted(folder.glob("*.yaml")) + sorted(folder.glob("*.yml")) if folder.is_dir() else []
    errors: list[ComplycheckError] = []
    out: list[RuleTest] = []
    rule_ids = {r.id for r in pack.rules}
    fallback = default_as_of(pack)
    for f in files:
        try:
            doc = load_yaml_file(f, str(f))
        except ComplycheckError as e:
            errors.append(e)
            continue
        problems = validate(doc, "ruletests")
        if problems:
            errors.extend(problems)
            continue
        for i, t in enumerate(doc.data["tests"]):
            errors.extend(_check(doc, i, t, rule_ids, pack))
            if "as_of" not in t and fallback is None:
                errors.append(
                    RuleFileError(
                        "测试没有 as_of，且合同未载明服务结束日期或截止日期，无法确定评估日期",
                        doc.where(("tests", i)),
                        "the test sets no as_of and the contract has no service end or deadline to default to",
                    )
                )
                continue
            try:
                as_of = to_date(t["as_of"]) if "as_of" in t else fallback
            except ValueError:
                errors.append(RuleFileError("as_of 不是日期", doc.where(("tests", i, "as_of")), "as_of is not a date"))
                continue
            for name in t.get("params") or {}:
                known = name in pack.parameters or any(name in r.params for r in pack.rules if r.id == t["rule"])
                if not known:
                    errors.append(
                        RuleFileError(
                            f"测试设置了未定义的参数“{name}”",
                            doc.where(("tests", i, "params", name)),
                            f"test sets undefined parameter '{name}'",
                        )
                    )
            assert as_of is not None
            out.append(
                RuleTest(
                    t["name"],
                    t["rule"],
                    as_of,
                    t.get("datasets") or {},
                    t["expect"],
                    t.get("measured"),
                    str(doc.where(("tests", i))),
                    dict(t.get("params") or {}),
                    folder,
                )
            )
    if errors:
        raise ErrorList(errors)
    return out


def _check(doc: YamlDoc, i: int, t: dict[str, Any], rule_ids: set[str], pack: RulePack) -> list[ComplycheckError]:
    errs: list[ComplycheckError] = []
    if t["rule"] not in rule_ids:
        errs.append(
            RuleFileError(
                f"测试引用了不存在的规则“{t['rule']}”",
                doc.where(("tests", i, "rule")),
                f"test names unknown rule '{t['rule']}'",
            )
        )
    for ds in t.get("datasets") or {}:
        if ds not in pack.datasets:
            errs.append(
                RuleFileError(
                    f"测试引用了未声明的数据集“{ds}”",
                    doc.where(("tests", i, "datasets", ds)),
                    f"test names undeclared dataset '{ds}'",
                )
            )
    return errs


def _fixture(pack: RulePack, t: RuleTest, name: str, rows: Any) -> Any:
    """Inline rows, or a fixture file (CSV, XLSX, JSON, YAML) beside the test, read by the same loaders as evidence."""
    if isinstance(rows, list):
        return table_from_records(pack.datasets[name], rows, f"{t.name}:{name}")
    from complycheck.evidence import load_table

    folder = t.folder or Path(".")
    entry = rows if isinstance(rows, dict) else {"file": rows}
    return load_table(folder, name, entry, pack.datasets[name], Location(t.where), str(folder))


def run_test(pack: RulePack, t: RuleTest) -> TestOutcome:
    """Evaluate one rule (and what it depends on) on the test's rows."""
    try:
        tables = {name: _fixture(pack, t, name, rows) for name, rows in t.datasets.items()}
    except ComplycheckError as e:
        return TestOutcome(t, False, "error", f"测试数据无法读取：{e.render('zh')}")
    report = evaluate(pack.with_dependencies(t.rule), tables, t.as_of)
    results = {r.rule: r for li in report.line_items for r in li.results}
    results.update({r.rule: r for r in report.contract_results})
    res = results[t.rule]
    problems = []
    if res.status != t.expect:
        problems.append(f"期望 {t.expect}，实际 {res.status}")
    for k, want in (t.measured or {}).items():
        got = (res.measured.to_json() if res.measured else {}).get(k, res.details.get(k))
        if str(got) != str(want):
            problems.append(f"measured.{k} 期望 {want}，实际 {got}")
    return TestOutcome(
        t, not problems, res.status, "；".join(problems) + (f"（{res.message}）" if problems else ""), res
    )


def run_all(pack: RulePack, folder: Path) -> TestRun:
    tests = load_tests(pack, folder)
    packs: dict[str, RulePack] = {}

    def pack_for(t: RuleTest) -> RulePack:
        if not t.params:
            return pack
        key = repr(sorted(t.params.items()))
        if key not in packs:  # parameters are compiled into the rules: a test that changes one gets its own pack
            from complycheck.pack import load_pack

            try:
                packs[key] = load_pack(Path(pack.root), overrides=t.params)
            except ComplycheckError as e:
                raise RuleFileError(
                    f"测试“{t.name}”的参数无效：{e.message}",
                    None,
                    f"test '{t.name}': invalid parameter: {e.message_en}",
                ) from None
        return packs[key]

    run = TestRun([run_test(pack_for(t), t) for t in tests])
    tested = {o.test.rule for o in run.outcomes}
    run.untested = [r.id for r in pack.rules if r.id not in tested]
    by_id = {r.id: r for r in pack.rules}
    passing = {
        o.test.rule
        for o in run.outcomes
        if o.test.expect == ("manual_review" if by_id[o.test.rule].qualitative else "pass")
    }
    failing = {o.test.rule for o in run.outcomes if o.test.expect == "fail"}
    run.missing_pass_case = [r.id for r in pack.rules if r.id in tested and r.id not in passing]
    run.missing_fail_case = [r.id for r in pack.rules if r.id in tested and r.id not in failing]
    return run


__all__ = ["RuleTest", "TestOutcome", "TestRun", "load_tests", "run_test", "run_all", "STATUSES"]
