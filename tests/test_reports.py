"""HTML and Markdown reports: golden files on a small fixture, escaping, and every format on the bundled sample."""

import os
import re
from datetime import date

import pytest

from complycheck.engine import Waiver
from complycheck.reports import get
from conftest import ROOT, make_id, run_rules

GOLDEN = ROOT / "tests" / "golden"
HOSTILE = [
    "<script>document.title='PWNED'</script>",
    "=cmd|' /C calc'!A0",
    '<img src=x onerror="document.body.dataset.pwned=1">',
    "a|b*c_d[e](f)",
]

RULES = """
rules:
  - id: R-share
    line_item: A
    clauses: [X.1]
    title: 九成合格
    title_en: 90% pass
    from: people
    distinct: id_number
    expect: ok == True and present(district)
    min: params.threshold
  - id: R-period
    line_item: A
    clauses: [X.2]
    title: 每月两次
    from: people
    period: {column: day, unit: month, start: params.service_start, end: deadline("A"), min_overlap_days: 15}
    min: 2
  - id: R-group
    line_item: B
    clauses: [X.3]
    title: 每个旗县都有
    from: people
    group_by: district
    groups: params.districts
  - id: R-review
    line_item: B
    clauses: [X.4]
    title: 定性条款
    qualitative: true
    review: 小组判断是否客观公正
    from: people
  - id: R-waived
    line_item: contract
    clauses: [C.1]
    title: 被豁免的规则
    from: visits
"""


def fixture_report():
    rows = []
    names = ["王芳", "李娜", "欧阳娜娜", "巴特尔", "张伟", "刘洋"]
    for i, district in enumerate(HOSTILE + ["科尔沁区", "开鲁县"]):
        rows.append(
            {
                "公民身份号码": make_id(seq=i + 1),
                "姓名": names[i % 6],
                "旗县市区": district,
                "是否合格": "否" if i < 4 else "是",
                "日期": ["2022-10-03", "2022-10-20", "2022-11-02"][i % 3],
            }
        )
    w = [
        Waiver(
            "R-waived",
            "合同变更 <b>取消</b>",
            "通辽市民政局",
            "通民函〔2022〕88号",
            date(2022, 11, 1),
            date(2023, 3, 31),
        )
    ]
    report, _ = run_rules(RULES, waivers=w, people=rows)
    return report


@pytest.mark.parametrize(
    "fmt,lang,name",
    [
        ("html", "zh", "report.zh.html"),
        ("html", "en", "report.en.html"),
        ("markdown", "zh", "report.zh.md"),
        ("markdown", "en", "report.en.md"),
    ],
)
def test_golden(fmt, lang, name):
    out = get(fmt)(fixture_report(), lang)
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_text(out, "utf-8")
    assert out == path.read_text("utf-8"), f"{name} changed: review it, then rerun with UPDATE_GOLDEN=1"


def test_html_escapes_evidence_and_sets_the_language():
    zh, en = get("html")(fixture_report(), "zh"), get("html")(fixture_report(), "en")
    assert zh.startswith('<!DOCTYPE html>\n<html lang="zh-CN">') and en.startswith('<!DOCTYPE html>\n<html lang="en">')
    assert "<script>" not in zh and "&lt;script&gt;" in zh and "<img src=x" not in zh and "<b>取消</b>" not in zh
    assert (
        "http://" not in zh.replace("http://www.w3.org", "") and "https://" not in zh
    )  # self-contained: nothing fetched
    assert re.search(r"<svg class=\"chart\"", zh) and re.search(r"<svg class=\"gauge\"", zh)
    assert "@media print" in zh and "size:A4" in zh and 'class="signoff"' in zh


def test_markdown_escapes_evidence():
    out = get("markdown")(fixture_report(), "zh")
    assert "<script>" not in out and "&lt;script&gt;" in out and "a\\|b\\*c\\_d\\[e\\]\\(f\\)" in out
    tables = [line for line in out.splitlines() if line.startswith("| 文件 |")]
    assert tables and all(
        len(re.findall(r"(?<!\\)\|", line)) == 6 for line in out.splitlines() if line.startswith("| people.json")
    )


def test_no_personal_data_in_any_format():
    report = fixture_report()
    for fmt in ("text", "json", "junit", "html", "markdown"):
        out = get(fmt)(report, "zh")
        assert make_id(seq=1) not in out and "王芳" not in out and "欧阳娜娜" not in out, fmt


def test_bundled_html_and_markdown_from_the_cli(cli, tmp_path):
    h, m = tmp_path / "r.html", tmp_path / "r.md"
    code, _, _ = cli(
        "evaluate",
        "--rules",
        str(ROOT / "rules"),
        "--evidence",
        str(ROOT / "evidence"),
        "--as-of",
        "2022-12-15",
        "--format",
        "html",
        "--output",
        str(h),
        "--report",
        f"markdown={m}",
    )
    assert code == 1
    html, md = h.read_text("utf-8"), m.read_text("utf-8")
    assert html.count('class="line-item"') == 4 and 'data-verdict="needs_review"' in html
    assert "同时对已建成的2000家适老化家庭改造和上门服务内容进行抽检（不低于总户数20%）" in html
    assert "## 品目 1-3 其他社会工作服务" in md and "验收小组签字" in md
    assert not re.search(r"\b\d{17}[\dX]\b", html + md)
