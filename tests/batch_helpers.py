"""What the tests of batches share: three branches behind origin/main, the middle one conflicting."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from align.git import Git
from align.plan import locate
from align.state import Store
from tests.builders import feature, moved_upstream, three_commits
from tests.helpers import OTHER, Repo, write
from tests.safety_helpers import REAL_GIT

THIRD = "feature/z"


def three_branches(repo: Repo) -> tuple[str, str, str]:
    """feature/y (clean), feature/x (conflicts at its 2nd commit), feature/z (clean), behind origin/main;
    main checked out. Returns the three tips, in that order."""
    x = three_commits(repo, conflicting=True)[-1]
    [y] = feature(repo, ("y.txt", "y\n", "feature: add y"), branch=OTHER)
    [z] = feature(repo, ("z.txt", "z\n", "feature: add z"), branch=THIRD)
    moved_upstream(repo, conflicting=True)
    repo.git("fetch", "--quiet")
    repo.git("switch", "--quiet", "main")
    return y, x, z


def store_of(repo: Repo) -> Store:
    """align's files of ``repo``."""
    return Store(locate(Git(repo.path)).common_dir)


def killing_git(tmp_path: Path, pattern: str) -> dict[str, str]:
    """An environment whose ``git`` runs the real git, then SIGKILLs its caller (align) the first time its
    arguments contain ``pattern`` (as tests/test_edges_tree.py's)."""
    marker = tmp_path / "killed"
    script = write(
        tmp_path / "killing-bin" / "git",
        f"""\
        #!{sys.executable}
        import os, signal, subprocess, sys
        done = subprocess.run([{REAL_GIT!r}, *sys.argv[1:]])
        if {pattern!r} in " ".join(sys.argv[1:]) and not os.path.exists({str(marker)!r}):
            open({str(marker)!r}, "w").close()
            os.kill(os.getppid(), signal.SIGKILL)
        sys.exit(done.returncode)
        """,
    )
    script.chmod(0o755)
    return {**os.environ, "PATH": f"{script.parent}{os.pathsep}{os.environ['PATH']}"}
