"""What changed between two rounds of acceptance: two JSON reports in, one comparison out.

Pure: `compare(old, new)` takes two parsed reports (`reportfile.read_report`) and returns plain data (the
`--format json` form); the renderers below turn it into text, Markdown or HTML.

Definitions (docs/rounds.md says the same for users):
- a failing row's key is its evidence file, relative to the submission folder, and its masked values: rows are
  matched on that, never on row numbers (a row inserted above moves every number);
- a *regression* is a standard that passed in the old run and fails now (fail, error or missing evidence);
- *rewritten accepted evidence* is (a) a period (or group) that met its minimum in the old run whose count is
  different now, or (b) a standard that passed in the old run whose figures went down (fewer rows meeting it, or
  fewer rows in its population): rows it accepted were removed or changed. Rows only added are not a rewrite.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from complycheck.masking import mask_text
from complycheck.rounds.reportfile import evidence_root, relative_to, results_of, rules_root

BLOCKING = {"fail", "error", "missing_evidence"}
CLEARED = {"pass", "waived", "not_applicable"}
DIFF_VERSION = "1"


# --------------------------------------------------------------------------- comparing
def _rowkey(f: dict[str, Any], root: str) -> tuple[str | None, str]:
    values = {str(k): mask_text(str(v)) for k, v in (f.get("values") or {}).items()}
    return relative_to(f.get("file"), root), json.dumps(values, ensure_ascii=False, sort_keys=True)


def _row_out(f: dict[str, Any], root: str) -> dict[str, Any]:
    return {
        "file": relative_to(f.get("file"), root),
        "sheet": f.get("sheet"),
        "row": f.get("row"),
        "values": {str(k): mask_text(str(v)) for k, v in (f.get("values") or {}).items()},
    }


def _rows(old: dict[str, Any] | None, new: dict[str, Any] | None, root_old: str, root_new: str) -> dict[str, Any]:
    """Failing rows fixed, still failing and newly failing, matched on (file, masked values) as multisets."""
    before = list((old or {}).get("failures") or [])
    after = list((new or {}).get("failures") or [])
    kb = Counter(_rowkey(f, root_old) for f in before)
    ka = Counter(_rowkey(f, root_new) for f in after)
    fixed: list[dict[str, Any]] = []
    still: list[dict[str, Any]] = []
    newly: list[dict[str, Any]] = []
    seen_b: Counter[tuple[str | None, str]] = Counter()
    for f in before:
        k = _rowkey(f, root_old)
        seen_b[k] += 1
        (still if seen_b[k] <= ka[k] else fixed).append(_row_out(f, root_old))
    seen_a: Counter[tuple[str | None, str]] = Counter()
    for f in after:
        k = _rowkey(f, root_new)
        seen_a[k] += 1
        if seen_a[k] > kb[k]:
            newly.append(_row_out(f, root_new))
    partial = any(r is not None and (r.get("failure_count") or 0) > len(r.get("failures") or []) for r in (old, new))
    return {"fixed": fixed, "still_failing": still, "new": newly, "partial": partial}


def _change(before: str | None, after: str | None) -> str:
    if before is None:
        return "added"
    if after is None:
        return "removed"
    if before == "pass" and after in BLOCKING:
        return "regressed"
    if before in BLOCKING and after in CLEARED:
        return "fixed"
    if before in BLOCKING and after in BLOCKING:
        return "still_failing"
    if after in BLOCKING:
        return "new_failure"
    return "unchanged" if before == after else "changed"


def _side(r: dict[str, Any] | None) -> dict[str, Any] | None:
    if r is None:
        return None
    msg = r.get("message") or {}
    return {
        "status": r["status"],
        "figure": {"zh": str(msg.get("zh", "")), "en": str(msg.get("en", ""))},
        "measured": r.get("measured"),
        "failure_count": r.get("failure_count", 0),
    }


def _minimum(r: dict[str, Any], key: str) -> float | None:
    try:
        return float((r.get("threshold") or {})[key])
    except (KeyError, TypeError, ValueError):
        return None


def _rewritten(old: dict[str, Any], new: dict[str, Any]) -> list[dict[str, Any]]:
    """Accepted periods (or groups) whose count changed; passing standards whose figures went down."""
    out: list[dict[str, Any]] = []
    mo, mn = old.get("measured") or {}, new.get("measured") or {}
    kind = mo.get("kind")
    if kind != mn.get("kind"):
        return out
    if kind in ("periods", "groups"):
        need = _minimum(old, "min_per_period" if kind == "periods" else "min_per_group")
        need = 1.0 if need is None else need
        skip = set(mo.get("not_applicable") or [])
        counts_o, counts_n = mo.get("counts") or {}, mn.get("counts") or {}
        for period, count in counts_o.items():
            if period in skip or not isinstance(count, int) or count < need:
                continue
            now = counts_n.get(period)
            if now != count:
                out.append({"rule": old["rule"], "kind": kind[:-1], "of": str(period), "before": count, "after": now})
        return out
    if old.get("status") != "pass":
        return out
    if kind == "share":
        down = [k for k in ("numerator", "denominator") if isinstance(mo.get(k), int) and (mn.get(k) or 0) < mo[k]]
        if down:
            out.append(
                {
                    "rule": old["rule"],
                    "kind": "standard",
                    "of": None,
                    "before": f"{mo.get('numerator')}/{mo.get('denominator')}",
                    "after": f"{mn.get('numerator')}/{mn.get('denominator')}",
                }
            )
    elif kind == "count" and isinstance(mo.get("value"), int) and (mn.get("value") or 0) < mo["value"]:
        out.append(
            {"rule": old["rule"], "kind": "standard", "of": None, "before": mo["value"], "after": mn.get("value")}
        )
    return out


def _files(doc: dict[str, Any], kind: str, root: str) -> dict[str, str]:
    return {str(relative_to(i["path"], root)): i["sha256"] for i in doc["inputs"] if i.get("kind") == kind}


def _head(doc: dict[str, Any], path: str) -> dict[str, Any]:
    return {
        "path": path,
        "as_of": doc["as_of"],
        "verdict": doc["verdict"],
        "tool": doc["tool"],
        "pack": doc["pack"],
        "summary": doc.get("summary") or {},
    }


def compare(old: dict[str, Any], new: dict[str, Any], old_path: str = "", new_path: str = "") -> dict[str, Any]:
    """The comparison of two parsed JSON reports, as plain data (what `diff --format json` prints)."""
    ev_o, ev_n = evidence_root(old), evidence_root(new)
    ro = {r["rule"]: r for r in results_of(old)}
    rn = {r["rule"]: r for r in results_of(new)}
    order = list(ro) + [k for k in rn if k not in ro]
    rules: list[dict[str, Any]] = []
    rewritten: list[dict[str, Any]] = []
    for rid in order:
        a, b = ro.get(rid), rn.get(rid)
        base = b or a or {}
        entry = {
            "rule": rid,
            "line_item": base.get("line_item"),
            "clauses": list(base.get("clauses") or []),
            "title": base.get("title", ""),
            "title_en": base.get("title_en", ""),
            "change": _change(a["status"] if a else None, b["status"] if b else None),
            "before": _side(a),
            "after": _side(b),
            "rows": _rows(a, b, ev_o, ev_n),
        }
        rules.append(entry)
        if a is not None and b is not None:
            rewritten += _rewritten(a, b)

    files_o, files_n = _files(old, "evidence", ev_o), _files(new, "evidence", ev_n)
    named: dict[str, list[str]] = {}
    for r in results_of(old):
        for f in r.get("failures") or []:
            rel = relative_to(f.get("file"), ev_o)
            if rel and r["rule"] not in named.setdefault(rel, []):
                named[rel].append(r["rule"])
    evidence = {
        "added": sorted(f for f in files_n if f not in files_o),
        "removed": sorted(f for f in files_o if f not in files_n),
        "changed": [
            {"file": f, "before": files_o[f], "after": files_n[f], "named_by": named.get(f, [])}
            for f in sorted(files_o)
            if f in files_n and files_o[f] != files_n[f]
        ],
        "unchanged": sum(1 for f in files_o if files_n.get(f) == files_o[f]),
    }
    rf_o, rf_n = _files(old, "rules", rules_root(old)), _files(new, "rules", rules_root(new))
    rule_files = {
        "added": sorted(f for f in rf_n if f not in rf_o),
        "removed": sorted(f for f in rf_o if f not in rf_n),
        "changed": sorted(f for f in rf_o if f in rf_n and rf_o[f] != rf_n[f]),
    }
    po, pn = old.get("parameters") or {}, new.get("parameters") or {}
    parameters = [
        {
            "name": k,
            "before": (po.get(k) or {}).get("value"),
            "after": (pn.get(k) or {}).get("value"),
            "source_before": (po.get(k) or {}).get("source"),
            "source_after": (pn.get(k) or {}).get("source"),
        }
        for k in list(po) + [k for k in pn if k not in po]
        if (po.get(k) or {}).get("value") != (pn.get(k) or {}).get("value") or (k in po) != (k in pn)
    ]
    wv_o = sorted(i["sha256"] for i in old["inputs"] if i.get("kind") == "waivers")
    wv_n = sorted(i["sha256"] for i in new["inputs"] if i.get("kind") == "waivers")
    co = {c["clause"]: c["status"] for c in old.get("clause_coverage") or []}
    cn = {c["clause"]: c["status"] for c in new.get("clause_coverage") or []}
    clauses = [
        {"clause": c, "before": co.get(c), "after": cn.get(c)}
        for c in list(co) + [c for c in cn if c not in co]
        if co.get(c) != cn.get(c)
    ]
    li_o = {li["id"]: li["verdict"] for li in old["line_items"]}
    li_n = {li["id"]: li["verdict"] for li in new["line_items"]}
    regressed = [r["rule"] for r in rules if r["change"] == "regressed"]
    return {
        "kind": "complycheck-diff",
        "diff_version": DIFF_VERSION,
        "old": _head(old, old_path),
        "new": _head(new, new_path),
        "line_items": [
            {"id": k, "before": li_o.get(k), "after": li_n.get(k)}
            for k in list(li_o) + [k for k in li_n if k not in li_o]
        ],
        "regressed": regressed,
        "rewritten_accepted": rewritten,
        "counts": dict(sorted(Counter(r["change"] for r in rules).items())),
        "rules": rules,
        "clauses": clauses,
        "evidence": evidence,
        "pack": {"before": old["pack"], "after": new["pack"], "changed": old["pack"] != new["pack"]},
        "rule_files": rule_files,
        "parameters": parameters,
        "waivers_changed": wv_o != wv_n,
    }


def exit_code(d: dict[str, Any]) -> int:
    """1 when a standard regressed or accepted evidence was rewritten, else 0."""
    return 1 if d["regressed"] or d["rewritten_accepted"] else 0


FORMATS = ("text", "json", "html", "markdown")


def render(d: dict[str, Any], fmt: str, lang: str) -> str:
    """The comparison as text, json, markdown or html (complycheck.rounds.diff_render)."""
    from complycheck.rounds import diff_render

    return diff_render.render(d, fmt, lang)
