"""`python -m posko ...` is the same as the `posko` command."""

from posko.cli import main

main()
