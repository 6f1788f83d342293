"""Rule files are hostile until proven otherwise: strict YAML with exact positions."""

import pytest

from complycheck.errors import RuleFileError
from complycheck.yamlsource import decode_text, load_yaml_text


def err(text: str) -> str:
    with pytest.raises(RuleFileError) as e:
        load_yaml_text(text, "f.yaml")
    return e.value.render("zh")


def test_yaml_11_surprises_stay_text():
    d = load_yaml_text(
        "a: yes\nb: 010\nc: 2022-10-31\nd: 1_000\ne: 1:30\nf: on\ng: true\nh: 12\ni: 0.5\n", "f.yaml"
    ).data
    assert d == {
        "a": "yes",
        "b": "010",
        "c": "2022-10-31",
        "d": "1_000",
        "e": "1:30",
        "f": "on",
        "g": True,
        "h": 12,
        "i": 0.5,
    }


def test_positions_are_remembered():
    doc = load_yaml_text("rules:\n  - id: x\n    expect: a == 1\n", "f.yaml")
    assert str(doc.where(("rules", 0, "expect"))) == "f.yaml:3:13"


@pytest.mark.parametrize(
    "text,expected",
    [
        ("a: 1\na: 2\n", "f.yaml:2:1: 键“a”重复（第 1 行已定义）"),
        ("a: &x [1]\nb: *x\n", "f.yaml:1:4: 不允许使用 YAML 锚点（&定义）"),
        ("a: !!python/object/apply:os.system [ls]\n", "f.yaml:1:4: 不允许使用 YAML 标签"),
        ("key：value\n", "f.yaml:1:4: “key”后面是全角冒号“：”，请改用半角冒号“:”"),
        ("a:\n\u3000b: 1\n", "f.yaml:2:1: 缩进使用了全角空格"),
        ("rules: [\n  - id: x\n", "f.yaml:2:3: YAML 语法错误"),
        ('a: "\x07"\n', "f.yaml:1:1: YAML 无法读取"),
        ("a: " + "[" * 60 + "]" * 60 + "\n", "嵌套过深"),
        ("a: 1" + "0" * 40 + "\n", "f.yaml:1:4: 数字过大"),
    ],
)
def test_bad_yaml_is_one_clear_line(text, expected):
    assert expected in err(text)


@pytest.mark.parametrize(
    "text,words",
    [
        ("a: b: c\n", "f.yaml:1:5: YAML 语法错误：此处不能再有“键: 值”"),
        ("a: [1, 2:\n", "f.yaml:2:1: YAML 语法错误：文件在此意外结束（方括号或花括号没有闭合？）"),
        ("a: {x: 1, y\n", "映射 {...} 中此处应为“,”或“}”，却是“文件结尾”"),
        ("a:\n  - b\n c: d\n", "f.yaml:3:2: YAML 语法错误：缩进没有对齐：此处不应出现“新的一组键”"),
        ("a: 'abc\n", "文件意外结束（引号没有闭合？）"),
        ('a: "x\\q"\n', "双引号中的转义“\\q”无效"),
    ],
)
def test_yaml_syntax_errors_are_said_in_chinese_for_the_people_who_edit_rules(text, words):
    """The parser's problems were printed in English inside a Chinese line (a newcomer found them); the common ones
    are now in Chinese words with a hint, and the English line keeps the parser's own words."""
    assert words in err(text) and "expected" not in err(text) and "found" not in err(text)
    from complycheck.errors import ComplycheckError

    with pytest.raises(ComplycheckError) as e:
        load_yaml_text(text, "f.yaml")
    assert "YAML syntax error: " in e.value.render("en")


def test_an_uncommon_yaml_problem_is_quoted_as_the_parser_says_it():
    from complycheck.yamlwords import in_chinese

    assert in_chinese("while scanning something odd") == "“while scanning something odd”"


def test_encodings():
    assert decode_text("\ufeffa: 1".encode("utf-8"), "f") == "a: 1"
    for raw, want in [
        ("a: 你好".encode("utf-16"), "UTF-16"),
        ("a: 1\nb: 你好".encode("gbk"), "f:2:4: 文件不是 UTF-8 编码（看起来是 GBK"),
        (b"a: 1\n\x00", "f:2:1: 文件含有 NUL 字节"),
    ]:
        with pytest.raises(RuleFileError) as e:
            decode_text(raw, "f")
        assert want in e.value.render("zh")


def _both(text: str):
    """(fast path result or error, exact loader result or error): data, positions and key positions."""
    out = []
    for fast in (True, False):
        try:
            d = load_yaml_text(text, "f.yaml", fast=fast)
            out.append((d.data, d.positions, d.key_positions))
        except RuleFileError as e:
            out.append(e.render("zh"))
    return out


def test_libyaml_and_the_exact_loader_agree_on_every_yaml_file_in_the_repository():
    from pathlib import Path

    from complycheck.yamlsource import _load_fast

    root = Path(__file__).resolve().parent.parent
    files = [p for p in root.rglob("*.y*ml") if ".venv" not in p.parts and ".git" not in p.parts]
    assert len(files) >= 15  # the pack, its tests, the evidence manifest and tables, the workflow files
    for p in files:
        text = p.read_text("utf-8")
        assert _load_fast(text, "f.yaml") is not None, p  # really taken by the fast path
        fast, exact = _both(text)
        assert fast == exact, p


@pytest.mark.parametrize(
    "text",
    [
        "标题: 中文值\n  # 注释\n列表: [一, 二, {键: 值}]\n",
        "a: 1\na: 2\n",
        "a: &x [1]\nb: *x\n",
        "a: !!str 1\n",
        "[1, 2\n",
        "a: 1\n---\nb: 2\n",
        "",
        "# only a comment\n",
        "1: x\ntrue: y\n~: z\n",
        "a: 123456789012345678901234567890123\n",
        'a: "\\x07"\n',
        "a: '\u0085'\n",
        "- " * 45 + "x\n",
        "a: -0.0\nb: .5\nc: +3\nd: 1e3\ne: 1.\n",
        "? [a]\n: b\n",
    ],
)
def test_libyaml_fast_path_matches_the_exact_loader(text):
    fast, exact = _both(text)
    assert fast == exact
