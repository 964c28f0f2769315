"""Conflicts: record them, guide the user through them, check they are really resolved."""

from __future__ import annotations

import re
from pathlib import Path

from align.engine import Context
from align.errors import Refusal
from align.git import Git
from align.state import Conflict, Journal

KINDS = {
    "UU": "both modified",
    "AA": "both added",
    "DD": "both deleted",
    "AU": "added by us",
    "UA": "added by them",
    "DU": "deleted by us",
    "UD": "deleted by them",
}
_MARKER = re.compile(rb"^(<{7}|>{7})( |$)", re.MULTILINE)
_RERERE = re.compile(r"(?:Staged|Resolved) '(.+?)' using previous resolution")


def current_commit(context: Context) -> dict[str, str]:
    """Return the short sha and subject of the commit git is applying (the merged one for a merge)."""
    return commit_at(context.git, context.git_dir)


def commit_at(git: Git, git_dir: Path) -> dict[str, str]:
    """Return the sha, short sha and subject of the commit git stopped at in ``git_dir`` (empty: none)."""
    head = "MERGE_HEAD" if (git_dir / "MERGE_HEAD").exists() else "REBASE_HEAD"
    result = git.run("log", "-n1", "--format=%H%x00%h%x00%s", head, "--", ok=(0, 128))
    if result.code != 0 or "\0" not in result.stdout:
        return {"commit": "", "short": "?", "subject": "?"}
    full, short, subject = result.stdout.rstrip("\n").split("\0", 2)
    return {"commit": full, "short": short, "subject": subject}


def record(context: Context, files: list[tuple[str, str]], *, resolution: str = "pending") -> Conflict:
    """Add the conflict git stopped at to the journal."""
    conflict = noted(context.git, context.git_dir, context.journal, files, resolution=resolution)
    context.save()
    return conflict


def noted(
    git: Git, git_dir: Path, journal: Journal, files: list[tuple[str, str]], *, resolution: str = "pending"
) -> Conflict:
    """Add the conflict git stopped at to ``journal`` (not written)."""
    current = commit_at(git, git_dir)
    conflict = Conflict(
        commit=current["short"],
        subject=current["subject"],
        files=[(path, KINDS.get(code, code)) for path, code in files],
        resolution=resolution,
    )
    journal.conflicts.append(conflict)
    return conflict


def rerere_paths(stderr: str) -> list[tuple[str, str]]:
    """Return the paths git's rerere resolved, from its messages."""
    return [(path, "UU") for path in _RERERE.findall(stderr)]


def guidance(context: Context) -> list[str]:
    """Return what to tell the user at a pause: the commit, each file and its kind, what to run next."""
    journal = context.journal
    conflict = journal.conflicts[-1]
    paths = [path for path, _ in conflict.files]
    touched = _upstream_commits(context, paths)
    merging = (context.git_dir / "MERGE_HEAD").exists()
    if merging:
        lines = [f"conflict while merging {journal.onto} ({conflict.commit}) into {journal.branch}"]
    else:
        lines = [f"conflict while applying {conflict.commit} {conflict.subject!r} onto {journal.onto}"]
    lines += _progress(context)
    for path, kind in conflict.files:
        lines.append(f"  {kind:<15} {path}")
        for sha, subject in touched.get(path, [])[:5]:
            lines.append(f"      changed upstream by {sha} {subject}")
    lines += [
        "next:",
        "  edit the files above, then mark each one resolved: "
        + " ".join(f"git add -- {_quote(path)}" for path in paths[:3])
        + (" ..." if len(paths) > 3 else ""),
        "  align continue     " + ("commit the merge" if merging else "go on with the next commit"),
        *([] if merging else ["  align skip         drop this commit from the branch (the report lists it)"]),
        "  align abort        put everything back as it was before the run",
    ]
    return lines


def require_resolved(context: Context) -> None:
    """Refuse to continue while unmerged paths or conflict markers remain."""
    unmerged = context.git.unmerged()
    if unmerged:
        files = ", ".join(path for path, _ in unmerged)
        raise Refusal(
            f"{len(unmerged)} file(s) still have unresolved conflicts: {files}",
            hint=f"fix them, then `git add -- {_quote(unmerged[0][0])}` and run `align continue` again",
        )
    pending = context.journal.conflicts[-1] if context.journal.conflicts else None
    marked = [path for path, _ in pending.files if _has_markers(context, path)] if pending else []
    if marked:
        raise Refusal(
            f"conflict markers (<<<<<<< or >>>>>>>) are still in: {', '.join(marked)}",
            hint="remove them, `git add` the files again, then run `align continue`",
        )


def _has_markers(context: Context, path: str) -> bool:
    root = Path(context.git.cwd)
    try:
        return bool(_MARKER.search((root / path).read_bytes()))
    except OSError:
        return False


def _upstream_commits(context: Context, paths: list[str]) -> dict[str, list[tuple[str, str]]]:
    """Map each path to the upstream commits (base..onto) that touched it, in one git call."""
    journal = context.journal
    if not paths or not journal.base:
        return {}
    paths = paths[:100]  # enough to guide; keeps the command line short
    result = context.git.run(
        "log", "--format=%x01%h%x00%s", "--name-only", "-z", f"{journal.base}..{journal.onto_sha}", "--", *paths,
        ok=(0, 128),
    )  # fmt: skip
    found: dict[str, list[tuple[str, str]]] = {}
    for record in result.stdout.split("\x01")[1:]:
        header, _, names = record.partition("\n")
        sha, _, subject = header.strip("\0\n").partition("\0")
        for name in names.split("\0"):
            if name.strip("\n"):
                found.setdefault(name.strip("\n"), []).append((sha, subject))
    return found


def _progress(context: Context) -> list[str]:
    folder = context.git_dir / "rebase-merge"
    try:
        done = (folder / "msgnum").read_text().strip()
        total = (folder / "end").read_text().strip()
    except OSError:
        return []
    return [f"commit {done} of {total}; conflicted files:"]


def _quote(path: str) -> str:
    return path if re.fullmatch(r"[\w./@%+=:,-]+", path) else "'" + path.replace("'", "'\\''") + "'"
