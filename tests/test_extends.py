"""Where ``extends`` finds recipes (built-in, path, package); pinned git recipes are in test_extends_git.py,
merging a chain in test_extends_merge.py."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from align.recipe import model, sources
from align.recipe.model import OnConflict
from tests.extends_helpers import CI, DEFAULT, DEFAULT_STEPS, child, problems, resolved
from tests.helpers import write

# -- built-in names ---------------------------------------------------------------------------------------------------


def test_extends_builtin_name_inherits_its_steps() -> None:
    recipe = resolved(child("ci"))
    assert recipe.chain == ("child.yaml", CI)
    assert recipe.find(model.OnConflict) == OnConflict(action="abort")
    assert recipe.variables == {"remote": "origin", "sessions": ("tests",)}


def test_extends_default_gives_exactly_the_default_steps() -> None:
    assert resolved(child("default")).steps == DEFAULT_STEPS


def test_extends_unknown_builtin_name_is_a_located_error_with_did_you_mean() -> None:
    assert problems(child("defualt")) == [
        "child.yaml:2:10: $.extends: no built-in recipe named 'defualt'; did you mean 'default'? "
        "(built-in recipes: ci, default, merge, offline, validated; a path starts with ./ or ends with .yaml)"
    ]


# -- paths ------------------------------------------------------------------------------------------------------------


def test_relative_extends_is_relative_to_the_extending_file_not_cwd() -> None:
    write(Path("base.yaml"), "version: 1\nextends: default\ntarget: from-cwd\n")
    write(Path("team/base.yaml"), "version: 1\nextends: default\ntarget: from-team\n")
    write(Path("team/child.yaml"), "version: 1\nextends: ./base.yaml\n")
    recipe = resolved("team/child.yaml")
    assert recipe.target == "from-team"
    assert recipe.chain == ("team/child.yaml", "team/base.yaml", DEFAULT)


def test_relative_extends_may_climb_to_a_parent_folder() -> None:
    write(Path("shared/base.yaml"), "version: 1\nextends: default\ntarget: shared\n")
    write(Path("team/sub/child.yaml"), "version: 1\nextends: ../../shared/base.yaml\n")
    recipe = resolved("team/sub/child.yaml")
    assert recipe.target == "shared"
    assert recipe.chain == ("team/sub/child.yaml", "shared/base.yaml", DEFAULT)


def test_extends_bare_file_name_is_a_path_beside_the_extending_file() -> None:
    write(Path("team/base.yml"), "version: 1\nextends: default\nremote: upstream\n")
    write(Path("team/child.yaml"), "version: 1\nextends: base.yml\n")
    assert resolved("team/child.yaml").remote == "upstream"


def test_extends_absolute_path(tmp_path: Path) -> None:
    base = write(tmp_path / "elsewhere" / "base.yaml", "version: 1\nextends: default\ntarget: absolute\n")
    recipe = resolved(child(str(base)))
    assert recipe.target == "absolute"
    assert recipe.chain == ("child.yaml", str(base), DEFAULT)


def test_extends_missing_file_is_a_located_error() -> None:
    write(Path("team/child.yaml"), "version: 1\nextends: ./missing.yaml\n")
    assert problems("team/child.yaml") == ["team/child.yaml:2:10: $.extends: recipe file not found: team/missing.yaml"]


def test_problems_in_every_file_of_the_chain_are_all_reported() -> None:
    write(Path("base.yaml"), "version: 1\nextends: default\nremot: upstream\n")
    write(Path("child.yaml"), "version: 1\nextends: ./base.yaml\ntraget: main\n")
    assert problems("child.yaml") == [
        "base.yaml:3:1: $.remot: unknown key 'remot'; did you mean 'remote'?",
        "child.yaml:3:1: $.traget: unknown key 'traget'; did you mean 'target'?",
    ]


# -- package:NAME -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Site:
    """A folder on ``sys.path`` where tests install distributions by hand."""

    root: Path
    monkeypatch: pytest.MonkeyPatch

    def publish(self, distribution: str, module: str, recipes: dict[str, str]) -> None:
        """Install ``distribution``: package ``module`` with ``recipes``, published as entry points."""
        write(self.root / module / "__init__.py", "")
        for name, text in recipes.items():
            write(self.root / module / f"{name}.yaml", text)
        info = self.root / f"{distribution}-1.0.dist-info"
        write(info / "METADATA", f"Metadata-Version: 2.1\nName: {distribution}\nVersion: 1.0\n")
        entries = "".join(f"{name} = {module}\n" for name in recipes)
        write(info / "entry_points.txt", f"[align.recipes]\n{entries}")


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Site]:
    """Return a new ``sys.path`` entry; forget the modules imported from it afterwards."""
    root = tmp_path / "site"
    root.mkdir()
    monkeypatch.syspath_prepend(str(root))
    before = set(sys.modules)
    yield Site(root=root, monkeypatch=monkeypatch)
    for name in set(sys.modules) - before:
        if getattr(sys.modules[name], "__file__", None) and str(root) in str(sys.modules[name].__file__):
            del sys.modules[name]


TEAM = "version: 1\ndescription: The team's recipe.\nextends: default\ntarget: trunk\n"


def test_extends_package_recipe(site: Site) -> None:
    site.publish("teamrecipes", "teamrecipes", {"team": TEAM})
    recipe = resolved(child("package:team"))
    assert recipe.target == "trunk"
    assert recipe.chain == ("child.yaml", "package:team (teamrecipes)", DEFAULT)


def test_package_source_names_its_distribution(site: Site) -> None:
    site.publish("teamrecipes", "teamrecipes", {"team": TEAM})
    source = sources.package("team")
    assert (source.kind, source.owner, source.path) == ("package", "teamrecipes", site.root / "teamrecipes/team.yaml")


def test_package_recipe_extends_a_file_beside_it_in_the_package(site: Site) -> None:
    shared = "version: 1\nextends: default\nremote: upstream\n"
    site.publish("teamrecipes", "teamrecipes", {"team": "version: 1\nextends: ./shared.yaml\n"})
    write(site.root / "teamrecipes" / "shared.yaml", shared)
    assert resolved(child("package:team")).remote == "upstream"


def test_unknown_package_recipe_is_a_located_error_with_did_you_mean(site: Site) -> None:
    site.publish("teamrecipes", "teamrecipes", {"team": TEAM})
    assert problems(child("package:tam")) == [
        "child.yaml:2:10: $.extends: no installed package publishes a recipe named 'tam'; did you mean 'team'? "
        "(install the package that provides it; packages publish recipes through the 'align.recipes' "
        "entry-point group)"
    ]


def test_package_recipe_published_by_two_distributions_is_refused(tmp_path: Path, site: Site) -> None:
    site.publish("teamrecipes", "teamrecipes", {"team": TEAM})
    other = Site(root=tmp_path / "other-site", monkeypatch=site.monkeypatch)
    other.publish("otherrecipes", "otherrecipes", {"team": TEAM})
    site.monkeypatch.syspath_prepend(str(other.root))  # searched first
    assert problems(child("package:team")) == [
        "child.yaml:2:10: $.extends: recipe 'team' is published by more than one package: "
        "otherrecipes, teamrecipes; uninstall all but one"
    ]


def test_package_whose_recipe_file_is_missing_is_a_located_error(site: Site) -> None:
    site.publish("teamrecipes", "teamrecipes", {"team": TEAM})
    (site.root / "teamrecipes" / "team.yaml").unlink()
    assert problems(child("package:team")) == [
        "child.yaml:2:10: $.extends: package teamrecipes publishes recipe 'team', "
        "but team.yaml is missing from teamrecipes"
    ]
