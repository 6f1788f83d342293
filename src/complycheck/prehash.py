"""Hashing the evidence files early: SHA-256 of every file the manifest names, in a background thread started
before the heavy imports (polars) and the rule pack, so the second core hashes while the first imports and parses.

Light on purpose: it imports only the YAML loader, so `complycheck evaluate` can start it first. Best effort: any
unusual manifest or path is left to the loaders (which report it properly) and to `api.input_digests` (which hashes
what is missing here). The hashes are of the bytes on disk when hashed, as the loaders' are.
"""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path


def sha256(path: Path, stop: threading.Event | None = None) -> str:
    """The SHA-256 of a file, streamed (hashlib releases the GIL on each 1 MB chunk). With `stop` set, gives up
    (ValueError) between chunks."""
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            if stop is not None and stop.is_set():
                raise ValueError("stopped")
            h.update(chunk)
    return h.hexdigest()


def manifest_files(evidence: Path) -> list[Path]:
    """The files the manifest names that lie inside the folder (the loaders check it all again). Best effort."""
    from complycheck.yamlsource import load_yaml_file

    manifest = next((evidence / n for n in ("manifest.yaml", "manifest.yml") if (evidence / n).is_file()), None)
    if manifest is None:
        return []
    doc = load_yaml_file(manifest).data  # the strict loader: no aliases (a YAML bomb), size and depth limits
    out = []
    for entry in (doc.get("datasets") or {}).values():
        name = entry.get("file") if isinstance(entry, dict) else None
        if not isinstance(name, str) or Path(name).is_absolute() or ".." in Path(name).parts:
            continue
        f = evidence / name
        if f.is_file() and f.resolve().is_relative_to(evidence.resolve()) and f not in out:
            out.append(f)
    return out


class EarlyDigests:
    """SHA-256 of the manifest's files, computed in a daemon thread from construction on (a daemon, so that an
    early error never waits for a large submission to be hashed). `result()` waits for it: path text -> digest,
    possibly empty or partial (whatever is missing is hashed again by the caller)."""

    def __init__(self, evidence: Path):
        self._out: dict[str, str] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(evidence,), name="complycheck-prehash", daemon=True)
        self._thread.start()

    def _run(self, evidence: Path) -> None:
        try:
            for f in manifest_files(evidence):
                self._out[str(f)] = sha256(f, self._stop)
        except Exception:  # best effort: the loaders report a broken manifest or file properly
            return

    def result(self) -> dict[str, str]:
        self._thread.join()
        return dict(self._out)

    def cancel(self) -> None:
        """Stop hashing (between chunks) and wait for the thread."""
        self._stop.set()
        self._thread.join()
