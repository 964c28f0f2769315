"""Issue 11, speed: align asks git each question once per run (``align.gitmemo``), and the number of git
processes of a small clean run is pinned, so that a regression shows up here with the list of commands."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from align.cli import main
from align.git import ZERO, Git
from align.gitmemo import covers, is_pure, reads
from tests.builders import feature, moved_upstream
from tests.helpers import BRANCH, REF, Repo
from tests.snapshots import rev, stashes

# The git processes of `align -q feature/x --recipe offline` (backup, rebase, verify, report) on a branch of
# one commit, not checked out, behind origin/main by one commit: aligned by the in-memory engine.
PLANNING = [
    "version",  # git is new enough
    "rev-parse",  # working tree, git dirs, git paths and HEAD, in one call
    "check-ref-format",  # the branch name
    "check-ref-format",  # the remote name
    "for-each-ref",  # the branch, the remote's refs, main and master (with their working trees)
    "config",  # the whole config, read once: a parent declared for the branch (align track); later, what
    # would make git's rebase differ from memory (signing, hooks path...)
    "ls-files",  # refusals: unmerged, assume-unchanged, skip-worktree entries
    "rev-list",  # refusal: merge commits to flatten
]
BACKUP = ["update-ref"]
REBASE = [
    "rev-list",  # behind and ahead (the merge count is known from planning)
    "merge-base",
    "grep",  # merge attributes in the user's .gitattributes (git 2.39's merge-tree reads them there)
    "grep",  # ... in the target's
    "log",  # ... in the branch's changes
    "rev-list",  # the commits to pick, those already upstream marked
    "cat-file",  # the commits, read in one batch
    "var",  # the committer
    "merge-tree",  # one per picked commit
    "hash-object",  # the new commits, written through one process (logged when it ends)
    "update-ref",  # the branch moved: one compare-and-swap transaction
]
# clean_state: ls-files -u (the index alone); contains_target and linear: one rev-list
VERIFY = ["diff", "ls-files", "rev-list", "rev-parse", "log", "patch-id"]
SETTLE = ["symbolic-ref", "log"]  # HEAD was not moved; no stash of align's to give back
CLEAN_RUN = PLANNING + BACKUP + REBASE + VERIFY + SETTLE


def _commands(log: Path) -> list[str]:
    """Return the git processes a run logged (``git ARGS -> CODE (TIME)``), as their argument lists."""
    return re.findall(r" align\.git: git (.*) -> -?\d+ \(", log.read_text(encoding="utf-8"))


def _command(args: str) -> str:
    words = args.split(" ")
    index = 0
    while words[index].startswith("-"):
        index += 2 if words[index] == "-c" else 1
    return words[index]


@pytest.fixture
def behind(in_repo: Repo) -> str:
    """feature/x, one commit, not checked out, behind origin/main (fetched) by one commit; return its tip."""
    [tip] = feature(in_repo, ("a.txt", "a\n", "feature: add a"))
    in_repo.git("switch", "--quiet", "main")
    moved_upstream(in_repo)
    in_repo.git("fetch", "--quiet")
    return tip


def test_a_small_clean_run_starts_exactly_these_git_processes(in_repo: Repo, behind: str, tmp_path: Path) -> None:
    log = tmp_path / "run.log"

    assert main(["-q", "--log-file", str(log), BRANCH, "--recipe", "offline"]) == 0

    commands = _commands(log)
    listed = "\n".join(commands)
    assert len(commands) == len(CLEAN_RUN), f"{len(commands)} git processes, expected {len(CLEAN_RUN)}:\n{listed}"
    assert [_command(args) for args in commands] == CLEAN_RUN, listed
    assert rev(in_repo, f"{REF}~1") == rev(in_repo, "origin/main")
    assert rev(in_repo, "HEAD") == rev(in_repo, "main")
    assert in_repo.git("symbolic-ref", "HEAD") == "refs/heads/main"
    assert in_repo.git("status", "--porcelain", "--untracked-files=all") == ""
    assert stashes(in_repo) == []


def test_an_intent_to_add_entry_is_still_found(in_repo: Repo, behind: str, tmp_path: Path) -> None:
    """The index is asked for intent-to-add entries only when it holds the empty blob: a `git add -N` does."""
    (in_repo.path / "new.txt").write_text("new\n")
    in_repo.git("add", "-N", "new.txt")
    log = tmp_path / "run.log"

    assert main(["-q", "--log-file", str(log), BRANCH, "--recipe", "offline"]) == 4

    assert "diff --name-only -z --no-renames --diff-filter=A" in "\n".join(_commands(log))
    assert rev(in_repo, REF) == behind


def test_answers_about_commits_are_kept_and_lookups_are_forgotten_when_a_ref_moves(in_repo: Repo, behind: str) -> None:
    git = Git(in_repo.path)
    onto = rev(in_repo, "origin/main")
    question = ("rev-list", "--count", f"{onto}..{behind}", "--")
    first = git.run(*question)
    listed = git.refs("refs/heads/", known=True)
    calls = git.stats.calls

    assert git.run(*question) is first  # asked again: answered from the memo
    assert git.refs(REF, known=True) == {REF: listed[REF]}
    assert git.stats.calls == calls
    assert git.update_ref("refs/align/backups/x", behind, ZERO, "test")  # moves no branch
    assert git.refs(REF, known=True) == {REF: listed[REF]}
    assert git.run(*question) is first
    assert git.stats.calls == calls + 1

    assert git.update_ref(REF, onto, behind, "test")  # moves the branch: its lookup is forgotten
    assert git.refs(REF, known=True)[REF].sha == onto
    git.run("branch", "--quiet", "-f", "other", behind)  # any other command may move anything
    assert git.refs("refs/heads/other", known=True)["refs/heads/other"].sha == behind
    assert git.run(*question) is not first
    assert git.refs(REF)[REF].sha == onto  # without ``known``: always asked


def test_a_memo_is_shared_by_the_gits_of_a_run(in_repo: Repo) -> None:
    here = Git(in_repo.path)
    location = here.locate()
    assert location is not None

    assert Git.at(location).memo is here.memo
    assert here.with_env(GIT_TRACE="0").memo is here.memo
    assert Git(in_repo.path).memo is not here.memo


@pytest.mark.parametrize(
    ("args", "pure"),
    [
        (("rev-list", "--count", f"{'a' * 40}..{'b' * 40}", "--"), True),
        (("rev-list", "--left-right", "--count", f"{'a' * 40}...{'b' * 40}", "--"), True),
        (("merge-base", "--is-ancestor", "a" * 40, "b" * 64), True),
        (("rev-list", "--count", f"{'a' * 40}..HEAD", "--"), False),  # a ref moves
        (("rev-list", "--count", "a" * 12), False),  # an abbreviation can become ambiguous
        (("log", "a" * 40), False),
        (("-c", "x=y", "merge-base", "a" * 40, "b" * 40), True),
        (("version",), True),
        (("rev-list", "--all", "--count", "^" + "a" * 40), False),  # --all reads refs
        (("merge-base", "--fork-point", "a" * 40, "b" * 40), False),  # reads a reflog
    ],
)
def test_only_questions_about_named_commits_are_pure(args: tuple[str, ...], pure: bool) -> None:
    assert is_pure(args) is pure


@pytest.mark.parametrize(
    ("args", "read"),
    [
        (("worktree", "list", "--porcelain"), True),
        (("worktree", "add", "x"), False),
        (("config", "-z", "--get-regexp", "x"), True),
        (("config", "x", "y"), False),
        (("symbolic-ref", "--quiet", "HEAD"), True),
        (("symbolic-ref", "HEAD", "refs/heads/x"), False),
        (("-c", "submodule.recurse=false", "switch", "x"), False),
        (("--literal-pathspecs", "grep", "-l", "x"), True),
        (("update-ref", "refs/heads/x", "a" * 40), False),
    ],
)
def test_reads_are_told_from_writes(args: tuple[str, ...], read: bool) -> None:
    assert reads(args) is read


def test_a_pattern_covers_the_refs_for_each_ref_would_list() -> None:
    assert covers("refs/remotes/origin/", "refs/remotes/origin/main")
    assert covers("refs/heads/feature/x", "refs/heads/feature/x")
    assert covers("refs/heads/feature", "refs/heads/feature/x")
    assert not covers("refs/heads/feature", "refs/heads/feature-x")
    assert not covers("refs/remotes/origin/", "refs/remotes/origin")
    assert not covers("refs/remotes/origin/main", "refs/remotes/origin/")


def test_the_config_is_read_once_and_again_after_align_writes_it(repo: Repo) -> None:
    git = Git(repo.path)
    assert git.config_matching(r"^align\.") == []
    calls = git.stats.calls
    assert git.config_matching(r"^core\.bare$") == [("core.bare", "false")]
    assert git.stats.calls == calls  # answered from the run's one read
    git.run("config", "align.Probe", "one")  # a write: the next question reads the config again
    assert git.config_matching(r"^align\.probe$") == [("align.probe", "one")]
    assert git.stats.calls == calls + 2
