"""Conflicts: record them, guide the user through them, check they are really resolved."""

from __future__ import annotations

import re
from pathlib import Path

from align.context import Context
from align.errors import Refusal
from align.git import Git
from align.invocation import command
from align.journal import Conflict, Dropped, Journal
from align.steps import guidance as guide

KINDS = {
    "UU": "both modified",
    "AA": "both added",
    "DD": "both deleted",
    "AU": "added by us",
    "UA": "added by them",
    "DU": "deleted by us",
    "UD": "deleted by them",
}
_MARKER = re.compile(rb"^(<{7}|>{7})( |$)", re.MULTILINE)
_RERERE = re.compile(r"(?:Staged|Resolved) '(.+?)' using previous resolution")


def current_commit(context: Context) -> dict[str, str]:
    """Return the short sha and subject of the commit git is applying (the merged one for a merge)."""
    return commit_at(context.git)


def commit_at(git: Git) -> dict[str, str]:
    """Return the sha, short sha and subject of the commit git's merge or rebase stopped at (empty: none)."""
    head = git.applying()
    if head is None:
        return {"commit": "", "short": "?", "subject": "?"}
    result = git.run("log", "-n1", "--format=%H%x00%h%x00%s", head, "--", ok=(0, 128))
    if result.code != 0 or "\0" not in result.stdout:
        return {"commit": "", "short": "?", "subject": "?"}
    full, short, subject = result.stdout.rstrip("\n").split("\0", 2)
    return {"commit": full, "short": short, "subject": subject}


def dropped(commit: dict[str, str], reason: str) -> Dropped:
    """Return the commit ``commit_at`` found as dropped from the run, for ``reason``."""
    return Dropped(commit=commit["commit"], short=commit["short"], subject=commit["subject"], reason=reason)


def heard(context: Context, said: str) -> None:
    """Keep what git said about particular files as it stopped (its CONFLICT lines), for the guidance."""
    context.conflict_notes = guide.notes(said)


def record(context: Context, files: list[tuple[str, str]], *, resolution: str = "pending") -> Conflict:
    """Add the conflict git stopped at to the journal."""
    conflict = noted(context.git, context.journal, files, resolution=resolution)
    context.save()
    return conflict


def noted(git: Git, journal: Journal, files: list[tuple[str, str]], *, resolution: str = "pending") -> Conflict:
    """Add the conflict git stopped at to ``journal`` (not written)."""
    current = commit_at(git)
    conflict = Conflict(
        commit=current["short"],
        subject=current["subject"],
        files=[(path, KINDS.get(code, code)) for path, code in files],
        resolution=resolution,
    )
    journal.found.conflicts.append(conflict)
    return conflict


def rerere_paths(stderr: str) -> list[tuple[str, str]]:
    """Return the paths git's rerere resolved, from its messages."""
    return [(path, "UU") for path in _RERERE.findall(stderr)]


def has_resolutions(git: Git) -> bool:
    """Tell whether rerere has recorded resolutions (git's rebase might resolve a conflict with them)."""
    folder = git.git_path("rr-cache")
    try:
        return any(folder.iterdir())
    except OSError:
        return False


def guidance(context: Context) -> list[str]:
    """Return what to tell the user at a pause: the commit, each file and its kind, what to run next."""
    return guide.render(context)


def require_resolved(context: Context) -> None:
    """Refuse to continue while unmerged paths or conflict markers remain."""
    unmerged = context.git.unmerged()
    if unmerged:
        files = ", ".join(path for path, _ in unmerged)
        raise Refusal(
            f"{len(unmerged)} file(s) still have unresolved conflicts: {files}",
            hint=f"fix them, then `git add -- {_quote(unmerged[0][0])}` (or `git rm -- {_quote(unmerged[0][0])}` "
            f"for a file to delete) and run `{command('continue')}` again",
        )
    pending = context.journal.found.conflicts[-1] if context.journal.found.conflicts else None
    marked = [path for path, _ in pending.files if _has_markers(context, path)] if pending else []
    if marked:
        raise Refusal(
            f"conflict markers (<<<<<<< or >>>>>>>) are still in: {', '.join(marked)}",
            hint=f"remove them, `git add` the files again, then run `{command('continue')}`",
        )


def _has_markers(context: Context, path: str) -> bool:
    root = Path(context.git.cwd)
    try:
        return bool(_MARKER.search((root / path).read_bytes()))
    except OSError:
        return False


def _quote(path: str) -> str:
    return path if re.fullmatch(r"[\w./@%+=:,-]+", path) else "'" + path.replace("'", "'\\''") + "'"
