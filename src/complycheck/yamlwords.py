"""The YAML parser's problems in Chinese, for the people who edit rule files: the common ones in words with a hint,
any other as the parser says it (in English, quoted)."""

from __future__ import annotations

import re

_WORDS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"mapping values are not allowed here"), "此处不能再有“键: 值”（值里有冒号时请加引号，或检查缩进）"),
    (
        re.compile(r"found character '(.*)' that cannot start any token"),
        "字符“{0}”不能出现在这里（缩进请用空格，不要用 Tab）",
    ),
    (
        re.compile(r"expected the node content, but found '<stream end>'"),
        "文件在此意外结束（方括号或花括号没有闭合？）",
    ),
    (re.compile(r"expected the node content, but found '(.*)'"), "此处应有内容，却是“{0}”（方括号或花括号没有闭合？）"),
    (re.compile(r"expected ',' or '\]', but got '(.*)'"), "列表 [...] 中此处应为“,”或“]”，却是“{0}”"),
    (re.compile(r"expected ',' or '\}', but got '(.*)'"), "映射 {{...}} 中此处应为“,”或“}}”，却是“{0}”"),
    (re.compile(r"expected <block end>, but found '(.*)'"), "缩进没有对齐：此处不应出现“{0}”"),
    (re.compile(r"could not find expected ':'"), "找不到应有的“:”（键后面要有冒号）"),
    (re.compile(r"did not find expected key"), "找不到应有的键（缩进可能没有对齐）"),
    (re.compile(r"did not find expected '-' indicator"), "找不到应有的“-”（列表项的缩进可能没有对齐）"),
    (re.compile(r"found unexpected end of stream"), "文件意外结束（引号没有闭合？）"),
    (re.compile(r"found undefined alias '(.*)'"), "未定义的别名“*{0}”"),
    (re.compile(r"found unknown escape character '(.*)'"), "双引号中的转义“\\{0}”无效（反斜杠请写两个，或改用单引号）"),
]
_NAMES = {
    "<stream end>": "文件结尾",
    "<block mapping start>": "新的一组键",
    "<block sequence start>": "新的列表",
    "<block end>": "缩进结束",
    "<scalar>": "值",
    "?": "键",
}


def in_chinese(problem: str) -> str:
    """The parser's problem in Chinese words (or as it is, quoted, when it is not a common one)."""
    for pattern, words in _WORDS:
        m = pattern.fullmatch(problem)
        if m:
            return words.format(*(_NAMES.get(g, g) for g in m.groups()))
    return f"“{problem}”"
