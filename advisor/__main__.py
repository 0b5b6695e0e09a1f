"""`python -m advisor` runs the command-line tool."""

from advisor.cli import main

main()
