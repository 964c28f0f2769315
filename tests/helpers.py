"""Small builders for real git repositories and recipe files."""

from __future__ import annotations

import subprocess
import textwrap
from dataclasses import dataclass
from pathlib import Path


def git(cwd: Path, *args: str) -> str:
    """Run git in ``cwd`` and return its stripped stdout; fail the test on error."""
    done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=False)
    assert done.returncode == 0, f"git {' '.join(args)} failed: {done.stderr}"
    return done.stdout.strip()


def write(path: Path, text: str) -> Path:
    """Write dedented ``text`` to ``path`` (creating folders) and return the path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


@dataclass(frozen=True)
class Repo:
    """A working clone and its bare ``origin``."""

    path: Path
    origin: Path

    @classmethod
    def create(cls, base: Path) -> Repo:
        """Create ``origin.git`` (bare) and a clone with one commit on ``main``, pushed."""
        origin = base / "origin.git"
        work = base / "work"
        origin.mkdir(parents=True)
        git(origin, "init", "--quiet", "--bare")
        git(base, "clone", "--quiet", str(origin), str(work))
        repo = cls(path=work, origin=origin)
        repo.commit("README.md", "hello\n", "initial commit")
        git(work, "push", "--quiet", "origin", "main")
        return repo

    def commit(self, name: str, text: str, message: str) -> str:
        """Write ``name``, commit it and return the new commit's sha."""
        write(self.path / name, text)
        git(self.path, "add", "--", name)
        git(self.path, "commit", "--quiet", "-m", message)
        return git(self.path, "rev-parse", "HEAD")

    def git(self, *args: str) -> str:
        """Run git in the working clone."""
        return git(self.path, *args)
