"""Builders of alignment scenarios: feature branches, an upstream that moved on, conflicts, dirty trees, recipes.

Each builder works on a ``Repo`` (a clone with a bare ``origin``, see ``tests/helpers.py``) with real git and
returns what the test needs to check afterwards (shas, paths). What a test reads back lives in
``tests/snapshots.py``; what stands in for a terminal or a remote in ``tests/fakes.py``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from align.cli import main
from tests.helpers import BRANCH, OTHER, REF, Repo, git, write
from tests.snapshots import Snapshot, rev, snapshot, stashes

# A feature commit and an upstream commit that both change README.md ("hello\n" on main).
FEATURE_EDIT = ("README.md", "hello from the feature\n", "feature: reword the readme")
UPSTREAM_EDIT = ("README.md", "hello from upstream\n", "upstream: reword the readme")
RESOLVED = "hello from both\n"


# -- branches and an upstream that moves on ----------------------------------------------------------


def upstream(repo: Repo, name: str, text: str, message: str, *, fetch: bool = False) -> str:
    """Commit on origin's main from a second clone (this clone's origin/main stays stale unless ``fetch``)."""
    return upstream_changes(repo, {name: text}, message, fetch=fetch)


def upstream_changes(repo: Repo, changes: Mapping[str, str | None], message: str, *, fetch: bool = False) -> str:
    """Commit ``changes`` (see ``commit_changes``) on origin's main from a second clone; return the commit."""
    other = repo.origin.parent / "other"
    if not other.exists():
        git(repo.origin.parent, "clone", "--quiet", str(repo.origin), str(other))
    else:
        git(other, "pull", "--quiet", "--ff-only")
    sha = commit_changes(other, changes, message)
    git(other, "push", "--quiet", "origin", "main")
    if fetch:
        repo.git("fetch", "--quiet", "origin")
    return sha


def commit_changes(path: Path, changes: Mapping[str, str | None], message: str) -> str:
    """In the clone at ``path``: write each file of ``changes`` (None: remove it, in the order given, so a file
    can make way for a directory), commit them and return the commit."""
    for name, text in changes.items():
        if text is None:
            git(path, "rm", "--quiet", "--", name)
        else:
            write(path / name, text)
            git(path, "add", "--", name)
    git(path, "commit", "--quiet", "-m", message)
    return git(path, "rev-parse", "HEAD")


def feature(repo: Repo, *commits: tuple[str, str, str], branch: str = BRANCH) -> list[str]:
    """Create ``branch`` from main with one commit per (file, text, subject); leave it checked out."""
    repo.git("switch", "--quiet", "-c", branch, "main")
    return [repo.commit(name, text, subject) for name, text, subject in commits]


def three_commits(repo: Repo, *, conflicting: bool = False) -> list[str]:
    """feature/x with 3 commits; the middle one changes README.md when ``conflicting``."""
    middle = FEATURE_EDIT if conflicting else ("b.txt", "b\n", "feature: add b")
    return feature(repo, ("a.txt", "a\n", "feature: add a"), middle, ("c.txt", "c\n", "feature: add c"))


def moved_upstream(repo: Repo, *, conflicting: bool = False) -> str:
    """origin/main gains one commit (touching README.md when ``conflicting``); return its sha."""
    if conflicting:
        return upstream(repo, *UPSTREAM_EDIT)
    return upstream(repo, "up.txt", "upstream\n", "upstream: add up")


def fetched_feature(repo: Repo) -> list[str]:
    """feature/x (3 commits, checked out) behind origin/main, which is already fetched: a fetch changes nothing."""
    old = three_commits(repo)
    moved_upstream(repo)
    repo.git("fetch", "--quiet")
    return old


def two_features(repo: Repo, *, conflicting: bool = False) -> tuple[str, str]:
    """feature/x (3 commits) and feature/y (1 commit, checked out) behind a moved origin/main; return both tips."""
    x = three_commits(repo, conflicting=conflicting)[-1]
    [y] = feature(repo, ("y.txt", "y\n", "feature: add y"), branch=OTHER)
    moved_upstream(repo, conflicting=conflicting)
    return x, y


def merged_feature(repo: Repo) -> str:
    """feature/x (checked out): one commit, then a --no-ff merge of a side branch forked from main; return the merge."""
    feature(repo, ("a.txt", "a\n", "feature: add a"))
    repo.git("switch", "--quiet", "-c", "side", "main")
    repo.commit("side.txt", "side\n", "side: add side")
    repo.git("switch", "--quiet", BRANCH)
    repo.git("merge", "--quiet", "--no-ff", "--no-edit", "side")
    repo.git("branch", "--quiet", "-D", "side")
    return rev(repo, "HEAD")


def aligned(repo: Repo) -> tuple[str, str]:
    """feature/x (3 commits, checked out) aligned onto a moved origin/main; return (old tip, new tip)."""
    old = three_commits(repo)[-1]
    moved_upstream(repo)
    assert main([BRANCH]) == 0
    return old, rev(repo, REF)


def trunk_only(repo: Repo) -> str:
    """Rename main to trunk here and on origin (origin has no HEAD, main or master); feature/x from trunk, which
    then moves on. Return feature/x's tip."""
    repo.git("branch", "--quiet", "-m", "main", "trunk")
    repo.git("push", "--quiet", "origin", "trunk")
    repo.git("--git-dir", str(repo.origin), "symbolic-ref", "HEAD", "refs/heads/trunk")
    repo.git("push", "--quiet", "origin", "--delete", "main")
    repo.git("switch", "--quiet", "-c", BRANCH, "trunk")
    tip = repo.commit("a.txt", "a\n", "feature: add a")
    repo.git("switch", "--quiet", "trunk")
    repo.commit("up.txt", "up\n", "upstream: add up")
    repo.git("push", "--quiet", "origin", "trunk")
    repo.git("switch", "--quiet", BRANCH)
    return tip


# -- a branch and an upstream that diverge; conflicts of every kind -----------------------------------------

Edit = tuple[str, str | None, str] | tuple[Mapping[str, str | None], str]  # (path, text, subject) or (changes, subject)


def _changes(edit: Edit) -> tuple[Mapping[str, str | None], str]:
    if len(edit) == 3:
        path, text, subject = edit
        return {path: text}, subject
    return edit


@dataclass(frozen=True)
class Diverged:
    """What ``diverge`` and ``conflict`` built: the branch's commits and upstream's, oldest first."""

    commits: list[str]
    upstream: list[str]

    @property
    def tip(self) -> str:
        """The branch's tip before any run."""
        return self.commits[-1]


def diverge(
    repo: Repo,
    mine: Sequence[Edit],
    theirs: Sequence[Edit],
    *,
    via: Literal["push", "clone"] = "push",
    fetch: bool = False,
    head: str = "main",
    branch: str = BRANCH,
) -> Diverged:
    """Create ``branch`` from main with the commits ``mine``; upstream gets the commits ``theirs``.

    Each commit is ``(path, text, subject)`` or ``({path: text, ...}, subject)``; a text of None removes the path.
    Upstream moves ``via`` a push from this clone's main (main and origin/main move with it) or from a second
    clone (this clone's main and origin/main stay as they were unless ``fetch``). ``head`` is checked out at the end.
    """
    repo.git("switch", "--quiet", "main")
    repo.git("switch", "--quiet", "-c", branch)
    commits = [commit_changes(repo.path, *_changes(edit)) for edit in mine]
    if via == "clone":
        upstreams = [upstream_changes(repo, *_changes(edit), fetch=fetch) for edit in theirs]
    else:
        repo.git("switch", "--quiet", "main")
        upstreams = [commit_changes(repo.path, *_changes(edit)) for edit in theirs]
        repo.git("push", "--quiet", "origin", "main")
    repo.git("switch", "--quiet", head)
    return Diverged(commits=commits, upstream=upstreams)


# What each side does to a file, by kind of conflict: (text on main first or None to keep main's, the branch's
# change, upstream's change). A change maps paths to their new text (None: remove the path).
Kind = Literal["content", "added", "deleted upstream", "deleted here", "renamed here", "directory here"]
SIX = "".join(f"{number}\n" for number in range(1, 7))
FEATURE_SIDE, UPSTREAM_SIDE = "feature side\n", "upstream side\n"


def _kind(kind: Kind, path: str) -> tuple[str | None, dict[str, str | None], dict[str, str | None]]:
    """The base text, the branch's change and upstream's change that give ``path`` a conflict of ``kind``."""
    if kind == "content":  # both modified (the base is main's text, or "one" for a new file)
        return "one\n", {path: FEATURE_SIDE}, {path: UPSTREAM_SIDE}
    if kind == "added":  # both added, no base
        return None, {path: FEATURE_SIDE}, {path: UPSTREAM_SIDE}
    if kind == "deleted upstream":  # changed by the branch, deleted upstream
        return "a\nb\nc\n", {path: "a\nb\nc\nmore\n"}, {path: None}
    if kind == "deleted here":  # deleted by the branch, changed upstream
        return "x\n", {path: None}, {path: "x\nchanged\n"}
    if kind == "renamed here":  # renamed by the branch to renamed.<suffix>, deleted upstream
        return SIX, {path: None, f"renamed{Path(path).suffix}": SIX}, {path: None}
    # directory here: the branch makes the file a directory, upstream edits the file
    return "a file\n", {path: None, f"{path}/inside.txt": "x\n"}, {path: "a file, edited\n"}


def conflict(
    repo: Repo,
    files: Mapping[str, Kind] | None = None,
    *,
    before: Sequence[Edit] = (),
    after: Sequence[Edit] = (),
    subject: str = "feature: conflict",
    upstream_subject: str = "upstream: conflict",
    via: Literal["push", "clone"] = "push",
    fetch: bool = False,
    head: str = "main",
    branch: str = BRANCH,
) -> Diverged:
    """Build ``branch`` and an upstream that moved on so that aligning the branch stops at one conflicting commit.

    ``files`` maps each conflicting path to its kind (default: README.md, content). main first gets the base
    text of each file that needs one and lacks it (one commit, pushed); the branch gets ``before``, one commit
    (``subject``) of every file's change, then ``after``; upstream gets one commit (``upstream_subject``) of every
    file's change. ``via``, ``fetch``, ``head`` and ``branch`` as for ``diverge``.
    """
    kinds = {path: _kind(kind, path) for path, kind in (files or {"README.md": "content"}).items()}
    on_main = set(repo.git("ls-tree", "-r", "--name-only", "main").splitlines())
    base = {path: text for path, (text, _, _) in kinds.items() if text is not None and path not in on_main}
    if base:
        repo.git("switch", "--quiet", "main")
        commit_changes(repo.path, base, "base: the files")
        repo.git("push", "--quiet", "origin", "main")
    mine = {path: text for _, change, _ in kinds.values() for path, text in change.items()}
    theirs = {path: text for _, _, change in kinds.values() for path, text in change.items()}
    edits: list[Edit] = [*before, (mine, subject), *after]
    return diverge(repo, edits, [(theirs, upstream_subject)], via=via, fetch=fetch, head=head, branch=branch)


# -- the user's own work -------------------------------------------------------------------------------


def make_dirty(repo: Repo) -> None:
    """Stage a new file, modify a tracked file (notes.txt, which upstream never touches), add an untracked file."""
    write(repo.path / "staged.txt", "staged\n")
    repo.git("add", "--", "staged.txt")
    write(repo.path / "notes.txt", "notes, edited\n")
    write(repo.path / "scratch.txt", "untracked\n")


def user_stashes(repo: Repo) -> list[str]:
    """Push two stashes of the user's own (notes.txt must be tracked); return the stash list."""
    for text in ("first stash\n", "second stash\n"):
        write(repo.path / "notes.txt", text)
        repo.git("stash", "push", "--quiet", "-m", text.strip())
    return stashes(repo)


def track_notes(repo: Repo) -> None:
    """Add notes.txt on main (and push it), for the dirty-tree scenarios."""
    repo.commit("notes.txt", "notes\n", "add notes")
    repo.git("push", "--quiet", "origin", "main")


def conflicting(repo: Repo, *, dirty: bool = False) -> tuple[list[str], str, Snapshot]:
    """feature/x checked out, its middle commit conflicting with origin/main (fetched); optionally a dirty
    tree and two stashes of the user's own. Return the feature commits, the upstream commit, a snapshot."""
    track_notes(repo)
    mine = [("a.txt", "a\n", "feature: add a"), FEATURE_EDIT, ("c.txt", "c\n", "feature: add c")]
    built = diverge(repo, mine, [UPSTREAM_EDIT], via="clone", fetch=True, head=BRANCH)
    if dirty:
        user_stashes(repo)
        make_dirty(repo)
    return built.commits, built.upstream[0], snapshot(repo)


# -- recipes -------------------------------------------------------------------------------------------

KEEP_RECIPE = """\
version: 1
steps:
  - backup: {}
  - fetch: {}
  - rebase: {onto: "${remote}/${target}"}
  - on_conflict: {action: pause}
  - on_fail: {action: %s}
  - validate: {run: [["false"]]}
  - report: {formats: [console]}
"""

# The steps every custom recipe starts with: a default alignment that pauses at a conflict and rolls back a failure.
ALIGN_STEPS = (
    "backup: {}",
    "fetch: {}",
    'rebase: {onto: "${remote}/${target}"}',
    "on_conflict: {action: pause}",
    "on_fail: {action: rollback}",
)
REPORT = "report: {formats: [console]}"

# A noxfile with a session that passes (writing its posargs to {out}) and one that fails; no virtualenvs.
NOXFILE = """\
import pathlib

import nox


@nox.session(venv_backend="none")
def good(session):
    pathlib.Path({out!r}).write_text(" ".join(["good", *session.posargs]))


@nox.session(venv_backend="none")
def bad(session):
    session.error("lint found 2 problems")
"""


def recipe(tmp_path: Path, text: str) -> str:
    """Write a recipe file outside the working tree and return its path."""
    return str(write(tmp_path / "recipes" / "r.yaml", text))


def steps_recipe(tmp_path: Path, *steps: str, name: str = "r.yaml") -> str:
    """Write a recipe with these ``steps`` (flow-style YAML mappings) outside the tree; return its path."""
    body = "version: 1\nsteps:\n" + "".join(f"  - {step}\n" for step in steps)
    return str(write(tmp_path / "recipes" / name, body))


def disk_recipe(tmp_path: Path) -> str:
    """The default recipe with ``engine: disk``: for the tests of git's rebase in the working tree (a branch
    not checked out would be aligned in memory otherwise)."""
    return str(
        write(tmp_path / "recipes" / "disk.yaml", "version: 1\nextends: default\npatch:\n  rebase: {engine: disk}\n")
    )
