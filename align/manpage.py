"""The command-line reference, generated from the parser: a man page (git-align.1) and a Markdown page.

    python -m align.manpage [man/git-align.1 docs/cli-reference.md]

writes both (from the repository's root); ``nox -s docs`` runs it, and a test checks that the checked-in
files are current.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from align import __version__
from align.parser import build_parser

MAN_PAGE = "man/git-align.1"
MARKDOWN_PAGE = "docs/cli-reference.md"
WIDTH = 72  # usage lines are wrapped at this width, whatever the terminal (man indents them by 7)
COMMON = ("help", "verbose", "quiet", "log_file")  # every command has these: described once, at the top


@dataclass(frozen=True, kw_only=True)
class Command:
    """One (sub)command of the parser, as the references show it."""

    name: str  # "align run", "align recipes show"
    summary: str  # the one-line help shown in the parent's list
    parser: argparse.ArgumentParser


def commands(
    parser: argparse.ArgumentParser | None = None, name: str = "align", summary: str = ""
) -> Iterator[Command]:
    """Yield the parser and every subcommand under it, depth first, in the order they were added."""
    parser = parser or build_parser()
    yield Command(name=name, summary=summary, parser=parser)
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            helps = {choice.dest: choice.help or "" for choice in action._choices_actions}
            for sub_name, sub_parser in action.choices.items():
                yield from commands(sub_parser, f"{name} {sub_name}", helps.get(sub_name, ""))


def usage(parser: argparse.ArgumentParser) -> str:
    """Return the usage of ``parser`` without the ``usage:`` prefix, wrapped at WIDTH."""
    formatter = argparse.HelpFormatter(parser.prog, width=WIDTH)
    formatter.add_usage(parser.usage, parser._actions, parser._mutually_exclusive_groups, prefix="")
    return formatter.format_help().strip()


def options(parser: argparse.ArgumentParser, *, common: bool = False) -> Iterator[tuple[str, str]]:
    """Yield ``(invocation, help)`` for each argument of ``parser``; the COMMON ones only if ``common``."""
    formatter = argparse.HelpFormatter(parser.prog, width=WIDTH)
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction) or action.help == argparse.SUPPRESS:
            continue
        if action.dest in COMMON and not common:
            continue
        text = formatter._expand_help(action) if action.help else ""
        yield formatter._format_action_invocation(action), text


def render_markdown(parser: argparse.ArgumentParser | None = None) -> str:
    """Return the Markdown command-line reference."""
    lines = [
        "# Command line",
        "",
        "<!-- Generated from align/parser.py by `python -m align.manpage`: edit the parser, then `nox -s docs`. -->",
        "",
        "Every command, its options and examples, as `align COMMAND --help` prints them. `git align` and",
        "`python -m align` are the same program. Installed, `man git-align` shows this page too.",
    ]
    for index, command in enumerate(commands(parser)):
        lines += ["", f"## `{command.name}`", ""]
        if command.summary:
            lines += [_md_text(command.summary[0].upper() + command.summary[1:]) + ".", ""]
        lines += ["```text", usage(command.parser), "```"]
        if command.parser.description:
            lines += ["", _md_text(command.parser.description)]
        rows = list(options(command.parser, common=index == 0))
        if index == 0:
            lines += ["", "Every command accepts `-h`, `-v`, `-q` and `--log-file PATH`, before or after its name."]
        if rows:
            lines += ["", "| option | meaning |", "|---|---|"]
            lines += [f"| `{invocation}` | {_md_cell(text)} |" for invocation, text in rows]
        subs = list(_subcommands(command.parser))
        if subs:
            lines += ["", "| command | what it does |", "|---|---|"]
            lines += [f"| `{command.name} {sub}` | {_md_cell(text)} |" for sub, text in subs]
        if command.parser.epilog:
            lines += ["", "```text", command.parser.epilog.strip("\n"), "```"]
    return "\n".join(lines) + "\n"


def render_man(parser: argparse.ArgumentParser | None = None) -> str:
    """Return the man page git-align(1) in roff (man macros)."""
    everything = list(commands(parser))
    top = everything[0].parser
    out = [
        '.\\" Generated from align/parser.py by `python -m align.manpage`: edit the parser, then run `nox -s docs`.',
        f'.TH GIT-ALIGN 1 "" "align {__version__}" "align manual"',
        ".SH NAME",
        "git-align, align \\- " + _roff(top.description or ""),
        ".SH SYNOPSIS",
        ".nf",
        _roff(usage(top)),
        "git align ...",
        "python -m align ...",
        ".fi",
        ".SH DESCRIPTION",
        _roff(
            "align keeps a git feature branch aligned with its primary branch, as a YAML recipe says: backup, "
            "fetch, rebase or merge, verify, validate, report. `align help` lists the guide's topics; "
            "`align help TOPIC` prints one."
        ),
        ".SH OPTIONS",
        _roff("Every command accepts these, before or after its name:"),
        *_man_options(top, common=True),
        ".SH COMMANDS",
    ]
    for command in everything[1:]:
        out += [".SS " + _roff(command.name), ".nf", _roff(usage(command.parser)), ".fi"]
        text = command.parser.description or command.summary
        if text:
            out += [".PP", _roff(text)]
        out += _man_options(command.parser)
        if command.parser.epilog:
            out += [".PP", ".nf", _roff(command.parser.epilog.strip("\n")), ".fi"]
    out += [
        ".SH SEE ALSO",
        _roff("align help TOPIC (getting-started, recipes, conflicts, safety, ci, troubleshooting, ...)"),
        _roff("git-rebase(1), git-merge(1)"),
    ]
    return "\n".join(out) + "\n"


def _subcommands(parser: argparse.ArgumentParser) -> Iterator[tuple[str, str]]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for choice in action._choices_actions:
                yield choice.dest, choice.help or ""


def _man_options(parser: argparse.ArgumentParser, *, common: bool = False) -> list[str]:
    out: list[str] = []
    for invocation, text in options(parser, common=common):
        out += [".TP", "\\fB" + _roff(invocation) + "\\fR", _roff(text)]
    return out


def _roff(text: str) -> str:
    """Escape ``text`` for roff: backslashes, and a leading dot or quote on any line."""
    lines = text.replace("\\", "\\e").replace("-", "\\-").splitlines() or [""]
    return "\n".join("\\&" + line if line.startswith((".", "'")) else line for line in lines)


def _md_text(text: str) -> str:
    return text.replace("<", "&lt;").replace(">", "&gt;")


def _md_cell(text: str) -> str:
    return _md_text(" ".join(text.split())).replace("|", "\\|")


def main(argv: list[str] | None = None) -> int:
    """Write the man page and the Markdown reference to the paths given (default: the checked-in ones)."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) not in (0, 2):
        print("usage: python -m align.manpage [MAN_PAGE MARKDOWN_PAGE]", file=sys.stderr)
        return 2
    man, markdown = (Path(args[0]), Path(args[1])) if args else (Path(MAN_PAGE), Path(MARKDOWN_PAGE))
    for path, text in ((man, render_man()), (markdown, render_markdown())):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
