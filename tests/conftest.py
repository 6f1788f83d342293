"""Shared helpers: a small pack in memory, tables from records, and a CLI runner."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from complycheck.engine import evaluate
from complycheck.evidence import table_from_records
from complycheck.pack import load_pack_texts

ROOT = Path(__file__).resolve().parent.parent

CONTRACT = """
contract:
  project_no: T-1
  title: 测试合同
  purchaser: 民政局
  supplier: 服务中心
  award_date: "2022-09-19"
  total_amount: "300.00"
  service_period: {start: "2022-09-19", end: "2022-11-30"}
  line_items:
    - {id: "A", name: 品目A, amount: "100.00", deadline: "2022-11-30"}
    - {id: "B", name: 品目B, amount: "200.00", deadline: "2022-10-31"}
parameters:
  service_start: "2022-09-19"
  threshold: 0.9
  districts: [科尔沁区, 开鲁县]
  aliases: {value: {科区: 科尔沁区}}
datasets:
  people:
    title: 人员名册
    columns:
      id_number: {type: id_number, header: 公民身份号码, aliases: [身份证号], personal: id_number, required: true}
      name: {type: string, header: 姓名, personal: name}
      district: {type: string, header: 旗县市区}
      ok: {type: boolean, header: 是否合格}
      day: {type: date, header: 日期}
      amount: {type: decimal, header: 金额}
      n: {type: integer, header: 次数}
      tags: {type: list, header: 标签}
  visits:
    title: 走访记录
    columns:
      id_number: {type: id_number, header: 公民身份号码}
      day: {type: date, header: 日期}
      kind: {type: string, header: 类型}
"""


def make_id(prefix: str = "150502", born: str = "19500101", seq: int = 1) -> str:
    """A valid resident ID number."""
    from complycheck.idnumbers import id_check_char

    s17 = f"{prefix}{born}{seq:03d}"
    return s17 + id_check_char(s17)


def pack_with(rules_yaml: str, extra: str = ""):
    """The small test pack plus the given rules."""
    return load_pack_texts({"contract.yaml": CONTRACT + extra, "rules.yaml": rules_yaml})


def tables(pack, **records: list[dict[str, Any]]):
    """Typed tables from records, keyed by dataset name."""
    return {name: table_from_records(pack.datasets[name], rows, f"{name}.json") for name, rows in records.items()}


def run_rules(rules_yaml: str, as_of: date = date(2022, 12, 15), waivers=None, extra: str = "", **records):
    """Evaluate the rules on in-memory records; results by rule id."""
    pack = pack_with(rules_yaml, extra)
    report = evaluate(pack, tables(pack, **records), as_of, waivers)
    out = {r.rule: r for li in report.line_items for r in li.results}
    out.update({r.rule: r for r in report.contract_results})
    return report, out


@pytest.fixture
def cli():
    """Invoke the click CLI, returning (exit code, stdout, stderr)."""
    from complycheck.cli import main

    runner = CliRunner()

    def invoke(*args: str):
        res = runner.invoke(main, list(args), catch_exceptions=False)
        return res.exit_code, res.stdout, res.stderr

    return invoke
