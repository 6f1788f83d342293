"""`python -m complycheck`."""

from complycheck.cli import entry

entry()
