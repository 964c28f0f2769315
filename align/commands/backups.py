"""``align backups list | restore | prune``: the backup refs align keeps before each run."""

from __future__ import annotations

import argparse
import calendar
import re
import time
from pathlib import Path

from align.errors import Refusal, UsageError
from align.git import ZERO, Git
from align.plan import check_branch_name, locate, refuse_unmovable
from align.refs import PREFIX, replace_branch
from align.state import Store

_AGE = re.compile(r"(\d+)([dhw])")
_SECONDS = {"h": 3600, "d": 86400, "w": 7 * 86400}


def _backups(git: Git, branch: str | None = None) -> list[tuple[str, str, str, str]]:
    """Return (branch, stamp, sha, ref) of each backup, oldest first."""
    found = git.refs(f"{PREFIX}{branch}/" if branch else PREFIX)
    rows = []
    for name, ref in found.items():
        owner, _, stamp = name.removeprefix(PREFIX).rpartition("/")
        if branch is None or owner == branch:
            rows.append((owner, stamp, ref.sha, name))
    return sorted(rows, key=lambda row: (row[0], row[1]))


def run_list(args: argparse.Namespace) -> int:
    """Print every backup: branch, time, commit."""
    git = Git(locate(Git(Path.cwd())).root)
    rows = _backups(git, args.branch)
    width = max((len(owner) for owner, *_ in rows), default=0)
    for owner, stamp, sha, name in rows:
        print(f"{owner:<{width}}  {stamp:<18}  {sha[:12]}  {name}")
    if not rows:
        print("no backups")
    return 0


def run_restore(args: argparse.Namespace) -> int:
    """Put a branch back at one of its backups (the newest by default), keeping a backup of its tip."""
    location = locate(Git(Path.cwd()))
    git = Git(location.root)
    ref = check_branch_name(git, args.branch)
    rows = [row for row in _backups(git, args.branch) if args.stamp in (None, row[1])]
    if not rows:
        raise UsageError(f"no backup of {args.branch!r}" + (f" at {args.stamp}" if args.stamp else ""))
    _, _, sha, name = rows[-1]
    with Store(location.common_dir).lock(f"backups restore {args.branch}"):
        current = git.commit_of(ref) or ""
        if current == sha:
            print(f"{args.branch} is already at {name}")
            return 0
        if not current:  # the branch is gone (pruned, deleted): bring it back, nothing to keep
            if not git.update_ref(ref, sha, ZERO, f"align backups restore {name}"):
                raise Refusal(f"{args.branch} was created meanwhile; nothing changed", hint="run the command again")
            print(f"{args.branch} restored to {sha[:12]} ({name}); it did not exist")
            return 0
        refuse_unmovable(git, location, ref, need_clean=True)
        kept = replace_branch(
            git, ref, sha, current, f"align backups restore {name}", backup_why="before align backups restore"
        )
        if kept is None:
            raise Refusal(f"{args.branch} moved meanwhile; nothing changed", hint="run the command again")
    print(f"{args.branch} restored to {sha[:12]} ({name}); its previous tip is kept as {kept}")
    return 0


def run_prune(args: argparse.Namespace) -> int:
    """Delete backups older than ``--older-than`` (default 30d), in one transaction."""
    found = _AGE.fullmatch(args.older_than)
    if not found:
        raise UsageError(f"--older-than {args.older_than!r}: write a number and d, h or w, e.g. 30d")
    limit = time.time() - int(found.group(1)) * _SECONDS[found.group(2)]
    git = Git(locate(Git(Path.cwd())).root)
    old = {}
    for _, stamp, sha, name in _backups(git, args.branch):
        try:
            when = calendar.timegm(time.strptime(stamp.split("-")[0], "%Y%m%dT%H%M%SZ"))
        except ValueError:
            continue
        if when < limit:
            old[name] = sha
    git.delete_refs(old, "align backups prune")
    print(f"pruned {len(old)} backup(s) older than {args.older_than}")
    return 0
