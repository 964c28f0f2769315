"""What a git process align stopped left behind: ``*.lock`` files, ``CHERRY_PICK_HEAD``, and when it ran.

``_stop`` in ``align/git.py`` calls ``note`` once its git child is dead; ``align/steps/stale.py``
reads the record when the run is continued or aborted.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from pathlib import Path
from typing import Any

from align.state import align_dir, write_atomic

# What a git process stopped by align may leave half done in its git dir, besides ``*.lock`` files.
HALF_DONE = ("CHERRY_PICK_HEAD", "REVERT_HEAD")
LEFT_BEHIND = "stopped-git.json"  # in align's folder of the common git dir: what _stop found
SLACK = 0.05  # seconds: file times come from the kernel's coarse clock, a few milliseconds behind
_NOT_GITS = ("objects", "align", "modules", "worktrees")  # not written by a rebase, or another repository's


def git_dirs(cwd: Path) -> tuple[Path, Path] | None:
    """Return (git dir, common git dir) of the working tree around ``cwd``, read from disk (no git call)."""
    for folder in (cwd, *cwd.parents):
        dot = folder / ".git"
        if dot.is_dir():
            return dot, dot
        if dot.is_file():
            text = dot.read_text(encoding="utf-8").strip()
            git_dir = (folder / text.removeprefix("gitdir:").strip()).resolve()
            common = git_dir / "commondir"
            shared = (git_dir / common.read_text(encoding="utf-8").strip()).resolve() if common.is_file() else git_dir
            return git_dir, shared
    return None


def left_behind(cwd: Path, since: float) -> list[dict[str, Any]]:
    """Return each ``*.lock`` (and half-done file) under the git dirs changed since ``since``, with its identity."""
    found = git_dirs(cwd)
    if found is None:
        return []
    items: list[dict[str, Any]] = []
    seen: set[Path] = set()
    for root in found:
        for folder, subfolders, names in os.walk(root):
            if Path(folder) == root:
                subfolders[:] = [name for name in subfolders if name not in _NOT_GITS]
            for name in names:
                path = Path(folder) / name
                if path in seen or not (name.endswith(".lock") or (Path(folder) == root and name in HALF_DONE)):
                    continue
                seen.add(path)
                with contextlib.suppress(OSError):
                    info = path.stat()
                    if info.st_mtime >= since - SLACK:  # created or rewritten while the stopped git ran
                        items.append({"path": str(path), "mtime_ns": info.st_mtime_ns, "size": info.st_size})
    return items


def note(cwd: Path, since: float) -> None:
    """Record what the git process align just stopped left behind (appended to earlier records)."""
    found = git_dirs(cwd)
    if found is None:
        return
    # the window the stopped git ran in: a file it wrote into the working tree before its index has its time
    items = [*left_behind(cwd, since), {"path": "", "started": since, "stopped": time.time()}]
    record = align_dir(found[1]) / LEFT_BEHIND
    earlier = json.loads(record.read_text(encoding="utf-8")) if record.exists() else []
    write_atomic(record, json.dumps([*earlier, *items], indent=1))
