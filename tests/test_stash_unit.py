"""align/steps/stash.py alone: its functions take (git, journal), so they run here on a real repository without
an engine; every write to the stash list is theirs (issue 14, item 3)."""

from __future__ import annotations

import pytest

from align.git import Git
from align.journal import Journal
from align.steps import stash
from tests.helpers import Repo, run_record, write
from tests.snapshots import files, refs, rev, stashes

RUN = "20260101T120000Z-abcdef"


class Recorded:
    """Stands for the engine's journal write: remembers what the journal said each time."""

    def __init__(self, journal: Journal) -> None:
        self.journal = journal
        self.stashes: list[str] = []

    def __call__(self) -> None:
        self.stashes.append(self.journal.stash)


def journal_of(repo: Repo) -> Journal:
    tip = rev(repo, "HEAD")
    record = run_record(
        run_id=RUN, branch="main", ref="refs/heads/main", original_tip=tip, original_head="refs/heads/main",
        onto="", worktree=str(repo.path),
    )  # fmt: skip
    return Journal(run=record)


@pytest.fixture
def work(repo: Repo) -> Repo:
    """main with a stash of the user's already in the list, then a staged, an unstaged and an untracked change."""
    write(repo.path / "README.md", "the user's own stash\n")
    repo.git("stash", "push", "--quiet", "--message", "mine")
    repo.commit("b.txt", "b\n", "add b")
    write(repo.path / "README.md", "staged\n")
    repo.git("add", "README.md")
    write(repo.path / "README.md", "staged, then changed\n")
    write(repo.path / "new" / "untracked.txt", "untracked\n")
    return repo


def index(repo: Repo) -> str:
    return repo.git("ls-files", "--stage")


def test_save_then_restore_round_trips_the_work_and_leaves_the_stash_list_alone(work: Repo) -> None:
    git, journal = Git(work.path), journal_of(work)
    record = Recorded(journal)
    mine, before, staged = stashes(work), files(work), index(work)

    assert stash.save(git, journal, journal.run.original_tip, record=record)

    assert journal.stash == refs(work, "refs/align/stash/")[f"refs/align/stash/{RUN}"]
    assert journal.stash_ref == f"refs/align/stash/{RUN}"
    assert record.stashes[-1] == journal.stash  # in the journal before anything else happens
    assert stashes(work) == mine
    assert files(work) == {"README.md": b"hello\n", "b.txt": b"b\n"}
    assert work.git("status", "--porcelain", "--untracked-files=all") == ""

    assert stash.restore(git, journal, record=record) == "uncommitted changes restored"

    assert files(work) == before
    assert index(work) == staged
    assert stashes(work) == mine
    assert refs(work, "refs/align/") == {}
    assert (journal.stash, journal.stash_ref, journal.restoring, journal.keep) == ("", "", "", {})
    assert record.stashes[-1] == ""


def test_save_with_nothing_to_keep_says_so(repo: Repo) -> None:
    git, journal = Git(repo.path), journal_of(repo)

    assert not stash.save(git, journal, journal.run.original_tip, record=Recorded(journal))

    assert (journal.stash, stashes(repo), refs(repo, "refs/align/")) == ("", [], {})


def test_a_run_killed_right_after_its_push_finds_its_stash_by_message(work: Repo) -> None:
    git, journal = Git(work.path), journal_of(work)
    before = files(work)
    message = f"align {RUN}: uncommitted changes on refs/heads/main"
    work.git("stash", "push", "--quiet", "--include-untracked", "--message", message)  # the push, unrecorded
    pushed = rev(work, "refs/stash")

    assert stash.restore(git, journal, record=Recorded(journal)) == "uncommitted changes restored"

    assert files(work) == before
    assert [line.split(" ", 1)[1] for line in stashes(work)] == ["On main: mine"]
    assert pushed not in "".join(stashes(work))


def test_a_restore_that_conflicts_keeps_the_work_in_the_stash_list(work: Repo) -> None:
    git, journal = Git(work.path), journal_of(work)
    assert stash.save(git, journal, journal.run.original_tip, record=Recorded(journal))
    oid = journal.stash
    work.commit("README.md", "changed by the alignment\n", "the alignment")

    said = stash.restore(git, journal, record=Recorded(journal))

    assert said == f"uncommitted changes kept in the stash as {oid[:12]}"
    assert stashes(work)[0] == f"{oid} align {RUN}: your uncommitted changes"
    assert len(stashes(work)) == 2
    assert refs(work, "refs/align/stash/") == {}
    assert journal.stash == ""
    assert "your uncommitted changes conflict with the new main" in journal.found.warnings[0]


def test_keep_leftovers_holds_the_tree_by_a_ref_not_in_the_stash_list(work: Repo) -> None:
    git, journal = Git(work.path), journal_of(work)
    mine = stashes(work)

    oid = stash.keep_leftovers(git, journal, "what a hook left")

    assert refs(work, "refs/align/") == {f"refs/align/leftovers/{RUN}": oid}
    assert stashes(work) == mine
    assert work.git("status", "--porcelain", "--untracked-files=all") == ""
    assert work.git("show", f"{oid}:README.md") == "staged, then changed"
    assert work.git("show", f"{oid}^3:new/untracked.txt") == "untracked"
    assert journal.found.warnings == [
        f"what a hook left is kept as refs/align/leftovers/{RUN} (not in your stash list): "
        f"`git stash apply refs/align/leftovers/{RUN}` brings it back, `git update-ref -d refs/align/leftovers/{RUN}` "
        "drops it"
    ]
    assert stash.keep_leftovers(git, journal, "nothing left") == ""  # a clean tree: nothing to keep


def test_push_aside_keeps_the_named_untracked_files_in_the_stash_list(work: Repo) -> None:
    git = Git(work.path)
    write(work.path / "odd[1].txt", "literal\n")
    write(work.path / "stays.txt", "stays\n")
    mine = stashes(work)

    stash.push_aside(git, f"align {RUN}: untracked files in the way", ["odd[1].txt", "new/untracked.txt"])

    listed = stashes(work)
    assert listed[1:] == mine
    assert listed[0].endswith(f" On main: align {RUN}: untracked files in the way")
    pushed = listed[0].split()[0]
    assert work.git("ls-tree", "-r", "--name-only", f"{pushed}^3").splitlines() == ["new/untracked.txt", "odd[1].txt"]
    assert not (work.path / "odd[1].txt").exists()
    assert (work.path / "stays.txt").read_text(encoding="utf-8") == "stays\n"
    assert (work.path / "README.md").read_text(encoding="utf-8") == "staged, then changed\n"
