"""``align help [TOPIC]``: the guide's pages, shipped with align, readable without a browser or a checkout."""

from __future__ import annotations

import argparse
import difflib
import pydoc
import sys
from pathlib import Path

from align.errors import UsageError
from align.resources import data_dir

INDEX = "overview"  # the topic of docs/index.md


def topics() -> dict[str, Path]:
    """Return every topic and its page, the overview first: a page's topic is its file name without ``.md``."""
    pages = sorted(data_dir("docs").glob("*.md"), key=lambda page: (page.stem != "index", page.stem))
    return {(INDEX if page.stem == "index" else page.stem): page for page in pages}


def title(page: Path) -> str:
    """Return the page's first heading (``# Title``), or its name."""
    with page.open(encoding="utf-8") as lines:
        for line in lines:
            if line.startswith("# "):
                return line[2:].strip()
    return page.stem


def run(args: argparse.Namespace) -> int:
    """Print a topic (through a pager on a terminal), or the list of topics."""
    known = topics()
    if args.topic is None:
        width = max(len(name) for name in known)
        print("align help TOPIC prints a page of the guide; the topics:\n")
        for name, page in known.items():
            print(f"  {name.ljust(width)}  {title(page)}")
        print("\n`align COMMAND --help` describes a command; `man git-align` all of them.")
        return 0
    if args.topic not in known:
        close = difflib.get_close_matches(args.topic, list(known), n=1, cutoff=0.6)
        raise UsageError(
            f"no help topic {args.topic!r}",
            hint=f"did you mean `align help {close[0]}`?" if close else "`align help` lists the topics",
        )
    text = known[args.topic].read_text(encoding="utf-8")
    if sys.stdout.isatty():
        pydoc.pager(text)
    else:
        sys.stdout.write(text)
    return 0
