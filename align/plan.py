"""Bind a resolved recipe to a repository, a branch and a target: the ``Plan`` a run follows."""

from __future__ import annotations

import argparse
import difflib
import os
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from align import invocation, shallow
from align.commands import COMMANDS
from align.errors import Refusal, UsageError
from align.git import MIN_VERSION, Git, Location, Ref
from align.journal import RecipeRecord, RunRecord
from align.outputs import Reports
from align.recipe import sources
from align.recipe.model import Fetch, Rebase, Recipe
from align.recipe.resolve import parse_override, resolve
from align.resources import schema

# align never updates submodule working trees (whatever ``submodule.recurse`` says): its switches, rebases,
# merges and resets leave each submodule checked out where it is, as plain ``git switch`` does by default.
NO_SUBMODULES = ("-c", "submodule.recurse=false")

DEFAULT_REMOTE: str = schema()["properties"]["remote"]["default"]


@dataclass(frozen=True, kw_only=True)
class Options:
    """What the command line (or the nox session) asked for."""

    branch: str | None
    recipe: str | None = None
    target: str | None = None
    remote: str | None = None
    overrides: Sequence[str] = ()
    cwd: Path

    @classmethod
    def from_args(cls, args: argparse.Namespace, branch: str | None) -> Options:
        """Return the options the command line gives for ``branch`` (None: the checked-out one)."""
        return cls(
            branch=branch,
            recipe=args.recipe,
            target=args.target,
            remote=args.remote,
            overrides=tuple(args.overrides),
            cwd=Path.cwd(),
        )


@dataclass(frozen=True, kw_only=True)
class Plan:
    """A run, decided: where, which branch, onto what, following which recipe."""

    run_id: str
    location: Location
    branch: str
    ref: str
    tip: str
    original_head: str  # refs/heads/... or the detached sha
    target: str
    remote: str
    onto: str
    recipe: Recipe
    # Its place on a stack (align.graph.place): the local branch it sits on ("": the target), where that
    # parent came from, the commit its own commits start from ("": its merge base with ``onto``), and how a
    # parent it was re-parented away from reached the target ("squash abc123...").
    parent: str = ""
    parent_source: str = ""
    upstream: str = ""
    parent_merged: str = ""

    @property
    def onto_ref(self) -> str:
        """Return what ``onto`` is read from: the parent's own ref, or the target as the recipe names it."""
        return f"refs/heads/{self.parent}" if self.parent else self.onto

    def record(self, *, started: float, reports: Reports, worktree: str = "") -> RunRecord:
        """Return the frozen record of a run of this plan started at ``started`` (the journal's ``run``)."""
        return RunRecord(
            run_id=self.run_id,
            started_at=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(started)),
            started_ts=started,
            recipe=RecipeRecord(
                name=self.recipe.name,
                source=self.recipe.source,
                sha256=self.recipe.sha256,
                found=self.recipe.found,
                steps=self.recipe.steps,
            ),
            branch=self.branch,
            ref=self.ref,
            original_tip=self.tip,
            original_head=self.original_head,
            target=self.target,
            remote=self.remote,
            worktree=worktree,
            onto=self.onto,
            parent=self.parent,
            parent_source=self.parent_source,
            upstream=self.upstream,
            parent_merged=self.parent_merged,
            report_json=reports.json,
            report_markdown=reports.markdown,
            report_junit=reports.junit,
            batch=reports.batch,
            invoked_as=invocation.prefix(),
        )


def new_run_id() -> str:
    """Return a sortable, unique run id: UTC time plus a random suffix."""
    return time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()) + "-" + os.urandom(3).hex()  # as secrets.token_hex


def locate(git: Git) -> Location:
    """Return the repository around the working directory; refuse an old git or a missing repository."""
    version = git.version()
    if version[:2] < MIN_VERSION:
        found = ".".join(map(str, version))
        raise Refusal(
            f"git {found} is too old: align needs git {'.'.join(map(str, MIN_VERSION))} or newer",
            hint="upgrade git (https://git-scm.com/downloads), then run align again",
        )
    location = git.locate()
    if location is None:
        raise UsageError("not inside a git working tree", hint="cd into the repository whose branch you want to align")
    return location


def check_branch_name(git: Git, name: str) -> str:
    """Return ``refs/heads/NAME`` for a branch name git accepts as written; refuse anything else."""
    if name.startswith("-"):
        raise Refusal(f"refusing branch name {name!r}: it starts with '-' and would read as an option")
    if name in ("HEAD", "@") or "@{" in name or not git.branch_name_ok(name):
        raise Refusal(
            f"refusing branch name {name!r}: git does not accept it as a branch name",
            hint="name the branch as `git branch --list` shows it",
        )
    return f"refs/heads/{name}"


def check_names(git: Git, options: Options, *, remote: str, target: str | None) -> None:
    """Refuse (exit 2) a remote or target that git would not take as a remote or branch name.

    They end up in a refspec and on git's command line: an option (``--upload-pack=...``), a ``:`` or
    a ``*`` must never get there, whether from ``--remote``/``--target``, ``--set`` or the recipe.
    """
    checks = (
        ("remote", remote, options.remote, "--remote", f"refs/remotes/{remote}/HEAD", "`git remote` lists them"),
        ("target", target, options.target, "--target", f"refs/heads/{target}", "e.g. main, as the remote names it"),
    )
    for what, name, given, option, ref, example in checks:
        if name is None:
            continue
        ok = bool(name) and not name.startswith("-") and "@{" not in name and name not in ("HEAD", "@")
        if ok and git.run("check-ref-format", ref, ok=(0, 1)).code != 0:
            ok = False
        if not ok:
            where = option if given is not None else f"the recipe's `{what}:` (after --set and ${{...}})"
            raise UsageError(
                f"refusing {what} name {name!r} from {where}: git does not accept it as a {what} name",
                hint=f"give a plain name ({example}) with {option} or `{what}:` in the recipe",
            )


def onto_commit(git: Git, onto: str) -> str | None:
    """Return the commit ``onto`` names, trying a remote-tracking branch before a local one."""
    candidates = [onto] if onto.startswith("refs/") else [f"refs/remotes/{onto}", f"refs/heads/{onto}"]
    # Planning listed the remote's refs: the first candidate, when there, is known without asking again.
    first = git.refs(candidates[0], known=True)
    found = first if candidates[0] in first else git.refs(*candidates, known=True)
    return next((found[name].sha for name in candidates if name in found), None) or git.commit_of(onto)


def refuse_unmovable(git: Git, location: Location, ref: str, *, need_clean: bool) -> None:
    """Refuse to move branch ``ref`` while another working tree has it checked out, or (``need_clean``)
    while it is checked out here with uncommitted changes."""
    branch = ref.removeprefix("refs/heads/")
    if location.head_ref != ref:
        found = git.refs(ref, known=True).get(ref)  # for-each-ref names its working tree: no `worktree list`
        elsewhere = found.worktree if found is not None and found.worktree else None
        if elsewhere is not None:
            raise Refusal(
                f"{branch} is checked out in another working tree: {elsewhere}",
                hint=f"run align there (cd {elsewhere}), or switch that working tree to another branch",
            )
    elif need_clean and git.changes():
        raise Refusal(
            f"{branch} is checked out and has uncommitted changes",
            hint="commit or stash them first, then run the command again",
        )


def make_plan(git: Git, options: Options, *, run_id: str = "") -> Plan:
    """Decide the run: check the branch, resolve the recipe, choose the target (``run_id``: the id a batch
    gave the run before it started; a new one otherwise)."""
    location = locate(git)
    if options.branch is None:
        if location.head_ref is None or not location.head_ref.startswith("refs/heads/"):
            raise Refusal(
                "HEAD is detached: there is no current branch to align",
                hint="name the branch: `align BRANCH`, or `git switch BRANCH` first",
            )
        ref = location.head_ref
        branch = ref.removeprefix("refs/heads/")
    else:
        branch = options.branch
        ref = check_branch_name(git, branch)
    overrides = dict(parse_override(text) for text in options.overrides)
    if options.target is not None:
        overrides["target"] = options.target
    if options.remote is not None:
        overrides["remote"] = options.remote
    run_id = run_id or new_run_id()
    hint = overrides.get("remote")
    remote_hint = hint if isinstance(hint, str) else DEFAULT_REMOTE
    wanted = overrides.get("target")
    source = sources.discover(
        options.recipe,
        options.cwd,
        root=location.root,
        target=lambda: target_ref(git, remote_hint, wanted if isinstance(wanted, str) else None),
    )
    runtime = {"branch": branch, "run_id": run_id}
    recipe = resolve(source, cwd=options.cwd, overrides=overrides, runtime=runtime, require_rebase=True)
    remote = recipe.remote
    check_names(git, options, remote=remote, target=recipe.target)
    found = git.refs(ref, f"refs/remotes/{remote}/", "refs/heads/main", "refs/heads/master", known=True)
    if ref not in found:
        close = difflib.get_close_matches(branch, COMMANDS, n=1, cutoff=0.75)
        if close:  # a mistyped command, not a branch: a usage error, and no run is recorded
            raise UsageError(
                f"no branch {branch!r} in this repository, and no command of that name",
                hint=f"did you mean `{invocation.command(close[0])}`?",
            )
        raise Refusal(f"no branch {branch!r} in this repository", hint="`git branch --list` shows the branches")
    target = recipe.target
    if target is None:
        fetch = recipe.find(Fetch)
        ask = fetch is not None and not fetch.offline  # the run goes to the remote anyway
        target = default_target(found, remote, git=git, location=location, ask=ask)
        recipe = resolve(
            source, cwd=options.cwd, overrides=overrides, runtime={**runtime, "target": target}, require_rebase=True
        )
    step = recipe.find(Rebase)
    onto = step.onto if step is not None else f"{remote}/{target}"
    return Plan(
        run_id=run_id,
        location=location,
        branch=branch,
        ref=ref,
        tip=found[ref].sha,
        original_head=location.head_ref or git.commit_of("HEAD") or "",
        target=target,
        remote=remote,
        onto=onto,
        recipe=recipe,
    )


def target_ref(git: Git, remote: str, target: str | None) -> tuple[str, str] | None:
    """Return the remote-tracking ref of the target and its short name, as recipe discovery reads it.

    The recipe is not known yet, so neither are its ``target:`` and ``remote:``: the target is the one
    ``--target`` (or ``--set target=``) names, else the remote's HEAD branch, else main, else master, on
    ``--remote`` (else origin). None when that ref is not there (never fetched, or no such remote).
    """
    found = git.refs(f"refs/remotes/{remote}/", "refs/heads/main", "refs/heads/master", known=True)
    target = target or known_target(found, remote)
    if target is None:
        return None
    ref = f"refs/remotes/{remote}/{target}"
    return (ref, f"{remote}/{target}") if ref in found else None


def known_target(found: Mapping[str, Ref], remote: str) -> str | None:
    """Return the remote's HEAD branch, else main, else master, as this repository knows them; else None."""
    head = found.get(f"refs/remotes/{remote}/HEAD")
    symref = head.symref if head is not None else ""
    prefix = f"refs/remotes/{remote}/"
    if symref.startswith(prefix):
        return symref.removeprefix(prefix)
    for name in ("main", "master"):
        if f"{prefix}{name}" in found or f"refs/heads/{name}" in found:
            return name
    return None


def default_target(found: Mapping[str, Ref], remote: str, *, git: Git, location: Location, ask: bool) -> str:
    """Return the remote's HEAD branch, else main, else master; else (``ask``) the branch the remote names."""
    known = known_target(found, remote)
    if known is not None:
        return known
    prefix = f"refs/remotes/{remote}/"
    # A single-branch clone (``git clone --depth 1``, CI's checkout) knows nothing of the remote's other branches.
    named = shallow.remote_head(git, remote) if ask else None
    if named is not None and git.branch_name_ok(named):
        return named
    said = f"; {remote} did not name its HEAD branch either" if ask else ""
    fetched = sorted(name.removeprefix(prefix) for name in found if name.startswith(prefix) and name != f"{prefix}HEAD")
    refspecs = git.run("config", "--get-all", f"remote.{remote}.fetch", ok=(0, 1)).stdout.split()
    single = not any(spec.endswith("/*") for spec in refspecs)
    if shallow.is_shallow(location.common_dir) or single:
        kind = "a shallow single-branch clone" if shallow.is_shallow(location.common_dir) else "a single-branch clone"
        only = ", ".join(fetched) if fetched else "no branch"
        raise Refusal(
            f"cannot tell which branch to align onto: this is {kind}, which fetched only {only} from {remote}: "
            f"it has no {remote}/HEAD, main or master{said}",
            hint="name the target: `align BRANCH --target NAME`, or `target:` in .align.yaml; in CI, fetch the "
            "whole repository (`fetch-depth: 0` in actions/checkout)",
        )
    raise Refusal(
        f"cannot tell which branch to align onto: {remote}/HEAD, main and master are all missing{said}",
        hint="name it: `align BRANCH --target NAME`, or set `target:` in .align.yaml",
    )
