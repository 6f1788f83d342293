"""The house rules of the code base (issue #11): one room per concern, checked rather than hoped for."""

import ast
import subprocess
import sys
from pathlib import Path

SRC = Path(__file__).resolve().parent.parent / "src" / "complycheck"
MODULES = sorted(SRC.rglob("*.py"))


def test_no_module_is_over_450_lines():
    long = {str(p.relative_to(SRC)): n for p in MODULES if (n := len(p.read_text("utf-8").splitlines())) > 450}
    assert not long


def test_no_module_imports_another_modules_private_name():
    bad = []
    for p in MODULES:
        tree = ast.parse(p.read_text("utf-8"))
        aliases = {}
        for n in ast.walk(tree):
            if isinstance(n, ast.ImportFrom) and n.module and n.module.startswith("complycheck"):
                for a in n.names:
                    if a.name.startswith("_") and not a.name.startswith("__"):
                        bad.append(f"{p.name}:{n.lineno} imports {n.module}.{a.name}")
                    aliases[a.asname or a.name] = n.module
            elif isinstance(n, ast.Import):
                aliases.update({a.asname or a.name: a.name for a in n.names if a.name.startswith("complycheck")})
        for n in ast.walk(tree):
            if (
                isinstance(n, ast.Attribute)
                and isinstance(n.value, ast.Name)
                and n.value.id in aliases
                and n.attr.startswith("_")
                and not n.attr.startswith("__")
            ):
                bad.append(f"{p.name}:{n.lineno} reads {n.value.id}.{n.attr}")
    assert not bad


def test_records_and_the_command_line_do_not_import_polars():
    code = (
        "import sys, complycheck.model, complycheck.lang.types, complycheck.cli; "
        "print('polars' in sys.modules, 'simpleeval' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.stdout.split() == ["False", "False"], out.stderr


def test_every_mode_is_registered_and_every_registered_mode_is_built():
    from complycheck.engine.modes import MODES
    from complycheck.pack.rule_builder import mode_of

    built = {
        mode_of(r)
        for r in ({"period": {"unit": "month"}}, {"group_by": "x"}, {"expect": "x"}, {"measure": "x"}, {}, {"per": "x"})
    }
    assert built == set(MODES) == {"share", "count", "measure", "group", "period", "entity"}
    for name, mode in MODES.items():
        assert mode.name == name and callable(mode.evaluate) and callable(mode.describe)


def test_the_report_formats_are_one_table_the_cli_offers():
    from complycheck.cli import FORMATS
    from complycheck.reports import FORMATS as TABLE

    assert FORMATS == list(TABLE)
