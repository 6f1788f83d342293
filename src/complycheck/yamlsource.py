"""Safe, strict YAML loading that remembers where every value came from.

Only plain data: no tags, no aliases, no YAML 1.1 surprises. Booleans are `true`/`false` only;
integers and floats are plain decimal; everything else (`yes`, `010`, `1_000`, `2022-10-31`,
`1:30`) stays text, so the schema, not the YAML parser, decides what a field means.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.composer import Composer
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.parser import Parser
from yaml.reader import Reader
from yaml.resolver import BaseResolver
from yaml.scanner import Scanner

from complycheck.errors import Location, RuleFileError
from complycheck.yamlwords import in_chinese

MAX_FILE_BYTES = 2 * 1024 * 1024
MAX_DEPTH = 40
MAX_NODES = 200_000
MAX_NUMBER_DIGITS = 30
SURROGATE = re.compile("[\ud800-\udfff]")  # a lone surrogate (from an escape such as "\\ud800") is not Unicode text

Path_ = tuple[str | int, ...]


class _StrictResolver(BaseResolver):
    """Resolve only JSON-like scalars; everything else is a string."""


_StrictResolver.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
_StrictResolver.add_implicit_resolver(
    "tag:yaml.org,2002:int", re.compile(r"^[-+]?(?:0|[1-9][0-9]*)$"), list("-+0123456789")
)
_StrictResolver.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?(?:[0-9]+\.[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?$"),
    list("-+0123456789."),
)
_StrictResolver.add_implicit_resolver(
    "tag:yaml.org,2002:null", re.compile(r"^(?:~|null|Null|NULL|)$"), ["~", "n", "N", ""]
)


class _Loader(Reader, Scanner, Parser, Composer, SafeConstructor, _StrictResolver):
    def __init__(self, stream: str, file: str):
        Reader.__init__(self, stream)
        Scanner.__init__(self)
        Parser.__init__(self)
        Composer.__init__(self)
        SafeConstructor.__init__(self)
        _StrictResolver.__init__(self)
        self.file = file
        self.depth = 0
        self.count = 0

    def compose_node(self, parent: Node | None, index: Any) -> Node | None:
        event = self.peek_event()  # type: ignore[no-untyped-call]  # untyped in types-PyYAML
        if isinstance(event, yaml.AliasEvent):
            raise _err(
                self.file, event.start_mark, "不允许使用 YAML 别名（*引用）", "YAML aliases (*ref) are not allowed"
            )
        if getattr(event, "anchor", None):
            raise _err(
                self.file, event.start_mark, "不允许使用 YAML 锚点（&定义）", "YAML anchors (&name) are not allowed"
            )
        tag = getattr(event, "tag", None)
        if tag not in (None, "!"):
            raise _err(
                self.file, event.start_mark, f"不允许使用 YAML 标签 {tag}", f"YAML tags such as {tag} are not allowed"
            )
        self.count += 1
        if self.count > MAX_NODES:
            raise _err(self.file, event.start_mark, "文件过大（节点过多）", "file too large (too many nodes)")
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise _err(
                self.file,
                event.start_mark,
                f"嵌套过深（超过 {MAX_DEPTH} 层）",
                f"nesting deeper than {MAX_DEPTH} levels",
            )
        try:
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


def _err(file: str, mark: Any, zh: str, en: str) -> RuleFileError:
    line = mark.line + 1 if mark is not None else None
    col = mark.column + 1 if mark is not None else None
    return RuleFileError(zh, Location(file, line, col), en)


@dataclass
class YamlDoc:
    """A loaded YAML document: its data and the position of every value, by path."""

    file: str
    data: Any
    positions: dict[Path_, tuple[int, int]] = field(default_factory=dict)
    key_positions: dict[Path_, tuple[int, int]] = field(default_factory=dict)

    def where_key(self, path: Path_) -> Location:
        """The location of the key that names the value at `path` (for unknown keys)."""
        if tuple(path) in self.key_positions:
            line, col = self.key_positions[tuple(path)]
            return Location(self.file, line, col)
        return self.where(path)

    def where(self, path: Path_) -> Location:
        """The location of the value at `path`, or of its nearest ancestor."""
        p = tuple(path)
        while p not in self.positions and p:
            p = p[:-1]
        line, col = self.positions.get(p, (1, 1))
        return Location(self.file, line, col)


def decode_text(raw: bytes, file: str) -> str:
    """Decode a rule file: UTF-8 (a BOM is fine); anything else is a clear error with its line."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise RuleFileError(
            "文件是 UTF-16 编码，请另存为 UTF-8", Location(file, 1, 1), "file is UTF-16; save it as UTF-8"
        )
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    nul = raw.find(b"\x00")
    if nul >= 0:
        line = raw.count(b"\n", 0, nul) + 1
        raise RuleFileError(
            "文件含有 NUL 字节（不是文本文件？）", Location(file, line, 1), "file contains NUL bytes (not a text file?)"
        )
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as e:
        line = raw.count(b"\n", 0, e.start) + 1
        col = e.start - (raw.rfind(b"\n", 0, e.start) + 1) + 1
        hint_zh, hint_en = "文件不是 UTF-8 编码", "file is not valid UTF-8"
        try:
            raw.decode("gb18030")
            hint_zh += "（看起来是 GBK/GB18030，请另存为 UTF-8）"
            hint_en += " (it looks like GBK/GB18030; save it as UTF-8)"
        except UnicodeDecodeError:
            pass
        raise RuleFileError(hint_zh, Location(file, line, col), hint_en) from None


def _prescan(text: str, file: str) -> None:
    for no, line in enumerate(text.splitlines(), 1):
        stripped = line.lstrip(" ")
        if stripped.startswith("\u3000"):
            raise RuleFileError(
                "缩进使用了全角空格（U+3000），请改用半角空格",
                Location(file, no, len(line) - len(stripped) + 1),
                "indentation uses the ideographic space U+3000; use ASCII spaces",
            )
        if stripped.startswith("\t"):
            raise RuleFileError(
                "缩进使用了制表符，请改用空格",
                Location(file, no, len(line) - len(stripped) + 1),
                "indentation uses a tab; use spaces",
            )
        m = re.match(r"^\s*-?\s*([A-Za-z_][\w.-]*)\s*：", line)
        if m and ":" not in line[: m.end()]:
            raise RuleFileError(
                f"“{m.group(1)}”后面是全角冒号“：”，请改用半角冒号“:”",
                Location(file, no, m.end()),
                f"'{m.group(1)}' is followed by a full-width colon '：'; use ':'",
            )


def _construct(
    loader: _Loader,
    node: Node,
    path: Path_,
    positions: dict[Path_, tuple[int, int]],
    keys: dict[Path_, tuple[int, int]] | None = None,
) -> Any:
    keys = {} if keys is None else keys
    positions[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
    if isinstance(node, ScalarNode):
        if node.tag == "tag:yaml.org,2002:int" and len(node.value) > MAX_NUMBER_DIGITS:  # before int() reads it
            raise _err(loader.file, node.start_mark, "数字过大", "number too large")
        value = loader.construct_object(node)
        if isinstance(value, int) and not isinstance(value, bool) and len(node.value) > MAX_NUMBER_DIGITS:
            raise _err(loader.file, node.start_mark, "数字过大", "number too large")
        if isinstance(value, str) and SURROGATE.search(value):
            raise _err(
                loader.file,
                node.start_mark,
                "文本含有无效的 Unicode（单独的代理码位，如 \\ud800）",
                "text holds invalid Unicode (a lone surrogate such as \\ud800)",
            )
        return value
    if isinstance(node, SequenceNode):
        return [_construct(loader, child, path + (i,), positions, keys) for i, child in enumerate(node.value)]
    if isinstance(node, MappingNode):
        out: dict[str, Any] = {}
        seen: dict[Any, int] = {}
        for knode, vnode in node.value:
            if not isinstance(knode, ScalarNode):
                raise _err(loader.file, knode.start_mark, "键必须是简单文本", "keys must be plain text")
            key = _construct(loader, knode, path, {}, None)
            key = str(key) if not isinstance(key, str) else key
            if key in seen:
                raise _err(
                    loader.file,
                    knode.start_mark,
                    f"键“{key}”重复（第 {seen[key]} 行已定义）",
                    f"duplicate key '{key}' (first defined on line {seen[key]})",
                )
            seen[key] = knode.start_mark.line + 1
            keys[path + (key,)] = (knode.start_mark.line + 1, knode.start_mark.column + 1)
            out[key] = _construct(loader, vnode, path + (key,), positions, keys)
        return out
    raise _err(loader.file, node.start_mark, "无法识别的 YAML 节点", "unrecognised YAML node")  # pragma: no cover


class _Fallback(Exception):
    """The fast path met something only the exact loader may judge (an error, an anchor, a limit)."""


_RESOLVER = _StrictResolver()
_BLOCK_HEADER_COMMENT = re.compile(r"[|>][-+0-9]*#")
_SCALARS: dict[str, Callable[[str], Any]] = {
    "tag:yaml.org,2002:bool": lambda v: v.lower() == "true",
    "tag:yaml.org,2002:int": int,
    "tag:yaml.org,2002:float": float,
    "tag:yaml.org,2002:null": lambda v: None,
    "tag:yaml.org,2002:str": lambda v: v,
}


def _load_fast(text: str, file: str) -> YamlDoc | None:
    """The same document through libyaml's C parser (events only; the composition here mirrors the exact loader).
    None whenever the exact loader must decide: any error, anchor, alias, tag or limit, or no libyaml."""
    try:
        from yaml._yaml import CParser
    except ImportError:  # pragma: no cover - PyYAML built without libyaml
        return None
    if "\t" in text or _BLOCK_HEADER_COMMENT.search(text) or Reader.NON_PRINTABLE.search(text):
        return None  # where libyaml is laxer than PyYAML (tabs, `|#`): the exact loader decides
    positions: dict[Path_, tuple[int, int]] = {}
    keys: dict[Path_, tuple[int, int]] = {}
    count = 0
    parser = CParser(text)

    def scalar(ev: Any) -> Any:
        if ev.value == "" and ev.implicit[0]:  # an empty plain scalar: libyaml places it elsewhere
            raise _Fallback()
        if ev.tag is not None:  # tags, even the non-specific "!", are the exact loader's to judge
            raise _Fallback()
        tag = _RESOLVER.resolve(ScalarNode, ev.value, ev.implicit)  # type: ignore[no-untyped-call]  # untyped stub
        conv = _SCALARS.get(tag)
        if conv is None or len(ev.value) > MAX_NUMBER_DIGITS and tag == "tag:yaml.org,2002:int":
            raise _Fallback()
        if SURROGATE.search(ev.value):
            raise _Fallback()
        value = conv(ev.value)
        if isinstance(value, int) and not isinstance(value, bool) and len(ev.value) > MAX_NUMBER_DIGITS:
            raise _Fallback()
        return value

    def node(ev: Any, path: Path_, depth: int) -> Any:
        nonlocal count
        count += 1
        if (
            count > MAX_NODES
            or depth > MAX_DEPTH
            or isinstance(ev, yaml.AliasEvent)
            or getattr(ev, "anchor", None)
            or getattr(ev, "tag", None) is not None
        ):
            raise _Fallback()
        positions[path] = (ev.start_mark.line + 1, ev.start_mark.column + 1)
        if isinstance(ev, yaml.ScalarEvent):
            return scalar(ev)
        if isinstance(ev, yaml.SequenceStartEvent):
            items: list[Any] = []
            while not isinstance(nxt := parser.get_event(), yaml.SequenceEndEvent):
                items.append(node(nxt, path + (len(items),), depth + 1))
            return items
        if isinstance(ev, yaml.MappingStartEvent):
            out: dict[str, Any] = {}
            while not isinstance(kev := parser.get_event(), yaml.MappingEndEvent):
                count += 1
                if (
                    not isinstance(kev, yaml.ScalarEvent)
                    or kev.anchor
                    or kev.tag is not None
                    or count > MAX_NODES
                    or depth + 1 > MAX_DEPTH
                ):
                    raise _Fallback()
                key = scalar(kev)
                key = str(key) if not isinstance(key, str) else key
                if key in out:
                    raise _Fallback()
                mark = kev.start_mark
                assert mark is not None  # libyaml marks every event
                keys[path + (key,)] = (mark.line + 1, mark.column + 1)
                out[key] = node(parser.get_event(), path + (key,), depth + 1)
            return out
        raise _Fallback()

    try:
        parser.get_event()  # stream start
        ev = parser.get_event()
        if isinstance(ev, yaml.StreamEndEvent):
            return YamlDoc(file, None, {}, {})
        if not isinstance(ev, yaml.DocumentStartEvent):
            return None
        data = node(parser.get_event(), (), 1)
        if not isinstance(parser.get_event(), yaml.DocumentEndEvent) or not isinstance(
            parser.get_event(), yaml.StreamEndEvent
        ):
            return None
    except (_Fallback, yaml.YAMLError, RecursionError, ValueError, TypeError):
        return None
    finally:
        parser.dispose()
    return YamlDoc(file, data, positions, keys)


def load_yaml_text(text: str, file: str, fast: bool = True) -> YamlDoc:
    """Parse YAML text strictly; every error is a RuleFileError with the line and column.

    Documents are parsed by libyaml when PyYAML has it (about 5x faster); anything it would not accept exactly as
    the pure-Python loader does (errors, anchors, tags, limits) is left to that loader, so results and error
    messages do not depend on the path (tests/test_yamlsource.py compares them)."""
    if len(text.encode("utf-8", "surrogatepass")) > MAX_FILE_BYTES:
        raise RuleFileError(
            f"文件超过 {MAX_FILE_BYTES // 1024 // 1024} MB 上限",
            Location(file),
            f"file exceeds the {MAX_FILE_BYTES // 1024 // 1024} MB limit",
        )
    _prescan(text, file)
    if fast:
        doc = _load_fast(text, file)
        if doc is not None:
            return doc
    loader = None
    try:
        loader = _Loader(text, file)
        node = loader.get_single_node()
        positions: dict[Path_, tuple[int, int]] = {}
        keys: dict[Path_, tuple[int, int]] = {}
        data = None if node is None else _construct(loader, node, (), positions, keys)
    except RuleFileError:
        raise
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        problem = (e.problem or e.context or "syntax error").strip()
        raise _err(file, mark, f"YAML 语法错误：{in_chinese(problem)}", f"YAML syntax error: {problem}") from None
    except yaml.YAMLError as e:  # ReaderError (control characters) and friends
        pos = getattr(e, "position", None)
        line = text.count("\n", 0, pos) + 1 if isinstance(pos, int) else None
        raise RuleFileError(
            f"YAML 无法读取：{_short(e)}",
            Location(file, line, 1 if line else None),
            f"YAML cannot be read: {_short(e)}",
        ) from None
    except RecursionError:
        raise RuleFileError("嵌套过深", Location(file), "nesting too deep") from None
    except Exception as e:  # anything else the parser raises on hostile text is still an input error, never a crash
        raise RuleFileError(
            f"YAML 无法读取：{type(e).__name__}: {_short(e)}",
            Location(file),
            f"YAML cannot be read: {type(e).__name__}: {_short(e)}",
        ) from None
    finally:
        if loader is not None:
            loader.dispose()
    return YamlDoc(file, data, positions if node is not None else {}, keys if node is not None else {})


def _short(e: Exception) -> str:
    return " ".join(str(e).split())[:200]


def load_yaml_file(path: Path, display: str | None = None) -> YamlDoc:
    """Read and parse a YAML file with size, encoding and syntax checks."""
    name = display or str(path)
    try:
        str(path).encode("utf-8")
    except UnicodeEncodeError:  # a name of bytes that are not UTF-8 (Python holds them as lone surrogates)
        raise RuleFileError(
            "文件名不是有效的 UTF-8/Unicode，请改名",
            Location(name),
            "the file name is not valid UTF-8/Unicode; rename it",
        ) from None
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise RuleFileError(
                f"文件超过 {MAX_FILE_BYTES // 1024 // 1024} MB 上限", Location(name), "file exceeds the size limit"
            )
        raw = path.read_bytes()
    except OSError as e:
        raise RuleFileError(f"无法读取文件：{e.strerror}", Location(name), f"cannot read file: {e.strerror}") from None
    return load_yaml_text(decode_text(raw, name), name)
