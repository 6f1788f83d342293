"""The evidence manifest: which file holds each dataset, read strictly; paths kept inside the submission folder;
files hashed."""

from __future__ import annotations

import stat
from pathlib import Path
from typing import Any

from complycheck.errors import ErrorList, EvidenceError, Location, RuleFileError
from complycheck.evidence.sheet import MAX_FILE_BYTES
from complycheck.prehash import sha256 as sha256  # the one streamed SHA-256, re-exported for the loaders
from complycheck.schema import validate
from complycheck.yamlsource import YamlDoc, load_yaml_file

MANIFEST_NAMES = ("manifest.yaml", "manifest.yml")
BIG_FILE_BYTES = 32 * 1024 * 1024


def safe_path(root: Path, rel: str, display_root: str, where: Location) -> Path:
    """A manifest path inside the submission folder: no escaping, no links outside, regular files only."""
    if Path(rel).is_absolute() or rel.startswith(("~", "\\")) or ".." in Path(rel).parts:
        raise EvidenceError(
            f"文件路径“{rel}”离开了证据目录，拒绝读取", where, f"file path '{rel}' leaves the evidence folder; refused"
        )
    p = root / rel
    try:
        resolved = p.resolve(strict=True)
    except (FileNotFoundError, RuntimeError, OSError):
        raise EvidenceError(
            f"清单中的文件“{rel}”不存在", where, f"file '{rel}' named in the manifest does not exist"
        ) from None
    if not resolved.is_relative_to(root.resolve()):
        raise EvidenceError(
            f"文件“{rel}”是指向证据目录之外的链接，拒绝读取",
            where,
            f"file '{rel}' links outside the evidence folder; refused",
        )
    st = resolved.stat()
    if not stat.S_ISREG(st.st_mode):
        raise EvidenceError(f"“{rel}”不是普通文件，拒绝读取", where, f"'{rel}' is not a regular file; refused")
    if st.st_size > MAX_FILE_BYTES:
        raise EvidenceError(f"文件“{rel}”超过大小上限", where, f"file '{rel}' exceeds the size limit")
    return resolved


def read_manifest(root: Path) -> tuple[Path, YamlDoc]:
    """The submission folder's manifest (its path and validated document)."""
    if not root.exists():
        raise EvidenceError(
            "证据目录不存在（用 --evidence 指定供应商提交的目录；complycheck template 可生成空白模板和清单）",
            Location(str(root)),
            "evidence folder does not exist (name the supplier's submission folder with --evidence; "
            "`complycheck template` writes blank templates and a manifest)",
        )
    if not root.is_dir():
        raise EvidenceError("证据路径不是目录", Location(str(root)), "evidence path is not a folder")
    mpath = next((root / n for n in MANIFEST_NAMES if (root / n).is_file()), None)
    if mpath is None:
        tables = sorted(p.name for p in root.iterdir() if p.suffix.lower() in TABLE_SUFFIXES)[:5]
        seen = f"；目录中有 {'、'.join(tables)}" if tables else ""
        seen_en = f"; the folder holds {', '.join(tables)}" if tables else ""
        raise EvidenceError(
            f"证据目录中没有 manifest.yaml（证据清单，写明每个数据集在哪个文件；complycheck template 生成一份）{seen}",
            Location(str(root / "manifest.yaml")),
            "no manifest.yaml in the evidence folder (it names each dataset's file; `complycheck template` writes "
            f"one){seen_en}",
        )
    try:
        doc = load_yaml_file(mpath, str(mpath))
    except RuleFileError as e:
        raise EvidenceError(e.message, e.location, e.message_en) from None
    problems = validate(doc, "manifest")
    if problems:
        raise ErrorList([EvidenceError(p.message, p.location, p.message_en) for p in problems])
    bad = [
        EvidenceError(
            f"文件名“{name!a}”含有控制字符或无效的 Unicode，拒绝读取",
            doc.where(("datasets", ds, "file")),
            f"file name {name!a} holds control characters or invalid Unicode; refused",
        )
        for ds, entry in doc.data["datasets"].items()
        if isinstance(name := entry.get("file"), str) and not _plain_name(name)
    ]
    if bad:
        raise ErrorList(list(bad))
    return mpath, doc


def _plain_name(name: str) -> bool:
    """A file name the system can be asked about: valid Unicode (no lone surrogates), no NUL or control characters."""
    import re

    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return not re.search(r"[\x00-\x1f\x7f]", name)


# --------------------------------------------------------------------------- hints
TABLE_SUFFIXES = (".csv", ".xlsx", ".xlsm")  # always evidence tables: an unlisted one is always worth a warning
HINT_READ_BYTES = 32 * 1024 * 1024  # larger unlisted files are matched by their name only


def _csv_head(path: Path) -> set[str]:
    """The cells of a text table's first lines, from its first 64 KiB (UTF-8, UTF-16 or GB18030)."""
    import csv

    with path.open("rb") as f:
        raw = f.read(64 * 1024)
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
        text = raw.decode("utf-16", errors="ignore")
    else:
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = raw.decode("gb18030", errors="ignore")
    lines = text.splitlines()[:8]
    delimiter = "\t" if sum(x.count("\t") for x in lines) > sum(x.count(",") for x in lines) else ","
    return {c.strip() for row in csv.reader(lines, delimiter=delimiter) for c in row if c.strip()}


def _header_cells(path: Path) -> set[str]:
    """The text of the first rows of a file (where a header is), or nothing when it cannot be read."""
    from complycheck.errors import ComplycheckError
    from complycheck.evidence import readers

    if path.suffix.lower() in (".csv", ".txt"):
        return _csv_head(path)
    reader = readers.READERS.get(path.suffix.lower())
    if reader is None or path.stat().st_size > HINT_READ_BYTES:
        return set()
    try:
        sheet = reader.read(path, str(path), {})
    except (ComplycheckError, OSError, ValueError):
        return set()
    try:
        rows = sheet.head_rows(8)
        if sheet.records and sheet.rows:
            rows = sheet.rows[:1]
    finally:
        sheet.close()
    return {str(c).strip() for r in rows for c in r if isinstance(c, str) and c.strip()}


def likely_datasets(path: Path, datasets: dict[str, Any]) -> list[str]:
    """Datasets a file might hold, best first: by its headers (half or more of a dataset's headers, aliases
    counting, at least two) or by its name against the dataset's title."""
    from difflib import SequenceMatcher

    cells = _header_cells(path)
    stem = path.stem
    scored: list[tuple[float, str]] = []
    for name, ds in datasets.items():
        if getattr(ds, "owner", "") == "engine":
            continue
        cols = list(ds.columns.values())
        hits = sum(1 for c in cols if c.header in cells or any(a in cells for a in c.aliases))
        by_header = hits / len(cols) if cols and hits >= min(2, len(cols)) else 0.0
        title = ds.title
        by_title = 1.0 if stem == name or title in stem or stem in title else SequenceMatcher(None, stem, title).ratio()
        score = max(by_header if by_header >= 0.5 else 0.0, by_title if by_title >= 0.5 else 0.0)
        if score:
            scored.append((score, name))
    best = max((sc for sc, _ in scored), default=0.0)
    return [n for sc, n in sorted(scored, key=lambda x: (-x[0], x[1])) if sc >= best - 0.15][:3]


def unlisted_files(root: Path, listed: set[str], datasets: dict[str, Any]) -> list[tuple[str, list[str]]]:
    """Files in the submission folder (top level) that the manifest does not name: (file, datasets it might be).
    CSV and Excel files are always listed; JSON, YAML and text files only when they look like a dataset (such
    files may be the panel's decisions, waivers or notes)."""
    from complycheck.evidence import readers

    listed_paths = {(root / f).resolve() for f in listed}
    out = []
    for p in sorted(root.iterdir()):
        if p.name in MANIFEST_NAMES or p.name.startswith((".", "~$")) or not p.is_file():
            continue
        if p.suffix.lower() not in readers.READERS or p.resolve() in listed_paths:
            continue
        guesses = likely_datasets(p, datasets)
        if guesses or p.suffix.lower() in TABLE_SUFFIXES:
            out.append((p.name, guesses))
    return out
