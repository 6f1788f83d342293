"""`python -m complycheck`."""

from complycheck.cli import main

main()
