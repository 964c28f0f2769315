"""`align help [TOPIC]` and the --help of every command: what it does, the defaults, where to read more."""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from align.cli import main
from align.commands import COMMANDS
from align.commands.help import topics
from align.manpage import commands
from align.parser import HELP_TOPICS, build_parser

ROOT = Path(__file__).resolve().parents[1]
Capture = pytest.CaptureFixture[str]


def help_of(*words: str) -> str:
    """The --help text of ``align WORDS``, at a fixed width."""
    parser = build_parser()
    for command in commands(parser):
        if command.name == " ".join(("align", *words)):
            return command.parser.format_help()
    raise AssertionError(f"no command align {' '.join(words)}")


def test_align_help_lists_every_page_of_the_guide(capsys: Capture) -> None:
    assert main(["help"]) == 0
    captured = capsys.readouterr()
    assert captured.err == ""
    listed = [line.split()[0] for line in captured.out.splitlines() if line.startswith("  ")]
    assert listed == list(topics())
    for name in ("overview", "getting-started", "recipes", "conflicts", "safety", "ci", "troubleshooting"):
        assert name in listed
    assert listed[0] == "overview"
    assert re.search(r"^  conflicts +Conflicts$", captured.out, re.MULTILINE)


def test_align_help_topic_prints_the_page(capsys: Capture) -> None:
    assert main(["help", "conflicts"]) == 0
    captured = capsys.readouterr()
    assert (captured.out, captured.err) == ((ROOT / "docs" / "conflicts.md").read_text(encoding="utf-8"), "")
    assert main(["help", "overview"]) == 0
    assert capsys.readouterr().out == (ROOT / "docs" / "index.md").read_text(encoding="utf-8")


def test_an_unknown_topic_is_a_usage_error_with_a_suggestion(capsys: Capture) -> None:
    assert main(["help", "conflict"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == "align: error: no help topic 'conflict'\nalign: hint: did you mean `align help conflicts`?\n"
    assert main(["help", "zzz"]) == 2
    assert capsys.readouterr().err.endswith("align: hint: `align help` lists the topics\n")


def test_on_a_terminal_the_page_goes_through_the_pager(tmp_path: Path) -> None:
    # a real pseudo-terminal: the pager ($PAGER, here `cat` writing to a file) gets the page
    pty = pytest.importorskip("pty")
    paged = tmp_path / "paged.txt"
    env = {**os.environ, "PAGER": f"cat > {paged}", "MANPAGER": f"cat > {paged}"}
    env.pop("PYTHONPATH", None)
    primary, secondary = pty.openpty()
    done = subprocess.run(
        [sys.executable, "-m", "align", "help", "safety"],
        stdin=secondary, stdout=secondary, stderr=subprocess.PIPE, env=env, timeout=60, check=False,
    )  # fmt: skip
    os.close(secondary)
    os.close(primary)
    assert done.returncode == 0, done.stderr
    assert paged.read_text(encoding="utf-8") == (ROOT / "docs" / "safety.md").read_text(encoding="utf-8")


def test_every_command_names_a_help_topic_that_exists() -> None:
    assert set(HELP_TOPICS) == set(COMMANDS)
    assert set(HELP_TOPICS.values()) <= set(topics())
    for command in commands():
        if command.name == "align":
            continue
        topic = HELP_TOPICS[command.name.split()[1]]
        assert command.parser.format_help().rstrip().endswith(f"more: align help {topic}"), command.name


def test_every_command_and_subcommand_says_what_it_does() -> None:
    for command in commands():
        parser = command.parser
        assert parser.description or command.summary, f"{command.name} has no description"
        for action in parser._actions:
            if not isinstance(action, argparse._SubParsersAction):
                assert action.help, f"{command.name}: {action.option_strings or action.dest} has no help"


@pytest.mark.parametrize("command", ["run", "plan"])
def test_the_target_help_says_the_default(command: str) -> None:
    text = " ".join(help_of(command).split())
    assert "see docs" not in text
    assert (
        "--target BRANCH the primary branch to align onto (default: the recipe's target:, else the branch "
        "REMOTE/HEAD names, else main, else master)" in text
    )


def test_no_help_points_at_a_file_an_installed_user_does_not_have() -> None:
    for command in commands():
        text = command.parser.format_help()
        assert "docs/" not in text, command.name
        assert ".md" not in text, command.name
