"""Where ``extends`` finds recipes (built-in, path, package, pinned git) and how a chain is merged."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from align.errors import RecipeError
from align.recipe import sources
from align.recipe.model import Backup, Fetch, OnConflict, OnFail, Rebase, Recipe, Report, Validate, Verify
from align.recipe.resolve import resolve
from align.resources import data_dir
from tests.helpers import Repo, write

DEFAULT = str(data_dir("recipes") / "default.yaml")
CI = str(data_dir("recipes") / "ci.yaml")
DEFAULT_CHECKS = (
    "no_conflict_markers",
    "clean_state",
    "contains_target",
    "linear",
    "backup_reachable",
    "patches_preserved",
    "metadata_preserved",
)
DEFAULT_STEPS = (
    Backup(),
    Fetch(prune=True, offline=False, attempts=3, backoff=1.0, timeout=300),
    Rebase(
        strategy="rebase",
        onto="origin/${target}",
        dirty="stash",
        rerere=True,
        update_refs=False,
        rebase_merges=False,
    ),
    OnConflict(action="pause"),
    OnFail(action="rollback"),
    Verify(checks=DEFAULT_CHECKS, strict=False),
    Report(formats=("console", "json")),
)
PIN_EXAMPLE = "extends: git+https://host/team/recipes.git@<40-hex commit>#path/recipe.yaml"


def resolved(path: str | Path) -> Recipe:
    """Resolve the recipe file ``path`` (relative to the working directory)."""
    return resolve(sources.file(Path.cwd() / path), cwd=Path.cwd())


def problems(path: str | Path) -> list[str]:
    """Resolve ``path``, expecting an invalid recipe; return its problems as text."""
    with pytest.raises(RecipeError) as raised:
        resolved(path)
    return [str(problem) for problem in raised.value.problems]


def child(extends: str) -> str:
    """Write ``child.yaml`` that only extends ``extends``; return its name."""
    write(Path("child.yaml"), f"version: 1\nextends: {extends}\n")
    return "child.yaml"


# -- built-in names ---------------------------------------------------------------------------------------------------


def test_extends_builtin_name_inherits_its_steps() -> None:
    recipe = resolved(child("ci"))
    assert recipe.chain == ("child.yaml", CI)
    assert recipe.step("on_conflict") == OnConflict(action="abort")
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


# -- chains and cycles ------------------------------------------------------------------------------------------------


def test_chain_of_depth_four_takes_a_value_from_each_level() -> None:
    write(Path("c.yaml"), "version: 1\nextends: default\nvars: {from_c: c}\n")
    write(Path("b.yaml"), "version: 1\nextends: ./c.yaml\nremote: from-b\n")
    write(Path("a.yaml"), "version: 1\nextends: ./b.yaml\ntarget: from-a\n")
    recipe = resolved("a.yaml")
    assert recipe.chain == ("a.yaml", "b.yaml", "c.yaml", DEFAULT)
    assert (recipe.target, recipe.remote, recipe.variables["from_c"]) == ("from-a", "from-b", "c")
    assert recipe.step("rebase").onto == "from-b/from-a"  # type: ignore[union-attr]


def test_cycle_is_reported_with_the_whole_chain() -> None:
    write(Path("a.yaml"), "version: 1\nextends: ./b.yaml\n")
    write(Path("b.yaml"), "version: 1\nextends: ./a.yaml\n")
    assert problems("a.yaml") == ["b.yaml:2:10: $.extends: extends cycle: a.yaml -> b.yaml -> a.yaml"]


def test_longer_cycle_is_reported_with_the_whole_chain() -> None:
    write(Path("a.yaml"), "version: 1\nextends: ./b.yaml\n")
    write(Path("b.yaml"), "version: 1\nextends: ./c.yaml\n")
    write(Path("c.yaml"), "version: 1\nextends: ./b.yaml\n")
    assert problems("a.yaml") == ["c.yaml:2:10: $.extends: extends cycle: a.yaml -> b.yaml -> c.yaml -> b.yaml"]


def test_self_extension_is_a_cycle() -> None:
    write(Path("a.yaml"), "version: 1\nextends: ./a.yaml\n")
    assert problems("a.yaml") == ["a.yaml:2:10: $.extends: extends cycle: a.yaml -> a.yaml"]


def test_cycle_through_a_recipe_option_spelt_with_dot_dot_reports_the_chain_once() -> None:
    write(Path("team/a.yaml"), "version: 1\nextends: ./b.yaml\n")
    write(Path("team/b.yaml"), "version: 1\nextends: ./a.yaml\n")
    with pytest.raises(RecipeError) as raised:
        resolve(sources.discover("../work/team/a.yaml", Path.cwd()), cwd=Path.cwd())
    assert [str(problem) for problem in raised.value.problems] == [
        "team/b.yaml:2:10: $.extends: extends cycle: team/a.yaml -> team/b.yaml -> team/a.yaml"
    ]


# -- merge rules ------------------------------------------------------------------------------------------------------


def test_child_target_overrides_parent_target() -> None:
    write(Path("base.yaml"), "version: 1\nextends: default\ntarget: main\n")
    write(Path("child.yaml"), "version: 1\nextends: ./base.yaml\ntarget: develop\n")
    assert resolved("child.yaml").target == "develop"


def test_child_remote_overrides_parent_remote() -> None:
    write(Path("base.yaml"), "version: 1\nextends: default\nremote: upstream\n")
    write(Path("child.yaml"), "version: 1\nextends: ./base.yaml\nremote: fork\n")
    recipe = resolved("child.yaml")
    assert (recipe.remote, recipe.step("rebase").onto) == ("fork", "fork/${target}")  # type: ignore[union-attr]


def test_parent_scalars_are_inherited_when_the_child_is_silent() -> None:
    write(Path("base.yaml"), "version: 1\nextends: default\ntarget: main\nremote: upstream\n")
    recipe = resolved(child("./base.yaml"))
    assert (recipe.target, recipe.remote) == ("main", "upstream")


def test_vars_merge_by_key_child_wins_parent_keys_kept() -> None:
    write(Path("base.yaml"), "version: 1\nextends: default\nvars: {shared: parent, only_parent: p}\n")
    write(Path("child.yaml"), "version: 1\nextends: ./base.yaml\nvars: {shared: child, only_child: c}\n")
    assert resolved("child.yaml").variables == {
        "remote": "origin",
        "shared": "child",
        "only_parent": "p",
        "only_child": "c",
    }


def test_child_list_variable_replaces_the_parent_list() -> None:
    write(Path("base.yaml"), "version: 1\nextends: validated\nvars: {sessions: [lint, tests, docs]}\n")
    write(Path("child.yaml"), "version: 1\nextends: ./base.yaml\nvars: {sessions: [tests]}\n")
    assert resolved("child.yaml").step("validate").nox == ("tests",)  # type: ignore[union-attr]


def test_child_steps_replace_the_parent_list_wholesale() -> None:
    write(Path("child.yaml"), "version: 1\nextends: default\nsteps:\n  - rebase: {onto: origin/main}\n")
    assert resolved("child.yaml").steps == (
        Rebase(
            strategy="rebase",
            onto="origin/main",
            dirty="stash",
            rerere=False,  # the parent's rerere: true is not carried over
            update_refs=False,
            rebase_merges=False,
        ),
    )


def test_patch_changes_only_the_named_options_of_one_kind() -> None:
    write(Path("child.yaml"), "version: 1\nextends: default\npatch:\n  rebase: {update_refs: true}\n")
    recipe = resolved("child.yaml")
    assert recipe.step("rebase") == Rebase(
        strategy="rebase",
        onto="origin/${target}",
        dirty="stash",
        rerere=True,
        update_refs=True,
        rebase_merges=False,
    )
    assert recipe.steps[:2] + recipe.steps[3:] == DEFAULT_STEPS[:2] + DEFAULT_STEPS[3:]


def test_patch_keeps_the_inherited_order_of_steps() -> None:
    write(Path("child.yaml"), "version: 1\nextends: default\npatch:\n  report: {formats: [junit]}\n")
    recipe = resolved("child.yaml")
    assert [step.kind for step in recipe.steps] == [step.kind for step in DEFAULT_STEPS]
    assert recipe.step("report") == Report(formats=("junit",))


def test_patch_autostash_false_overrides_inherited_dirty_stash() -> None:
    write(Path("child.yaml"), "version: 1\nextends: default\npatch:\n  rebase: {autostash: false}\n")
    assert resolved("child.yaml").step("rebase").dirty == "refuse"  # type: ignore[union-attr]


def test_patch_autostash_true_overrides_inherited_dirty_refuse() -> None:
    write(Path("child.yaml"), "version: 1\nextends: ci\npatch:\n  rebase: {autostash: true}\n")
    assert resolved("child.yaml").step("rebase").dirty == "stash"  # type: ignore[union-attr]


def test_patches_accumulate_along_the_chain() -> None:
    write(Path("base.yaml"), "version: 1\nextends: default\npatch:\n  fetch: {attempts: 5}\n")
    write(Path("child.yaml"), "version: 1\nextends: ./base.yaml\npatch:\n  fetch: {prune: false}\n")
    assert resolved("child.yaml").step("fetch") == Fetch(
        prune=False, offline=False, attempts=5, backoff=1.0, timeout=300
    )


def test_patch_applies_to_steps_the_parent_replaced() -> None:
    write(Path("base.yaml"), "version: 1\nextends: default\nsteps:\n  - validate: {nox: [lint]}\n")
    write(Path("child.yaml"), "version: 1\nextends: ./base.yaml\npatch:\n  validate: {timeout: 60}\n")
    assert resolved("child.yaml").steps == (Validate(nox=("lint",), noxfile="noxfile.py", args=(), run=(), timeout=60),)


def test_patch_of_a_kind_not_inherited_is_a_located_error() -> None:
    write(Path("child.yaml"), "version: 1\nextends: default\npatch:\n  validate: {nox: [lint]}\n")
    assert problems("child.yaml") == [
        "child.yaml:4:3: $.patch.validate: no 'validate' step to patch; the inherited steps are: "
        "backup, fetch, rebase, on_conflict, on_fail, verify, report"
    ]


def test_description_is_not_inherited() -> None:
    write(Path("base.yaml"), "version: 1\ndescription: The parent.\nextends: default\n")
    assert resolved(child("./base.yaml")).description == ""


def test_child_description_is_its_own() -> None:
    write(Path("child.yaml"), "version: 1\ndescription: The child.\nextends: ci\n")
    assert resolved("child.yaml").description == "The child."
