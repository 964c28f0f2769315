"""The upstream commits behind a conflict: those that changed (or removed) the conflicting lines.

For each conflicted file, the regions of the merge base's version that upstream changed and that
the stopped commit changed too are the conflicting lines. ``git blame --reverse base..onto`` tells,
for each of those base lines, the last upstream commit in which it still existed: the commit after
it (the next one that touched the file) is the one that changed or removed the line, which a blame
of the target cannot see. Lines upstream only inserted there are followed with ``git log -L`` on the
target. One ``cat-file`` for all files, then one or two git processes per file, a few files at most,
and a time budget: past it, the guidance falls back to the newest upstream commits of the file.
"""

from __future__ import annotations

import difflib
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass, field

from align.git import Git

MAX_FILES = 5  # conflicted files looked into, at most
MAX_RANGES = 8  # line ranges of one file followed, at most
MAX_LINES = 20_000  # a bigger version is not compared line by line
SLACK = 2  # lines between an upstream change and the other side's that git may still see as touching
SIMILAR, SIMILAR_LINES = 0.6, 40  # a short replacement keeping this share of the words is an edit
_WORD = re.compile(r"\w+")
_ERE_SPECIAL = re.compile(r"[.\[\]()*+?{}|^$\\]")  # what a POSIX extended regex gives a meaning to
PICKAXE_MIN, PICKAXE_LINES = 6, 3  # lines shorter than this tell nothing; this many of the longest are looked for
BUDGET_S = 1.5  # for all the blame and log calls of one pause
_FORMAT = "--format=%x01%H%x00%h%x00%an%x00%ad%x00%s%x00%P"

Ranges = list[tuple[int, int]]


@dataclass(frozen=True, kw_only=True)
class Upstream:
    """An upstream commit: sha, short sha, author, date (YYYY-MM-DD), subject and parents (as path-limited)."""

    sha: str
    short: str
    author: str
    date: str
    subject: str
    parents: tuple[str, ...] = ()

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
    tried: bool = False  # both sides have the file as text: its conflicting lines were looked for


@dataclass(frozen=True, kw_only=True)
class _History:
    """The upstream commits base..onto that touched the conflicted files, newest first, and their files."""

    commits: list[Upstream]
    files: dict[str, set[str]]  # sha -> the conflicted paths it touched


def causes(git: Git, base: str, onto: str, paths: list[str], *, merging: bool) -> dict[str, Cause]:
    """Return the cause of each conflicted path in ``paths``: upstream commits ``base..onto`` behind it.

    The stopped commit's side is stage 3 during a rebase (stage 2, ours, is the target plus the
    commits picked so far) and stage 2 during a merge of the target (your branch).
    """
    if not paths or not base:
        return {}
    history = _history(git, base, onto, paths)
    found = {path: Cause() for path in paths}
    for item in history.commits:
        for path in history.files.get(item.sha, ()):
            found[path].touched.append(item)
    own_stage = "2" if merging else "3"
    stages = _stages(git)
    looked = paths[:MAX_FILES]
    wanted = [(f"{base}:{path}", f"{onto}:{path}", *_pick(stages.get(path, {}), "1", own_stage)) for path in looked]
    contents = _contents(git, [name for names in wanted for name in names])
    deadline = time.monotonic() + BUDGET_S
    for path, names in zip(looked, wanted, strict=True):
        cause = found[path]
        old, new, before, own = (contents.get(name) if name else None for name in names)
        if new is None and old is not None:  # deleted upstream: the newest commit that touched it
            cause.removed_by = next(iter(cause.touched), None)
            cause.exact = cause.removed_by is not None
            continue
        if old is None or new is None or before is None or own is None:  # added, binary, or too big
            continue
        cause.tried = True
        removed, inserted = conflicting_ranges(old, new, _in_base(old, before, _changed(before, own)))
        named: list[Upstream] = []
        if removed and time.monotonic() < deadline:
            named += _changers(
                git, path, removed, span=(base, onto), history=history, budget=deadline - time.monotonic()
            )
        if inserted and time.monotonic() < deadline:
            named += _follow(git, path, inserted, f"{base}..{onto}", deadline - time.monotonic())
        if removed and not named and time.monotonic() < deadline:  # the lines went to another file: blame followed them
            lines = [old[index - 1] for start, end in removed for index in range(start, end + 1)]
            named += _pickaxe(git, path, lines, f"{base}..{onto}", deadline - time.monotonic())
        order = {item.sha: index for index, item in enumerate(history.commits)}
        unique = {item.sha: item for item in named}
        cause.lines = sorted(unique.values(), key=lambda item: order.get(item.sha, len(order)))
        cause.exact = bool(cause.lines)
    return found


def _pick(versions: dict[str, str], *stages: str) -> tuple[str, ...]:
    return tuple(versions.get(stage, "") for stage in stages)


def conflicting_ranges(base: list[str], upstream: list[str], own: Ranges) -> tuple[Ranges, Ranges]:
    """Return the conflicting lines: (1-based ranges of ``base`` upstream changed or removed, ranges of
    ``upstream`` it inserted or rewrote), where they overlap or touch ``own`` (0-based half-open ranges
    of ``base`` the other side changed). When none does, the upstream changes within ``SLACK`` lines:
    git's diff may slide a removed block past blank lines to meet the other side's change, where
    Python's diff leaves them between the two."""
    blocks = [block for block in _opcodes(base, upstream) if block[0] != "equal"]
    for slack in (0, SLACK):
        found = _overlapping(base, upstream, blocks, own, slack)
        if found != ([], []):
            return found
    return [], []


def _overlapping(
    base: list[str], upstream: list[str], blocks: list[tuple[str, int, int, int, int]], own: Ranges, slack: int
) -> tuple[Ranges, Ranges]:
    removed: Ranges = []
    inserted: Ranges = []
    for _tag, i1, i2, j1, j2 in blocks:
        if not any(i1 <= k2 + slack and k1 <= i2 + slack for k1, k2 in own):
            continue
        if i2 > i1:
            removed.append((i1 + 1, i2))
        if j2 > j1 and (i1 == i2 or _edited(base[i1:i2], upstream[j1:j2])):
            inserted.append((j1 + 1, j2))
    return _merged(removed), _merged(inserted)


def _edited(old: list[str], new: list[str]) -> bool:
    """Tell whether ``new`` lines are an edit of ``old`` ones (then upstream's later edits of them count
    too) rather than other code that took their place (whose history is not the conflict's): most of
    the words of the old lines are still there."""
    if max(len(old), len(new)) > SIMILAR_LINES:
        return False
    before, after = set(_WORD.findall("\n".join(old))), set(_WORD.findall("\n".join(new)))
    return bool(before) and len(before & after) >= SIMILAR * len(before)


def _changed(old: list[str], new: list[str]) -> Ranges:
    """Return the 0-based half-open ranges of ``old`` that ``new`` changes."""
    return [(i1, i2) for tag, i1, i2, _, _ in _opcodes(old, new) if tag != "equal"]


def _in_base(base: list[str], before: list[str], ranges: Ranges) -> Ranges:
    """Map ranges of ``before`` (the stopped commit's parent) onto ``base`` (the same file, usually)."""
    if base == before:
        return ranges
    mapped = []
    blocks = _opcodes(base, before)
    for k1, k2 in ranges:
        hits = [
            (i1 + max(k1, j1) - j1, i1 + min(k2, j2) - j1) if tag == "equal" else (i1, i2)
            for tag, i1, i2, j1, j2 in blocks
            if j1 <= k2 and k1 <= j2 and (tag != "equal" or k1 == k2 or (j1 < k2 and k1 < j2))
        ]
        if hits:
            mapped.append((min(hit[0] for hit in hits), max(hit[1] for hit in hits)))
    return mapped


def _merged(ranges: Iterable[tuple[int, int]]) -> Ranges:
    merged: Ranges = []
    for start, end in sorted(ranges):
        if merged and start <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged[:MAX_RANGES]


def _opcodes(old: list[str], new: list[str]) -> list[tuple[str, int, int, int, int]]:
    return list(difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes())


def _history(git: Git, base: str, onto: str, paths: list[str]) -> _History:
    """Return the upstream commits (base..onto) that touched ``paths``, in one git call."""
    result = git.run(
        "log", "--parents", _FORMAT, "--date=short", "--name-only", "-z", f"{base}..{onto}", "--", *paths[:100],
        ok=(0, 128),
    )  # fmt: skip
    commits: list[Upstream] = []
    files: dict[str, set[str]] = {}
    wanted = set(paths)
    for record in result.stdout.split("\x01")[1:]:
        header, _, names = record.partition("\n")
        item = _commit(header)
        if item is not None:
            commits.append(item)
            files[item.sha] = {name.strip("\n") for name in names.split("\0")} & wanted
    return _History(commits=commits, files=files)


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


def _contents(git: Git, names: list[str]) -> dict[str, list[str] | None]:
    """Return the lines of each object named (``sha`` or ``rev:path``) that is a text blob, in one call.

    Missing objects, binary blobs and very long files are left out.
    """
    names = [name for name in names if name and "\n" not in name]
    if not names:
        return {}
    result = git.run("cat-file", "--batch", stdin="".join(f"{name}\n" for name in names), ok=(0, 128))
    data = result.stdout.encode("utf-8", "surrogateescape")
    found: dict[str, list[str] | None] = {}
    position = 0
    for name in names:
        end = data.find(b"\n", position)
        if end < 0:
            break
        header = data[position:end].split()
        if len(header) != 3 or header[1] != b"blob":
            position = end + 1  # "<name> missing" (or not a blob: no content follows for missing ones)
            continue
        size = int(header[2])
        blob = data[end + 1 : end + 1 + size]
        position = end + 2 + size
        text = None if b"\0" in blob else blob.decode("utf-8", "surrogateescape").splitlines()
        if text is not None and len(text) <= MAX_LINES:
            found[name] = text
    return found


def _changers(
    git: Git, path: str, ranges: Ranges, *, span: tuple[str, str], history: _History, budget: float
) -> list[Upstream]:
    """Return the upstream commits that changed or removed ``ranges`` of ``path`` as it is in ``base``.

    ``blame --reverse`` names the last commit each line existed in and, as ``previous``, the commit
    after it that changed the line; without that, the next commits down the path-limited history
    that touched ``path`` are those that changed it.
    """
    base, onto = span
    spans = [f"-L{start},{end}" for start, end in ranges]
    result = git.run(
        "blame", "--reverse", "--porcelain", *spans, f"{base}..{onto}", "--", path, ok=(0, 128), timeout=budget
    )
    if result.timed_out or result.code:
        return []
    last: set[str] = set()
    after: dict[str, str] = {}  # a reverse blame's ``previous``: the commit that changed the line next
    current = ""
    for line in result.stdout.splitlines():
        if _is_header(line):
            current = line.split()[0]
            last.add(current)
        elif line.startswith("previous ") and current:
            after[current] = line.split()[1]
    known = {item.sha: item for item in history.commits}
    children: dict[str, list[Upstream]] = {}
    for item in history.commits:
        for parent in item.parents:
            children.setdefault(parent, []).append(item)
    named: dict[str, Upstream] = {}
    for sha in last - {onto}:
        if after.get(sha) in known:  # the line's last commit is not always in the path-limited history
            named[after[sha]] = known[after[sha]]
            continue
        todo, seen = list(children.get(sha, [])), set()
        while todo:
            item = todo.pop()
            if item.sha in seen:
                continue
            seen.add(item.sha)
            if path in history.files.get(item.sha, ()):
                named[item.sha] = item
            else:
                todo += children.get(item.sha, [])
    return list(named.values())


def _is_header(line: str) -> bool:
    fields = line.split()
    return len(fields) >= 3 and len(fields[0]) >= 40 and all(char in "0123456789abcdef" for char in fields[0])


def _follow(git: Git, path: str, ranges: Ranges, span: str, budget: float) -> list[Upstream]:
    """Return the commits of ``span`` that changed ``ranges`` of ``path`` in its tip (newest first)."""
    spans = [f"-L{start},{end}:{path}" for start, end in ranges]
    result = git.run("log", *spans, "-s", _FORMAT, "--date=short", span, ok=(0, 128), timeout=budget)
    if result.timed_out or result.code:
        return []
    return [item for item in map(_commit, result.stdout.split("\x01")[1:]) if item is not None]


def _pickaxe(git: Git, path: str, lines: list[str], span: str, budget: float) -> list[Upstream]:
    """Return the commits of ``span`` that added or removed one of the most telling ``lines`` in ``path``
    (``git log -S``, as a person would ask): a few of the longest, each a fixed string in a regex."""
    telling = sorted(
        {line.strip() for line in lines if len(line.strip()) >= PICKAXE_MIN}, key=lambda line: (-len(line), line)
    )
    if not telling:
        return []
    pattern = "|".join(_ERE_SPECIAL.sub(r"\\\g<0>", line) for line in telling[:PICKAXE_LINES])
    result = git.run(
        "log", "--pickaxe-regex", f"-S{pattern}", _FORMAT, "--date=short", span, "--", path, ok=(0, 128), timeout=budget
    )  # fmt: skip
    if result.timed_out or result.code:
        return []
    return [item for item in map(_commit, result.stdout.split("\x01")[1:]) if item is not None]


def _commit(header: str) -> Upstream | None:
    fields = header.strip("\0\n").split("\0")
    if len(fields) < 6:
        return None
    return Upstream(
        sha=fields[0],
        short=fields[1],
        author=fields[2],
        date=fields[3],
        subject=fields[4].strip(),
        parents=tuple(fields[5].split()),
    )
