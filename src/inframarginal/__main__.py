"""``python -m inframarginal``: the command line."""

from inframarginal.cli import main

if __name__ == "__main__":
    main()
