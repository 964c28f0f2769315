"""What to tell the user at a pause: the commit, each file, the upstream commits behind it, what to run next."""

from __future__ import annotations

import re

from align.context import Context
from align.invocation import command
from align.steps.cause import Cause, causes

MAX_SHOWN = 5  # upstream commits named per file
MAX_FILES = 10  # files given their own resolve line
_ASIDE = re.compile(
    r"CONFLICT \(file/directory\): directory in the way of (.+?) from .+?; moving it to (.+?) instead\.$", re.M
)
_RENAMED = re.compile(r"CONFLICT \(rename/delete\): (.+?) renamed to (.+?) in .+?, but deleted in .+?\.$", re.M)


def notes(said: str) -> dict[str, str]:
    """Return what git said about particular files when it stopped (a rename against a deletion, a file
    moved aside because a directory took its name)."""
    found = {new: f"renamed from {old} on one side, {old} deleted on the other" for old, new in _RENAMED.findall(said)}
    for path, aside in _ASIDE.findall(said):
        found[aside] = f"the file {path}, moved aside by git: the other side made {path} a directory"
    return found


def render(context: Context) -> list[str]:
    """Return the guidance for the conflict the run is paused at."""
    journal = context.journal
    conflict = journal.found.conflicts[-1]
    paths = [path for path, _ in conflict.files]
    merging = context.git.progress().merging
    found = causes(context.git, journal.base, journal.onto_sha, paths, merging=merging)
    said = context.conflict_notes
    if merging:
        lines = [f"conflict while merging {journal.run.onto} ({conflict.commit}) into {journal.run.branch}"]
    else:
        lines = [f"conflict while applying {conflict.commit} {conflict.subject!r} onto {journal.run.onto}"]
    lines += _progress(context)
    for path, kind in conflict.files:
        explained = _sides(kind, merging, journal.run.branch)
        extra = "; ".join(item for item in (said.get(path, ""), explained) if item)
        lines.append(f"  {kind:<15} {path}" + (f"  ({extra})" if extra else ""))
        lines += _cause_lines(found.get(path))
    if not merging:
        lines.append(
            f"note: HEAD is detached while the rebase is paused (git applies {journal.run.branch}'s commits one by "
            f"one on top of {journal.run.onto}); {journal.run.branch} moves only when the run finishes"
        )
    lines += ["next:", "  resolve each file, then mark it resolved (git add, or git rm for a file to delete):"]
    for path, kind in conflict.files[:MAX_FILES]:
        lines += _resolve_lines(path, kind, merging)
    if len(conflict.files) > MAX_FILES:
        lines.append(f"    ... and {len(conflict.files) - MAX_FILES} more file(s): `git status` lists them")
    lines += [
        _command("continue", "commit the merge" if merging else "go on with the next commit"),
        *([] if merging else [_command("skip", "drop this commit from the branch (the report lists it)")]),
        _command("abort", "put everything back as it was before the run"),
    ]
    return lines


def _command(word: str, what: str) -> str:
    width = max(18, len(command("continue")) + 1)  # the descriptions in one column, whatever the prefix
    return f"  {command(word):<{width}} {what}"


def _sides(kind: str, merging: bool, branch: str) -> str:
    """Say which side is which for git's "us" and "them" (in a rebase, "us" is upstream)."""
    ours, theirs = (f"on {branch}", "upstream") if merging else ("upstream", "by this commit")
    if kind == "deleted by us":
        return f"deleted {ours}, changed {theirs}"
    if kind == "deleted by them":
        return f"deleted {theirs}, changed {ours}"
    if kind == "added by us":
        return f"added {ours} only"
    if kind == "added by them":
        return f"added {theirs} only"
    return ""


def _resolve_lines(path: str, kind: str, merging: bool) -> list[str]:
    """Return the commands that mark ``path`` resolved: both ``git add`` and ``git rm`` where either may be right."""
    add, rm = f"git add -- {quote(path)}", f"git rm -- {quote(path)}"
    if kind in ("both modified", "both added"):
        return [f"    {add:<40} once its conflict markers are gone"]
    if kind == "both deleted":
        return [f"    {rm:<40} deleted on both sides"]
    mine, upstream = ("your branch's", "upstream's") if merging else ("this commit's", "upstream's")
    if kind == "deleted by us":  # us: upstream in a rebase, your branch in a merge
        keep, drop = (upstream, "as your branch did") if merging else (mine, "as upstream did")
    elif kind == "deleted by them":
        keep, drop = (mine, "as upstream did") if merging else (upstream, "as this commit does")
    else:
        return [f"    {add:<40} to keep the file, or", f"    {rm:<40} to leave it out"]
    return [f"    {add:<40} to keep it ({keep} version), or", f"    {rm:<40} to delete it ({drop})"]


def _cause_lines(cause: Cause | None) -> list[str]:
    """Name the upstream commits behind a file's conflict, and how many others touched the file."""
    if cause is None:
        return []
    if cause.removed_by is not None:
        named = [f"      deleted upstream by {cause.removed_by.line()}"]
        shown = {cause.removed_by.sha}
    elif cause.exact:
        named = [f"      conflicting lines changed upstream by {item.line()}" for item in cause.lines[:MAX_SHOWN]]
        shown = {item.sha for item in cause.lines[:MAX_SHOWN]}
    else:
        named = [f"      changed upstream by {item.line()}" for item in cause.touched[:MAX_SHOWN]]
        if named and cause.tried:  # say so: these touched the file, which is not to say they collided
            named.insert(
                0, "      the conflicting lines could not be followed; the newest upstream commits of the file:"
            )
        shown = {item.sha for item in cause.touched[:MAX_SHOWN]}
    others = len([item for item in cause.touched if item.sha not in shown])
    if others:
        named.append(f"      and {others} other upstream commit(s) touched this file")
    return named


def _progress(context: Context) -> list[str]:
    now = context.git.progress()
    if now.number is None or now.total is None:
        return []
    return [f"commit {now.number} of {now.total}; conflicted files:"]


def quote(path: str) -> str:
    """Return ``path`` as a shell word."""
    return path if re.fullmatch(r"[\w./@%+=:,-]+", path) else "'" + path.replace("'", "'\\''") + "'"
