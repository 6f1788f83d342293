"""`complycheck test`: every rule of the bundled pack has a passing and a failing test, and they all hold."""

import shutil

from complycheck.pack import load_pack
from complycheck.ruletests import run_all
from conftest import ROOT


def test_every_rule_in_the_pack_is_tested_both_ways():
    pack = load_pack(ROOT / "rules")
    run = run_all(pack, ROOT / "rules" / "tests")
    assert not run.failed, [(o.test.where, o.detail) for o in run.failed]
    assert run.untested == [] and run.missing_fail_case == [] and run.missing_pass_case == []
    assert len(run.outcomes) >= 2 * len(pack.rules)


def test_cli_reports_each_test_and_fails_on_a_wrong_expectation(cli, tmp_path):
    code, out, _ = cli("test", "--rules", str(ROOT / "rules"))
    assert code == 0 and out.rstrip().endswith(" passed, 0 failed") and "✓ 1-1.S2a" in out
    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules)
    t = rules / "tests" / "contract.yaml"
    t.write_text(
        t.read_text("utf-8").replace('    measured: {value: "1429199.99"}', '    measured: {value: "1429200.00"}'),
        "utf-8",
    )
    (rules / "tests" / "1-3.yaml").unlink()
    code, out, _ = cli("test", "--rules", str(rules))
    assert code == 1 and "✗ C.1  少一分钱也不通过" in out and "measured.value 期望 1429200.00，实际 1429199.99" in out
    assert "没有测试的规则：1-3.D1" in out


def test_a_test_naming_an_unknown_rule_is_an_input_error(cli, tmp_path):
    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules)
    (rules / "tests" / "zz.yaml").write_text("tests:\n  - {name: x, rule: 9-9.S1, expect: pass}\n", "utf-8")
    code, _, err = cli("test", "--rules", str(rules))
    assert code == 2 and "zz.yaml:2:" in err and "不存在的规则“9-9.S1”" in err
