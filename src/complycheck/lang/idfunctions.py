"""ID-number and organisation-code functions: valid_id, birth_date, age, sex (GB 11643) and valid_uscc (GB 32100),
each with its Python form, its columnar form over the loaders' cached birth dates, and its compile check."""

from __future__ import annotations

import ast
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from complycheck import idnumbers as ids
from complycheck.lang.columnar import lift
from complycheck.lang.registry import Forms, func
from complycheck.lang.types import EvalContext, Node

if TYPE_CHECKING:
    from complycheck.lang.compiler import Compiler


def _id_argument(c: Compiler, n: ast.Call, args: list[Node]) -> list[Node]:
    """A plain ID column read by an ID function: the loaders keep its birth dates ready."""
    if args[0].col is not None:
        c.id_columns.add(args[0].col)
    return args


def _birth_of(node: Node, value: Any, ctx: EvalContext) -> Any:
    """The birth-date column for an ID argument: the loader's cached one for a plain column, else computed. A number
    whose birth date is after the evaluation date is invalid: nobody was born after the acceptance."""
    import polars as pl

    if node.col is not None and ctx.id_birth_cached:
        born = pl.col(ids.birth_column(node.col))
    else:
        born = ids.pl_birth_date(lift(value))
    return pl.when(born <= pl.lit(ctx.as_of)).then(born).otherwise(None)


def _id_columnar(kind: str) -> Callable[[list[Node], list[Any], EvalContext], Any]:
    def build(nodes: list[Node], vals: list[Any], ctx: EvalContext) -> Any:
        import polars as pl

        x = lift(vals[0])
        b = _birth_of(nodes[0], vals[0], ctx)
        if kind == "valid_id":
            return pl.when(x.is_null()).then(None).otherwise(b.is_not_null())
        if kind == "birth_date":
            return b
        if kind == "age":
            return ids.age_from_birth(b, lift(vals[1]))
        return ids.sex_from_birth(x, b)

    return build


# ----------------------------------------------------------------------------- ID numbers
@func("valid_id", ("id",), "bool", check=_id_argument, columnar=_id_columnar("valid_id"))
def _valid_id() -> Forms:
    """True when a resident ID number is valid: 18 characters, a real birth date not after the evaluation date,
    correct GB 11643 check character. A 15-digit number of the first generation is accepted: the loaders upgrade it
    to 18 digits (19 before the year, the check character computed) and it is then checked like any other.

    Example: `valid_id(id_number)`; an Excel-mangled `1.50502E+17` is invalid, so is one born after `as_of`."""
    return (lambda s: None if s is None else ids.id_problem(s) is None), None


@func("birth_date", ("id",), "date", check=_id_argument, columnar=_id_columnar("birth_date"))
def _birth_date() -> Forms:
    """The birth date written in a valid resident ID number (unknown when invalid).

    Example: `birth_date(id_number) <= date("1957-09-19")`."""
    return (lambda s: None if s is None or ids.id_problem(s) else ids.birth_date(s)), None


@func("age", ("id", "date"), "int", check=_id_argument, columnar=_id_columnar("age"))
def _age() -> Forms:
    """Age in full years (周岁) at a date, from the birth date in a resident ID number.

    Example: `age(id_number, params.roster_reference_date) >= 65` — someone born 1957-10-31 is 65 on 2022-10-31."""
    return (
        lambda s, d: None if s is None or d is None or ids.id_problem(s) else ids.age_at(ids.birth_date(s), d)
    ), None


@func("sex", ("id",), "str", check=_id_argument, columnar=_id_columnar("sex"))
def _sex() -> Forms:
    """男 or 女 from the 17th digit of a valid ID number (odd = male).

    Example: `sex(id_number) == gender`."""
    return (lambda s: None if s is None or ids.id_problem(s) else ("男" if int(s[16]) % 2 else "女")), None


def _uscc_columnar(nodes: list[Node], vals: list[Any], ctx: EvalContext) -> Any:
    return ids.pl_valid_uscc(lift(vals[0]))


@func("valid_uscc", ("str",), "bool", columnar=_uscc_columnar)
def _valid_uscc() -> Forms:
    """True when a unified social credit code (统一社会信用代码) is valid: 18 characters of GB 32100-2015's alphabet
    (no I, O, Z, S, V) with the right check character.

    Example: `valid_uscc(uscc)` — 91150502MA0N1234X7 with a wrong last character is invalid."""
    return (lambda s: None if s is None else ids.uscc_problem(s) is None), None
