"""Where reports go (--report-json, $GITHUB_STEP_SUMMARY); `align report` renders a kept run again; `align history`."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from align.cli import main
from align.report import render
from align.resources import schema
from tests.builders import (
    ALIGN_STEPS,
    FEATURE_EDIT,
    feature,
    fetched_feature,
    moved_upstream,
    steps_recipe,
    three_commits,
    upstream,
)
from tests.helpers import BRANCH, OTHER, Repo, write
from tests.snapshots import out, rev

Capture = pytest.CaptureFixture[str]
FAILING = ("backup: {}", "fetch: {}", "rebase: {}", "on_fail: {action: rollback}", 'validate: {run: [["false"]]}')
ROW = re.compile(r"^(\S+)  (\S+Z)  (\S+)\s+(\S+)\s+(exit \d+)?\s+(\d+\.\d\d s|in progress)$")

pytestmark = pytest.mark.usefixtures("in_repo")


def align_dir(repo: Repo) -> Path:
    return repo.path / ".git" / "align"


def history(repo: Repo) -> list[dict[str, Any]]:
    lines = (align_dir(repo) / "runs.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines]


def kept(repo: Repo, run_id: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((align_dir(repo) / "runs" / run_id / "report.json").read_text(encoding="utf-8"))
    return loaded


def last(repo: Repo) -> dict[str, Any]:
    """The report.json kept for the last finished run."""
    return kept(repo, history(repo)[-1]["run_id"])


def three_runs(repo: Repo, tmp_path: Path) -> list[str]:
    """Aligned, then already up to date, then failed (rolled back); return their ids, oldest first."""
    fetched_feature(repo)
    assert main([BRANCH]) == 0
    assert main([BRANCH]) == 0
    upstream(repo, "later.txt", "later\n", "upstream: later")
    assert main([BRANCH, "--recipe", steps_recipe(tmp_path, *FAILING)]) == 1
    return [line["run_id"] for line in history(repo)]


def test_report_renders_the_last_run_by_default_in_each_format(repo: Repo, tmp_path: Path, capsys: Capture) -> None:
    ids = three_runs(repo, tmp_path)
    capsys.readouterr()
    report = kept(repo, ids[-1])
    assert report["status"] == "failed_rolled_back"

    assert main(["report"]) == 0
    assert capsys.readouterr().out == render(report, "console") + "\n"

    assert main(["report", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == report

    assert main(["report", "--format", "markdown"]) == 0
    markdown = capsys.readouterr().out
    assert markdown.startswith("### align: `feature/x` onto `origin/main`: ❌ failed: everything rolled back\n")
    assert "| `false` | command | ❌ failed |" in markdown

    assert main(["report", "--format", "junit"]) == 0
    suite = ET.fromstring(capsys.readouterr().out)[0]
    assert (suite.get("name"), suite.get("failures")) == ("align", "2")
    assert [case.get("name") for case in suite.iter("testcase")][-1] == "false"


def test_report_by_id_shows_that_run(repo: Repo, tmp_path: Path, capsys: Capture) -> None:
    ids = three_runs(repo, tmp_path)
    capsys.readouterr()

    assert main(["report", ids[0]]) == 0
    first = capsys.readouterr().out
    assert main(["report", ids[1], "--format", "json"]) == 0
    second = json.loads(capsys.readouterr().out)

    assert first.startswith("align: feature/x onto origin/main (")
    assert ": aligned\n" in first
    assert f"run {ids[0]}, " in first
    assert (second["run_id"], second["status"], second["exit_code"]) == (ids[1], "up_to_date", 0)


def test_report_without_a_kept_report_json_builds_it_from_the_journal(repo: Repo, capsys: Capture) -> None:
    fetched_feature(repo)
    assert main([BRANCH]) == 0
    [line] = history(repo)
    printed = kept(repo, line["run_id"])
    (align_dir(repo) / "runs" / line["run_id"] / "report.json").unlink()
    capsys.readouterr()

    assert main(["report", "--format", "json"]) == 0

    rebuilt = json.loads(capsys.readouterr().out)
    assert {**rebuilt, "warnings": [], "guidance": []} == {**printed, "warnings": [], "guidance": []}


def test_report_defaults_to_the_paused_run(repo: Repo, capsys: Capture) -> None:
    fetched_feature(repo)
    assert main([BRANCH]) == 0  # an earlier, finished run
    feature(repo, FEATURE_EDIT, branch=OTHER)
    moved_upstream(repo, conflicting=True)
    assert main([OTHER]) == 3
    capsys.readouterr()

    assert main(["report", "--format", "json"]) == 0

    report = json.loads(capsys.readouterr().out)
    assert (report["branch"], report["status"], report["exit_code"]) == ("feature/y", "paused", 3)
    assert report["conflicts"][0]["files"] == [{"path": "README.md", "kind": "both modified"}]
    assert report["guidance"]  # as the pause printed it
    (align_dir(repo) / "runs" / report["run_id"] / "report.json").unlink()
    assert main(["report", report["run_id"], "--format", "json"]) == 0
    rebuilt = json.loads(capsys.readouterr().out)  # from the journal of the run in progress
    assert {**rebuilt, "guidance": [], "duration_s": 0} == {**report, "guidance": [], "duration_s": 0}

    assert main(["history"]) == 0
    lines = out(capsys).splitlines()
    assert len(lines) == 2
    assert re.fullmatch(r"\S+  \S+Z  feature/y  paused\s+in progress", lines[-1])


def test_report_of_an_unknown_run_lists_the_recent_ones(repo: Repo, tmp_path: Path, capsys: Capture) -> None:
    ids = three_runs(repo, tmp_path)
    capsys.readouterr()

    assert main(["report", "20990101T000000Z-000000"]) == 2

    assert capsys.readouterr().err.splitlines() == [
        f"align: error: no run '20990101T000000Z-000000' in this repository (recent runs: {', '.join(ids[::-1])})",
        "align: hint: `align history` lists the runs",
    ]
    assert main(["report", "../../HEAD"]) == 2  # never read outside runs/
    assert "no run '../../HEAD' in this repository" in out(capsys)


def test_report_before_any_run_is_a_usage_error(repo: Repo, capsys: Capture) -> None:
    assert main(["report"]) == 2
    assert capsys.readouterr().err.splitlines() == [
        "align: error: no align run in this repository yet: there is no report to show",
        "align: hint: run `align BRANCH`",
    ]
    assert main(["report", "20990101T000000Z-000000"]) == 2
    assert "(this repository has no finished run)" in out(capsys)


def test_history_lists_the_runs_newest_last(repo: Repo, tmp_path: Path, capsys: Capture) -> None:
    ids = three_runs(repo, tmp_path)
    capsys.readouterr()

    assert main(["history"]) == 0

    rows = [ROW.fullmatch(line) for line in capsys.readouterr().out.splitlines()]
    assert all(rows), rows
    found = [(row[1], row[3], row[4], row[5]) for row in rows if row]
    assert found == [
        (ids[0], BRANCH, "aligned", "exit 0"),
        (ids[1], BRANCH, "up_to_date", "exit 0"),
        (ids[2], BRANCH, "failed_rolled_back", "exit 1"),
    ]
    started = [row[2] for row in rows if row]
    assert started == [line["started_at"] for line in history(repo)]

    assert main(["history", "--limit", "2"]) == 0
    assert [line.split()[0] for line in capsys.readouterr().out.splitlines()] == ids[1:]


def test_history_before_any_run_and_with_a_bad_limit(repo: Repo, capsys: Capture) -> None:
    assert main(["history"]) == 0
    assert capsys.readouterr().out == "no align runs yet in this repository\n"
    assert main(["history", "--limit", "0"]) == 2
    assert "align: error: --limit must be 1 or more, not 0" in out(capsys)


def test_the_schema_is_valid_and_rejects_what_it_should(repo: Repo, capsys: Capture) -> None:
    fetched_feature(repo)
    assert main([BRANCH]) == 0
    validator = Draft202012Validator(schema("report"))
    validator.check_schema(schema("report"))
    report = last(repo)
    assert list(validator.iter_errors(report)) == []
    for broken in (
        {**report, "status": "fine"},
        {**report, "extra": 1},
        {**report, "git": {"calls": -1, "seconds": 0}},
    ):
        assert list(validator.iter_errors(broken)), broken
    assert [
        error.message for error in validator.iter_errors({k: v for k, v in report.items() if k != "schema_version"})
    ] == ["'schema_version' is a required property"]


def test_report_and_history_outside_a_repository_are_usage_errors(tmp_path: Path, capsys: Capture) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(outside)
        assert main(["report"]) == 2
        assert main(["history"]) == 2
    assert out(capsys).count("align: error: not inside a git working tree") == 2


def test_history_shows_the_duration_kept_of_each_run(repo: Repo, capsys: Capture) -> None:
    three_commits(repo)
    moved_upstream(repo)
    assert main([BRANCH]) == 0
    capsys.readouterr()
    [line] = history(repo)

    assert main(["history"]) == 0

    assert capsys.readouterr().out.rstrip().endswith(f"{line['duration_s']:.2f} s")


def test_report_json_option_writes_the_same_report(repo: Repo, tmp_path: Path, capsys: Capture) -> None:
    fetched_feature(repo)
    (tmp_path / "out").mkdir()

    assert main([BRANCH, "--report-json", str(tmp_path / "out" / "align.report.json")]) == 0

    written = json.loads((tmp_path / "out" / "align.report.json").read_text(encoding="utf-8"))
    assert written == last(repo)
    assert written["status"] == "aligned"
    assert written["schema_version"] == 1


def test_a_report_json_that_cannot_be_written_is_a_warning(repo: Repo, tmp_path: Path, capsys: Capture) -> None:
    fetched_feature(repo)
    write(tmp_path / "taken", "a file, not a folder\n")

    assert main([BRANCH, "--report-json", str(tmp_path / "taken" / "align.report.json")]) == 0

    text = out(capsys)
    assert re.search(r"^  warning: report: could not write \S+/taken/align\.report\.json: .+$", text, re.M)
    assert any("could not write" in line for line in last(repo)["warnings"])


def test_each_run_appends_its_markdown_to_the_step_summary(
    repo: Repo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Capture
) -> None:
    fetched_feature(repo)
    summary = tmp_path / "summary.md"
    summary.write_text("# earlier step\n", encoding="utf-8")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    path = steps_recipe(tmp_path, *ALIGN_STEPS, "report: {formats: [markdown]}")

    assert main([BRANCH, "--recipe", path]) == 0
    assert main([BRANCH, "--recipe", path]) == 0

    text = summary.read_text(encoding="utf-8")
    assert text.startswith("# earlier step\n### align: ")
    assert re.findall(r"^### align: .*$", text, re.MULTILINE) == [
        "### align: `feature/x` onto `origin/main`: ✅ aligned",
        "### align: `feature/x` onto `origin/main`: ✅ already up to date",
    ]
    assert "commits:" not in out(capsys)  # no console format: no summary printed

    assert main([BRANCH]) == 0  # the default recipe has no markdown: nothing appended
    assert summary.read_text(encoding="utf-8") == text

    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(tmp_path))  # a folder: the run goes on, with a warning
    assert main([BRANCH, "--recipe", path]) == 0
    assert last(repo)["warnings"] == [f"report: could not write $GITHUB_STEP_SUMMARY ({tmp_path}): Is a directory"]


def test_stacked_branches_are_in_the_report(repo: Repo, tmp_path: Path) -> None:
    old = fetched_feature(repo)
    repo.git("branch", "feature/part", old[0])
    path = steps_recipe(tmp_path, *ALIGN_STEPS[:2], "rebase: {update_refs: true}", *ALIGN_STEPS[3:])

    assert main([BRANCH, "--recipe", path]) == 0

    assert last(repo)["stacked"] == [
        {"ref": "refs/heads/feature/part", "before": old[0], "after": rev(repo, "feature/part")}
    ]
