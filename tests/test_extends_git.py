"""``extends: git+URL@SHA#path``: a recipe pinned to a commit of a git repository, cached, refused when unpinned."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from align.recipe import sources
from tests.extends_helpers import DEFAULT, PIN_EXAMPLE, child, problems, resolved
from tests.helpers import Repo, write

# -- git+URL@SHA#path -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Pinned:
    """A recipe repository with ``recipes/team.yaml`` extending ``./base.yaml``, pushed to a bare origin."""

    repo: Repo
    sha: str

    @property
    def url(self) -> str:
        return self.repo.origin.as_uri()

    def reference(self, path: str = "recipes/team.yaml", sha: str = "") -> str:
        return f"git+{self.url}@{sha or self.sha}#{path}"


TEAM_IN_GIT = "version: 1\nextends: ./base.yaml\ntarget: from-git\n"
BASE_IN_GIT = "version: 1\nextends: default\nremote: upstream\n"


@pytest.fixture
def pinned(tmp_path: Path) -> Pinned:
    repo = Repo.create(tmp_path / "recipes-repo")
    repo.commit("recipes/base.yaml", BASE_IN_GIT, "base recipe")
    sha = repo.commit("recipes/team.yaml", TEAM_IN_GIT, "team recipe")
    repo.git("push", "--quiet", "origin", "main")
    return Pinned(repo=repo, sha=sha)


def test_git_recipe_pinned_to_a_commit_is_used(pinned: Pinned) -> None:
    recipe = resolved(child(pinned.reference()))
    assert (recipe.target, recipe.remote) == ("from-git", "upstream")
    assert recipe.chain == (
        "child.yaml",
        pinned.reference(),
        pinned.reference("recipes/base.yaml"),
        DEFAULT,
    )


def test_git_recipe_lands_in_the_cache_under_its_url_and_sha(pinned: Pinned, cache_dir: Path) -> None:
    resolved(child(pinned.reference()))
    [at] = (cache_dir / "git").glob(f"*/{pinned.sha}")  # git/<url key>/<sha>/...
    assert (at / "recipes" / "team.yaml").read_text(encoding="utf-8") == TEAM_IN_GIT
    assert (at / "recipes" / "base.yaml").read_text(encoding="utf-8") == BASE_IN_GIT


def test_git_recipe_works_offline_from_the_cache(pinned: Pinned, tmp_path: Path) -> None:
    first = resolved(child(pinned.reference()))
    pinned.repo.origin.rename(tmp_path / "gone.git")
    again = resolved("child.yaml")
    assert again == first


def test_git_recipe_without_cache_and_without_origin_is_a_located_error(pinned: Pinned, tmp_path: Path) -> None:
    pinned.repo.origin.rename(tmp_path / "gone.git")
    [problem] = problems(child(pinned.reference()))
    assert problem.startswith(f"child.yaml:2:10: $.extends: cannot fetch {pinned.url}: ")


def test_relative_extends_in_a_git_recipe_reads_the_same_commit(pinned: Pinned) -> None:
    pinned.repo.commit("recipes/base.yaml", "version: 1\nextends: default\nremote: moved-on\n", "later")
    pinned.repo.git("push", "--quiet", "origin", "main")
    assert resolved(child(pinned.reference())).remote == "upstream"


def test_git_recipe_at_an_older_commit_sees_that_commits_file(pinned: Pinned) -> None:
    newer = pinned.repo.commit("recipes/team.yaml", "version: 1\nextends: default\ntarget: newer\n", "newer")
    pinned.repo.git("push", "--quiet", "origin", "main")
    write(Path("old.yaml"), f"version: 1\nextends: {pinned.reference()}\n")
    write(Path("new.yaml"), f"version: 1\nextends: {pinned.reference(sha=newer)}\n")
    assert (resolved("old.yaml").target, resolved("new.yaml").target) == ("from-git", "newer")


def test_relative_extends_in_a_git_recipe_cannot_climb_out_of_the_repository(pinned: Pinned, cache_dir: Path) -> None:
    # A file outside the pinned commit that the escaping path would reach inside the cache.
    write(cache_dir / "git" / "outside.yaml", "version: 1\nextends: default\ntarget: not-from-the-commit\n")
    sha = pinned.repo.commit("recipes/escape.yaml", "version: 1\nextends: ../../outside.yaml\n", "escape")
    pinned.repo.git("push", "--quiet", "origin", "main")
    [problem] = problems(child(pinned.reference("recipes/escape.yaml", sha=sha)))
    assert problem == (
        f"{pinned.reference('recipes/escape.yaml', sha=sha)}:2:10: $.extends: "
        "the path after # must be relative to the repository root, found '../outside.yaml'"
    )


def test_git_branch_name_is_refused_with_how_to_pin(pinned: Pinned) -> None:
    assert problems(child(pinned.reference(sha="main"))) == [
        "child.yaml:2:10: $.extends: 'main' is not a full commit id: a git recipe is pinned to a commit, "
        f"not a branch or a tag (find the commit with `git ls-remote {pinned.url} main` and write {PIN_EXAMPLE})"
    ]


def test_git_tag_name_is_refused_with_how_to_pin(pinned: Pinned) -> None:
    pinned.repo.git("tag", "v1.0")
    [problem] = problems(child(pinned.reference(sha="v1.0")))
    assert f"`git ls-remote {pinned.url} v1.0`" in problem


def test_git_short_sha_is_refused(pinned: Pinned) -> None:
    short = pinned.sha[:12]
    assert problems(child(pinned.reference(sha=short))) == [
        f"child.yaml:2:10: $.extends: {short!r} is not a full commit id: a git recipe is pinned to a commit, "
        f"not a branch or a tag (find the commit with `git ls-remote {pinned.url} {short}` and write {PIN_EXAMPLE})"
    ]


def test_git_ext_url_is_refused_and_runs_nothing(pinned: Pinned) -> None:
    reference = f"git+ext::sh -c touch% pwned@{pinned.sha}#recipe.yaml"
    write(Path("child.yaml"), f"version: 1\nextends: '{reference}'\n")
    assert problems("child.yaml") == [
        "child.yaml:2:10: $.extends: remote helper URLs such as ext:: run commands and are refused"
    ]
    assert not Path("pwned").exists()


def test_git_fd_url_is_refused(pinned: Pinned) -> None:
    assert problems(child(f"git+fd::3@{pinned.sha}#recipe.yaml")) == [
        "child.yaml:2:10: $.extends: remote helper URLs such as fd:: run commands and are refused"
    ]


def test_git_uppercase_ext_url_is_refused(pinned: Pinned) -> None:
    assert problems(child(f"git+EXT::sh@{pinned.sha}#recipe.yaml")) == [
        "child.yaml:2:10: $.extends: remote helper URLs such as EXT:: run commands and are refused"
    ]


@pytest.mark.parametrize("path", ["../recipe.yaml", "recipes/../../recipe.yaml", "/etc/recipe.yaml", ""])
def test_git_path_outside_the_repository_is_refused(pinned: Pinned, path: str) -> None:
    assert problems(child(pinned.reference(path=path))) == [
        f"child.yaml:2:10: $.extends: the path after # must be relative to the repository root, found {path!r}"
    ]


def test_git_reference_without_sha_or_path_is_refused(pinned: Pinned) -> None:
    assert problems(child(f"git+{pinned.url}#recipes/team.yaml")) == [
        f"child.yaml:2:10: $.extends: a git recipe is written {PIN_EXAMPLE}; found 'git+{pinned.url}#recipes/team.yaml'"
    ]


def test_git_sha_not_in_the_repository_is_a_located_error(pinned: Pinned) -> None:
    missing = "0123456789abcdef0123456789abcdef01234567"
    assert problems(child(pinned.reference(sha=missing))) == [
        f"child.yaml:2:10: $.extends: commit {missing} is not in {pinned.url}"
    ]


def test_git_path_missing_at_that_commit_is_a_located_error(pinned: Pinned) -> None:
    assert problems(child(pinned.reference(path="recipes/missing.yaml"))) == [
        f"child.yaml:2:10: $.extends: recipes/missing.yaml is not a file at commit {pinned.sha[:12]} of {pinned.url}"
    ]
    assert not sources.cached_path(sources.GitPin(url=pinned.url, sha=pinned.sha, path="recipes/missing.yaml")).exists()
