"""docs/rules.md is generated from the schemas and the functions' docstrings; it must not go stale."""

from complycheck.docgen import render
from complycheck.lang import REGISTRY
from conftest import ROOT


def test_rules_md_is_current():
    current = (ROOT / "docs" / "rules.md").read_text("utf-8")
    assert current == render(), "docs/rules.md is stale: run `python -m complycheck.docgen > docs/rules.md`"


def test_every_function_and_rule_key_is_documented_with_an_example():
    text = render()
    for name, f in REGISTRY.items():
        assert f"### `{name}(" in text
        assert "Example:" in f.doc, name
    for key in ("expect", "distinct", "group_by", "period", "warn_min", "depends_on", "on_missing", "qualitative"):
        assert f"| `{key}` |" in text


def test_pack_documentation_is_current_and_covers_every_clause():
    from complycheck.docgen import render_pack
    from complycheck.pack import load_pack

    text = render_pack(load_pack(ROOT / "rules"))
    assert (ROOT / "docs" / "pack-TLSZCS-C-F-220141.md").read_text("utf-8") == text, (
        "run `python -m complycheck.docgen pack rules > docs/pack-TLSZCS-C-F-220141.md`"
    )
    assert "条款覆盖 / clause coverage: 47/47" in text and "| 1-1.S2a | `1-1.S2a` |" in text
