#!/usr/bin/env python
"""Django's manage.py for developers; `doorstep` (doorstep/cli.py) is the same thing installed as a command."""

from doorstep.cli import main

if __name__ == "__main__":
    main()
