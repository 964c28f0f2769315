"""The cache of git recipes (``extends: git+URL@SHA#path``) is keyed by URL, commit and path."""

from __future__ import annotations

from pathlib import Path

import pytest

from align.cli import main
from align.errors import RecipeError
from align.recipe import sources
from align.recipe.resolve import resolve
from tests.helpers import Repo, write

TEAM = "version: 1\nextends: default\ntarget: from-git\n"


@pytest.fixture
def pinned(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[str, str]:
    """A recipe repository pushed to a bare origin; return its URL and the commit of ``team.yaml``."""
    repo = Repo.create(tmp_path / "recipes-repo")
    sha = repo.commit("team.yaml", TEAM, "team recipe")
    repo.git("push", "--quiet", "origin", "main")
    monkeypatch.chdir(tmp_path)
    return repo.origin.as_uri(), sha


def child(url: str, sha: str) -> Path:
    return write(Path("child.yaml"), f"version: 1\nextends: git+{url}@{sha}#team.yaml\n")


def problems(path: Path) -> list[str]:
    with pytest.raises(RecipeError) as raised:
        resolve(sources.file(path), cwd=Path.cwd())
    return [str(problem) for problem in raised.value.problems]


def test_a_bogus_url_is_not_served_from_the_cache_of_another_url(pinned: tuple[str, str], tmp_path: Path) -> None:
    url, sha = pinned
    assert resolve(sources.file(child(url, sha)), cwd=Path.cwd()).target == "from-git"  # now cached
    bogus = (tmp_path / "no-such-repository.git").as_uri()
    [problem] = problems(child(bogus, sha))
    assert problem.startswith(f"child.yaml:2:10: $.extends: cannot fetch {bogus}: ")
    assert main(["check", "child.yaml"]) == 2


def test_the_same_url_is_served_from_the_cache_offline(
    pinned: tuple[str, str], tmp_path: Path, cache_dir: Path
) -> None:
    url, sha = pinned
    path = child(url, sha)
    first = resolve(sources.file(path), cwd=Path.cwd())
    (tmp_path / "recipes-repo" / "origin.git").rename(tmp_path / "gone.git")
    assert resolve(sources.file(path), cwd=Path.cwd()) == first
    [cached] = list((cache_dir / "git").rglob("team.yaml"))
    assert cached.read_text(encoding="utf-8") == TEAM
    assert cached.parent.name == sha  # git/<url key>/<sha>/team.yaml
    assert cached.parent.parent.parent == cache_dir / "git"


def test_an_entry_of_the_old_layout_is_not_trusted(pinned: tuple[str, str], tmp_path: Path, cache_dir: Path) -> None:
    url, sha = pinned
    # What an older align cached for this commit and path, from whatever URL it was given then.
    write(cache_dir / "git" / sha / "team.yaml", "version: 1\nextends: default\ntarget: from-anywhere\n")
    bogus = (tmp_path / "no-such-repository.git").as_uri()
    [problem] = problems(child(bogus, sha))
    assert problem.startswith(f"child.yaml:2:10: $.extends: cannot fetch {bogus}: ")
    assert resolve(sources.file(child(url, sha)), cwd=Path.cwd()).target == "from-git"
