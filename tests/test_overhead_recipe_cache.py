"""Issue 11, speed: a recipe that passed every check is not read by yaml nor validated by jsonschema again.

The cache (``align.recipe.checked``) vouches only for the exact text or value it stores: a changed recipe is
checked again, and no corrupt, copied or edited entry makes an invalid recipe pass.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from align.cli import main
from align.errors import RecipeError
from align.recipe import checked, sources
from align.recipe.resolve import resolve
from tests.builders import feature, moved_upstream
from tests.helpers import BRANCH, OTHER, REF, Repo, write
from tests.snapshots import rev

RECIPE = "version: 1\nextends: offline\npatch:\n  rebase: {rerere: false}\n"
INVALID = "version: 1\nextends: offline\npatch:\n  rebase: {rerere: false, strategy: sideways}\n"
# Where the invalid edit is, as `align check` and a run report it.
LOCATED = "r.yaml:4:37: $.patch.rebase.strategy: 'sideways' is not one of rebase, merge"

# Runs align's CLI in a fresh interpreter; prints the exit code and which of the heavy imports it made.
PROBE = (
    "import json, sys\nfrom align.cli import main\ncode = main(sys.argv[1:])\n"
    "print(code, json.dumps(sorted(m for m in ('yaml', 'jsonschema') if m in sys.modules)))"
)


def _align(*args: str, cwd: Path) -> tuple[int, list[str], str]:
    """Run align in a subprocess; return its exit code, the heavy modules it imported, and its stdout."""
    done = subprocess.run([sys.executable, "-c", PROBE, *args], cwd=cwd, capture_output=True, text=True, check=False)
    last = done.stdout.splitlines()[-1]
    code, _, modules = last.partition(" ")
    return int(code), json.loads(modules), done.stdout + done.stderr


def _entries(cache_dir: Path) -> dict[str, str]:
    return {path.name: path.read_text(encoding="utf-8") for path in sorted((cache_dir / "checked").glob("*.json"))}


def _branch_behind(repo: Repo, *branches: str) -> list[str]:
    """Each branch (one commit, not checked out) behind origin/main, fetched; return their tips."""
    tips = [
        feature(repo, (f"{index}.txt", "a\n", f"feature: add {index}"), branch=branch)[0]
        for index, branch in enumerate(branches)
    ]
    repo.git("switch", "--quiet", "main")
    moved_upstream(repo)
    repo.git("fetch", "--quiet")
    return tips


def test_a_run_with_an_unchanged_recipe_imports_neither_yaml_nor_jsonschema(
    in_repo: Repo, tmp_path: Path, cache_dir: Path
) -> None:
    path = write(tmp_path / "recipes" / "r.yaml", RECIPE)
    tips = _branch_behind(in_repo, BRANCH, OTHER)

    first = _align("-q", BRANCH, "--recipe", str(path), cwd=in_repo.path)
    kept = _entries(cache_dir)
    code, modules, output = _align("-q", OTHER, "--recipe", str(path), cwd=in_repo.path)

    assert first[:2] == (0, ["jsonschema", "yaml"])
    assert (code, modules) == (0, []), output
    for branch, tip in zip((BRANCH, OTHER), tips, strict=True):
        assert rev(in_repo, f"refs/heads/{branch}~1") == rev(in_repo, "origin/main")
        assert rev(in_repo, f"refs/heads/{branch}^{{tree}}") != rev(in_repo, f"{tip}^{{tree}}")
    assert _entries(cache_dir) == kept  # everything the second run needed was known


def test_align_check_of_an_unchanged_recipe_imports_neither_yaml_nor_jsonschema(tmp_path: Path) -> None:
    path = write(tmp_path / "r.yaml", RECIPE)

    assert _align("check", str(path), cwd=tmp_path)[:2] == (0, ["jsonschema", "yaml"])
    assert _align("check", str(path), cwd=tmp_path)[:2] == (0, [])


def test_a_changed_recipe_is_checked_again_and_an_invalid_edit_is_refused(
    in_repo: Repo, tmp_path: Path, cache_dir: Path
) -> None:
    path = write(tmp_path / "recipes" / "r.yaml", RECIPE)
    [tip] = _branch_behind(in_repo, BRANCH)
    assert _align("check", str(path), cwd=in_repo.path)[:2] == (0, ["jsonschema", "yaml"])

    write(path, INVALID)
    checked_code, checked_modules, said = _align("check", str(path), cwd=in_repo.path)
    run_code, _, run_said = _align("-q", "feature/x", "--recipe", str(path), cwd=in_repo.path)

    assert (checked_code, checked_modules) == (2, ["jsonschema", "yaml"])
    assert said.splitlines()[0].endswith(LOCATED), said
    assert run_code == 2
    assert LOCATED in run_said
    assert rev(in_repo, REF) == tip
    assert not (in_repo.path / ".git" / "align" / "journal.json").exists()


def test_an_entry_copied_to_an_invalid_recipes_name_vouches_for_nothing(
    tmp_path: Path, cache_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path / "r.yaml", RECIPE)
    assert main(["check", str(path)]) == 0
    assert _entries(cache_dir)

    write(path, INVALID)
    for entry in sorted((cache_dir / "checked").glob("*.json")):  # each put where the invalid text's entry goes
        checked.path("document", INVALID).write_bytes(entry.read_bytes())
        capsys.readouterr()

        assert main(["check", str(path)]) == 2
        assert capsys.readouterr().out.splitlines()[0].endswith(LOCATED)


@pytest.mark.parametrize("damage", ["garbage", "truncated", "edited data", "other text"])
def test_a_corrupt_or_edited_entry_is_ignored(tmp_path: Path, cache_dir: Path, damage: str) -> None:
    path = write(tmp_path / "r.yaml", INVALID)
    entry_path = checked.path("document", INVALID)
    entry_path.parent.mkdir(parents=True)
    entry = {"header": checked._header("document"), "text": INVALID, "keys": [], "values": []}
    entry["data"] = {"version": 1, "extends": "offline", "patch": {"rebase": {"rerere": False}}}  # a valid reading
    entry["checksum"] = checked._checksum(entry)
    body = json.dumps(entry)
    if damage == "garbage":
        body = "\x00not json"
    elif damage == "truncated":
        body = body[: len(body) // 2]
    elif damage == "edited data":  # the reading changed after the checksum was taken
        body = json.dumps({**entry, "data": {**entry["data"], "extends": "default"}})
    else:
        body = json.dumps({**entry, "text": RECIPE})
    entry_path.write_text(body, encoding="utf-8")

    with pytest.raises(RecipeError) as caught:
        resolve(sources.file(path), cwd=tmp_path, require_rebase=True)

    assert [str(problem) for problem in caught.value.problems] == [f"{path}:{LOCATED.split(':', 1)[1]}"]


def test_a_forged_document_entry_still_meets_the_schema_on_the_resolved_steps(tmp_path: Path, cache_dir: Path) -> None:
    """Whatever a document entry says, the steps a run follows are checked against the schema (or known valid)."""
    path = write(tmp_path / "r.yaml", RECIPE)
    entry = {"header": checked._header("document"), "text": RECIPE, "keys": [], "values": []}
    entry["data"] = {"version": 1, "extends": "offline", "patch": {"rebase": {"strategy": "sideways"}}}
    entry["checksum"] = checked._checksum(entry)  # a well-formed entry that lies about the text
    write(checked.path("document", RECIPE), json.dumps(entry))

    with pytest.raises(RecipeError) as caught:
        resolve(sources.file(path), cwd=tmp_path, require_rebase=True)

    assert [problem.path for problem in caught.value.problems] == ["$.steps[2].rebase.strategy"]
    assert "'sideways' is not one of rebase, merge" in caught.value.problems[0].message


def test_an_entry_belongs_to_one_align_one_schema_and_one_checker(
    tmp_path: Path, cache_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    value = {"version": 1, "remote": "origin"}
    checked.keep_valid(value)
    assert checked.valid(value)
    assert not checked.valid({"version": 1, "remote": "upstream"})
    assert not checked.valid({"version": True, "remote": "origin"})  # JSON keeps true and 1 apart

    for name, other in (("__version__", "0.0.0"), ("_schema_hash", lambda: "f" * 64), ("_code", lambda: "1:2")):
        with monkeypatch.context() as patched:
            patched.setattr(checked, name, other)
            assert not checked.valid(value), name
    assert checked.valid(value)


def test_values_json_would_blur_are_never_cached(cache_dir: Path) -> None:
    for value in ({"steps": ("a",)}, {"n": float("nan")}, {1: "a"}):
        checked.keep_valid(value)
        assert not checked.valid(value)
    assert not (cache_dir / "checked").exists()


def test_the_cache_keeps_a_bounded_number_of_entries(cache_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(checked, "KEEP", 4)
    for index in range(4):
        checked.keep_valid({"run_id": str(index)})
        os.utime(checked.path("instance", checked._canonical({"run_id": str(index)}) or ""), ns=(index, index))
    checked.keep_valid({"run_id": "4"})  # the fifth: the three oldest go

    assert len(_entries(cache_dir)) == 2
    assert [checked.valid({"run_id": str(index)}) for index in range(5)] == [False, False, False, True, True]


def test_an_unwritable_cache_costs_only_time(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the cache folder would be")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocked))
    path = write(tmp_path / "r.yaml", RECIPE)

    recipe = resolve(sources.file(path), cwd=tmp_path, require_rebase=True)

    assert [step.kind for step in recipe.steps][:3] == ["backup", "fetch", "rebase"]
    assert sources.cache_dir().parent == blocked
