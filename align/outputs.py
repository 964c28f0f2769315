"""Where align may write the files the command line names (``--log-file``, ``--report-json``...).

Never over a file git owns: anything in a git directory (a repository's ``.git``, a linked working
tree's ``.git/worktrees/NAME``, a submodule's ``.git/modules/NAME``, a bare repository) or a ``.git``
file, except align's own area ``<git dir>/align/`` (but not over the journal, the lock or past runs
there). Checked before anything is written, without git: the path is resolved (symbolic links
followed) and each folder above it is looked at.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from align.errors import UsageError

OWN_AREA = "align"
REPORT_OPTIONS = {"json": "--report-json", "markdown": "--report-markdown", "junit": "--report-junit"}
BOOKKEEPING = ("journal.json", "lock", "runs", "runs.jsonl")  # in OWN_AREA: what align itself keeps there


def refuse_git_owned(option: str, path: str, *, cwd: Path | None = None) -> None:
    """Raise ``UsageError`` (exit 2) when writing ``path`` would overwrite a file git owns."""
    where = ((cwd or Path.cwd()) / path).resolve()
    if where.name == ".git":
        _refuse(option, path, where.parent, what="the .git entry of the working tree")
    for folder in (where, *where.parents):
        if not _is_git_dir(folder):
            continue
        own = folder / OWN_AREA
        if where != own and where.is_relative_to(own) and (folder / "objects").is_dir():
            if where.relative_to(own).parts[0] in BOOKKEEPING:
                _refuse(option, path, folder, what=f"align's own records in {own}")
            return  # align's own area of a repository's (common) git dir
        _refuse(option, path, folder, what=f"git's own directory {folder}")


def _is_git_dir(folder: Path) -> bool:
    """Tell whether ``folder`` looks like a git directory: a HEAD file and objects (or a link to them)."""
    return (folder / "HEAD").is_file() and ((folder / "objects").is_dir() or (folder / "commondir").is_file())


def _refuse(option: str, path: str, folder: Path, *, what: str) -> None:
    area = folder / OWN_AREA if (folder / "objects").is_dir() else None
    elsewhere = f", or under {area}/ (beside align's own records)" if area is not None else ""
    raise UsageError(
        f"{option} {path} would write into {what}: git owns the files there, and overwriting one can break "
        "the repository",
        hint=f"write it outside the git directory (e.g. in the working tree, ignored, or in /tmp){elsewhere}",
    )


@dataclass(frozen=True, kw_only=True)
class Reports:
    """The report files a run writes besides its own records (``--report-json`` and the like).

    ``batch`` holds the run ids of a command given several branches, in order: each file then holds the
    reports of all of them that ran (one batch report, ``align.report.batch``: a JSON object with a
    ``branches`` list, a Markdown table and sections, a JUnit ``<testsuite>`` each).
    """

    json: str = ""
    markdown: str = ""
    junit: str = ""
    batch: tuple[str, ...] = ()
