"""``python -m piramide``: the command line, for when the ``piramide`` script is not on PATH."""

from .cli import main

if __name__ == "__main__":
    main()
