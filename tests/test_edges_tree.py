"""Nothing lost at the edges of the working tree (issue 9, items 1 to 7): ignored files, clean filters, autocrlf,
empty folders, and kills right after each of the stash's git calls. Every file's bytes and mode are compared."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from align.cli import main
from tests.builders import disk_recipe, diverge, steps_recipe
from tests.helpers import Repo, lock_left, write
from tests.killing import killing_git
from tests.safety_helpers import feature_repo, journal_file, lock_file, recipe, run_git

Capture = pytest.CaptureFixture[str]
BRANCH = "feature/x"
# The default recipe with a validate step on the tree: the checked-out branch's work goes to align's stash.
VALIDATING = (
    "backup: {}",
    "fetch: {prune: true}",
    'rebase: {onto: "${remote}/${target}", dirty: stash, rerere: true}',
    "on_conflict: {action: pause}",
    "on_fail: {action: rollback}",
    "verify: {checks: [clean_state, contains_target, linear, backup_reachable, patches_preserved]}",
    'validate: {run: [["true"]]}',
    "report: {formats: [console]}",
)
IGNORED = "1 ignored file(s) here would be overwritten or deleted by the checkouts of this run"

pytestmark = pytest.mark.usefixtures("in_repo")


def tree(root: Path) -> dict[str, tuple[str, object]]:
    """Every entry under ``root`` but ``.git``: a file's bytes and mode, a link's target, a folder (empty too)."""
    found: dict[str, tuple[str, object]] = {}
    for folder, dirs, names in os.walk(root):
        dirs[:] = [name for name in dirs if not (folder == str(root) and name == ".git")]
        for name in dirs + names:
            path = Path(folder, name)
            key = path.relative_to(root).as_posix()
            info = path.lstat()
            if stat.S_ISLNK(info.st_mode):
                found[key] = ("link", os.readlink(path))
            elif stat.S_ISDIR(info.st_mode):
                found[key] = ("dir", None)
            else:
                found[key] = ("file", (path.read_bytes(), stat.S_IMODE(info.st_mode)))
    return found


def state(repo: Repo) -> dict[str, object]:
    """Refs (not align's), HEAD, the index, every entry of the tree and the stash list."""
    refs = repo.git("for-each-ref", "--format=%(refname) %(objectname)", "refs/heads/", "refs/remotes/", "refs/stash")
    head = run_git(repo.path, "symbolic-ref", "-q", "HEAD")
    stashes = run_git(repo.path, "log", "-g", "--format=%H %gs", "refs/stash", "--")
    return {
        "refs": refs,
        "head": head.stdout.strip() or repo.git("rev-parse", "HEAD"),
        "index": repo.git("ls-files", "--stage", "-v"),
        "tree": tree(repo.path),
        "stashes": stashes.stdout,
    }


def align_leftovers(repo: Repo) -> str:
    """align's refs other than its backups (a stash, a keep, leftovers): none should outlive a run."""
    listed = repo.git("for-each-ref", "--format=%(refname)", "refs/align/")
    return "\n".join(line for line in listed.splitlines() if not line.startswith("refs/align/backups/"))


def assert_back(repo: Repo, before: dict[str, object]) -> None:
    """Everything as before the run (a backup ref aside): refs, HEAD, index, bytes and modes, stashes."""
    after = state(repo)
    assert after["tree"] == before["tree"]
    assert after == before
    assert align_leftovers(repo) == ""
    assert not journal_file(repo).exists()
    assert not lock_left(lock_file(repo))


def assert_aligned_with_work_back(repo: Repo, before: dict[str, object], old_tip: str) -> None:
    """feature/x moved onto origin/main; HEAD, the index's other entries, the tree and the stashes as before."""
    tip = repo.git("rev-parse", f"refs/heads/{BRANCH}")
    assert tip != old_tip
    assert run_git(repo.path, "merge-base", "--is-ancestor", "origin/main", tip).returncode == 0
    after = state(repo)
    if after["head"] == f"refs/heads/{BRANCH}":  # the checked-out branch gained upstream's file, nothing else
        upstream = after["tree"].pop("upstream.txt")  # type: ignore[attr-defined]
        assert upstream == ("file", (b"upstream side\n", 0o644))
        after["index"] = "\n".join(line for line in after["index"].splitlines() if "upstream.txt" not in line)  # type: ignore[attr-defined]
    assert after["tree"] == before["tree"]
    assert (after["head"], after["index"], after["stashes"]) == (before["head"], before["index"], before["stashes"])
    assert align_leftovers(repo) == ""
    assert not journal_file(repo).exists()


# -- 1. ignored files that a checkout of the run would overwrite ---------------------------------------------


def ignored_settings(repo: Repo, *, conflict: bool = False) -> str:
    """main ignores *.log and holds the user's settings.log; feature/x tracks a settings.log of its own."""
    tip = feature_repo(repo, head="feature/x", conflict=conflict)
    write(repo.path / "settings.log", "tracked by the feature\n")
    repo.git("add", "--force", "settings.log")
    repo.git("commit", "--quiet", "-m", "feature: track settings.log")
    repo.git("switch", "--quiet", "main")
    write(repo.path / ".gitignore", "*.log\n")
    repo.git("add", ".gitignore")
    repo.git("commit", "--quiet", "-m", "ignore logs")
    write(repo.path / "settings.log", "the user's own settings\n")
    return tip


@pytest.mark.parametrize("dirty", ["stash", "refuse"])
@pytest.mark.parametrize("conflict", [False, True])
def test_an_ignored_file_a_branch_tracks_is_never_overwritten(
    dirty: str, conflict: bool, repo: Repo, tmp_path: Path, capsys: Capture
) -> None:
    ignored_settings(repo, conflict=conflict)
    before = state(repo)
    path = recipe(tmp_path)
    # engine: disk (memory would align the branch, which is not checked out, without a checkout at all:
    # tests/test_memory_paths.py); with a conflict, disk takes over anyway and refuses before it starts
    path.write_text(path.read_text().replace("dirty: stash", f"dirty: {dirty}, engine: disk"), encoding="utf-8")

    assert main([BRANCH, "--recipe", str(path)]) == 4

    assert IGNORED in capsys.readouterr().err
    assert (repo.path / "settings.log").read_bytes() == b"the user's own settings\n"
    assert_back(repo, before)


def test_an_ignored_file_a_commit_of_the_branch_adds_then_deletes_is_refused(repo: Repo, capsys: Capture) -> None:
    """The checked-out branch does not track it, but replaying its commits would write it, then delete it."""
    feature_repo(repo, head="feature/x")
    write(repo.path / "debug.log", "committed by mistake\n")
    repo.git("add", "--force", "debug.log")
    repo.git("commit", "--quiet", "-m", "feature: oops")
    repo.git("rm", "--quiet", "--cached", "debug.log")
    repo.git("commit", "--quiet", "-m", "feature: untrack debug.log")
    write(repo.path / ".git" / "info" / "exclude", "*.log\n")
    write(repo.path / "debug.log", "the user's own log\n")
    before = state(repo)

    assert main([BRANCH]) == 4

    assert "debug.log" in capsys.readouterr().err
    assert_back(repo, before)


# -- 2 to 4. the working tree byte for byte: clean filters, autocrlf, empty folders ------------------------------


def with_filter(repo: Repo) -> None:
    """nbstripout-like: a clean filter drops OUTPUT: lines of *.ipynb; main tracks nb.ipynb."""
    repo.git("config", "filter.strip.clean", "grep -v '^OUTPUT:'")
    repo.git("config", "filter.strip.smudge", "cat")
    write(repo.path / ".gitattributes", "*.ipynb filter=strip\n")
    write(repo.path / "nb.ipynb", "cell 1\n")
    write(repo.path / "other.ipynb", "other cell\n")
    repo.git("add", ".gitattributes", "nb.ipynb", "other.ipynb")
    repo.git("commit", "--quiet", "-m", "notebooks")
    repo.git("push", "--quiet", "origin", "main")


def notebook_work(repo: Repo) -> None:
    """Uncommitted and untracked notebooks with outputs, one folder left empty, a clean-but-raw notebook."""
    write(repo.path / "nb.ipynb", "cell 1\ncell 2\nOUTPUT: 42\n")
    write(repo.path / "new.ipynb", "new cell\nOUTPUT: hello\n")
    write(repo.path / "other.ipynb", "other cell\nOUTPUT: only an output\n")  # clean after the filter
    (repo.path / "build" / "empty").mkdir(parents=True)
    write(repo.path / "scratch" / "todo.txt", "untracked\n")
    os.chmod(repo.path / "scratch" / "todo.txt", 0o600)


def touching_notebooks(repo: Repo, *, conflict: bool) -> str:
    """feature/x changes other.ipynb (so checkouts rewrite it) and, with ``conflict``, README.md as upstream
    does; origin/main moves on. main is checked out. Return feature/x's tip."""
    mine = [("other.ipynb", "other cell\nfeature cell\n", "feature: other notebook")]
    mine += [("README.md", "feature side\n", "feature: readme")] if conflict else []
    tip = diverge(repo, mine, [("README.md", "upstream side\n", "upstream: readme")]).tip
    repo.git("reset", "--quiet", "--hard", "HEAD~1")  # origin/main is ahead of the local main
    return tip


@pytest.mark.parametrize("conflict", [False, True])
def test_a_clean_filter_does_not_eat_uncommitted_work(conflict: bool, repo: Repo) -> None:
    with_filter(repo)
    old = touching_notebooks(repo, conflict=conflict)
    notebook_work(repo)
    repo.git("add", "nb.ipynb")
    write(repo.path / "nb.ipynb", "cell 1\ncell 2\nOUTPUT: 42\nOUTPUT: unstaged too\n")
    before = state(repo)

    if conflict:
        assert main([BRANCH]) == 3
        assert main(["abort"]) in (0, 1)  # issue 9 item 16 makes a full abort exit 0
        assert_back(repo, before)
    else:
        assert main([BRANCH]) == 0
        assert_aligned_with_work_back(repo, before, old)


@pytest.mark.parametrize("conflict", [False, True])
def test_autocrlf_does_not_change_line_endings(conflict: bool, repo: Repo) -> None:
    old = feature_repo(repo, head="main", conflict=conflict)
    repo.git("config", "core.autocrlf", "true")
    write(repo.path / "README.md", "hello\nLF only, modified\n")
    write(repo.path / "new.txt", "LF only, untracked\n")
    (repo.path / "crlf.txt").write_bytes(b"CRLF\r\nkept\r\n")
    before = state(repo)

    if conflict:
        assert main([BRANCH]) == 3
        assert main(["abort"]) in (0, 1)
        assert_back(repo, before)
    else:
        assert main([BRANCH]) == 0
        assert_aligned_with_work_back(repo, before, old)


def test_an_empty_untracked_folder_survives_the_stash(repo: Repo) -> None:
    old = feature_repo(repo, head="main")
    (repo.path / "mnt" / "data").mkdir(parents=True)
    (repo.path / "out").mkdir()
    write(repo.path / "notes.txt", "untracked, so align stashes\n")
    before = state(repo)

    assert main([BRANCH]) == 0

    assert (repo.path / "mnt" / "data").is_dir()
    assert (repo.path / "out").is_dir()
    after = state(repo)
    assert after["tree"] == before["tree"]
    assert repo.git("rev-parse", f"refs/heads/{BRANCH}") != old


# -- 5 to 7. a kill right after one of the stash's git calls -----------------------------------------------------


def dirty_with_stash(repo: Repo) -> None:
    """The user's own stash, then staged, unstaged and untracked work and an empty folder."""
    write(repo.path / "README.md", "for the user's own stash\n")
    repo.git("stash", "push", "--quiet", "--message", "the user's own stash")
    write(repo.path / "README.md", "hello\nstaged\n")
    repo.git("add", "README.md")
    write(repo.path / "README.md", "hello\nstaged\nunstaged\n")
    write(repo.path / "notes.txt", "untracked notes\n")
    (repo.path / "empty").mkdir()


@pytest.mark.parametrize(
    "pattern",
    ["stash push", "stash drop", "hash-object", "update-ref -m align", "stash apply", "update-ref -d refs/align/stash"],
)
@pytest.mark.parametrize("how", ["feature/x-abort", "feature/x-continue", "main-abort", "main-continue"])
def test_a_kill_after_a_call_of_the_stash_loses_nothing(
    pattern: str, how: str, repo: Repo, tmp_path: Path, capsys: Capture
) -> None:
    head, then = how.rsplit("-", 1)
    old = feature_repo(repo, head=head)
    dirty_with_stash(repo)
    before = state(repo)
    # on main the branch would be aligned in memory (no stash at all): the stash is the disk path's; on the
    # branch, the memory engine carries work on files it does not touch unless a validate step runs on the tree
    chosen = disk_recipe(tmp_path) if head == "main" else steps_recipe(tmp_path, *VALIDATING)
    argv = [sys.executable, "-m", "align", BRANCH, "--recipe", chosen]
    killed = subprocess.run(argv, cwd=repo.path, env=killing_git(tmp_path, pattern), capture_output=True, check=False)
    assert killed.returncode == -signal.SIGKILL, killed.stderr.decode()

    code = main([then])

    text = capsys.readouterr().err
    assert "conflict with the new" not in text
    if then == "abort":
        assert code in (0, 1)
        assert_back(repo, before)
    else:
        assert code == 0, text
        assert_aligned_with_work_back(repo, before, old)


def test_a_tracked_file_the_checkouts_rewrite_keeps_its_private_mode(repo: Repo) -> None:
    """``chmod 600`` on a clean tracked file the branch changes: git would give it 644 on the way back."""
    repo.commit("config.txt", "shared\n", "add config")
    repo.git("push", "--quiet", "origin", "main")
    old = feature_repo(repo, head="feature/x")
    repo.commit("config.txt", "feature\n", "feature: config")
    repo.git("switch", "--quiet", "main")
    os.chmod(repo.path / "config.txt", 0o600)
    before = state(repo)

    assert main([BRANCH]) == 0

    assert stat.S_IMODE((repo.path / "config.txt").stat().st_mode) == 0o600
    assert state(repo)["tree"] == before["tree"]
    assert repo.git("rev-parse", f"refs/heads/{BRANCH}") != old


@pytest.mark.parametrize("action", ["continue", "skip"])
def test_continue_after_a_kill_before_the_journal_says_nothing_ran(repo: Repo, action: str, capsys: Capture) -> None:
    """Killed after taking the lock, before writing the journal: nothing to finish, and no false success.

    The kernel let the lock go with the process; what is left is a lock file naming a dead pid."""
    old = feature_repo(repo)
    (repo.path / ".git" / "align").mkdir()
    lock_file(repo).write_text('{"pid": 999999999, "started_at": "?", "command": "run feature/x"}', encoding="utf-8")
    before = state(repo)

    assert main([action]) == 4

    err = capsys.readouterr().err
    assert f"no align run to {action}: nothing is paused or interrupted" in err
    assert not lock_left(lock_file(repo))
    assert state(repo) == before
    assert repo.git("rev-parse", f"refs/heads/{BRANCH}") == old
