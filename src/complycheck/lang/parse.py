"""Parsing one expression through simpleeval's parser, with size limits; statements are refused."""

from __future__ import annotations

import ast
import warnings
from typing import Any

import simpleeval

from complycheck.errors import ExpressionError, Location

MAX_EXPR_CHARS = 2000
MAX_NODES = 400
MAX_DEPTH = 40
MAX_STR_CONST = 500
MAX_INT_CONST = 10**15
RESERVED = {"as_of", "params", "contract"}


def syntax_name(n: ast.AST) -> str:
    """How a refused construct is named in messages."""
    names = {
        "Lambda": "lambda",
        "ListComp": "列表推导式 / comprehension",
        "GeneratorExp": "生成器 / generator",
        "DictComp": "推导式 / comprehension",
        "SetComp": "推导式 / comprehension",
        "Subscript": "下标 [..] / subscript",
        "JoinedStr": "f-string",
        "NamedExpr": ":=",
        "Dict": "字典 / dict",
        "Set": "集合 / set",
        "Starred": "*args",
        "Await": "await",
        "Yield": "yield",
    }
    return names.get(type(n).__name__, type(n).__name__)


def parse(text: Any, loc: Location, what: str, what_en: str | None = None) -> ast.AST:
    """Parse one expression through simpleeval's parser, refusing statements and extra expressions."""
    we = what_en or what
    if isinstance(text, bool) or text is None or not isinstance(text, (str, int, float)):
        raise ExpressionError(f"{what}：表达式必须是文本", loc, f"{we}: an expression must be text")
    src = str(text)
    if len(src) > MAX_EXPR_CHARS:
        raise ExpressionError(
            f"{what}：表达式超过 {MAX_EXPR_CHARS} 个字符",
            loc,
            f"{we}: expression longer than {MAX_EXPR_CHARS} characters",
        )
    if not src.strip():
        raise ExpressionError(f"{what}：表达式为空", loc, f"{we}: empty expression")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", simpleeval.MultipleExpressions)
            warnings.simplefilter("ignore", SyntaxWarning)
            node = simpleeval.SimpleEval.parse(" ".join(src.splitlines()))  # YAML folding may leave line breaks
    except simpleeval.MultipleExpressions:
        raise ExpressionError(
            f"{what}：只能写一个表达式（多余的语句）", loc, f"{we}: only one expression is allowed (extra statements)"
        ) from None
    except SyntaxError as e:
        col = (loc.column if isinstance(loc.column, int) else 1) + max(0, (e.offset or 1) - 1)
        raise ExpressionError(
            f"{what}：表达式语法错误（第 {e.offset} 个字符）：{e.msg}",
            Location(loc.file, loc.line, col),
            f"{we}: expression syntax error at character {e.offset}: {e.msg}",
        ) from None
    except simpleeval.InvalidExpression:
        raise ExpressionError(
            f"{what}：表达式为空（只有注释？）", loc, f"{we}: empty expression (only a comment?)"
        ) from None
    except (RecursionError, MemoryError, ValueError):
        raise ExpressionError(f"{what}：表达式过于复杂", loc, f"{we}: expression too complex") from None
    if isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign, ast.NamedExpr)):
        raise ExpressionError(
            f"{what}：这里是赋值“=”；比较相等请用“==”", loc, f"{we}: this is an assignment '='; use '==' to compare"
        )
    if not isinstance(node, ast.Expr):
        raise ExpressionError(
            f"{what}：只能写表达式，不能写语句", loc, f"{we}: only an expression is allowed, not a statement"
        )
    count = sum(1 for _ in ast.walk(node))
    if count > MAX_NODES:
        raise ExpressionError(
            f"{what}：表达式过长（{count} 个节点）", loc, f"{we}: expression too large ({count} nodes)"
        )
    return node.value
