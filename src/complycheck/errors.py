"""The one user-facing error type: it knows where the problem is."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Location:
    """Where a problem is: a file and, when known, a line or row, a column and a sheet."""

    file: str
    line: int | None = None
    column: int | str | None = None
    sheet: str | None = None
    row_label: str = "line"  # "line" for text files, "row" for tables

    def __str__(self) -> str:
        out = self.file
        if self.sheet:
            out += f"[{self.sheet}]"
        if self.line is not None:
            out += f":{self.line}"
            if self.column is not None:
                out += f":{self.column}"
        return out


class ComplycheckError(Exception):
    """A problem with the user's input: rendered as one line, `file:line:col: message`."""

    exit_code = 2

    def __init__(self, message: str, location: Location | None = None, message_en: str | None = None):
        super().__init__(message)
        self.message = message
        self.message_en = message_en or message
        self.location = location

    def render(self, lang: str = "zh") -> str:
        msg = self.message if lang == "zh" else self.message_en
        return f"{self.location}: {msg}" if self.location else msg

    def __str__(self) -> str:
        return self.render("en")


class RuleFileError(ComplycheckError):
    """A rule pack file is broken (YAML, schema, expression)."""


class EvidenceError(ComplycheckError):
    """An evidence file or the manifest cannot be read."""


class ExpressionError(ComplycheckError):
    """An expression cannot be compiled or evaluated."""


class ErrorList(ComplycheckError):
    """Several input problems found in one pass; each is a ComplycheckError."""

    def __init__(self, errors: list[ComplycheckError]):
        self.errors = errors
        first = errors[0]
        super().__init__(first.message, first.location, first.message_en)

    def render(self, lang: str = "zh") -> str:
        return "\n".join(e.render(lang) for e in self.errors)
