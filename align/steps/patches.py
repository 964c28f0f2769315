"""Account for every commit of the old branch (DESIGN §7 promise 2), with a constant number of git processes.

One ``git log`` lists the commits on each side of ``old...new`` (minus the target) with their author,
author date, message and diff; one ``git patch-id --stable`` reads all the diffs as one stream. Only
when some old commits are still unaccounted for, one more ``log``/``patch-id`` pair looks for their
patches upstream (limited to the paths they touch). Diffs are taken with no context lines (``-U0``)
and no rename detection, so a commit applied cleanly onto a moved target keeps its patch id.

Every old commit ends up in one list:

- ``preserved``: in the new branch with the same patch id (or the very same commit);
- ``changed``: in the new branch (same author, date and message) with another patch, because a
  conflict resolution or the merge with the target changed it; old and new sha side by side;
- ``upstream``: its patch is already in the target;
- ``dropped``: left out on purpose, with the reason the run recorded (skipped by the user, became
  empty, emptied by the conflict resolution);
- ``lost``: none of these: the check fails.

New commits with no old counterpart (made by hand during a pause) are listed as ``added``.
"""

from __future__ import annotations

import dataclasses
import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from align.git import Git
from align.journal import Accounting, Journal, Placed

# NUL NUL starts a record; the fields are NUL-separated (no commit field or text diff holds a NUL).
_FORMAT = "%x00%x00%m%H%x00%an <%ae>%x00%ad%x00%B%x00"
# No ``--binary``: a binary change is known by its two blob ids (``--full-index``), not by a diff as
# large as the files (a 50 MB file made a 270 MB log).
_DIFF = (
    "-p", "-U0", "--no-renames", "--full-index", "--no-ext-diff", "--no-textconv", "--no-color",
)  # fmt: skip
MAX_PATHS = 1000  # paths named on one command line, at most
# Where a record starts: NUL NUL, the side, a full sha, NUL (a diff may hold NULs: binary ``diff`` attribute).
_RECORD = re.compile(r"\0\0(?=[<>][0-9a-f]{40,64}\0)")
# A binary change: the ``index OLD..NEW`` line, then "Binary files a/X and b/X differ" (no diff lines).
_BINARY = re.compile(r"^(index ([0-9a-f]+)\.\.([0-9a-f]+)[^\n]*\nBinary files )[^\n]*$", re.MULTILINE)


@dataclass(frozen=True, kw_only=True)
class Commit:
    """One commit as ``git log`` showed it."""

    sha: str
    side: str  # "<": only in the old branch; ">": only in the new one
    author: str
    date: str
    message: str
    paths: tuple[str, ...]
    patch_id: str = ""

    @property
    def subject(self) -> str:
        """Return the first line of the message."""
        return self.message.split("\n", 1)[0]

    @property
    def identity(self) -> tuple[str, str, str]:
        """Return what a rebase keeps: author, author date, message."""
        return (self.author, self.date, self.message)


def account(git: Git, journal: Journal) -> Accounting:
    """Return where every commit of the old branch (``base..original_tip``) went in the new branch."""
    # A stacked branch: the commits at and below its base are its parent's, never moved by its run.
    below = (f"^{journal.run.upstream}",) if journal.run.upstream else ()
    commits = _log(git, f"{journal.run.original_tip}...{journal.new_tip}", f"^{journal.onto_sha}", *below)
    old = [commit for commit in reversed(commits) if commit.side == "<"]  # oldest first
    new = [commit for commit in reversed(commits) if commit.side == ">"]
    result = Accounting(unchanged=max(0, journal.commits_before - len(old)))
    by_patch: dict[str, list[Commit]] = defaultdict(list)
    for commit in new:
        if commit.patch_id:
            by_patch[commit.patch_id].append(commit)
    paired: set[str] = set()
    rest: list[Commit] = []
    for commit in old:
        twins = by_patch.get(commit.patch_id) if commit.patch_id else None
        if twins:
            twin = twins.pop(0)
            paired.add(twin.sha)
            result.preserved.append(_pair(commit, twin))
            _compare(result, commit, twin)
        else:
            rest.append(commit)
    unpaired = [commit for commit in new if commit.sha not in paired]
    rest = _by_identity(journal, result, rest, unpaired, paired, key=lambda commit: commit.identity)
    unpaired = [commit for commit in new if commit.sha not in paired]
    rest = _by_identity(journal, result, rest, unpaired, paired, key=lambda commit: commit.identity[:2])
    rest = _dropped(journal, result, rest)
    rest = _upstream(git, journal, result, rest)
    result.lost = [Placed(sha=commit.sha, subject=commit.subject) for commit in rest]
    result.added = [Placed(sha=commit.sha, subject=commit.subject) for commit in new if commit.sha not in paired]
    return result


def _by_identity(
    journal: Journal,
    result: Accounting,
    old: list[Commit],
    new: list[Commit],
    paired: set[str],
    *,
    key: Callable[[Commit], tuple[str, ...]],
) -> list[Commit]:
    """Pair old and new commits with another patch but the same ``key`` (what a rebase keeps), in order."""
    by_identity: dict[tuple[str, ...], list[Commit]] = defaultdict(list)
    for commit in new:
        by_identity[key(commit)].append(commit)
    resolved = {conflict.commit for conflict in journal.found.conflicts if conflict.resolution != "skipped"}
    rest = []
    for commit in old:
        twins = by_identity.get(key(commit))
        if not twins:
            rest.append(commit)
            continue
        twin = twins.pop(0)
        paired.add(twin.sha)
        conflicted = any(commit.sha.startswith(short) for short in resolved if short)
        reason = "changed by conflict resolution" if conflicted else "changed by the merge with the target"
        result.changed.append(_pair(commit, twin, reason=reason))
        _compare(result, commit, twin)
    return rest


def _dropped(journal: Journal, result: Accounting, old: list[Commit]) -> list[Commit]:
    """Take out the commits the run dropped on purpose (``align skip``, git dropping an emptied commit)."""
    reasons = {item.commit: item.reason or "dropped" for item in journal.found.dropped if item.commit}
    rest = []
    for commit in old:
        if commit.sha in reasons:
            result.dropped.append(Placed(sha=commit.sha, subject=commit.subject, reason=reasons[commit.sha]))
        else:
            rest.append(commit)
    return rest


def _upstream(git: Git, journal: Journal, result: Accounting, old: list[Commit]) -> list[Commit]:
    """Take out the commits whose patch the target already has (one more log and patch-id, when needed)."""
    if not old or not journal.base:
        return old
    paths = sorted({path for commit in old for path in commit.paths})
    quoted = any(path.startswith('"') for path in paths)  # a name git quoted: look at every path
    limit = ("--", *(f":(literal){path}" for path in paths)) if paths and not quoted and len(paths) <= MAX_PATHS else ()
    upstream = _log(git, f"{journal.base}..{journal.onto_sha}", limit=limit)
    by_patch: dict[str, list[Commit]] = defaultdict(list)
    for commit in reversed(upstream):  # oldest first
        if commit.patch_id:
            by_patch[commit.patch_id].append(commit)
    rest = []
    for commit in old:
        # One upstream commit stands for one old commit: "add X, revert it, add X again" over an
        # upstream "add X" leaves one add unaccounted for (git dropped both; X is gone).
        twins = by_patch.get(commit.patch_id) if commit.patch_id else None
        if twins:
            result.upstream.append(Placed(sha=commit.sha, subject=commit.subject, upstream=twins.pop(0).sha))
        else:
            rest.append(commit)
    return rest


def _log(git: Git, *revisions: str, limit: tuple[str, ...] = ()) -> list[Commit]:
    """Return the commits of ``revisions`` (newest first) with metadata and patch ids: two processes."""
    output = git.run(
        "log", "--left-right", "--no-merges", "--date=raw", f"--format={_FORMAT}", *_DIFF, *revisions, *limit
    ).stdout
    found: list[tuple[Commit, str]] = []
    for record in _RECORD.split(output)[1:]:
        head, author, date, message, diff = record.split("\0", 4)
        paths = _paths(diff)
        commit = Commit(
            sha=head[1:],
            side=head[:1],
            author=author,
            date=date,
            message=message,
            paths=paths,
        )
        found.append((commit, diff))
    if not found:
        return []
    stream = "".join(f"commit {commit.sha}\n{_binary_ids(diff)}\n" for commit, diff in found)
    ids = {}
    for line in git.run("patch-id", "--stable", stdin=stream).stdout.splitlines():
        patch_id, _, sha = line.partition(" ")
        ids[sha] = patch_id
    # An empty commit has no patch id.
    return [dataclasses.replace(commit, patch_id=ids.get(commit.sha, "")) for commit, _ in found]


def _binary_ids(diff: str) -> str:
    """Put the blob ids of each binary change on its "Binary files" line, so that they make its patch id.

    git 2.39 and newer hash them for such a line anyway; older versions hash only the line, which names
    the file but not the change.
    """
    return _BINARY.sub(r"\1\2 \3", diff)


def _paths(diff: str) -> tuple[str, ...]:
    """Return the paths a diff touches, or ``('"',)`` when one cannot be read safely from it.

    The path comes from a file's ``--- a/PATH`` or ``+++ b/PATH`` line; a binary file, a mode change
    or an empty new file has neither, and git quotes unusual names: then the caller looks at every path.
    """
    paths: list[str] = []
    for section in ("\n" + diff).split("\ndiff --git ")[1:]:
        names = [line[4:] for line in section.splitlines() if line.startswith(("--- ", "+++ "))]
        # git ends a name that holds a space with a TAB on these lines
        names = [name[2:].removesuffix("\t") for name in names if name.startswith(("a/", "b/"))]
        if not names:
            return ('"',)
        paths.extend(names)
    return tuple(dict.fromkeys(paths))


def _pair(old: Commit, new: Commit, *, reason: str = "") -> Placed:
    return Placed(sha=old.sha, subject=old.subject, new=new.sha, reason=reason)


def _compare(result: Accounting, old: Commit, new: Commit) -> None:
    """Note each difference in author, author date or message between a commit and its rewrite."""
    for name, before, after in (
        ("author", old.author, new.author),
        ("author date", old.date, new.date),
        ("message", old.message, new.message),
    ):
        if before != after:
            result.metadata.append(f"{old.sha[:12]} -> {new.sha[:12]}: {name} changed")
