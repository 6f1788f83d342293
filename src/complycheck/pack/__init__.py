"""Rule packs: YAML files -> validated -> a RulePack with every expression compiled once.

- `params`: typed parameter values; `sections`: contract, parameters, datasets, catalogue;
- `rule_builder`: rules, their expressions compiled, their modes and dependencies.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from complycheck.errors import ComplycheckError, ErrorList, Location, RuleFileError
from complycheck.model import RulePack, Setting
from complycheck.pack.params import display_path
from complycheck.pack.rule_builder import PackBuilder
from complycheck.schema import validate
from complycheck.yamlsource import YamlDoc, load_yaml_file

MAX_PACK_FILES = 200


def pack_files(root: Path) -> list[Path]:
    """The pack's YAML files: top level only (tests/ and catalogue/ are not rule files)."""
    if not root.exists():
        raise RuleFileError("规则目录不存在", Location(str(root)), "rules folder does not exist")
    if not root.is_dir():
        raise RuleFileError("不是目录", Location(str(root)), "not a folder")
    files = sorted(p for p in root.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file() and not p.is_symlink())
    if not files:
        raise RuleFileError("规则目录中没有 .yaml 文件", Location(str(root)), "no .yaml files in the rules folder")
    if len(files) > MAX_PACK_FILES:
        raise RuleFileError("规则文件过多", Location(str(root)), "too many rule files")
    return files


def load_pack(
    root: Path,
    catalogue: Path | None = None,
    overrides: dict[str, Any] | None = None,
    settings: list[Setting] | None = None,
) -> RulePack:
    """Load, validate and compile a rule pack; every problem found is raised together. `settings`: bureau decisions
    set for this run (only parameters marked bureau_decision; each keeps where it came from)."""
    docs = _valid_docs((display_path(f), lambda f=f: load_yaml_file(f, display_path(f))) for f in pack_files(root))
    return PackBuilder(root, docs, catalogue, overrides, settings).build()


def load_pack_texts(texts: dict[str, str], catalogue: Path | None = None) -> RulePack:
    """A pack from YAML texts in memory (file name -> text): for tests and rule authoring tools."""
    from complycheck.yamlsource import load_yaml_text

    docs = _valid_docs((name, lambda t=text, n=name: load_yaml_text(t, n)) for name, text in sorted(texts.items()))
    return PackBuilder(Path("<memory>"), docs, catalogue).build()


def _valid_docs(sources: Any) -> list[YamlDoc]:
    """Parse and schema-check every file; raise all problems of all files together."""
    errors: list[ComplycheckError] = []
    docs: list[YamlDoc] = []
    for _name, load in sources:
        try:
            doc = load()
        except ComplycheckError as e:
            errors.append(e)
            continue
        problems = validate(doc, "pack")
        errors.extend(problems)
        if not problems:
            docs.append(doc)
    if errors:
        raise ErrorList(errors)
    return docs
