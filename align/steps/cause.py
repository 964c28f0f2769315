"""The upstream commits behind a conflict: those that changed (or removed) the conflicting lines.

For each conflicted file, git's index holds the three versions of the merge: stage 1 (the merge's
base), stage 2 (ours) and stage 3 (theirs). The regions both sides changed are found by comparing
the upstream side and the commit's side with the base; ``git log -L`` over ``base..upstream`` then
names the upstream commits that changed those lines, a removal included (the range around the
removed lines is followed back through history). One ``cat-file`` for every file, one ``log -L``
per file, a few files at most, and a time budget: past it, the guidance falls back to the newest
upstream commits that touched the file.
"""

from __future__ import annotations

import difflib
import time
from dataclasses import dataclass, field
from pathlib import Path

from align.git import Git

MAX_FILES = 5  # conflicted files looked into, at most
MAX_RANGES = 8  # line ranges of one file followed back, at most
MAX_LINES = 20_000  # a bigger version is not compared line by line
BUDGET_S = 1.5  # for all the ``log -L`` calls of one pause
_FORMAT = "--format=%x01%H%x00%h%x00%an%x00%ad%x00%s"


@dataclass(frozen=True, kw_only=True)
class Upstream:
    """An upstream commit: short sha, author, date (YYYY-MM-DD) and subject."""

    sha: str
    short: str
    author: str
    date: str
    subject: str

    def line(self) -> str:
        """Return ``short subject (author, date)``."""
        return f"{self.short} {self.subject} ({self.author}, {self.date})"


@dataclass(kw_only=True)
class Cause:
    """What upstream did to one conflicted file."""

    lines: list[Upstream] = field(default_factory=list)  # the commits that changed the conflicting lines
    removed_by: Upstream | None = None  # the commit that deleted the file upstream
    touched: list[Upstream] = field(default_factory=list)  # every upstream commit that touched the file, newest first
    exact: bool = False  # False: the conflicting lines could not be followed (the newest commits are shown)


def causes(git: Git, git_dir: Path, base: str, onto: str, paths: list[str], *, merging: bool) -> dict[str, Cause]:
    """Return the cause of each conflicted path in ``paths``: upstream commits ``base..onto`` behind it.

    During a rebase the upstream side is ours (stage 2, HEAD: the target plus the commits picked
    so far); during a merge of the target it is theirs (stage 3).
    """
    if not paths or not base:
        return {}
    found = {path: Cause(touched=items) for path, items in _touching(git, base, onto, paths).items()}
    for path in paths:
        found.setdefault(path, Cause())
    upstream_stage, own_stage = ("3", "2") if merging else ("2", "3")
    stages = _stages(git)
    tip = onto if merging else (git.commit_of("HEAD") or onto)
    picked = set() if tip == onto else set(git.run("rev-list", f"{onto}..{tip}", "--").stdout.split())
    wanted = [sha for path in paths[:MAX_FILES] for sha in stages.get(path, {}).values()]
    contents = _contents(git, wanted)
    deadline = time.monotonic() + BUDGET_S
    for path in paths[:MAX_FILES]:
        cause, versions = found[path], stages.get(path, {})
        if upstream_stage not in versions:  # deleted upstream: the commit that deleted it
            cause.removed_by = next((item for item in cause.touched), None)
            cause.exact = cause.removed_by is not None
            continue
        if own_stage not in versions or "1" not in versions:  # deleted (or added) by the commit: every change
            continue
        texts = [contents.get(versions[stage]) for stage in ("1", upstream_stage, own_stage)]
        if any(text is None for text in texts):
            continue
        ranges = conflicting_ranges(*(text or [] for text in texts))
        remaining = deadline - time.monotonic()
        if not ranges or remaining <= 0:
            continue
        lines = _follow(git, path, ranges, f"{base}..{tip}", remaining)
        if lines is not None:
            cause.lines = [item for item in lines if item.sha not in picked]
            cause.exact = bool(cause.lines)
    return found


def conflicting_ranges(base: list[str], upstream: list[str], own: list[str]) -> list[tuple[int, int]]:
    """Return the 1-based line ranges of ``upstream`` that conflict with ``own``'s change of ``base``.

    An upstream change conflicts when the region of the base it replaces overlaps (or touches) a
    region the other side changed. A removal (no lines left upstream) is the range of the lines
    around it, which ``git log -L`` follows back to the commit that removed them.
    """
    mine = [(i1, i2) for tag, i1, i2, _, _ in _opcodes(base, own) if tag != "equal"]
    ranges: list[tuple[int, int]] = []
    for tag, i1, i2, j1, j2 in _opcodes(base, upstream):
        if tag == "equal" or not any(i1 <= k2 and k1 <= i2 for k1, k2 in mine):
            continue
        if j2 > j1:
            ranges.append((j1 + 1, j2))
        elif upstream:  # removed upstream: the line before and the line after
            ranges.append((max(1, j1), min(len(upstream), j1 + 1)))
    merged: list[tuple[int, int]] = []
    for start, end in sorted(ranges):
        if merged and start <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged[:MAX_RANGES]


def _opcodes(old: list[str], new: list[str]) -> list[tuple[str, int, int, int, int]]:
    return list(difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes())


def _touching(git: Git, base: str, onto: str, paths: list[str]) -> dict[str, list[Upstream]]:
    """Map each path to the upstream commits (base..onto) that touched it, newest first, in one git call."""
    result = git.run(
        "log", _FORMAT, "--date=short", "--name-only", "-z", f"{base}..{onto}", "--", *paths[:100], ok=(0, 128)
    )
    found: dict[str, list[Upstream]] = {}
    for record in result.stdout.split("\x01")[1:]:
        header, _, names = record.partition("\n")
        item = _commit(header)
        if item is None:
            continue
        for name in names.split("\0"):
            if name.strip("\n"):
                found.setdefault(name.strip("\n"), []).append(item)
    return found


def _stages(git: Git) -> dict[str, dict[str, str]]:
    """Map each unmerged path to its stages' blob ids (``{"1": sha, "2": sha, "3": sha}``)."""
    listed = git.run("ls-files", "-u", "-z").stdout
    found: dict[str, dict[str, str]] = {}
    for entry in listed.split("\0"):
        info, _, path = entry.partition("\t")
        fields = info.split()
        if len(fields) == 3 and path:
            found.setdefault(path, {})[fields[2]] = fields[1]
    return found


def _contents(git: Git, shas: list[str]) -> dict[str, list[str] | None]:
    """Return the lines of each blob, in one ``cat-file --batch``; None for a binary or too big one."""
    if not shas:
        return {}
    result = git.run("cat-file", "--batch", stdin="".join(f"{sha}\n" for sha in shas), ok=(0, 128))
    data = result.stdout.encode("utf-8", "surrogateescape")
    found: dict[str, list[str] | None] = {}
    position = 0
    while position < len(data):
        end = data.find(b"\n", position)
        header = data[position:end].split() if end >= 0 else []
        if len(header) != 3:
            break
        size = int(header[2])
        blob = data[end + 1 : end + 1 + size]
        position = end + 2 + size
        text = None if b"\0" in blob else blob.decode("utf-8", "surrogateescape").splitlines()
        found[header[0].decode()] = text if text is None or len(text) <= MAX_LINES else None
    return found


def _follow(git: Git, path: str, ranges: list[tuple[int, int]], span: str, budget: float) -> list[Upstream] | None:
    """Return the commits of base..tip that changed ``ranges`` of ``path`` (newest first), None past the budget."""
    spans = [f"-L{start},{end}:{path}" for start, end in ranges]
    result = git.run("log", *spans, "-s", _FORMAT, "--date=short", span, ok=(0, 128), timeout=budget)
    if result.timed_out or result.code:
        return None
    return [item for item in map(_commit, result.stdout.split("\x01")[1:]) if item is not None]


def _commit(header: str) -> Upstream | None:
    fields = header.strip("\0\n").split("\0")
    if len(fields) < 5:
        return None
    return Upstream(sha=fields[0], short=fields[1], author=fields[2], date=fields[3], subject=fields[4].strip())
