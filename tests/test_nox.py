"""The nox integration, with real nox: users' noxfiles list and run the `align` session; ours has one too."""

from __future__ import annotations

import subprocess
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path

import nox
import nox.registry
import pytest

import align.nox
from tests.builders import diverge
from tests.helpers import Repo, write

ROOT = Path(__file__).resolve().parents[1]

IMPORTED = """\
# /// script
# dependencies = ["nox", "git-align"]
# ///
import nox

from align.nox import align


@nox.session(venv_backend="none")
def lint(session):
    \"\"\"The team's own session.\"\"\"
"""
REGISTERED = """\
import align.nox

align.nox.register(name="sync", tags=["git"])
"""


def nox_run(noxfile: Path, *args: str, cwd: Path, ok: bool = True) -> subprocess.CompletedProcess[str]:
    """Run real nox (``python -m nox -f NOXFILE ARGS``) with this interpreter, from ``cwd``."""
    argv = [sys.executable, "-m", "nox", "--no-color", "-f", str(noxfile), *args]
    done = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=120, check=False)
    if ok:
        assert done.returncode == 0, f"{' '.join(argv)} exited with {done.returncode}:\n{done.stdout}\n{done.stderr}"
    return done


def listed(noxfile: Path, cwd: Path) -> dict[str, str]:
    """Return the sessions ``nox --list`` shows, each with its mark: ``*`` selected, ``-`` not by default."""
    lines = nox_run(noxfile, "--list", cwd=cwd).stdout.splitlines()
    return {line[2:].split(" ")[0]: line[0] for line in lines if line[:2] in ("* ", "- ")}


def behind(repo: Repo, *, conflicting: bool = False) -> str:
    """Give ``repo`` a feature/x with two commits, and origin's main a new commit it has not fetched."""
    mine = [
        ("a.txt", "a\n", "feature: add a"),
        ("README.md" if conflicting else "b.txt", "feature\n", "feature: change something"),
    ]
    theirs = [("README.md", "upstream\n", "upstream: reword the readme")]
    return diverge(repo, mine, theirs, via="clone", head="feature/x").upstream[-1]


def contains(repo: Repo, commit: str, branch: str) -> bool:
    """Tell whether ``commit`` is in ``branch``."""
    argv = ["git", "merge-base", "--is-ancestor", commit, f"refs/heads/{branch}"]
    return subprocess.run(argv, cwd=repo.path, check=False).returncode == 0


@pytest.fixture
def registry() -> Iterator[None]:
    """An empty nox registry for the test, emptied again after it."""
    nox.registry.reset()
    yield
    nox.registry.reset()


# -- in-process: what registering does ---------------------------------------------------------


@pytest.mark.usefixtures("registry")
def test_importing_align_nox_registers_nothing() -> None:
    assert "align" not in nox.registry.get()
    assert hasattr(align.nox, "register")
    assert nox.registry.get() == {}


@pytest.mark.usefixtures("registry")
def test_register_under_another_name_does_not_register_align() -> None:
    session = align.nox.register(name="sync")
    sessions = nox.registry.get()
    assert list(sessions) == ["sync"]
    assert sessions["sync"] is session
    assert session.venv_backend == "none"
    assert session.default is False
    assert "nox -s sync --" in (session.__doc__ or session.func.__doc__)


@pytest.mark.usefixtures("registry")
def test_register_passes_session_options_and_they_override_the_defaults() -> None:
    session = align.nox.register(name="sync", tags=["git"], default=True, reuse_venv=True)
    assert session.tags == ["git"]
    assert session.default is True
    assert session.reuse_venv is True
    assert session.venv_backend == "none"


@pytest.mark.usefixtures("registry")
def test_the_align_attribute_registers_once() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # nox warns (FutureWarning) when a name is registered twice
        first = align.nox.align
        from align.nox import align as again
    assert again is first
    assert list(nox.registry.get()) == ["align"]
    assert first.name == "align"
    nox.registry.reset()  # a new noxfile loaded in the same process registers it afresh
    assert align.nox.align is not first
    assert list(nox.registry.get()) == ["align"]


def test_other_missing_attributes_are_attribute_errors() -> None:
    with pytest.raises(AttributeError, match="has no attribute 'sync'"):
        _ = align.nox.sync
    assert not hasattr(align.nox, "__wrapped__")


def test_import_align_does_not_import_nox(tmp_path: Path) -> None:
    code = "import sys, align, align.cli, align.nox, align.demo; sys.exit('nox' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], cwd=tmp_path, check=False).returncode == 0


# -- real nox, listing ---------------------------------------------------------------------------


@pytest.mark.slow
def test_a_user_noxfile_importing_align_lists_the_session(tmp_path: Path) -> None:
    noxfile = write(tmp_path / "project" / "noxfile.py", IMPORTED)
    assert listed(noxfile, noxfile.parent) == {"align": "-", "lint": "*"}


@pytest.mark.slow
def test_register_with_a_name_lists_only_that_session(tmp_path: Path) -> None:
    noxfile = write(tmp_path / "project" / "noxfile.py", REGISTERED)
    assert listed(noxfile, noxfile.parent) == {"sync": "-"}
    assert "sync [git] -> Align a branch" in nox_run(noxfile, "--list", cwd=noxfile.parent).stdout


@pytest.mark.slow
def test_our_noxfile_has_an_align_session_that_is_not_default(tmp_path: Path) -> None:
    sessions = listed(ROOT / "noxfile.py", tmp_path)
    assert sessions["align"] == "-"
    assert sessions["tests"] == "*"
    assert {"lint", "typecheck", "docs", "demo"} <= set(sessions)


# -- real nox, running align ---------------------------------------------------------------------


@pytest.mark.slow
def test_nox_s_align_aligns_the_branch_in_the_directory_nox_was_invoked_from(repo: Repo, tmp_path: Path) -> None:
    upstream = behind(repo)
    repo.git("switch", "--quiet", "main")
    before = repo.git("rev-parse", "refs/heads/feature/x")
    noxfile = write(tmp_path / "elsewhere" / "noxfile.py", IMPORTED)  # outside the repository: -f and chdir

    done = nox_run(noxfile, "-s", "align", "--", "feature/x", cwd=repo.path)

    assert "align: feature/x onto origin/main" in done.stdout
    assert ": aligned" in done.stdout
    assert repo.git("rev-parse", "refs/remotes/origin/main") == upstream
    assert contains(repo, upstream, "feature/x")
    assert repo.git("log", "--format=%s", "main..feature/x").splitlines()[:2] == [
        "feature: change something",
        "feature: add a",
    ]
    backups = repo.git("for-each-ref", "--format=%(refname) %(objectname)", "refs/align/backups/feature/x/")
    assert backups.split(" ")[1] == before
    assert repo.git("symbolic-ref", "HEAD") == "refs/heads/main"
    assert repo.git("status", "--porcelain") == ""


@pytest.mark.slow
def test_posargs_reach_the_cli_unchanged(repo: Repo, tmp_path: Path) -> None:
    behind(repo)
    before = repo.git("for-each-ref")
    noxfile = write(tmp_path / "elsewhere" / "noxfile.py", REGISTERED)

    done = nox_run(noxfile, "-s", "sync", "--", "feature/x", "--dry-run", "--recipe", "merge", cwd=repo.path)

    assert "plan: align feature/x onto origin/main (recipe merge" in done.stdout
    assert repo.git("for-each-ref") == before


@pytest.mark.slow
def test_without_posargs_the_current_branch_is_aligned(repo: Repo, tmp_path: Path) -> None:
    upstream = behind(repo)  # feature/x stays checked out
    noxfile = write(tmp_path / "elsewhere" / "noxfile.py", IMPORTED)

    nox_run(noxfile, "-s", "align", cwd=repo.path)

    assert contains(repo, upstream, "feature/x")
    assert repo.git("symbolic-ref", "HEAD") == "refs/heads/feature/x"


@pytest.mark.slow
def test_a_conflict_fails_the_session_and_align_abort_finishes_the_run(repo: Repo, tmp_path: Path) -> None:
    behind(repo, conflicting=True)
    tip = repo.git("rev-parse", "refs/heads/feature/x")
    noxfile = write(tmp_path / "elsewhere" / "noxfile.py", IMPORTED)

    done = nox_run(noxfile, "-s", "align", "--", "feature/x", cwd=repo.path, ok=False)

    assert done.returncode == 1  # nox's own code for a failed session
    assert "exit code 3" in done.stderr
    assert "nox -s align -- continue" in done.stdout  # the command the user ran, not a bare `align`

    aborted = nox_run(noxfile, "-s", "align", "--", "abort", cwd=repo.path)
    assert aborted.returncode == 0  # everything was put back: the command did what was asked
    assert "Session align was successful" in aborted.stderr
    assert "failed" not in aborted.stderr
    assert "aborted: everything rolled back" in aborted.stdout
    assert repo.git("rev-parse", "refs/heads/feature/x") == tip
    assert repo.git("status", "--porcelain") == ""
