"""Evidence submissions: a folder with a manifest naming each dataset's file, sheet and headers."""

from __future__ import annotations

import hashlib
import stat
from pathlib import Path
from typing import Any

from complycheck.errors import ComplycheckError, ErrorList, EvidenceError, Location, RuleFileError
from complycheck.evidence import readers
from complycheck.evidence.tables import build_table
from complycheck.model import Dataset, Evidence, Table
from complycheck.schema import validate
from complycheck.yamlsource import load_yaml_file

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
        raise EvidenceError(f"文件路径“{rel}”离开了证据目录，拒绝读取", where, f"file path '{rel}' leaves the evidence folder; refused")
    p = root / rel
    try:
        resolved = p.resolve(strict=True)
    except (FileNotFoundError, RuntimeError, OSError):
        raise EvidenceError(f"清单中的文件“{rel}”不存在", where, f"file '{rel}' named in the manifest does not exist") from None
    if not resolved.is_relative_to(root.resolve()):
        raise EvidenceError(f"文件“{rel}”是指向证据目录之外的链接，拒绝读取", where, f"file '{rel}' links outside the evidence folder; refused")
    st = resolved.stat()
    if not stat.S_ISREG(st.st_mode):
        raise EvidenceError(f"“{rel}”不是普通文件，拒绝读取", where, f"'{rel}' is not a regular file; refused")
    if st.st_size > readers.MAX_FILE_BYTES:
        raise EvidenceError(f"文件“{rel}”超过大小上限", where, f"file '{rel}' exceeds the size limit")
    return resolved


SPILL_MIN_BYTES = 8 * 1024 * 1024


def load_evidence(root: Path, datasets: dict[str, Dataset], only: set[str] | None = None, progress: Any = None,
                  columns: dict[str, set[str]] | None = None, id_columns: dict[str, set[str]] | None = None,
                  spill: Path | None = None, spill_min_bytes: int = SPILL_MIN_BYTES) -> Evidence:
    """Read every dataset the manifest names; all input errors are raised together.

    With `spill` (a private folder that outlives the evaluation), the tables of files of at least `spill_min_bytes`
    are written there as they are typed and returned as LazyFrames: memory then stays bounded however large the
    submission (the engine streams them)."""
    if not root.exists():
        raise EvidenceError("证据目录不存在", Location(str(root)), "evidence folder does not exist")
    if not root.is_dir():
        raise EvidenceError("证据路径不是目录", Location(str(root)), "evidence path is not a folder")
    mpath = next((root / n for n in MANIFEST_NAMES if (root / n).is_file()), None)
    if mpath is None:
        raise EvidenceError("证据目录中没有 manifest.yaml（证据清单）", Location(str(root / "manifest.yaml")), "no manifest.yaml in the evidence folder")
    display_root = str(root)
    try:
        doc = load_yaml_file(mpath, str(mpath))
    except RuleFileError as e:
        raise EvidenceError(e.message, e.location, e.message_en) from None
    problems = validate(doc, "manifest")
    if problems:
        raise ErrorList([EvidenceError(p.message, p.location, p.message_en) for p in problems])
    errors: list[ComplycheckError] = []
    tables: dict[str, Table] = {}
    files: list[str] = [str(mpath)]
    entries = list(doc.data["datasets"].items())
    jobs = []
    for name, entry in entries:
        if name not in datasets:
            errors.append(EvidenceError(f"清单中的数据集“{name}”未在规则包中声明", doc.where(("datasets", name)), f"dataset '{name}' is not declared by the rule pack"))
        elif only is None or name in only:
            jobs.append((name, entry))

    import threading

    # at most one large workbook/JSON/YAML in memory at a time (large CSV streams in batches, so two may load at
    # once, unless memory is what matters: when spilling)
    big = threading.Semaphore(1)

    def load(job: tuple[str, dict[str, Any]]) -> Table | ComplycheckError:
        name, entry = job
        try:
            size = (root / entry["file"]).stat().st_size if (root / entry["file"]).is_file() else 0
        except OSError:
            size = 0
        if size > BIG_FILE_BYTES and (spill is not None or readers.READERS.get(Path(entry["file"]).suffix.lower()) != "csv"):
            with big:
                return _load_guarded(name, entry)
        return _load_guarded(name, entry)

    index = {name: k for k, (name, _) in enumerate(jobs)}

    def _load_guarded(name: str, entry: dict[str, Any]) -> Table | ComplycheckError:
        def on_rows(rows: int) -> None:  # a large file reports the records read so far
            if progress is not None:
                progress(index[name], len(jobs), datasets[name].title, rows)
        try:
            size = (root / entry["file"]).stat().st_size if spill is not None and (root / entry["file"]).is_file() else 0
            return _load_one(root, name, entry, datasets[name], doc.where(("datasets", name, "file")), display_root,
                             None if columns is None else columns.get(name, set()), None if id_columns is None else id_columns.get(name, set()),
                             spill if spill is not None and size >= spill_min_bytes else None, on_rows)
        except ComplycheckError as e:
            return e

    from concurrent.futures import ThreadPoolExecutor

    # two files at a time: one can be parsed in Python while polars reads or types the other
    with ThreadPoolExecutor(max_workers=2) as pool:
        for k, ((name, entry), out) in enumerate(zip(jobs, pool.map(load, jobs))):
            if progress is not None:
                progress(k, len(jobs), datasets[name].title)
            if isinstance(out, ComplycheckError):
                errors.append(out)
                continue
            tables[name] = out
            if str(root / entry["file"]) not in files:
                files.append(str(root / entry["file"]))
    if errors:
        raise ErrorList(errors)
    all_problems = [p for t in tables.values() for p in t.problems]
    return Evidence(str(root), tables, files, all_problems)


def _load_one(root: Path, name: str, entry: dict[str, Any], ds: Dataset, where: Location, display_root: str,
              columns: set[str] | None = None, id_columns: set[str] | None = None, spill: Path | None = None,
              on_rows: Any = None) -> Table:
    path = safe_path(root, entry["file"], display_root, where)
    display = str(root / entry["file"])
    kind = readers.READERS.get(path.suffix.lower())
    if kind is None:
        raise EvidenceError(f"不支持的文件类型“{path.suffix}”（支持 CSV、XLSX、JSON、YAML）", where, f"unsupported file type '{path.suffix}' (CSV, XLSX, JSON, YAML)")
    if kind == "csv":
        sheet = readers.read_csv(path, display, entry.get("encoding"))
    elif kind == "xlsx":
        sheet = readers.read_xlsx(path, display, entry.get("sheet"))
        if entry.get("date_system") == 1904:
            sheet.date1904 = True
    elif kind == "json":
        sheet = readers.read_json(path, display)
    else:
        sheet = readers.read_yaml(path, display)
    try:
        return build_table(sheet, ds, display, entry, columns, id_columns, spill=spill, on_rows=on_rows)
    finally:
        sheet.close()


def table_from_records(ds: Dataset, records: list[dict[str, Any]], file: str = "<inline>") -> Table:
    """A typed table from records (keys are pack column names or headers), without touching files."""
    return build_table(readers.read_records(records, file), ds, file, {})
