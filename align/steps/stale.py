"""Finish what a git process align stopped left half done: stale ``*.lock`` files, ``CHERRY_PICK_HEAD``,
files written into the working tree before the index.

Only what align can prove is its own is touched: files that ``_stop`` in ``align/git.py`` found right
after it stopped its own git child (which is dead by then), still exactly as they were (same time and
size); and untracked files whose bytes are those the checkout would write anyway.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from align.context import Context
from align.stopped import LEFT_BEHIND, SLACK


def clear_locks(context: Context) -> None:
    """Remove the ``*.lock`` files a git process stopped by align left, if they are unchanged since."""
    _clear(context, locks=True)


def clear_half_done(context: Context) -> None:
    """Remove the other files (``CHERRY_PICK_HEAD``...) a git process stopped by align left, if unchanged."""
    _clear(context, locks=False)


def _clear(context: Context, *, locks: bool) -> None:
    record = context.store.root / LEFT_BEHIND
    try:
        items: list[dict[str, Any]] = json.loads(record.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return
    kept = []
    for item in items:
        path = Path(item["path"])
        if not item["path"] or path.name.endswith(".lock") != locks:
            kept.append(item)
            continue
        try:
            info = path.stat()
        except OSError:
            continue  # gone already
        if (info.st_mtime_ns, info.st_size) == (item["mtime_ns"], item["size"]):
            path.unlink()
            context.monitor.note(f"removed {path.name}, left by a git process align stopped")
    if kept and not (not locks and all(not item["path"] for item in kept)):
        record.write_text(json.dumps(kept, indent=1), encoding="utf-8")
    else:
        record.unlink(missing_ok=True)


def forget(context: Context) -> None:
    """Drop the record of what stopped git processes left (once all of it is dealt with)."""
    (context.store.root / LEFT_BEHIND).unlink(missing_ok=True)


def _windows(context: Context) -> list[tuple[float, float]]:
    """Return when each git process align stopped ran (from its start to when it was dead)."""
    try:
        items = json.loads((context.store.root / LEFT_BEHIND).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    return [(item["started"] - SLACK, item["stopped"] + SLACK) for item in items if not item["path"]]


def in_the_way(context: Context, commit: str) -> list[str]:
    """Return what keeps git from checking out ``commit``: lock files in the git dir, untracked files it has."""
    own = context.git.git_path("index").parent  # this working tree's git dir (index.lock, HEAD.lock)
    locks = sorted(path.name for path in own.glob("*.lock"))
    if context.store.root.parent != own:  # a linked working tree: the common git dir's too (refs)
        locks += sorted(path.name for path in context.store.root.parent.glob("*.lock"))
    untracked, wanted = _untracked_in(context, commit)
    return [*locks, *(path for path in untracked if path in wanted)]


def _untracked_in(context: Context, commit: str) -> tuple[list[str], dict[str, str]]:
    """Return the untracked (not ignored) files, and the blob ``commit`` has at each of those paths."""
    git = context.git
    listed = git.run("ls-files", "-z", "--others", "--exclude-standard", "--full-name", "--", ":/").stdout
    untracked = [path for path in listed.split("\0") if path]
    if not untracked:
        return [], {}
    tree = git.run("ls-tree", "-z", "--full-tree", commit, "--", *[f":(literal){path}" for path in untracked])
    wanted = {}
    for entry in tree.stdout.split("\0"):
        if entry:
            info, _, path = entry.partition("\t")
            wanted[path] = info.split(" ")[2]
    return untracked, wanted


def clear_rewritten(context: Context, commit: str) -> list[str]:
    """Remove untracked files at paths ``commit`` has, whose bytes are exactly ``commit``'s (a checkout writes
    them again) or that were written while a git process align stopped ran (git wrote them before its
    index); return their paths."""
    git = context.git
    untracked, wanted = _untracked_in(context, commit)
    candidates = [path for path in untracked if path in wanted and "\n" not in path]
    if not candidates:
        return []
    hashed = git.run("hash-object", "--no-filters", "--stdin-paths", stdin="".join(f"{path}\n" for path in candidates))
    removed = []
    root = Path(git.cwd)
    windows = _windows(context)
    for path, sha in zip(candidates, hashed.stdout.split(), strict=False):
        # the same bytes as the branch's (nothing to lose), or written while a git align stopped was
        # writing this very path (half written; the user's own untracked files are in align's stash)
        written = (root / path).stat().st_mtime
        if sha == wanted[path] or any(start <= written <= end for start, end in windows):
            os.unlink(root / path)
            removed.append(path)
    if removed:
        context.monitor.note(f"removed {len(removed)} file(s) a stopped git had written, identical to {commit[:12]}")
    return removed
