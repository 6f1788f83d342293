"""Evidence submissions: a folder with a manifest naming each dataset's file, sheet and headers.

- `manifest`: the manifest, safe paths, hashes; `readers`: raw rows from each kind of file (a table by extension);
- `headers`: finding and matching the header; `tables`: typing every cell as people write it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from complycheck.errors import ComplycheckError, ErrorList, EvidenceError, Location
from complycheck.evidence import readers
from complycheck.evidence.manifest import read_manifest, safe_path, sha256, unlisted_files
from complycheck.evidence.tables import build_table
from complycheck.model import Dataset, Evidence, Problem, Table

BIG_FILE_BYTES = 32 * 1024 * 1024
SPILL_MIN_BYTES = 8 * 1024 * 1024


def load_evidence(
    root: Path,
    datasets: dict[str, Dataset],
    only: set[str] | None = None,
    progress: Any = None,
    columns: dict[str, set[str]] | None = None,
    id_columns: dict[str, set[str]] | None = None,
    spill: Path | None = None,
    spill_min_bytes: int = SPILL_MIN_BYTES,
) -> Evidence:
    """Read every dataset the manifest names; all input errors are raised together.

    With `spill` (a private folder that outlives the evaluation), the tables of files of at least `spill_min_bytes`
    are written there as they are typed and returned as LazyFrames: memory then stays bounded however large the
    submission (the engine streams them)."""
    mpath, doc = read_manifest(root)
    display_root = str(root)
    errors: list[ComplycheckError] = []
    tables: dict[str, Table] = {}
    files: list[str] = [str(mpath)]
    entries = list(doc.data["datasets"].items())
    jobs = []
    for name, entry in entries:
        if name not in datasets:
            errors.append(
                EvidenceError(
                    f"清单中的数据集“{name}”未在规则包中声明",
                    doc.where(("datasets", name)),
                    f"dataset '{name}' is not declared by the rule pack",
                )
            )
        elif only is None or name in only:
            jobs.append((name, entry))

    import threading

    # at most one large workbook/JSON/YAML in memory at a time (large CSV streams in batches, so two may load at
    # once, unless memory is what matters: when spilling)
    big = threading.Semaphore(1)

    def size_of(entry: dict[str, Any]) -> int:
        try:
            f = root / entry["file"]
            return f.stat().st_size if f.is_file() else 0
        except (OSError, TypeError, ValueError):
            return 0

    sizes = {name: size_of(entry) for name, entry in jobs}  # each file's size, looked up once

    def load(job: tuple[str, dict[str, Any]]) -> Table | ComplycheckError:
        name, entry = job
        if sizes[name] > BIG_FILE_BYTES and (spill is not None or not readers.streams(Path(entry["file"]))):
            with big:
                return _load_guarded(name, entry)
        return _load_guarded(name, entry)

    index = {name: k for k, (name, _) in enumerate(jobs)}

    def _load_guarded(name: str, entry: dict[str, Any]) -> Table | ComplycheckError:
        def on_rows(rows: int) -> None:  # a large file reports the records read so far
            if progress is not None:
                progress(index[name], len(jobs), datasets[name].title, rows)

        try:
            return load_table(
                root,
                name,
                entry,
                datasets[name],
                doc.where(("datasets", name, "file")),
                display_root,
                None if columns is None else columns.get(name, set()),
                None if id_columns is None else id_columns.get(name, set()),
                spill if spill is not None and sizes[name] >= spill_min_bytes else None,
                on_rows,
            )
        except ComplycheckError as e:
            return e

    from concurrent.futures import ThreadPoolExecutor

    # two files at a time: one can be parsed in Python while polars reads or types the other; the largest files
    # first, so that the last to finish is a small one; the tables keep the manifest's order
    largest_first = sorted(jobs, key=lambda job: sizes[job[0]], reverse=True)
    done: dict[str, Table | ComplycheckError] = {}
    with ThreadPoolExecutor(max_workers=2) as pool:
        for k, ((name, _), out) in enumerate(zip(largest_first, pool.map(load, largest_first), strict=True)):
            if progress is not None:
                progress(k, len(jobs), datasets[name].title)
            done[name] = out
    for name, entry in jobs:
        out = done[name]
        if isinstance(out, ComplycheckError):
            errors.append(out)
            continue
        tables[name] = out
        if str(root / entry["file"]) not in files:
            files.append(str(root / entry["file"]))
    if errors:
        raise ErrorList(errors)
    all_problems = [p for t in tables.values() for p in t.problems]
    if only is None:  # a whole submission: a file the manifest forgot is worth a hint
        all_problems += _unlisted(root, {str(e["file"]) for _, e in entries}, datasets)
    return Evidence(str(root), tables, files, all_problems)


def _unlisted(root: Path, listed: set[str], datasets: dict[str, Dataset]) -> list[Problem]:
    out = []
    for fname, guesses in unlisted_files(root, listed, datasets):
        named = "、".join(f"{datasets[g].title}（{g}）" for g in guesses)
        named_en = ", ".join(f"'{g}' ({datasets[g].title})" for g in guesses)
        out.append(
            Problem(
                str(root / fname),
                None,
                None,
                None,
                "文件不在证据清单中，未被读取；"
                + (f"它可能是数据集 {named}：请在 manifest.yaml 中登记" if guesses else "它与规则包的数据集都不相符"),
                "the file is not named in the manifest and was not read; "
                + (f"it may be dataset {named_en}: add it to manifest.yaml" if guesses else "it matches no dataset"),
                "warning",
            )
        )
    return out


def load_table(
    root: Path,
    name: str,
    entry: dict[str, Any],
    ds: Dataset,
    where: Location,
    display_root: str,
    columns: set[str] | None = None,
    id_columns: set[str] | None = None,
    spill: Path | None = None,
    on_rows: Any = None,
) -> Table:
    """One dataset from the file a manifest entry names (the reader chosen by its extension), typed."""
    path = safe_path(root, entry["file"], display_root, where)
    display = str(root / entry["file"])
    reader = readers.READERS.get(path.suffix.lower())
    if reader is None:
        raise EvidenceError(
            f"不支持的文件类型“{path.suffix}”（支持 CSV、XLSX、JSON、YAML）",
            where,
            f"unsupported file type '{path.suffix}' (CSV, XLSX, JSON, YAML)",
        )
    try:
        sheet = reader.read(path, display, entry)
    except ComplycheckError:
        raise
    except BaseException as e:  # whatever a parser raises on a hostile file is an input error, never a crash
        raise _unreadable(e, display) from None
    try:
        return build_table(sheet, ds, display, entry, columns, id_columns, spill=spill, on_rows=on_rows)
    except BaseException as e:  # a panic in polars over the file's values, too (our own bugs stay bugs: exit 3)
        if _panic(e):
            raise _unreadable(e, display) from None
        raise
    finally:
        sheet.close()


def _panic(e: BaseException) -> bool:
    """polars' Rust panics arrive as pyo3's PanicException, which derives from BaseException, not Exception."""
    return type(e).__name__ == "PanicException"


def _unreadable(e: BaseException, display: str) -> BaseException:
    """An exception a reader raised on a file as the input error naming it (KeyboardInterrupt and the like as is)."""
    if not isinstance(e, Exception) and not _panic(e):
        return e
    from complycheck.evidence.sheet import short_error

    return EvidenceError(
        f"无法读取：{type(e).__name__}: {short_error(e)}",
        Location(display),
        f"cannot read: {type(e).__name__}: {short_error(e)}",
    )


def table_from_records(ds: Dataset, records: list[dict[str, Any]], file: str = "<inline>") -> Table:
    """A typed table from records (keys are pack column names or headers), without touching files."""
    return build_table(readers.read_records(records, file), ds, file, {})


__all__ = ["load_evidence", "load_table", "table_from_records", "read_manifest", "safe_path", "sha256"]
