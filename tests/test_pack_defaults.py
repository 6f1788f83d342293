"""Defaults for every pack, not the bundled one (#14.6): rule tests' date, supplier templates, evidence hints."""

from datetime import date

import pytest

from complycheck.errors import ErrorList
from complycheck.pack import load_pack_texts
from complycheck.ruletests import default_as_of, load_tests
from conftest import CONTRACT

RULE = "rules:\n  - id: R\n    line_item: A\n    clauses: [X.1]\n    title: t\n    from: people\n    min: 1\n"
TEST = "tests:\n  - name: one\n    rule: R\n    datasets: {people: []}\n    expect: fail\n"


def _pack(contract: str):
    return load_pack_texts({"contract.yaml": contract, "rules.yaml": RULE})


def test_rule_tests_default_to_the_packs_own_acceptance_date(tmp_path):
    pack = _pack(CONTRACT.replace('end: "2022-11-30"', 'end: "2023-03-31"'))
    assert default_as_of(pack) == date(2023, 4, 15)  # service end 2023-03-31 + 15 days, not 2022-12-15
    (tmp_path / "t.yaml").write_text(TEST + '  - name: two\n    rule: R\n    as_of: "2023-01-02"\n    expect: fail\n')
    first, second = load_tests(pack, tmp_path)
    assert first.as_of == date(2023, 4, 15) and second.as_of == date(2023, 1, 2)
    later = _pack(CONTRACT.replace('deadline: "2022-10-31"', 'deadline: "2024-01-31"'))
    assert default_as_of(later) == date(2024, 2, 15)  # a line item's deadline after the service end


def test_a_pack_without_dates_requires_as_of_in_each_test(tmp_path):
    bare = (
        CONTRACT.replace('  service_period: {start: "2022-09-19", end: "2022-11-30"}\n', "")
        .replace(', deadline: "2022-11-30"', "")
        .replace(', deadline: "2022-10-31"', "")
    )
    pack = _pack(bare)
    assert default_as_of(pack) is None
    (tmp_path / "t.yaml").write_text(TEST + '  - name: two\n    rule: R\n    as_of: "2023-01-02"\n    expect: fail\n')
    with pytest.raises(ErrorList) as e:
        load_tests(pack, tmp_path)
    (err,) = e.value.errors
    assert err.location.line == 2 and "as_of" in err.message_en
