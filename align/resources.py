"""Find the files that ship with align: built-in recipes and JSON schemas."""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

from align.errors import AlignError

_PACKAGE = Path(__file__).resolve().parent


def data_dir(name: str) -> Path:
    """Return the ``recipes`` or ``schemas`` folder, installed or in a source checkout."""
    # An installed wheel carries them inside the package; a source checkout has
    # them beside it, at the top of the repository.
    for candidate in (_PACKAGE / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise AlignError(
        f"align's {name!r} folder is missing from {_PACKAGE}",
        hint="reinstall align: pip install --force-reinstall git-align",
    )


@functools.cache
def schema(name: str = "recipe") -> dict[str, Any]:
    """Return the parsed JSON schema ``schemas/<name>.schema.json``."""
    path = data_dir("schemas") / f"{name}.schema.json"
    loaded: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return loaded
