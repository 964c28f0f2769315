"""Remember what passed every check, so that an unchanged recipe is not read by yaml nor validated by jsonschema again.

Two kinds of entries, one JSON file each under ``<align's cache>/checked/``, named by a hash of what they vouch
for:

- ``document``: a recipe file's text that loaded with no problem and passed ``validate.check``, with the data
  and the positions yaml gave it (so the next run skips yaml as well as the schema);
- ``instance``: a value (a resolved recipe's steps, its target or remote) the schema found valid.

The key of an entry holds align's version, the schema's own hash and the checking code's files, so a new
align, schema or checker never trusts an old entry. An entry is used only when it says exactly what is
asked (the whole text or value, stored in it, is compared) and its checksum matches: a corrupt, foreign or
edited entry is ignored (the recipe is then checked again), and a copied one vouches for nothing else. The
resolved steps are checked against the schema (or found in an ``instance`` entry) whatever the ``document``
entries said. Writing is best effort: a read-only or missing cache only costs the time.
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
import os
import tempfile
from pathlib import Path
from typing import Any

from align import __version__
from align.recipe import sources
from align.recipe.document import Document, JsonPath, Mark
from align.resources import data_dir

FORMAT = 1  # bump when an entry's fields change
KEEP = 256  # entries kept at most; the oldest are removed beyond
_CHECKERS = ("document.py", "load.py", "validate.py", "checked.py")  # the code whose verdict an entry keeps


def document(text: str, source: str) -> Document | None:
    """Return the document ``text`` was found valid as (``source`` names it), or None when not known."""
    entry = _read("document", text)
    if entry is None:
        return None
    try:
        keys, values = _marks(entry["keys"]), _marks(entry["values"])
    except (KeyError, TypeError, ValueError):
        return None
    return Document(source=source, text=text, data=entry["data"], keys=keys, values=values)


def keep_document(document: Document) -> None:
    """Remember that ``document`` loaded and passed every check of ``validate.check``."""
    fields = {"data": document.data, "keys": _listed(document.keys), "values": _listed(document.values)}
    _write("document", document.text, fields)


def valid(instance: Any) -> bool:
    """Tell whether the schema found ``instance`` valid before."""
    text = _canonical(instance)
    return text is not None and _read("instance", text) is not None


def keep_valid(instance: Any) -> None:
    """Remember that the schema found ``instance`` valid."""
    text = _canonical(instance)
    if text is not None:
        _write("instance", text, {})


def folder() -> Path:
    """Return where the entries are kept."""
    return sources.cache_dir() / "checked"


def path(kind: str, text: str) -> Path:
    """Return the file of the entry that would vouch for ``text`` (a recipe's text, or a canonical value)."""
    return folder() / f"{_digest(_header(kind), text)}.json"


def _read(kind: str, text: str) -> dict[str, Any] | None:
    try:
        entry = json.loads(path(kind, text).read_text(encoding="utf-8"))
    except (OSError, RuntimeError, ValueError):  # missing, unreadable, not JSON, no HOME
        return None
    if not isinstance(entry, dict) or entry.get("header") != _header(kind) or entry.get("text") != text:
        return None
    if entry.get("checksum") != _checksum(entry):
        return None
    return entry


def _write(kind: str, text: str, fields: dict[str, Any]) -> None:
    entry = {"header": _header(kind), "text": text, **fields}
    entry["checksum"] = _checksum(entry)
    try:
        target = path(kind, text)
        target.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=target.parent, delete=False) as out:
            json.dump(entry, out)
        os.replace(out.name, target)
        _prune(target.parent)
    except (OSError, RuntimeError, TypeError, ValueError):  # a read-only cache, no HOME, data JSON cannot hold
        return


def _prune(where: Path) -> None:
    """Keep the newest ``KEEP`` entries (a recipe using ``${run_id}`` makes a new one each run)."""
    entries = list(where.glob("*.json"))
    if len(entries) <= KEEP:
        return
    entries.sort(key=lambda entry: entry.stat().st_mtime_ns)
    for entry in entries[: len(entries) - KEEP // 2]:
        entry.unlink(missing_ok=True)


def _header(kind: str) -> dict[str, Any]:
    return {"format": FORMAT, "kind": kind, "align": __version__, "schema": _schema_hash(), "code": _code()}


@functools.cache
def _schema_hash() -> str:
    return hashlib.sha256((data_dir("schemas") / "recipe.schema.json").read_bytes()).hexdigest()


@functools.cache
def _code() -> str:
    """Return the size and change time of the checking code (an editable install changes without a new version)."""
    here = Path(__file__).parent
    stats = [(here / name).stat() for name in _CHECKERS]
    return ";".join(f"{stat.st_size}:{stat.st_mtime_ns}" for stat in stats)


def _digest(header: dict[str, Any], text: str) -> str:
    return hashlib.sha256(json.dumps([header, text], sort_keys=True).encode()).hexdigest()


def _checksum(entry: dict[str, Any]) -> str:
    body = {name: value for name, value in entry.items() if name != "checksum"}
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()


def _canonical(value: Any) -> str | None:
    """Return ``value`` as JSON that tells its types apart (None for a value JSON would blur, e.g. a tuple)."""
    if not _plain(value):
        return None
    return json.dumps(value, sort_keys=True, allow_nan=False)


def _plain(value: Any) -> bool:
    if value is None or type(value) in (bool, int, str):
        return True
    if type(value) is float:
        return math.isfinite(value)
    if type(value) is list:
        return all(_plain(item) for item in value)
    if type(value) is dict:
        return all(type(key) is str and _plain(item) for key, item in value.items())
    return False


def _listed(marks: dict[JsonPath, Mark]) -> list[list[Any]]:
    return [[list(place), mark.line, mark.col] for place, mark in marks.items()]


def _marks(listed: Any) -> dict[JsonPath, Mark]:
    found: dict[JsonPath, Mark] = {}
    for place, line, col in listed:
        if not all(type(part) in (str, int) for part in place) or type(line) is not int or type(col) is not int:
            raise ValueError("not a position")
        found[tuple(place)] = Mark(line=line, col=col)
    return found
