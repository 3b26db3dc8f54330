"""``python -m inframarginal``: the command line."""

from inframarginal.cli import main

main()
