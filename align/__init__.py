"""align: keep feature branches aligned with their primary branch, safely and declaratively."""

from __future__ import annotations

__version__ = "0.1.0"
