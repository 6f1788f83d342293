"""A sealed record of an acceptance that can be re-checked years later (政府采购法 art. 42: 15 years).

`create` copies the rule pack, the evidence folder, the waivers and the bureau's decisions (a --params file) into
a staging folder, runs `complycheck evaluate` there (a child process, so every path in the reports is relative:
`rules/…`, `evidence/…`), and zips it all with `manifest.json`: the SHA-256 and size of every member, the tool
version, the evaluation date, the acceptance date and the keep-until date (acceptance + 15 years), the verdict,
and any stage reports by their hash.

`verify` fails closed. It refuses unsafe member names (absolute, `..`, backslashes, links), more than
MAX_MEMBERS members or MAX_TOTAL_BYTES unpacked (counted while unpacking, not trusted from the zip header), a
member missing from or absent in the manifest, a SHA-256 that differs, and an archive made by another complycheck
version; it unpacks into a private temporary folder (mode 0700, removed afterwards), evaluates again with the same
options and requires every archived report to be byte-identical."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path, PurePosixPath
from typing import Any

import complycheck
from complycheck.errors import ComplycheckError, Location

FORMAT = "complycheck-archive"
FORMAT_VERSION = "1"
MANIFEST = "manifest.json"
KEEP_YEARS = 15
REPORTS = {  # archive member -> format (all in Chinese, the language of the acceptance)
    "reports/report.json": "json",
    "reports/report.html": "html",
    "reports/report.md": "markdown",
    "reports/report.txt": "text",
}
ACCEPTANCE = "reports/acceptance.html"  # the 验收书, when the panel's decisions are archived
MAX_MEMBERS = 20_000
MAX_TOTAL_BYTES = 8 * 1024**3
MAX_MANIFEST_BYTES = 16 * 1024**2
SKIP_NAMES = {"__pycache__", ".git", ".DS_Store"}


class ArchiveError(ComplycheckError):
    """An archive cannot be made (bad inputs)."""


class VerifyFailed(ComplycheckError):
    """The archive does not verify: tampered, incomplete, another tool version, or a report that differs."""


@dataclass
class Verified:
    sha256: str
    manifest: dict[str, Any]
    reports: list[str] = field(default_factory=list)


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def keep_until(accepted: date) -> date:
    """Acceptance date + 15 years (29 February → 28 February)."""
    try:
        return accepted.replace(year=accepted.year + KEEP_YEARS)
    except ValueError:
        return accepted.replace(year=accepted.year + KEEP_YEARS, day=28)


# --------------------------------------------------------------------------- making an archive
def _copy_tree(src: Path, dst: Path, zh: str, en: str) -> None:
    if not src.is_dir():
        raise ArchiveError(f"{zh}目录不存在", Location(str(src)), f"{en} folder does not exist")
    for folder, dirs, files in os.walk(src, followlinks=False):
        dirs[:] = sorted(d for d in dirs if d not in SKIP_NAMES and not os.path.islink(os.path.join(folder, d)))
        for name in sorted(files):
            if name in SKIP_NAMES:
                continue
            p = Path(folder) / name
            if p.is_symlink() or not p.is_file():
                raise ArchiveError(
                    "不能归档符号链接或特殊文件", Location(str(p)), "cannot archive a symbolic link or special file"
                )
            target = dst / p.relative_to(src)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(p, target)


def _evaluate(root: Path, out: Path, options: dict[str, Any]) -> None:
    """`complycheck evaluate` in `root` (relative paths), writing every archived report under `out`."""
    cmd = [sys.executable, "-m", "complycheck", "evaluate", "--rules", "rules", "--evidence", "evidence"]
    cmd += ["--as-of", options["as_of"], "--lang", "zh", "--quiet", "--no-spill"]
    if options.get("waivers"):
        cmd += ["--waivers", options["waivers"]]
    if options.get("params_file"):
        cmd += ["--params", options["params_file"]]
    if options.get("panel_decisions"):  # the panel's decisions: the archive holds the final verdict and the 验收书
        cmd += ["--decisions", options["panel_decisions"], "--report", f"acceptance={out / 'reports/acceptance.html'}"]
    for arg in options.get("param") or []:
        cmd += ["--param", arg]
    first, *rest = REPORTS.items()
    cmd += ["--format", first[1], "--output", str(out / first[0])]
    for member, fmt in rest:
        cmd += ["--report", f"{fmt}={out / member}"]
    (out / "reports").mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if k not in ("COMPLYCHECK_LANG", "COMPLYCHECK_DEBUG")}
    res = subprocess.run(cmd, cwd=root, capture_output=True, text=True, env=env, timeout=24 * 3600)
    if res.returncode not in (0, 1):
        last = (res.stderr.strip().splitlines() or ["?"])[-1][:400]
        raise ArchiveError(f"评估失败：{last}", None, f"evaluation failed: {last}")


def _kind(member: str) -> str:
    top = member.split("/", 1)[0]
    return {"rules": "rules", "evidence": "evidence", "decisions": "decisions", "reports": "report"}.get(top, "stage")


def create(
    rules: Path,
    evidence: Path,
    as_of: date,
    output: Path,
    *,
    waivers: Path | None = None,
    params_file: Path | None = None,
    panel_decisions: Path | None = None,
    param: tuple[str, ...] = (),
    stages: list[str] | None = None,
    accepted_on: date | None = None,
) -> tuple[str, dict[str, Any]]:
    """Write the archive to `output`; return its SHA-256 and manifest."""
    from complycheck.rounds.stages import check_stages, read_stage

    staged = check_stages([read_stage(s) for s in stages or []])
    accepted = accepted_on or as_of
    if accepted < as_of:
        raise ArchiveError(
            "验收日期不能早于评估日期", None, "the acceptance date cannot be before the evaluation date (--as-of)"
        )
    with tempfile.TemporaryDirectory(prefix="complycheck-archive-") as tmp:
        root = Path(tmp) / "a"
        root.mkdir()
        _copy_tree(rules, root / "rules", "规则包", "rule pack")
        _copy_tree(evidence, root / "evidence", "证据", "evidence")
        options: dict[str, Any] = {"as_of": as_of.isoformat(), "param": list(param)}
        panel = ("panel" + Path(panel_decisions).suffix.lower()) if panel_decisions is not None else ""
        for src, name, key in (
            (waivers, "waivers.yaml", "waivers"),
            (params_file, "params.yaml", "params_file"),
            (panel_decisions, panel, "panel_decisions"),
        ):
            if src is not None:
                if not Path(src).is_file():
                    raise ArchiveError("文件不存在", Location(str(src)), "no such file")
                (root / "decisions").mkdir(exist_ok=True)
                shutil.copyfile(src, root / "decisions" / name)
                options[key] = f"decisions/{name}"
        stage_entries = []
        for i, s in enumerate(staged, 1):
            member = f"stages/{i:02d}-{s.start.isoformat()}--{s.end.isoformat()}.json"
            (root / "stages").mkdir(exist_ok=True)
            shutil.copyfile(s.path, root / member)
            stage_entries.append({**s.to_json(), "path": member})
        _evaluate(root, root, options)
        report = json.loads((root / "reports/report.json").read_text("utf-8"))
        members = sorted(str(p.relative_to(root).as_posix()) for p in root.rglob("*") if p.is_file())
        manifest = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "tool": {"name": "complycheck", "version": complycheck.__version__},
            "environment": {"python": sys.version.split()[0], "platform": sys.platform},
            "project_no": report["contract"]["project_no"],
            "pack": report["pack"],
            "as_of": as_of.isoformat(),
            "accepted_on": accepted.isoformat(),
            "keep_until": keep_until(accepted).isoformat(),
            "verdict": report["verdict"],
            "options": options,
            "reports": dict(REPORTS) | ({ACCEPTANCE: "acceptance"} if panel_decisions is not None else {}),
            "stages": stage_entries,
            "files": [
                {
                    "path": m,
                    "kind": _kind(m),
                    "size": (root / m).stat().st_size,
                    "sha256": sha256_file(root / m),
                }
                for m in members
            ],
        }
        stamp = (accepted.year, accepted.month, accepted.day, 0, 0, 0)
        output = output.absolute()
        fd, part = tempfile.mkstemp(prefix=".complycheck-", suffix=".zip", dir=str(output.parent))
        os.close(fd)
        try:
            with zipfile.ZipFile(part, "w", zipfile.ZIP_DEFLATED) as z:
                for name, data in [(MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=2).encode() + b"\n")] + [
                    (m, (root / m).read_bytes()) for m in members
                ]:
                    info = zipfile.ZipInfo(name, stamp)
                    info.compress_type = zipfile.ZIP_DEFLATED
                    info.external_attr = (stat.S_IFREG | 0o644) << 16
                    z.writestr(info, data)
            os.replace(part, output)
        except BaseException:
            Path(part).unlink(missing_ok=True)
            raise
    return sha256_file(output), manifest


# --------------------------------------------------------------------------- verifying
def _fail(zh: str, en: str, where: str | None = None) -> VerifyFailed:
    return VerifyFailed(zh, Location(where) if where else None, en)


def _safe_name(name: str) -> bool:
    if not name or "\\" in name or "\x00" in name or name.startswith("/") or ":" in name.split("/", 1)[0]:
        return False
    parts = PurePosixPath(name).parts
    return all(p not in ("", ".", "..") for p in parts) and not name.endswith("/")


def _check_members(z: zipfile.ZipFile, where: str) -> list[zipfile.ZipInfo]:
    infos = z.infolist()
    if len(infos) > MAX_MEMBERS:
        raise _fail(f"归档成员过多（{len(infos)}）", f"too many archive members ({len(infos)})", where)
    seen: set[str] = set()
    total = 0
    for info in infos:
        mode = info.external_attr >> 16
        if not _safe_name(info.filename):
            raise _fail(
                f"归档中有不安全的路径：{info.filename[:200]!r}",
                f"unsafe path in the archive: {info.filename[:200]!r}",
                where,
            )
        if stat.S_IFMT(mode) not in (0, stat.S_IFREG):  # a link, a folder entry, a device
            raise _fail(
                f"归档中有链接或特殊文件：{info.filename}",
                f"link or special file in the archive: {info.filename}",
                where,
            )
        if info.filename in seen:
            raise _fail(f"归档中有重复的成员：{info.filename}", f"duplicate archive member: {info.filename}", where)
        seen.add(info.filename)
        total += info.file_size
        if total > MAX_TOTAL_BYTES:
            raise _fail("归档解压后过大", "the archive unpacks to more than the size limit", where)
    return infos


def _read_manifest(z: zipfile.ZipFile, where: str) -> dict[str, Any]:
    try:
        info = z.getinfo(MANIFEST)
    except KeyError:
        raise _fail("归档中没有 manifest.json", "no manifest.json in the archive", where) from None
    if info.file_size > MAX_MANIFEST_BYTES:
        raise _fail("manifest.json 过大", "manifest.json too large", where)
    try:
        with z.open(info) as f:
            manifest = json.loads(f.read(MAX_MANIFEST_BYTES + 1).decode("utf-8"))
    except (ValueError, zipfile.BadZipFile, OSError) as e:
        raise _fail(f"manifest.json 无法读取：{e}", f"manifest.json cannot be read: {e}", where) from None
    ok = (
        isinstance(manifest, dict)
        and manifest.get("format") == FORMAT
        and isinstance(manifest.get("files"), list)
        and all(isinstance(f, dict) and isinstance(f.get("path"), str) for f in manifest["files"])
        and isinstance(manifest.get("tool"), dict)
        and isinstance(manifest.get("options"), dict)
    )
    if not ok:
        raise _fail("不是 complycheck 归档的 manifest.json", "not a complycheck archive manifest", where)
    out: dict[str, Any] = manifest
    return out


def _options(manifest: dict[str, Any], members: set[str], where: str) -> dict[str, Any]:
    """The evaluation options, each checked: a date, files that are archive members, NAME=VALUE settings."""
    o = manifest["options"]
    out: dict[str, Any] = {}
    try:
        out["as_of"] = date.fromisoformat(str(o.get("as_of"))).isoformat()
    except ValueError:
        raise _fail("manifest.json 中的评估日期无效", "invalid evaluation date in manifest.json", where) from None
    for key in ("waivers", "params_file", "panel_decisions"):
        v = o.get(key)
        if v is not None:
            if not isinstance(v, str) or v not in members or not v.startswith("decisions/"):
                raise _fail(f"manifest.json 中的 {key} 无效", f"invalid {key} in manifest.json", where)
            out[key] = v
    param = o.get("param") or []
    if not isinstance(param, list) or not all(isinstance(p, str) and "=" in p and "\n" not in p for p in param):
        raise _fail("manifest.json 中的参数设定无效", "invalid parameter settings in manifest.json", where)
    out["param"] = param
    return out


def verify(path: Path) -> Verified:
    """Check an archive as described in the module docstring; VerifyFailed with a clear message otherwise."""
    where = str(path)
    if not path.is_file():
        raise ComplycheckError("归档文件不存在", Location(where), "no such archive file")
    digest = sha256_file(path)
    try:
        with zipfile.ZipFile(path) as z:
            infos = _check_members(z, where)
            manifest = _read_manifest(z, where)
            version = str(manifest["tool"].get("version"))
            if version != complycheck.__version__:
                raise _fail(
                    f"归档由 complycheck {version} 生成，当前是 {complycheck.__version__}：不同版本可能判断不同，"
                    f"请安装 complycheck {version} 后验证",
                    f"the archive was made by complycheck {version}, this is {complycheck.__version__}: another "
                    f"version may decide differently; install complycheck {version} to verify it",
                    where,
                )
            listed = {f["path"]: f for f in manifest["files"]}
            present = {i.filename for i in infos} - {MANIFEST}
            missing, extra = sorted(set(listed) - present), sorted(present - set(listed))
            if missing:
                raise _fail(
                    f"归档缺少 manifest 中列出的文件：{', '.join(missing[:5])}",
                    f"files listed in the manifest are missing from the archive: {', '.join(missing[:5])}",
                    where,
                )
            if extra:
                raise _fail(
                    f"归档中有 manifest 未列出的文件：{', '.join(extra[:5])}",
                    f"files in the archive are not in the manifest: {', '.join(extra[:5])}",
                    where,
                )
            options = _options(manifest, present, where)
            for st in manifest.get("stages") or []:
                if not isinstance(st, dict) or listed.get(str(st.get("path")), {}).get("sha256") != st.get("sha256"):
                    raise _fail(
                        "manifest.json 中阶段报告的 SHA-256 与文件不符",
                        "a stage report's SHA-256 in manifest.json does not match its file",
                        where,
                    )
            reports = manifest.get("reports")
            if not isinstance(reports, dict) or not reports or any(m not in present for m in reports):
                raise _fail("manifest.json 未正确列出报告", "manifest.json does not list the reports properly", where)
            with tempfile.TemporaryDirectory(prefix="complycheck-verify-") as tmp:
                os.chmod(tmp, 0o700)
                root = Path(tmp) / "a"
                root.mkdir()
                total = 0
                for info in infos:
                    if info.filename == MANIFEST:
                        continue
                    target = root / info.filename
                    if not target.resolve().is_relative_to(root.resolve()):
                        raise _fail(
                            f"不安全的路径：{info.filename}", f"unsafe path: {info.filename}", where
                        )  # pragma: no cover (names are checked above)
                    target.parent.mkdir(parents=True, exist_ok=True)
                    h = hashlib.sha256()
                    with z.open(info) as src, open(target, "wb") as dst:
                        for chunk in iter(lambda: src.read(1 << 20), b""):
                            total += len(chunk)
                            if total > MAX_TOTAL_BYTES:
                                raise _fail("归档解压后过大", "the archive unpacks to more than the size limit", where)
                            h.update(chunk)
                            dst.write(chunk)
                    if h.hexdigest() != listed[info.filename].get("sha256"):
                        raise _fail(
                            f"文件被改动（SHA-256 与 manifest 不符）：{info.filename}",
                            f"file changed (SHA-256 differs from the manifest): {info.filename}",
                            where,
                        )
                rerun = Path(tmp) / "rerun"
                rerun.mkdir()
                try:
                    _evaluate(root, rerun, options)
                except ArchiveError as e:
                    raise _fail(f"重新评估失败：{e.message}", f"re-evaluation failed: {e.message_en}", where) from None
                differ = []
                for member in sorted(set(REPORTS) | {ACCEPTANCE}):
                    if member not in reports:
                        continue
                    again = rerun / member
                    if not again.is_file() or again.read_bytes() != (root / member).read_bytes():
                        differ.append(member)
                if differ:
                    raise _fail(
                        f"重新评估得到的报告与归档不一致：{', '.join(differ)}",
                        f"re-evaluating gives reports that differ from the archived ones: {', '.join(differ)}",
                        where,
                    )
    except zipfile.BadZipFile as e:
        raise _fail(f"不是有效的 zip 归档或已损坏：{e}", f"not a valid zip archive, or damaged: {e}", where) from None
    return Verified(digest, manifest, sorted(m for m in set(REPORTS) | {ACCEPTANCE} if m in reports))
