"""The engine: pure evaluation of a compiled pack on loaded evidence.

- `evaluate`: orchestration (rules two at a time, then dependencies and waivers, then roll-up);
- `context`: the frames one rule reads; `modes/`: how each mode decides and describes a rule (a registry);
- `rollup`: dependencies, waivers, verdicts and clause coverage; `failures`, `wording`: rows and figures as shown;
- `reference`: a slow row-by-row evaluator the tests compare the engine with.
"""

from complycheck.engine.evaluate import evaluate
from complycheck.engine.modes.period import periods_in
from complycheck.results import Waiver

__all__ = ["evaluate", "periods_in", "Waiver"]
