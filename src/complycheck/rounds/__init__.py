"""Rounds of acceptance (#16): what changed between two runs (`diff`), stage reports (`stages`), and a sealed
archive of a run that can be re-checked years later (`archive`, `verify`). Everything here reads JSON reports or
runs the same evaluation as `complycheck evaluate`; nothing here changes a verdict."""
