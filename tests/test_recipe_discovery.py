"""Which recipe a run uses: ``--recipe``, ``.align.yaml``/``.align.yml`` at the repository root, else the default."""

from __future__ import annotations

from pathlib import Path

from align.recipe import sources
from tests.extends_helpers import CI
from tests.helpers import Repo, write

# -- discovery --------------------------------------------------------------------------------------------------------


def test_discover_recipe_option_names_a_builtin() -> None:
    source = sources.discover("ci", Path.cwd())
    assert (source.kind, source.name, source.display) == ("built-in", "ci", CI)


def test_discover_recipe_option_path_is_relative_to_cwd() -> None:
    write(Path("team/mine.yaml"), "version: 1\nextends: default\n")
    source = sources.discover("team/mine.yaml", Path.cwd())
    assert (source.kind, source.name, source.path) == ("file", "mine", Path.cwd() / "team" / "mine.yaml")


def test_discover_finds_align_yaml_at_the_repository_root_from_a_subfolder(repo: Repo) -> None:
    write(repo.path / ".align.yaml", "version: 1\nextends: ci\n")
    (repo.path / "src" / "deep").mkdir(parents=True)
    source = sources.discover(None, repo.path / "src" / "deep")
    assert (source.kind, source.name, source.path) == ("repository", ".align.yaml", repo.path / ".align.yaml")


def test_discover_finds_align_yml(repo: Repo) -> None:
    write(repo.path / ".align.yml", "version: 1\nextends: ci\n")
    assert sources.discover(None, repo.path).path == repo.path / ".align.yml"


def test_discover_prefers_align_yaml_over_align_yml(repo: Repo) -> None:
    write(repo.path / ".align.yml", "version: 1\nextends: ci\n")
    write(repo.path / ".align.yaml", "version: 1\nextends: ci\n")
    assert sources.discover(None, repo.path).path == repo.path / ".align.yaml"


def test_discover_recipe_option_wins_over_the_repository_file(repo: Repo) -> None:
    write(repo.path / ".align.yaml", "version: 1\nextends: ci\n")
    assert sources.discover("offline", repo.path).name == "offline"


def test_discover_falls_back_to_builtin_default_in_a_repository_without_recipe(repo: Repo) -> None:
    source = sources.discover(None, repo.path)
    assert (source.kind, source.name) == ("built-in", "default")


def test_discover_falls_back_to_builtin_default_outside_a_repository(tmp_path: Path) -> None:
    outside = tmp_path / "not-a-repo"
    outside.mkdir()
    assert sources.discover(None, outside).name == "default"


def test_discover_ignores_align_yaml_in_a_subfolder(repo: Repo) -> None:
    write(repo.path / "src" / ".align.yaml", "version: 1\nextends: ci\n")
    assert sources.discover(None, repo.path / "src").name == "default"
