"""Rounds of acceptance (#16): diff between two runs, the rectification notice, stages, archive and verify."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
import zipfile
from datetime import date
from pathlib import Path

import pytest

import complycheck
from complycheck import api as app
from complycheck.cli import main
from complycheck.reports import get
from complycheck.rounds import archive, diff
from conftest import ROOT

AS_OF = date(2022, 12, 15)


@pytest.fixture
def runner():
    from click.testing import CliRunner

    return CliRunner()


@pytest.fixture(scope="module")
def rounds(tmp_path_factory):
    """Round 1 on the bundled sample, round 2 on the generator's --fixed submission: JSON reports on disk."""
    d = tmp_path_factory.mktemp("rounds")
    fixed = d / "evidence-round2"
    subprocess.run([sys.executable, str(ROOT / "tools/generate_evidence.py"), "--fixed", str(fixed)], check=True)
    r1 = app.run(ROOT / "rules", ROOT / "evidence", AS_OF)
    r2 = app.run(ROOT / "rules", fixed, AS_OF)
    p1, p2 = d / "round1.json", d / "round2.json"
    p1.write_text(get("json")(r1, "zh"), "utf-8")
    p2.write_text(get("json")(r2, "zh"), "utf-8")
    return {"dir": d, "fixed": fixed, "r1": r1, "r2": r2, "p1": p1, "p2": p2}


def _doc(p: Path) -> dict:
    return json.loads(p.read_text("utf-8"))


def _rule(d: dict, rid: str) -> dict:
    return next(r for r in d["rules"] if r["rule"] == rid)


# --------------------------------------------------------------------------- diff
def test_fixed_round_shows_fixed_rows_and_changed_files(rounds):
    d = diff.compare(_doc(rounds["p1"]), _doc(rounds["p2"]))
    assert d["regressed"] == [] and d["rewritten_accepted"] == [] and diff.exit_code(d) == 0
    fixed = {r["rule"] for r in d["rules"] if r["change"] == "fixed"}
    assert {"1-1.S1a", "1-1.S3c", "1-1.S4b", "1-1.S3a-uscc", "1-3.S8", "1-3.S9", "C.5-roster"} <= fixed
    s1a = _rule(d, "1-1.S1a")
    assert s1a["before"]["status"] == "fail" and s1a["after"]["status"] == "pass"
    assert "2956/2959" in s1a["before"]["figure"]["zh"] and "2960/2960" in s1a["after"]["figure"]["zh"]
    assert len(s1a["rows"]["fixed"]) == 4 and s1a["rows"]["new"] == [] and s1a["rows"]["still_failing"] == []
    row = s1a["rows"]["fixed"][0]
    assert row["file"] == "低保失能老年人名册.xlsx" and row["row"] == 1926
    assert row["values"] == {"id_number": "150526********6254"}  # masked, and relative to the submission folder
    assert _rule(d, "1-1.S2a")["change"] == "unchanged" and len(_rule(d, "1-1.S2a")["rows"]["still_failing"]) == 16
    changed = {c["file"] for c in d["evidence"]["changed"]}
    assert changed == {
        "低保失能老年人名册.xlsx",
        "全国志愿服务信息系统导出.csv",
        "养老机构基本情况调查表.xlsx",
        "志愿者名册.xlsx",
        "活动签到名单.csv",
        "社区活动台账.xlsx",
        "老年人能力评估记录.xlsx",
        "适老化改造抽检记录.xlsx",
    }
    assert d["evidence"]["added"] == d["evidence"]["removed"] == [] and d["evidence"]["unchanged"] == 23
    named = {c["file"]: c["named_by"] for c in d["evidence"]["changed"]}
    assert named["志愿者名册.xlsx"] == ["1-3.S9"]
    assert not d["pack"]["changed"] and d["parameters"] == [] and not any(d["rule_files"].values())
    assert {"id": "1-1", "before": "not_accepted", "after": "needs_review"} in d["line_items"]


def test_going_back_is_a_regression(rounds):
    d = diff.compare(_doc(rounds["p2"]), _doc(rounds["p1"]))
    assert set(d["regressed"]) == {"1-1.S1a", "1-1.S3c", "1-1.S4b", "1-1.S3a-uscc", "1-3.S8", "1-3.S9", "C.5-roster"}
    assert diff.exit_code(d) == 1
    s9 = _rule(d, "1-3.S9")
    assert [r["values"]["id_number"] for r in s9["rows"]["new"]] == ["150502********1442", "150502********807X"]
    # a standard that passed with 2960 assessments and now has 2957: accepted rows were removed
    assert any(x["rule"] == "1-1.D1" and x["kind"] == "standard" for x in d["rewritten_accepted"])


def test_rows_are_matched_on_file_and_masked_values_not_row_numbers(rounds):
    old = _doc(rounds["p1"])
    new = copy.deepcopy(old)
    for li in new["line_items"]:
        for r in li["results"]:
            for f in r["failures"]:
                f["row"] = (f["row"] or 0) + 7  # rows inserted above
    r = _rule(diff.compare(old, new), "1-3.S9")
    assert len(r["rows"]["still_failing"]) == 2 and r["rows"]["fixed"] == r["rows"]["new"] == []


def test_rewritten_accepted_period(rounds):
    old = _doc(rounds["p2"])
    new = copy.deepcopy(old)
    s8 = next(r for li in new["line_items"] for r in li["results"] if r["rule"] == "1-3.S8")
    s8["measured"]["counts"]["2022-10"] = 3  # a record back-filled into October, which round 1 already accepted
    d = diff.compare(old, new)
    assert d["rewritten_accepted"] == [{"rule": "1-3.S8", "kind": "period", "of": "2022-10", "before": 2, "after": 3}]
    assert d["regressed"] == [] and diff.exit_code(d) == 1
    assert "2022-10" in diff.render(d, "text", "zh") and "met its minimum before" in diff.render(d, "text", "en")


def test_changed_rules_parameters_and_files(rounds):
    old = _doc(rounds["p1"])
    new = copy.deepcopy(old)
    new["pack"]["version"] = "2022.2"
    new["parameters"]["deadline_grace_days"]["value"] = 3
    new["parameters"]["deadline_grace_days"]["source"] = "--param"
    rule_file = next(i for i in new["inputs"] if i["path"] == "rules/1-1.yaml")
    rule_file["sha256"] = "0" * 64
    gone = next(i for i in new["inputs"] if i["path"].endswith("个案服务档案.json"))
    new["inputs"].remove(gone)
    folder = gone["path"].rsplit("/", 1)[0]
    new["inputs"].append({"path": f"{folder}/补充材料.csv", "kind": "evidence", "sha256": "1" * 64})
    d = diff.compare(old, new)
    assert d["pack"]["changed"] and d["rule_files"]["changed"] == ["1-1.yaml"]
    assert d["parameters"] == [
        {"name": "deadline_grace_days", "before": 0, "after": 3, "source_before": "pack", "source_after": "--param"}
    ]
    assert d["evidence"]["added"] == ["补充材料.csv"] and d["evidence"]["removed"] == ["个案服务档案.json"]
    text = diff.render(d, "text", "en")
    assert "2022.1 → " in text and "TLSZCS-C-F-220141 2022.2" in text and "deadline_grace_days: 0 (pack) → 3" in text


def test_diff_cli_formats_and_exit_codes(rounds, runner, tmp_path):
    p1, p2 = str(rounds["p1"]), str(rounds["p2"])
    res = runner.invoke(main, ["diff", p1, p2])
    assert res.exit_code == 0 and "已整改" in res.output
    assert runner.invoke(main, ["diff", p2, p1, "--lang", "en"]).exit_code == 1
    out = json.loads(runner.invoke(main, ["diff", p1, p2, "--format", "json"]).output)
    assert out["kind"] == "complycheck-diff" and out["counts"]["fixed"] == 7
    md = runner.invoke(main, ["diff", p1, p2, "--format", "markdown"]).output
    assert "| 1-1.S1a | 1-1.S1a | 不通过" in md
    html = tmp_path / "diff.html"
    assert runner.invoke(main, ["diff", p1, p2, "--format", "html", "-o", str(html)]).exit_code == 0
    assert 'data-rule="1-1.S1a" data-change="fixed"' in html.read_text("utf-8")


@pytest.mark.parametrize(
    "content, message",
    [
        ("{not json", "malformed JSON (line 1, column 2)"),
        ('{"a": 1}', "not a complycheck JSON report"),
        ('{"tool": {"name": "complycheck", "version": "0.1.0"}, "schema_version": "9.0"}', "unsupported report"),
        ('{"tool": {"name": "complycheck", "version": "0.1.0"}, "schema_version": "1.1"}', "does not match"),
        ("[1, 2]", "not a complycheck JSON report"),
        ("\udcff", "not UTF-8"),
    ],
)
def test_diff_bad_input_is_one_line(rounds, runner, tmp_path, content, message):
    bad = tmp_path / "bad.json"
    bad.write_bytes(content.encode("utf-8", "surrogateescape"))
    res = runner.invoke(main, ["diff", str(rounds["p1"]), str(bad), "--lang", "en"])
    assert res.exit_code == 2 and message in res.output
    assert "Traceback" not in res.output and len(res.output.strip().splitlines()) == 1


# --------------------------------------------------------------------------- rectification notice
def test_rectification_notice(rounds, runner, tmp_path):
    from complycheck.reports.rectification import notice, shortfall

    r1 = rounds["r1"]
    html = get("rectification")(r1, "zh")
    assert html.count('<section class="item"') == 8 and "整改通知书" in html
    assert "2022-12-30" in html and "评估日起 15 日内" in html  # 15 days from --as-of
    assert "低保失能老年人名册.xlsx [名册]" in html and "150526********6254" in html
    assert shortfall(r1.result("1-1.S4b"), "zh") == "还差 4"
    assert shortfall(r1.result("1-1.S1a"), "en") == "3 more compliant records needed"
    assert shortfall(r1.result("1-3.S8"), "zh") == "2022-11：1 次，要求 ≥ 2，差 1"
    assert "C.5-roster" in shortfall(r1.result("1-1.S5a"), "zh")
    en = notice(r1, "en", reply_days=20)
    assert "Rectification notice" in en and "2023-01-04" in en and 'lang="en"' in en
    assert 'id="nothing"' not in en and 'id="nothing"' in get("rectification")(rounds["r2"], "en")
    out = tmp_path / "notice.html"
    res = runner.invoke(
        main,
        ["evaluate", "--rules", str(ROOT / "rules"), "--evidence", str(ROOT / "evidence"), "--as-of", "2022-12-15"]
        + ["--format", "rectification", "-o", str(out), "--reply-days", "30"],
        catch_exceptions=False,
    )
    assert res.exit_code == 1 and "2023-01-14" in out.read_text("utf-8")
    # the supplier sees files as in its submission, not the bureau's folders around it (--evidence was absolute)
    page = out.read_text("utf-8")
    assert str(ROOT) not in page and "<td>低保失能老年人名册.xlsx [名册]</td>" in page
    assert "可能匹配 老年人能力评估记录.xlsx" in page


# --------------------------------------------------------------------------- stages
def test_stages_listing_and_checks(rounds, runner, tmp_path):
    p1, p2 = str(rounds["p1"]), str(rounds["p2"])
    res = runner.invoke(
        main, ["stages", f"2022-09-19..2022-10-31={p1}", f"2022-11-01..2022-11-30={p2}", "--lang", "en"]
    )
    assert res.exit_code == 1 and "2022-09-19..2022-10-31" in res.output and "not every stage" in res.output
    assert archive.sha256_file(rounds["p1"]) in res.output
    res = runner.invoke(
        main, ["stages", f"2022-09-19..2022-11-05={p1}", f"2022-11-01..2022-11-30={p2}", "--lang", "en"]
    )
    assert res.exit_code == 2 and "overlap" in res.output
    res = runner.invoke(main, ["stages", f"2022-09-19..2022-12-31={p1}", "--lang", "en"])
    assert res.exit_code == 2 and "before its period ends" in res.output


# --------------------------------------------------------------------------- archive and verify
@pytest.fixture(scope="module")
def sealed(rounds, tmp_path_factory):
    d = tmp_path_factory.mktemp("archive")
    out = d / "acceptance.zip"
    digest, manifest = archive.create(
        ROOT / "rules",
        rounds["fixed"],
        AS_OF,
        out,
        stages=[f"2022-09-19..2022-10-31={rounds['p1']}"],
        accepted_on=date(2022, 12, 20),
    )
    return out, digest, manifest


def _rewrite(src: Path, dst: Path, change) -> Path:
    with zipfile.ZipFile(src) as z:
        members = [(i, z.read(i)) for i in z.infolist()]
    with zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as z:
        for info, data in change(members):
            z.writestr(info, data)
    return dst


def test_archive_verifies(sealed, runner):
    out, digest, manifest = sealed
    assert manifest["keep_until"] == "2037-12-20" and manifest["accepted_on"] == "2022-12-20"
    assert manifest["tool"]["version"] == complycheck.__version__ and manifest["verdict"] == "needs_review"
    kinds = {f["kind"] for f in manifest["files"]}
    assert kinds == {"rules", "evidence", "report", "stage"}
    assert manifest["stages"][0]["period"] == "2022-09-19..2022-10-31"
    done = archive.verify(out)
    assert done.sha256 == digest and len(done.reports) == 4
    res = runner.invoke(main, ["verify", str(out), "--lang", "en"])
    assert res.exit_code == 0 and digest in res.output and "byte-identical" in res.output
    assert "verdict needs review" in res.output and "needs_review" not in res.output  # the word, not the code
    res = runner.invoke(main, ["verify", str(out)])
    assert res.exit_code == 0 and "结论 待人工审核后确定" in res.output and "needs_review" not in res.output


def test_tampered_evidence_fails(sealed, tmp_path, runner):
    out = sealed[0]

    def change(members):
        for info, data in members:
            yield info, (data + b"x" if info.filename == "evidence/活动签到名单.csv" else data)

    bad = _rewrite(out, tmp_path / "bad.zip", change)
    with pytest.raises(archive.VerifyFailed, match="活动签到名单.csv"):
        archive.verify(bad)
    res = runner.invoke(main, ["verify", str(bad), "--lang", "en"])
    assert res.exit_code == 1 and "verification FAILED" in res.output and "SHA-256 differs" in res.output
    assert archive.sha256_file(bad) in res.output


def test_tampered_report_with_updated_manifest_fails_on_re_evaluation(sealed, tmp_path):
    out = sealed[0]

    def change(members):
        members = dict((i.filename, (i, d)) for i, d in members)
        info, data = members["reports/report.txt"]
        forged = data.replace("待人工审核".encode(), "验收通过".encode())
        manifest = json.loads(members["manifest.json"][1])
        import hashlib

        for f in manifest["files"]:
            if f["path"] == "reports/report.txt":
                f["sha256"], f["size"] = hashlib.sha256(forged).hexdigest(), len(forged)
        members["reports/report.txt"] = (info, forged)
        members["manifest.json"] = (members["manifest.json"][0], json.dumps(manifest).encode())
        return members.values()

    with pytest.raises(archive.VerifyFailed, match="reports/report.txt"):
        archive.verify(_rewrite(out, tmp_path / "forged.zip", change))


def test_missing_extra_and_unsafe_members_fail(sealed, tmp_path):
    out = sealed[0]
    drop = _rewrite(out, tmp_path / "drop.zip", lambda ms: [(i, d) for i, d in ms if i.filename != "rules/1-2.yaml"])
    with pytest.raises(archive.VerifyFailed, match="missing from the archive: rules/1-2.yaml"):
        archive.verify(drop)
    extra = _rewrite(out, tmp_path / "extra.zip", lambda ms: list(ms) + [(zipfile.ZipInfo("evidence/new.csv"), b"a")])
    with pytest.raises(archive.VerifyFailed, match="not in the manifest: evidence/new.csv"):
        archive.verify(extra)
    for name in ("../../evil.txt", "/etc/evil", "evidence/../../x", "a\\..\\b"):
        slip = _rewrite(out, tmp_path / "slip.zip", lambda ms, n=name: list(ms) + [(zipfile.ZipInfo(n), b"a")])
        with pytest.raises(archive.VerifyFailed, match="unsafe path"):
            archive.verify(slip)
    link = zipfile.ZipInfo("evidence/link")
    link.external_attr = 0o120777 << 16
    linked = _rewrite(out, tmp_path / "link.zip", lambda ms: list(ms) + [(link, b"/etc/passwd")])
    with pytest.raises(archive.VerifyFailed, match="link or special file"):
        archive.verify(linked)
    (tmp_path / "junk.zip").write_bytes(b"PK\x03\x04 not really")
    with pytest.raises(archive.VerifyFailed, match="not a valid zip"):
        archive.verify(tmp_path / "junk.zip")


def test_size_limit(sealed, monkeypatch):
    monkeypatch.setattr(archive, "MAX_TOTAL_BYTES", 100_000)
    with pytest.raises(archive.VerifyFailed, match="size limit"):
        archive.verify(sealed[0])


def test_changed_tool_version_fails_closed(sealed, monkeypatch, runner):
    monkeypatch.setattr(complycheck, "__version__", "0.2.0")
    with pytest.raises(archive.VerifyFailed, match="made by complycheck 0.1.0, this is 0.2.0"):
        archive.verify(sealed[0])
    res = runner.invoke(main, ["verify", str(sealed[0])])
    assert res.exit_code == 1 and "验证失败" in res.output and "0.1.0" in res.output


def test_archive_cli(tmp_path, runner):
    out = tmp_path / "a.zip"
    res = runner.invoke(
        main,
        [
            "archive",
            "-o",
            str(out),
            "--rules",
            str(ROOT / "rules"),
            "--evidence",
            str(ROOT / "evidence"),
            "--as-of",
            "2022-12-15",
            "--lang",
            "en",
        ],
    )
    assert res.exit_code == 0 and "keep until: 2037-12-15" in res.output and "verdict: not accepted" in res.output
    assert archive.sha256_file(out) in res.output
    res = runner.invoke(
        main, ["archive", "-o", str(out), "--evidence", str(tmp_path / "nope"), "--as-of", "2022-12-15"]
    )
    assert res.exit_code == 2 and "Traceback" not in res.output


def test_the_panels_decisions_are_sealed_with_the_acceptance_document(tmp_path):
    """The archive holds the panel's decisions and the 验收书 made from them; verify re-evaluates with the decisions,
    and a decision changed inside the archive fails the check."""
    out = tmp_path / "final.zip"
    _, manifest = archive.create(
        ROOT / "rules",
        ROOT / "evidence",
        date(2022, 12, 15),
        out,
        panel_decisions=ROOT / "evidence" / "decisions-sample.yaml",
    )
    assert manifest["options"]["panel_decisions"] == "decisions/panel.yaml"
    assert "reports/acceptance.html" in manifest["reports"]
    done = archive.verify(out)
    assert "reports/acceptance.html" in done.reports

    def change(members):
        for info, data in members:
            yield (
                info,
                (
                    data.replace(b"\xe9\x80\x9a\xe8\xbf\x87", b"\xe6\x9a\x82\xe7\xbc\x93", 1)  # 通过 -> 暂缓
                    if info.filename == "decisions/panel.yaml"
                    else data
                ),
            )

    with pytest.raises(archive.VerifyFailed, match="decisions/panel.yaml"):
        archive.verify(_rewrite(out, tmp_path / "bad.zip", change))
