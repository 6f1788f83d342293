"""Issue #15: the 验收书 and the result notice in headless Chromium, and the 验收书 printed to PDF (A4): its page
count, and the page number and the report's short hash in the footer of every page."""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest

from complycheck import api as app
from complycheck.decisions.forms import with_decisions
from complycheck.reports import get
from complycheck.reports.acceptance import detail_hash, report_hash
from conftest import ROOT
from test_browser import FLAGS, browse, chromium


@pytest.fixture(scope="module")
def decided():
    report = app.run(ROOT / "rules", ROOT / "evidence", date(2022, 12, 15))
    return with_decisions(report, ROOT / "rules", ROOT / "evidence", ROOT / "evidence" / "decisions-sample.yaml")


@pytest.fixture(scope="module")
def acceptance_html(decided, tmp_path_factory):
    p = tmp_path_factory.mktemp("acceptance") / "acceptance.html"
    p.write_text(get("acceptance")(decided, "zh"), "utf-8")
    return p


def poppler(tool: str) -> str:
    exe = shutil.which(tool)
    assert exe, f"{tool} is not installed: run `bash tools/ensure-browser.sh` (installs poppler-utils)"
    return exe


def test_acceptance_dom(decided, acceptance_html, tmp_path):
    dom = browse(acceptance_html, tmp_path / "profile", "--dump-dom")
    short = report_hash(decided)[:12]
    assert f'data-report-hash="{short}"' in dom and detail_hash(decided, "zh") in dom
    assert 'id="final" data-verdict="not_accepted"' in dom
    for li, v in (("1-1", "not_accepted"), ("1-2", "accepted"), ("1-3", "not_accepted")):
        assert f'data-line-item="{li}" data-final="{v}"' in dom
    # every standard has its line; decided ones show the decision, who and why
    assert dom.count("<tr data-rule=") == len(decided.results())
    assert 'data-rule="1-2.S1c" data-final="pass"' in dom and "钱专家" in dom and "属于专业力量" in dom
    assert 'data-rule="1-3.S1a" data-final="pending"' in dom and 'data-decision="deferred"' in dom
    for name in ("王组长", "李审核", "赵专家", "钱专家", "孙代表"):  # a signature line per panel member
        assert re.search(rf"<tr><td>\d</td><td>{name}</td><td>[^<]+</td><td></td><td></td></tr>", dom)
    assert 'id="purchaser-seal"' in dom and 'id="supplier-confirmation"' in dom and "通辽市政通社会事务服务中心" in dom
    assert 'data-late="false"' in dom and "2023-01-19" in dom and "262,400.00" in dom
    assert not re.search(r"\b\d{17}[\dX]\b", dom) and "<script" not in dom


def test_acceptance_prints_to_a_few_a4_pages_with_number_and_hash_on_each(decided, acceptance_html, tmp_path):
    pdf = tmp_path / "acceptance.pdf"
    subprocess.run(
        [chromium(), *FLAGS, f"--user-data-dir={tmp_path / 'profile'}", "--no-pdf-header-footer",
         f"--print-to-pdf={pdf}", acceptance_html.as_uri()],
        capture_output=True, timeout=120, check=False,
    )  # fmt: skip
    assert pdf.is_file() and pdf.read_bytes()[:5] == b"%PDF-"
    info = subprocess.run([poppler("pdfinfo"), str(pdf)], capture_output=True, text=True, check=True).stdout
    pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))
    size = re.search(r"Page size:\s+([\d.]+) x ([\d.]+) pts", info)
    assert 2 <= pages <= 10 and abs(float(size.group(1)) - 595.3) < 2 and abs(float(size.group(2)) - 841.9) < 2
    short = report_hash(decided)[:12]
    for n in range(1, pages + 1):
        text = subprocess.run(
            [poppler("pdftotext"), "-f", str(n), "-l", str(n), "-layout", str(pdf), "-"],
            capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip
        assert f"报告指纹 {short}" in text, n
        assert re.search(rf"第\s*{n}\s*页\s*/\s*共\s*{pages}\s*页", text), n
    last = subprocess.run([poppler("pdftotext"), "-f", str(pages), "-l", str(pages), str(pdf), "-"],
                          capture_output=True, text=True, check=True).stdout  # fmt: skip
    assert "供应商确认" in last and "采购人" in last


def test_notice_has_the_fields_of_format_9_and_no_personal_data(decided, tmp_path):
    p = tmp_path / "notice.html"
    p.write_text(get("notice")(decided, "zh"), "utf-8")
    dom = browse(p, tmp_path / "profile", "--dump-dom")
    for field in ("一、合同编号", "二、合同名称", "三、项目编号", "四、项目名称", "五、合同主体", "六、合同主要信息",
                  "七、验收结果", "八、其他补充事宜", "采购人（甲方）", "供应商（乙方）", "验收日期", "验收组成员",
                  "验收结论", "验收意见"):  # fmt: skip
        assert field in dom, field
    assert "<title>购买居家养老服务社会组织评估社工试点验收结果公告</title>" in dom
    assert 'id="verdict" data-verdict="not_accepted"' in dom and "2022-12-20" in dom
    assert "采购人代表 2 名、专家 2 名、服务对象代表 1 名" in dom
    for person in ("王组长", "李审核", "赵专家", "钱专家", "孙代表"):
        assert person not in dom
    assert not re.search(r"\b\d{17}[\dX]\b", dom) and not re.search(r"\b1[3-9]\d{9}\b", dom)
    for r in decided.results():  # no evidence rows
        for f in r.failures:
            for v in f.values.values():
                assert len(v) < 4 or re.fullmatch(r"[\d\-/.:% ]+", v) or v not in dom, v


def test_notice_masks_numbers_written_in_the_opinion(decided, tmp_path):
    from dataclasses import replace

    assert decided.acceptance is not None
    form = replace(decided.acceptance.form, opinion="联系 13812345678，身份证 150502195001010012")
    out = get("notice")(replace(decided, acceptance=replace(decided.acceptance, form=form)), "zh")
    assert "13812345678" not in out and "150502195001010012" not in out


def test_formats_are_offered_by_the_cli(cli, tmp_path):
    out = tmp_path / "a.html"
    code, _, _ = cli("evaluate", "--rules", str(ROOT / "rules"), "--evidence", str(ROOT / "evidence"),
                     "--as-of", "2022-12-15", "-q", "--format", "acceptance", "-o", str(out),
                     "--report", f"notice={tmp_path / 'n.html'}")  # fmt: skip
    assert code == 1 and "履约验收书" in out.read_text("utf-8") and (tmp_path / "n.html").is_file()
    text = out.read_text("utf-8")  # no decisions: open items wait for the panel, five blank signature lines
    assert "验收小组待审核" in text and text.count("<tr><td>5</td><td></td>") == 1
    assert Path(tmp_path / "n.html").read_text("utf-8").count("（待验收小组组成后填写）") == 1
