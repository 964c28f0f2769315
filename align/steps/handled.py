"""What the user did with git's own commands while align was paused at a conflict.

During a pause the user may run ``git rebase --continue``, ``--skip``, ``--abort`` or ``--quit`` (or
``git merge --abort``, ``git commit``) instead of align's commands. align respects that choice: a
commit the user skipped with git is reported as skipped by the user (not lost), one they resolved
with git as resolved, and a rebase they ended with git is not continued.
"""

from __future__ import annotations

from align.context import Context
from align.git import Git
from align.journal import Conflict, Dropped, Journal
from align.recipe.model import Rebase
from align.steps import conflict

# The fields that tell which original commit a rebased one was made from: git keeps them on a pick.
_IDENTITY = "%H%x00%an%x00%ae%x00%at%x00%s"
SKIPPED = "skipped by the user (with git)"
RESOLVED = "resolved by the user (with git)"
GIT_ONLY = "changed on both sides"  # the kind of a file in a conflict only git saw (align was not running)
ENDED = "aborted by the user (with git)"


def settle_pending(context: Context, *, merging: bool) -> None:
    """Record what became of the commit align paused at, when the user went past it with git."""
    if settle(context.git, context.journal, merging=merging):
        context.save()


def settle(git: Git, journal: Journal, *, merging: bool) -> bool:
    """Record in ``journal`` (not written) what the user did with git since the pause; tell whether it changed.

    Every commit git went past since then is accounted for: one skipped with ``git rebase --skip``
    (git stops only at conflicts in align's rebase) is dropped as skipped by the user; one committed by
    ``git rebase --continue`` is a conflict resolved by the user; the others were picked cleanly.
    ``align status`` calls it on a copy of the journal: it only reads.
    """
    pending = (
        journal.found.conflicts[-1]
        if journal.found.conflicts and journal.found.conflicts[-1].resolution == "pending"
        else None
    )
    if pending is None:
        return False
    now = git.progress()
    rebasing = now.rebasing
    here = conflict.commit_at(git)["commit"] if rebasing or merging else ""
    if here and pending.commit not in ("", "?") and here.startswith(pending.commit):
        return False  # still stopped at the same commit: nothing was done with git
    if merging:
        if now.merging:
            return False
        moved = git.commit_of(journal.run.ref) != journal.run.original_tip
        pending.resolution = RESOLVED if moved else ENDED
        return True
    if not rebasing and git.commit_of(journal.run.ref) == journal.run.original_tip:
        pending.resolution = ENDED  # `git rebase --abort` or `--quit`
        return True
    originals = _originals(git, journal)
    first = next((index for index, item in enumerate(originals) if item[0].startswith(pending.commit)), None)
    if first is None or not pending.commit:
        return False
    processed = now.done - {here} if rebasing else None  # None: git finished, every commit went by
    passed = [item for item in originals[first:] if processed is None or item[0] in processed]
    new = _identities(git, journal.onto_sha, "HEAD" if rebasing else journal.run.ref)
    continued = _continued(git, journal.run.run_id)
    upstream = _upstream_equivalent(git, journal)
    known = {item.commit for item in journal.found.dropped}
    seen: list[tuple[Conflict, str]] = []
    for item in passed:
        sha, subject, mine = item[0], item[4], item[0] == originals[first][0]
        if item[1:] in new:
            resolution = RESOLVED if mine or subject in continued else ""
        elif sha in upstream or sha in known:
            resolution = ""  # git dropped it (already upstream), or align knows it already
        else:
            resolution = SKIPPED
            journal.found.dropped.append(Dropped(commit=sha, short=sha[:12], subject=subject, reason=SKIPPED))
        if mine:
            pending.resolution = resolution or RESOLVED
        elif resolution:
            found = Conflict(commit=sha[: len(pending.commit)], subject=subject, files=[], resolution=resolution)
            journal.found.conflicts.append(found)
            seen.append((found, sha))
    _fill_files(git, journal, seen)
    if rebasing:
        files = git.unmerged()
        if files:  # git stopped again, at another commit
            conflict.noted(git, journal, files)
    return True


def unchanged_detail(context: Context) -> str:
    """Say why the branch did not change when align expected a rebase or merge to have moved it."""
    merging = context.options(Rebase).strategy == "merge"
    ended = ended_with_git(context.git, context.journal, merging=merging)
    if ended:
        return f"{ended} during the pause: there is nothing left to continue"
    return "the branch did not change (was git's rebase aborted by hand?)"


def ended_with_git(git: Git, journal: Journal, *, merging: bool) -> str:
    """Say how the user ended the paused rebase (or merge) with git; "" when they did not.

    ``git rebase --abort`` puts HEAD back on the branch; ``--quit`` leaves it detached where it was.
    """
    if not any(item.resolution == ENDED for item in journal.found.conflicts):
        return ""
    what = "merge" if merging else "rebase"
    head = git.run("symbolic-ref", "-q", "HEAD", ok=(0, 1)).stdout.strip()
    if merging or (head == journal.run.ref and git.commit_of(journal.run.ref) == journal.run.original_tip):
        return f"the {what} was aborted with git (`git {what} --abort`)"
    return f"the {what} was ended with git (`git {what} --quit`?)"


def _originals(git: Git, journal: Journal) -> list[tuple[str, ...]]:
    """Return the identity fields of the branch's original commits, oldest first."""
    listed = git.run(
        "log", "--reverse", f"--format={_IDENTITY}", f"{journal.onto_sha}..{journal.run.original_tip}", "--"
    )
    return [tuple(line.split("\0")) for line in listed.stdout.splitlines()]


def _identities(git: Git, onto: str, tip: str) -> set[tuple[str, ...]]:
    """Return the identities (author, date, subject) of the commits onto..tip: the rebased ones."""
    listed = git.run("log", f"--format={_IDENTITY}", f"{onto}..{tip}", "--", ok=(0, 128))
    return {tuple(line.split("\0"))[1:] for line in listed.stdout.splitlines()}


def _continued(git: Git, run_id: str) -> set[str]:
    """Return the subjects of the commits ``git rebase --continue`` made since this run started (HEAD's reflog)."""
    listed = git.run("reflog", "-n", "1000", "--format=%gs", "HEAD", "--", ok=(0, 128))
    subjects: set[str] = set()
    for line in listed.stdout.splitlines():
        if line.startswith(f"align {run_id} (start)"):
            break
        if line.startswith("rebase (continue): "):
            subjects.add(line.removeprefix("rebase (continue): "))
    return subjects


def _upstream_equivalent(git: Git, journal: Journal) -> set[str]:
    """Return the branch's commits whose change is already upstream (git drops them: not the user's doing)."""
    listed = git.run("cherry", journal.onto_sha, journal.run.original_tip, ok=(0, 128))
    return {line[2:].strip() for line in listed.stdout.splitlines() if line.startswith("- ")}


def _fill_files(git: Git, journal: Journal, seen: list[tuple[Conflict, str]]) -> None:
    """Name the files of conflicts only git saw, those the commit and upstream (base..onto) both changed, with
    the kind git gives such a file (upstream is "us", the commit "them"), or ``changed on both sides``."""
    if not seen or not journal.base:
        return
    listed = git.run("diff", "--name-status", "--no-renames", "-z", journal.base, journal.onto_sha, "--")
    upstream = _statuses(listed.stdout)
    listed = git.run(
        "log",
        "--no-walk=unsorted",
        "--format=%x01%H",
        "--name-status",
        "--no-renames",
        "-z",
        *(sha for _, sha in seen),
        "--",
    )
    changed: dict[str, dict[str, str]] = {}
    for record in listed.stdout.split("\x01")[1:]:
        sha, _, names = record.partition("\n")
        changed[sha.strip("\0\n")] = _statuses(names)
    for found, sha in seen:
        both = [(path, status) for path, status in changed.get(sha, {}).items() if path in upstream]
        found.files = [(path, _KINDS.get((upstream[path], status), GIT_ONLY)) for path, status in both]


# What upstream (us) and the commit (them) did to a file -> the kind git names the conflict (conflict.KINDS).
_KINDS = {
    ("M", "M"): "both modified",
    ("A", "A"): "both added",
    ("M", "D"): "deleted by them",
    ("D", "M"): "deleted by us",
}


def _statuses(text: str) -> dict[str, str]:
    """Return path -> status letter from ``--name-status -z`` output (no renames)."""
    fields = [field.strip("\n") for field in text.split("\0")]
    fields = [field for field in fields if field]
    return {path: status[:1] for status, path in zip(fields[::2], fields[1::2], strict=False)}
