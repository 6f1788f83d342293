"""The rectification notice (整改通知书) in a real headless browser, like the acceptance report."""

from datetime import date

from complycheck import api as app
from complycheck.reports import get
from conftest import ROOT
from test_browser import browse


def test_rectification_notice_renders(tmp_path):
    report = app.run(ROOT / "rules", ROOT / "evidence", date(2022, 12, 15))
    p = tmp_path / "notice.html"
    p.write_text(get("rectification")(report, "zh"), "utf-8")
    dom = browse(p, tmp_path / "profile", "--dump-dom")
    assert "<title>整改通知书 TLSZCS-C-F-220141</title>" in dom
    assert dom.count('<section class="item"') == 8 and 'data-rule="1-3.S8"' in dom
    assert 'id="deadline">2022-12-30<' in dom and "150526********6254" in dom
    shot = tmp_path / "notice.png"
    browse(p, tmp_path / "profile2", f"--screenshot={shot}", "--window-size=1000,1800")
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_hostile_evidence_stays_inert_in_the_notice(tmp_path):
    from test_reports import fixture_report

    p = tmp_path / "hostile.html"
    p.write_text(get("rectification")(fixture_report(), "zh"), "utf-8")
    dom = browse(p, tmp_path / "profile", "--dump-dom")
    assert "<title>整改通知书 T-1</title>" in dom and "PWNED</title>" not in dom and "data-pwned" not in dom
