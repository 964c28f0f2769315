"""Run align as ``python -m align``."""

from __future__ import annotations

from align.cli import console

if __name__ == "__main__":
    console()
