"""Run align as ``python -m align``."""

from __future__ import annotations

import sys

from align.cli import main

if __name__ == "__main__":
    sys.exit(main())
