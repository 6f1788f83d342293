"""The rule modes, chosen by name (`Rule.mode`, set by the rule builder). Each mode decides a rule from its
population and describes its own logic in words; see `base.Mode`.

Adding a mode: its keys in `schemas/pack.schema.json`, its fields in `model.Rule`, how the builder recognises it
(`pack/rule_builder.py`, `mode_of`), and a module here with a class implementing `Mode`, registered below."""

from __future__ import annotations

from complycheck.engine.modes import count, entity, group, period, share
from complycheck.engine.modes.base import Mode, Outcome

MODES: dict[str, Mode] = {
    m.name: m for m in (share.MODE, count.COUNT, count.MEASURE, group.MODE, period.MODE, entity.MODE)
}


def get(name: str) -> Mode:
    """The mode of that name."""
    return MODES[name]


__all__ = ["MODES", "Mode", "Outcome", "get"]
