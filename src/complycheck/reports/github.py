"""GitHub Actions workflow commands: one `::error file=…,line=…,title=…::message` line per failing rule (at the
rule file and line) and per evidence problem (at the evidence file and row); minor rules and data warnings are
`::warning`. Escaped as the runner expects: in the message `%`, CR and LF; in properties also `:` and `,`."""

from __future__ import annotations

from complycheck.reports.findings import findings
from complycheck.results import Report


def escape_data(s: str) -> str:
    return s.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(s: str) -> str:
    return escape_data(s).replace(":", "%3A").replace(",", "%2C")


def render(report: Report, lang: str) -> str:
    lines = []
    for f in findings(report, lang):
        props = []
        if f.where.file:
            props.append(f"file={escape_property(f.where.file)}")
            if f.where.line:
                props.append(f"line={f.where.line}")
        props.append(f"title={escape_property(f.title)}")
        lines.append(f"::{f.level} {','.join(props)}::{escape_data(f.message)}")
    return "".join(line + "\n" for line in lines)
