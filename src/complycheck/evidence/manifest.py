"""The evidence manifest: which file holds each dataset, read strictly; paths kept inside the submission folder;
files hashed."""

from __future__ import annotations

import hashlib
import stat
from pathlib import Path

from complycheck.errors import ErrorList, EvidenceError, Location, RuleFileError
from complycheck.evidence.sheet import MAX_FILE_BYTES
from complycheck.schema import validate
from complycheck.yamlsource import YamlDoc, load_yaml_file

MANIFEST_NAMES = ("manifest.yaml", "manifest.yml")
BIG_FILE_BYTES = 32 * 1024 * 1024


def sha256(path: Path) -> str:
    """The SHA-256 of a file, streamed."""
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


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
        raise EvidenceError("证据目录不存在", Location(str(root)), "evidence folder does not exist")
    if not root.is_dir():
        raise EvidenceError("证据路径不是目录", Location(str(root)), "evidence path is not a folder")
    mpath = next((root / n for n in MANIFEST_NAMES if (root / n).is_file()), None)
    if mpath is None:
        raise EvidenceError(
            "证据目录中没有 manifest.yaml（证据清单）",
            Location(str(root / "manifest.yaml")),
            "no manifest.yaml in the evidence folder",
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
