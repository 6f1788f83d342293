"""`complycheck init DIR`: a new contract's pack that validates and tests green as created."""

from __future__ import annotations

from pathlib import Path

from complycheck.errors import ComplycheckError, Location

FILES = {
    "contract.yaml": """\
# 合同与参数 / The contract and its parameters. Replace the example values with the contract's own.
format_version: 1
pack:
  id: NEW-CONTRACT
  version: "0.1"
  title: 新合同履约验收规则包
  catalogue: catalogue/clauses.yaml

contract:
  project_no: NEW-CONTRACT
  title: 示例服务项目
  purchaser: 某某民政局
  supplier: 某某社会服务中心
  agency: 某某招标代理有限公司
  award_date: "2022-09-19"
  total_amount: "100000.00"
  service_period: {start: "2022-09-19", end: "2022-11-30"}
  line_items:
    - id: "1-1"
      name: 培训服务
      amount: "100000.00"
      deadline: "2022-11-30"

parameters:
  service_start: {value: "2022-09-19", title: 服务开始日期, bureau_decision: true}
""",
    "datasets.yaml": """\
# 证据数据集 / Evidence datasets: each column's Chinese header and type.
datasets:
  trainees:
    title: 培训学员名册
    owner: supplier
    columns:
      id_number: {type: id_number, header: 公民身份号码, aliases: [身份证号], personal: id_number, required: true}
      name: {type: string, header: 姓名, personal: name}
      passed: {type: boolean, header: 是否合格}
      cert_date: {type: date, header: 发证日期}
""",
    "rules.yaml": """\
# 规则 / Rules. See docs/rules.md for every key and function.
rules:
  - id: 1-1.S1
    line_item: "1-1"
    clauses: [1-1.S1]
    title: 参训人员 90% 考核合格
    title_en: At least 90% of trainees pass
    severity: major
    params:
      threshold: {value: 0.9, title: 合格率下限}
    from: trainees
    distinct: id_number
    expect: passed == True and between(cert_date, params.service_start, deadline("1-1"))
    min: params.threshold
    # 没有参训人员时怎么办？空的提交不能证明履约：重要/关键规则默认 missing_evidence（缺少证据）。
    # 只有确实可以为空时才写 not_applicable（不适用）或 pass。
    # With no trainees at all: an empty submission proves nothing, so critical and major rules give
    # missing_evidence by default; write not_applicable or pass only where empty is really fine.
    on_empty: missing_evidence
    # 空白单元格无法判断时：默认算作不符合（fail）；写 missing_evidence 则视为缺少证据。
    # A blank cell that decides the outcome: counts as not met (fail) by default; missing_evidence treats it as
    # evidence still to come.
    on_unknown: fail
""",
    "catalogue/clauses.yaml": """\
# 条款目录 / Clause catalogue: every measurable requirement of the contract, with an id.
clauses:
  - id: 1-1.S1
    line_item: '1-1'
    source_text: 参加培训人员90%取得合格证书
    meaning_en: At least 90% of trainees pass.
    kind: aggregate
    qualitative: false
""",
    "tests/rules.yaml": """\
# 规则测试 / Rule tests: run with `complycheck test --rules DIR`.
tests:
  - name: 9/10 合格
    rule: 1-1.S1
    datasets:
      trainees:
        - {id_number: "150502195001010119", passed: 是, cert_date: "2022-11-01"}
        - {id_number: "152301194003050237", passed: 是, cert_date: "2022-11-01"}
        - {id_number: "150523195506200358", passed: 是, cert_date: "2022-11-01"}
        - {id_number: "150502196001010471", passed: 是, cert_date: "2022-11-01"}
        - {id_number: "150502195801010598", passed: 是, cert_date: "2022-11-01"}
        - {id_number: "150502199001010715", passed: 是, cert_date: "2022-11-01"}
        - {id_number: "150502197001010839", passed: 是, cert_date: "2022-11-01"}
        - {id_number: "150502195710310958", passed: 是, cert_date: "2022-11-01"}
        - {id_number: "150502195001010135", passed: 是, cert_date: "2022-11-01"}
        - {id_number: "150502195001010151", passed: 否}
    expect: pass
    measured: {numerator: 9, denominator: 10}
  - name: 1/2 合格
    rule: 1-1.S1
    datasets:
      trainees:
        - {id_number: "150502195001010119", passed: 是, cert_date: "2022-11-01"}
        - {id_number: "152301194003050237", passed: 否}
    expect: fail
""",
}


def init_pack(target: Path) -> list[Path]:
    """Write the scaffold; refuse to overwrite an existing non-empty folder."""
    if target.exists() and any(target.iterdir()):
        raise ComplycheckError(
            "目录已存在且不为空，未写入任何文件",
            Location(str(target)),
            "folder exists and is not empty; nothing written",
        )
    written = []
    for rel, text in FILES.items():
        p = target / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text, "utf-8")
        written.append(p)
    return written
