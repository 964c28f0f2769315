"""Recover from what a failed git command left half-done (a full disk): called by the rollback.

git writes the working tree before the index, and its rebase state file by file: a checkout that fails
for want of space leaves files of the commit it was going to (untracked, or modified against an index
that was not written), and a rebase that fails there can leave ``rebase-merge/`` half-written, so that
``git rebase --abort`` refuses (``invalid onto: ''``, ``could not move back``, ``untracked working tree
files would be overwritten``). align knows from its journal what git's abort would have restored: the
branch (at its pre-run tip) checked out with its index and files.

A file is taken for a leftover only when its bytes (as ``git add`` would store them) are those of the same
path in one of the run's commits, or the start of them (git stopped writing it when the disk was full):
removing it or checking it out again loses nothing. Any other file in the way is kept in the stash, with a
warning. A signal does the same to a ``git switch`` of the run, which writes the files, then the index, then
HEAD: stopped between the last two, it leaves an index that differs from HEAD (staged changes) with the
target's entries; an entry whose blob (or absence) is that of one of the run's commits is the run's too.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from align.context import Context
from align.errors import GitError
from align.plan import NO_SUBMODULES
from align.steps import stash

CUT_SHORT_MAX = 1 << 20  # bytes: a larger blob is not read to tell whether a file is the start of it
REBASE_STATE = ("head-name", "onto", "orig-head", "git-rebase-todo")  # what `git rebase --continue` reads


def broken_rebase(context: Context) -> str:
    """Return why git's rebase cannot be continued (its state half-written: a full disk), or "" when it can."""
    folder = context.git.git_path("rebase-merge")
    if not folder.is_dir():
        return ""
    missing = [name for name in REBASE_STATE if not _readable(folder / name, empty=name == "git-rebase-todo")]
    if not missing:
        return ""
    return f"git's rebase state is incomplete ({', '.join(missing)} missing or empty in {folder}: a full disk?)"


def abort_rebase(context: Context) -> None:
    """Run ``git rebase --abort``; when git cannot, do what it would have done from the journal."""
    git, journal = context.git, context.journal
    try:
        git.run(*NO_SUBMODULES, "rebase", "--abort")
        journal.rebase_abandoned = ""  # git could, after all (a fallback that stopped before `rebase --quit`)
    except GitError as error:
        journal.rebase_abandoned = error.one_line()
        context.save()  # from here on, git's rebase state is gone: the journal says what is left to do
        quit_rebase(context)
        _check_out_branch(context)


def quit_rebase(context: Context) -> None:
    """``git rebase --quit``; a state so incomplete that git sees no rebase in it (a kill while git set it
    up) is this run's own (the journal says it started a rebase) and is removed."""
    context.git.run(*NO_SUBMODULES, "rebase", "--quit", ok=(0, 128))
    folder = context.git.git_path("rebase-merge")
    if folder.is_dir():
        shutil.rmtree(folder)


def tidy(context: Context) -> None:
    """Put back the files a failed checkout of the run changed: leftovers of one of the run's commits (and
    finish a drop of align's entry from the stash list that a signal stopped half-way)."""
    stash.finish_drop(context.git, context.journal)
    if context.journal.rebase_abandoned:  # a rollback that stopped after `git rebase --quit` (a full disk?)
        _check_out_branch(context)
    else:
        _put_back_leftovers(context)


def _put_back_leftovers(context: Context) -> None:
    """Check out again, or remove, the changed files whose bytes are (the start of) the run's own."""
    git, journal = context.git, context.journal
    # The user's tree as the user left it (or with the work carried through the memory engine's checkout,
    # whose own paths ``carry.finish`` puts right).
    untouched = journal.engine == "memory" and (not journal.tree_moved or journal.carried)
    if untouched or not (journal.stash or journal.started_rebase or journal.tree_moved or "rebase" in journal.done):
        return  # the user's work is still in the tree (or the run made no checkout): nothing is a leftover
    modified, deleted, untracked, staged = _changes(context)
    if not (modified or deleted or untracked or staged):
        return
    commits = _run_commits(context)
    unstaged = _staged_by_the_run(context, staged)
    if unstaged:  # the index as HEAD there; the files the switch wrote are then put back with the others
        git.run("--literal-pathspecs", "reset", "--quiet", "--", *unstaged)
        modified, deleted, untracked, _ = _changes(context)
    same = _leftovers(context, [*modified, *untracked], commits)
    restore = [path for path in modified if path in same]
    absent = set().union(*(set(deleted) - set(_paths(context, commit, deleted)) for commit in commits))
    restore += [path for path in deleted if path in absent]  # a checkout to a commit without them removed them
    if restore:
        git.run("--literal-pathspecs", "checkout", "--quiet", "--", *restore)
    for path in untracked:
        if path in same:
            os.unlink(git.cwd / path)


def _check_out_branch(context: Context) -> None:
    """After ``git rebase --quit``: the branch checked out at its pre-run tip, with its index and files
    (what ``git rebase --abort`` does); untracked files in the way are kept in the stash. Can be run again."""
    git, journal = context.git, context.journal
    git.run(
        "symbolic-ref", "-m", f"align {journal.run.run_id}: rollback (rebase --abort failed)", "HEAD", journal.run.ref
    )
    _put_back_leftovers(context)
    _, _, untracked, _ = _changes(context)
    tracked = _paths(context, "HEAD", untracked)  # under the untracked paths too: a file where a folder goes
    in_the_way = sorted(
        path for path in untracked if any(name == path or name.startswith(f"{path}/") for name in tracked)
    )
    git.run("reset", "--quiet")  # the index as HEAD (no unmerged entries left), the files untouched
    if in_the_way:  # `reset --hard` would overwrite them: keep them aside first
        message = f"align {journal.run.run_id}: untracked files in the way of the rollback"
        stash.push_aside(git, message, in_the_way)
        context.warnings.append(f"untracked files in the way of the rollback are kept in the stash: {message}")
    git.run("reset", "--quiet", "--hard")
    context.warnings.append(
        f"git could not abort its rebase ({journal.rebase_abandoned}); align put {journal.run.branch} back from its "
        "journal (`git rebase --quit`, then the branch checked out at its pre-run tip)"
    )
    journal.rebase_abandoned = ""
    context.save()


def _changes(context: Context) -> tuple[list[str], list[str], list[str], list[str]]:
    """Return the paths modified and deleted in the working tree only (index as HEAD), the untracked ones, and
    the paths whose index entry differs from HEAD's (not unmerged)."""
    argv = ("--no-optional-locks", "status", "--porcelain=v1", "-z", "--untracked-files=all", "--no-renames")
    listed = context.git.run(*argv).stdout  # no index refresh: nothing to write on a full disk
    modified, deleted, untracked, staged = [], [], [], []
    for entry in listed.split("\0"):
        code, path = entry[:2], entry[3:]
        if code == " M":
            modified.append(path)
        elif code == " D":
            deleted.append(path)
        elif code == "??":
            untracked.append(path)
        elif len(code) == 2 and code[0] in "MAD" and code[1] in " MD":  # (AA, DD, anything with U: unmerged)
            staged.append(path)
    return modified, deleted, untracked, staged


def _staged_by_the_run(context: Context, staged: list[str]) -> list[str]:
    """Return the ``staged`` paths whose index entry is the one one of the run's commits has there (its blob,
    or no entry where the commit has none): what a switch of the run stopped before it moved HEAD wrote.

    Such a switch goes from one of the run's commits, or from HEAD detached by the rollback (at the run's
    result, which a killed run may not have recorded), to another: with HEAD on a branch anywhere else
    (someone else moved the branch checked out), the index is the run's result, which the rollback keeps.
    """
    if not staged:
        return []
    commits = _run_commits(context, head=False)
    git = context.git
    attached = git.run("symbolic-ref", "--quiet", "HEAD", ok=(0, 1)).code == 0
    if attached and git.commit_of("HEAD") not in commits:
        return []
    listed = context.git.run("--literal-pathspecs", "ls-files", "--stage", "-z", "--", *staged).stdout
    index = {}
    for entry in listed.split("\0"):
        if entry:
            info, _, path = entry.partition("\t")
            index[path] = info.split()[1]
    trees = [_paths(context, commit, staged) for commit in commits]
    return [path for path in staged if any(tree.get(path) == index.get(path) for tree in trees)]


def _run_commits(context: Context, *, head: bool = True) -> list[str]:
    """Return the commits whose files a checkout of the run may have written (a stash apply too: the
    user's work, index and untracked files, which align applies again afterwards).

    Unless ``head``, neither HEAD's commit nor the branch's current tip (someone else may have moved it):
    only the commits the run itself went to.
    """
    journal = context.journal
    names = [journal.run.original_tip, journal.new_tip, journal.onto_sha]
    if head:
        names += ["HEAD", journal.run.original_head]
    elif journal.run.original_head != journal.run.ref:  # (a branch name: where it is now)
        names.append(journal.run.original_head)
    if journal.stash:
        names += [journal.stash, f"{journal.stash}^2", f"{journal.stash}^3"]
    commits = [context.git.commit_of(name) or "" for name in names if name]
    return list(dict.fromkeys(commit for commit in commits if commit))


def _paths(context: Context, commit: str, paths: list[str]) -> dict[str, str]:
    """Return which of ``paths`` are files in ``commit``, with their blob ids."""
    if not paths:
        return {}
    listed = context.git.run("ls-tree", "-r", "-z", "--full-tree", commit, "--", *paths).stdout
    found = {}
    for entry in listed.split("\0"):
        if entry:
            info, _, path = entry.partition("\t")
            found[path] = info.split()[-1]
    return found


def foreign(context: Context, paths: list[str]) -> list[str]:
    """Return the ``paths`` (files in the working tree) whose bytes are not (the start of) the run's own."""
    files = [path for path in paths if not path.endswith(".lock")]
    if not files:
        return []
    same = _leftovers(context, files, _run_commits(context))
    return [path for path in files if path not in same]


def _leftovers(context: Context, paths: list[str], commits: list[str]) -> set[str]:
    """Return the ``paths`` whose contents (as ``git add`` would store them) are in one of ``commits`` there."""
    root = context.git.cwd
    files = [path for path in paths if os.path.isfile(root / path) and not os.path.islink(root / path)]
    files = [path for path in files if "\n" not in path]  # one path a line for hash-object
    if not files:
        return set()
    hashed = context.git.run("hash-object", "--stdin-paths", stdin="".join(f"{path}\n" for path in files))
    blobs = dict(zip(files, hashed.stdout.split(), strict=True))
    same, started = set(), []
    for commit in commits:
        for path, blob in _paths(context, commit, files).items():
            if path not in blobs:  # a file under a folder of that name in the commit
                continue
            if blobs[path] == blob:
                same.add(path)
            else:
                started.append((path, blob))
    return same | _cut_short(context, [(path, blob) for path, blob in started if path not in same])


def _cut_short(context: Context, candidates: list[tuple[str, str]]) -> set[str]:
    """Return the paths whose bytes are the start of the blob (a checkout that ran out of space)."""
    if not candidates:
        return set()
    git = context.git
    checked = git.run(
        "cat-file", "--batch-check=%(objectname) %(objectsize)", stdin="".join(f"{blob}\n" for _, blob in candidates)
    )
    sizes = dict(line.split() for line in checked.stdout.splitlines() if len(line.split()) == 2)
    found = set()
    for path, blob in candidates:
        size, on_disk = int(sizes.get(blob, 0)), os.path.getsize(git.cwd / path)
        if not on_disk < size <= CUT_SHORT_MAX:
            continue
        content = git.run("cat-file", "blob", blob).stdout.encode("utf-8", "surrogateescape")
        if content.startswith((git.cwd / path).read_bytes()):
            found.add(path)
    return found


def _readable(path: Path, *, empty: bool) -> bool:
    """Tell whether ``path`` is a file git can read (and, unless ``empty``, holds something)."""
    try:
        return bool(path.read_text(encoding="utf-8", errors="replace").strip()) or empty
    except OSError:
        return False
