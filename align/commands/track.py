"""``align track BRANCH --parent PARENT``, ``align track --import machete|git-town``, ``align untrack BRANCH``.

They change git config only (``branch.<name>.alignParent``, ``alignImportedParent``, ``alignImportedFrom``,
``alignBase``: ``align.graph.config``); no ref, index or file. A usage error (an unknown branch or parent, a
parent that is the branch itself, a declaration that would close a cycle) changes nothing and exits 2.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from pathlib import Path

from align.errors import UsageError
from align.git import Git
from align.graph import config
from align.graph.build import HEADS
from align.graph.model import find_cycle
from align.plan import Options, check_branch_name, locate, make_plan


def run(args: argparse.Namespace) -> int:
    """Declare a parent, or import the parents another tool keeps."""
    git = Git(Path.cwd())
    if args.import_from is not None:
        if args.branch is not None or args.parent is not None:
            raise UsageError("--import takes no BRANCH and no --parent", hint="`align track --import machete`")
        return _import(git, args)
    if args.branch is None or args.parent is None:
        raise UsageError(
            "name the branch and its parent: `align track BRANCH --parent PARENT`",
            hint="or import them: `align track --import machete` (or git-town)",
        )
    return _declare(git, args)


def run_untrack(args: argparse.Namespace) -> int:
    """Forget what align holds of a branch's parent: declared, imported, and its recorded base."""
    git = Git(Path.cwd())
    locate(git)
    branch = args.branch
    check_branch_name(git, branch)
    keys = config.read(git)
    held = dict(keys.values.get(branch, {}))
    if not held and f"{HEADS}{branch}" not in git.refs(f"{HEADS}{branch}"):
        raise UsageError(f"no branch {branch!r} in this repository", hint="`git branch --list` shows the branches")
    if not held:
        print(f"{branch}: nothing to untrack (its parent is inferred)")
        return 0
    config.write(git, branch, dict.fromkeys(held))
    for key, value in sorted(held.items()):
        print(f"{branch}: removed {_key_name(branch, key)} ({value})")
    print(f"{branch}: its parent is inferred from now on")
    return 0


def _declare(git: Git, args: argparse.Namespace) -> int:
    branch, parent = args.branch, args.parent
    locate(git)
    names = [branch] + ([parent] if parent != branch else [])
    refs = {name: check_branch_name(git, name) for name in names}
    found = git.refs(HEADS)
    if refs[branch] not in found:
        raise UsageError(f"no branch {branch!r} in this repository", hint="`git branch --list` shows the branches")
    if parent == branch:
        raise UsageError(f"{branch} cannot be its own parent", hint="name the branch it is built on, or the target")
    plan = make_plan(git, Options.from_args(args, branch))
    # The target is every stack's root, whether or not a local branch has its name.
    if parent != plan.target and refs[parent] not in found:
        raise UsageError(
            f"no branch {parent!r} in this repository to be the parent of {branch}",
            hint=f"the parent is a local branch, or the target ({plan.target})",
        )
    if branch == plan.target:
        raise UsageError(f"{branch} is the target: it is the root of every stack and has no parent")
    keys = config.read(git)
    parents = _explicit(keys, {name.removeprefix(HEADS) for name in found}, plan.target)
    parents[branch] = parent
    cycle = find_cycle({name: value for name, value in parents.items() if value != plan.target})
    if cycle is not None:
        raise UsageError(
            f"{branch} cannot sit on {parent}: that makes a cycle: {' -> '.join(cycle)} (each arrow points at the "
            "parent)",
            hint=f"`align tree` shows the graph; `align untrack {parent}` first if its parent is wrong",
        )
    before = keys.get(branch, config.PARENT)
    changes: dict[str, str | None] = {config.PARENT: parent}
    if before != parent and keys.get(branch, config.BASE) is not None:
        changes[config.BASE] = None  # the base recorded on the old parent means nothing on the new one
    config.write(git, branch, changes)
    was = f" (was {before})" if before is not None and before != parent else ""
    same = " (already so)" if before == parent else ""
    print(f"{branch}: parent {parent}, declared in {_key_name(branch, config.PARENT)}{was}{same}")
    if config.BASE in changes:
        print(f"{branch}: removed {_key_name(branch, config.BASE)}: the base is taken from {parent} from now on")
    return 0


def _explicit(keys: config.Keys, branches: set[str], target: str) -> dict[str, str]:
    """Return each branch's declared parent, else its imported one (those naming a branch or the target)."""
    found = {}
    for branch in branches:
        for key in (config.PARENT, config.IMPORTED):
            value = keys.get(branch, key)
            if value is not None and value != branch and (value in branches or value == target):
                found[branch] = value
                break
    return found


def _import(git: Git, args: argparse.Namespace) -> int:
    source = args.import_from
    location = locate(git)
    if source == config.MACHETE:
        path = config.machete_path(git)
        layout = config.machete_layout(path)
        if layout is None:
            print(f"nothing imported: there is no git-machete layout here ({path})")
            return 0
    else:
        layout = dict(config.read(git).town)
        if not layout:
            print("nothing imported: git config has no git-town-branch.<name>.parent key")
            return 0
    found = git.refs(HEADS)
    branches = {name.removeprefix(HEADS) for name in found}
    head = location.head_ref.removeprefix(HEADS) if location.head_ref else sorted(branches or {""})[0]
    plan = make_plan(git, Options.from_args(args, head)) if head else None
    target = plan.target if plan is not None else ""
    keys = config.read(git)
    return _write_imported(git, source, layout, keys=keys, branches=branches, target=target)


def _write_imported(
    git: Git, source: str, layout: Mapping[str, str], *, keys: config.Keys, branches: set[str], target: str
) -> int:
    explicit = _explicit(keys, branches, target)
    kept: set[str] = set()
    for branch, parent in sorted(layout.items()):
        if branch not in branches:
            print(f"skipped {branch}: not a local branch")
            continue
        if branch == target:
            print(f"skipped {branch}: it is the target, the root of every stack")
            continue
        if parent not in branches and parent != target:
            print(f"skipped {branch}: its parent {parent} is not a local branch")
            continue
        declared = keys.get(branch, config.PARENT)
        trial = {**explicit, branch: parent} if declared is None else explicit
        cycle = find_cycle({name: value for name, value in trial.items() if value != target})
        if cycle is not None:
            print(f"skipped {branch}: parent {parent} would make a cycle: {' -> '.join(cycle)}")
            continue
        explicit = trial
        kept.add(branch)
        config.write(git, branch, {config.IMPORTED: parent, config.IMPORTED_FROM: source})
        wins = f" (its declared parent {declared} still wins)" if declared is not None and declared != parent else ""
        print(f"imported {branch}: parent {parent}{wins}")
    for branch, values in sorted(keys.values.items()):
        if values.get(config.IMPORTED_FROM) == source and branch not in kept:
            config.write(git, branch, {config.IMPORTED: None, config.IMPORTED_FROM: None})
            print(f"forgot {branch}: its parent is no longer in the {source} layout")
    if not kept:
        print(f"nothing imported from {source}")
    return 0


def _key_name(branch: str, key: str) -> str:
    return f"branch.{branch}.{config.NAMES[key]}"
