"""Input at the edges (issue 9, items 14, 15, 17): outputs over git's own files, hostile target and remote
names, permanent fetch errors, a fetch that hangs, a remote path that does not exist, a huge recipe."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from align.cli import main
from tests.builders import ALIGN_STEPS, REPORT, fetched_feature, moved_upstream, steps_recipe, three_commits
from tests.fakes import calls, counting_upload_pack
from tests.helpers import BRANCH, REF, Repo, write
from tests.snapshots import assert_untouched, backups, out, rev, snapshot

Capture = pytest.CaptureFixture[str]

pytestmark = pytest.mark.usefixtures("in_repo")


def git_files(git_dir: Path) -> dict[str, bytes]:
    """Every file under a git dir and its bytes (objects, refs, config, HEAD, index, logs...)."""
    found = {}
    for folder, _, names in os.walk(git_dir):
        for name in names:
            path = Path(folder, name)
            found[path.relative_to(git_dir).as_posix()] = path.read_bytes()
    return found


# -- item 14: outputs over files git owns -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "named"),
    [
        ([BRANCH, "--report-json", ".git/config"], "--report-json .git/config would write into git's own directory"),
        (["--log-file", ".git/HEAD", BRANCH], "--log-file .git/HEAD would write into git's own directory"),
        ([BRANCH, "--log-file", ".git/refs/heads/feature/x"], "--log-file .git/refs/heads/feature/x would write"),
        (["--log-file", ".git/index", "status"], "--log-file .git/index would write into git's own directory"),
        (["abort", "--log-file", "sub/../.git/ORIG_HEAD"], "would write into git's own directory"),
        ([BRANCH, "--report-json", ".git"], "--report-json .git would write into the .git entry"),
        ([BRANCH, "--report-json", ".git/align/journal.json"], "would write into align's own records"),
        ([BRANCH, "--log-file", ".git/align/runs.jsonl"], "would write into align's own records"),
    ],
)
def test_an_output_over_a_file_git_owns_is_refused(in_repo: Repo, argv: list[str], named: str, capsys: Capture) -> None:
    old = three_commits(in_repo)
    moved_upstream(in_repo)
    (in_repo.path / ".git" / "align").mkdir()
    (in_repo.path / ".git" / "align" / "runs.jsonl").write_text('{"run_id": "earlier"}\n', encoding="utf-8")
    before, inside = snapshot(in_repo), git_files(in_repo.path / ".git")

    assert main(argv) == 2

    text = out(capsys)
    assert named in text
    assert "align: hint: write it outside the git directory" in text
    assert git_files(in_repo.path / ".git") == inside  # HEAD, config, index, refs, align's records: byte for byte
    assert_untouched(in_repo, before, old[-1])
    assert backups(in_repo) == {}


def test_an_output_through_a_link_into_the_git_dir_is_refused(in_repo: Repo, capsys: Capture) -> None:
    three_commits(in_repo)
    write(in_repo.path / ".git" / "info" / "exclude", "*.json\n")
    (in_repo.path / "report.json").symlink_to(in_repo.path / ".git" / "config")
    before, inside = snapshot(in_repo), git_files(in_repo.path / ".git")

    assert main([BRANCH, "--report-json", "report.json"]) == 2

    assert "--report-json report.json would write into git's own directory" in out(capsys)
    assert git_files(in_repo.path / ".git") == inside
    assert snapshot(in_repo) == before


def test_outputs_in_a_linked_worktree_are_checked_against_both_git_dirs(
    in_repo: Repo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Capture
) -> None:
    three_commits(in_repo)
    moved_upstream(in_repo)
    in_repo.git("switch", "--quiet", "main")
    linked = tmp_path / "linked"
    in_repo.git("worktree", "add", "--quiet", str(linked), BRANCH)
    common = in_repo.path / ".git"
    monkeypatch.chdir(linked)
    inside, gitfile = git_files(common), (linked / ".git").read_bytes()

    for argv, named in (
        (["--log-file", ".git"], "--log-file .git would write into the .git entry"),
        (["--report-json", str(common / "worktrees" / "linked" / "HEAD")], f"own directory {common}/worktrees/linked"),
        (["--report-json", str(common / "config")], f"would write into git's own directory {common}:"),
        (["--log-file", str(common / "worktrees" / "linked" / "align" / "x.log")], "own directory"),
    ):
        assert main([BRANCH, *argv]) == 2
        assert named in out(capsys)
    assert git_files(common) == inside
    assert (linked / ".git").read_bytes() == gitfile

    assert main([BRANCH, "--report-json", str(common / "align" / "mine.json")]) == 0  # align's own area

    assert json.loads((common / "align" / "mine.json").read_text())["status"] == "aligned"
    assert rev(in_repo, REF) != rev(in_repo, "main")


def test_an_output_under_aligns_own_area_is_written(in_repo: Repo, capsys: Capture) -> None:
    old = three_commits(in_repo)
    moved_upstream(in_repo)
    (in_repo.path / ".git" / "align").mkdir()

    assert main([BRANCH, "--report-json", ".git/align/last.json", "--log-file", ".git/align/last.log"]) == 0

    assert json.loads((in_repo.path / ".git" / "align" / "last.json").read_text())["status"] == "aligned"
    assert "fetch" in (in_repo.path / ".git" / "align" / "last.log").read_text()
    assert in_repo.git("rev-list", "--count", f"origin/main..{REF}") == "3"
    assert list(backups(in_repo).values()) == [old[-1]]


# -- item 15: target and remote names -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("option", "name"),
    [
        ("--target", "--upload-pack=touch x"),
        ("--target", "main:refs/heads/stolen"),
        ("--target", "ma*n"),
        ("--target", "HEAD"),
        ("--target", "main@{1}"),
        ("--target", "main.lock"),
        ("--remote", "--upload-pack=touch x"),
        ("--remote", "ori:gin"),
    ],
)
def test_a_target_or_remote_git_would_not_take_is_refused_before_anything_runs(
    in_repo: Repo, tmp_path: Path, option: str, name: str, capsys: Capture
) -> None:
    old = three_commits(in_repo)
    moved_upstream(in_repo)
    count = counting_upload_pack(in_repo, tmp_path, fail=False)
    before, inside = snapshot(in_repo), git_files(in_repo.path / ".git")

    assert main([BRANCH, option, name]) == 2

    text = out(capsys)
    what = option.removeprefix("--")
    assert f"refusing {what} name {name!r} from {option}: git does not accept it as a {what} name" in text
    assert "align: hint: give a plain name" in text
    assert calls(count) == 0  # no fetch, let alone three
    assert "retrying" not in text
    assert git_files(in_repo.path / ".git") == inside
    assert_untouched(in_repo, before, old[-1])
    assert not (in_repo.path / "x").exists()
    assert not Path("x").exists()


@pytest.mark.parametrize(
    "case",
    [
        ('target: "${t}"', ["--set", "t=--upload-pack=touch x"], "refusing target name '--upload-pack=touch x'"),
        ('remote: "${r}"', ["--set", "r=-x"], "refusing remote name '-x'"),
        ("target: 'main:refs/heads/x'", [], "refusing target name 'main:refs/heads/x'"),
    ],
)
def test_names_from_the_recipe_are_checked_after_substitution(
    in_repo: Repo, tmp_path: Path, case: tuple[str, list[str], str], capsys: Capture
) -> None:
    recipe_line, overrides, message = case
    old = fetched_feature(in_repo)
    body = f"version: 1\n{recipe_line}\nvars: {{t: main, r: origin}}\nsteps:\n  - fetch: {{}}\n  - rebase: {{}}\n"
    path = write(tmp_path / "recipes" / "names.yaml", body)
    before = snapshot(in_repo)

    assert main([BRANCH, "--recipe", str(path), *overrides]) == 2

    text = out(capsys)
    assert f"{message} from the recipe's" in text
    assert_untouched(in_repo, before, old[-1])
    assert backups(in_repo) == {}


# -- item 15 and 17: fetch failures that retrying does not cure, a fetch that hangs --------------------------


def fetch_recipe(tmp_path: Path, fetch: str) -> str:
    return steps_recipe(tmp_path, "backup: {}", f"fetch: {fetch}", *ALIGN_STEPS[2:], REPORT)


def test_a_remote_path_that_does_not_exist_is_named_and_not_retried(
    in_repo: Repo, tmp_path: Path, capsys: Capture
) -> None:
    old = fetched_feature(in_repo)
    gone = tmp_path / "moved-away.git"
    in_repo.git("remote", "set-url", "origin", str(gone))
    before = snapshot(in_repo)

    assert main([BRANCH, "--recipe", fetch_recipe(tmp_path, "{attempts: 3, backoff: 0}")]) == 1

    text = out(capsys)
    assert f"fetch of main from origin failed: the URL of remote 'origin', {gone}, does not exist" in text
    assert "(`git remote set-url origin URL` fixes it)" in text
    assert "retrying" not in text
    assert "and the repository exists." not in text
    assert_untouched(in_repo, before, old[-1])


def test_a_remote_path_that_is_no_repository_is_named(in_repo: Repo, tmp_path: Path, capsys: Capture) -> None:
    old = fetched_feature(in_repo)
    folder = tmp_path / "just-a-folder"
    folder.mkdir()
    in_repo.git("remote", "set-url", "origin", f"file://{folder}")
    before = snapshot(in_repo)

    assert main([BRANCH, "--recipe", fetch_recipe(tmp_path, "{attempts: 2, backoff: 0}")]) == 1

    text = out(capsys)
    assert f"the URL of remote 'origin', file://{folder}, is not a git repository (`git remote -v` shows it)" in text
    assert "retrying" not in text
    assert_untouched(in_repo, before, old[-1])


def test_a_fetch_that_hangs_is_stopped_at_its_timeout_and_retried(
    in_repo: Repo, tmp_path: Path, capsys: Capture
) -> None:
    old = fetched_feature(in_repo)
    count = tmp_path / "upload-pack-calls"
    script = write(tmp_path / "slow-upload-pack.sh", f"#!/bin/sh\necho call >> '{count}'\nsleep 4\nexit 1\n")
    script.chmod(0o755)
    in_repo.git("config", "remote.origin.uploadpack", str(script))
    before, refs_before = snapshot(in_repo), in_repo.git("for-each-ref")

    started = time.perf_counter()
    assert main([BRANCH, "--recipe", fetch_recipe(tmp_path, "{timeout: 0.5, attempts: 2, backoff: 0}")]) == 1
    elapsed = time.perf_counter() - started

    text = out(capsys)
    assert "fetch timed out after 0.5 s (attempt 1/2); retrying in 0 s" in text
    assert "fetch of main from origin failed: no answer within 0.5 s (2 attempts)" in text
    assert "`fetch: {timeout: SECONDS}`" in text
    assert calls(count) == 2
    assert elapsed < 3.5, f"took {elapsed:.1f} s"
    assert_untouched(in_repo, before, old[-1])
    assert [line for line in in_repo.git("for-each-ref").splitlines() if "refs/align/" not in line] == [
        line for line in refs_before.splitlines() if "refs/align/" not in line
    ]
    assert list((in_repo.path / ".git").rglob("*.lock")) == []


def test_the_fetch_timeout_is_in_the_schema(tmp_path: Path, capsys: Capture) -> None:
    bad = steps_recipe(tmp_path, "fetch: {timeout: 0}", ALIGN_STEPS[2], name="bad.yaml")
    good = steps_recipe(tmp_path, "fetch: {timeout: 12.5}", ALIGN_STEPS[2], name="good.yaml")

    assert main(["check", bad, good]) == 2
    text = out(capsys)
    assert "bad.yaml:3:22: $.steps[0].fetch.timeout:" in text
    assert f"ok: {good}" in text

    assert main(["recipes", "show", "default", "--resolved"]) == 0
    assert "timeout: 300" in out(capsys)


# -- item 17: a huge recipe ---------------------------------------------------------------------------------


def test_a_recipe_larger_than_1_mb_is_refused_at_once(in_repo: Repo, tmp_path: Path, capsys: Capture) -> None:
    old = fetched_feature(in_repo)
    huge = write(tmp_path / "huge.yaml", "version: 1\nsteps:\n" + "  - backup: {}\n" * 80_000)
    child = write(tmp_path / "child.yaml", "version: 1\nextends: ./huge.yaml\n")
    before = snapshot(in_repo)

    started = time.perf_counter()
    assert main(["check", str(huge), str(child)]) == 2
    assert main([BRANCH, "--recipe", str(huge)]) == 2
    elapsed = time.perf_counter() - started

    text = out(capsys)
    too_big = "is larger than 1 MB: a recipe is a few lines of YAML (is this the right file?)"
    assert f"{huge}:1:1: $: recipe {huge} {too_big}" in text
    assert f"{child}:2:10: $.extends: recipe {huge} {too_big}" in text
    assert f"align: error: recipe {huge} {too_big}" in text
    assert elapsed < 2, f"took {elapsed:.1f} s"
    assert_untouched(in_repo, before, old[-1])


def test_a_recipe_from_git_larger_than_1_mb_is_neither_read_nor_cached(
    tmp_path: Path, cache_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: Capture
) -> None:
    recipes = Repo.create(tmp_path / "recipes-repo")
    sha = recipes.commit("huge.yaml", "version: 1\n" + "# padding\n" * 120_000, "a huge recipe")
    recipes.git("push", "--quiet", "origin", "main")
    reference = f"git+{recipes.origin.as_uri()}@{sha}#huge.yaml"
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "child.yaml", f"version: 1\nextends: {reference}\n")

    assert main(["check", "child.yaml"]) == 2

    assert f"child.yaml:2:10: $.extends: recipe {reference} is larger than 1 MB" in out(capsys)
    assert not (cache_dir / "git").exists()


@pytest.mark.parametrize(("word", "command"), [("stauts", "status"), ("abrot", "abort"), ("contineu", "continue")])
def test_a_mistyped_command_is_a_usage_error_with_a_suggestion(
    in_repo: Repo, word: str, command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([word]) == 2

    err = capsys.readouterr().err
    assert f"no branch {word!r} in this repository, and no command of that name" in err
    assert f"did you mean `align {command}`?" in err
    assert not (in_repo.path / ".git" / "align" / "runs.jsonl").exists()  # no refused run in the history


def test_a_missing_branch_unlike_any_command_is_still_a_refusal(
    in_repo: Repo, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["feature/nope"]) == 4
    assert "no branch 'feature/nope' in this repository" in capsys.readouterr().err
