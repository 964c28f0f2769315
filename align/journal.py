"""The run journal: everything another process needs to finish, undo or report a run.

It has three parts:

- ``journal.run`` (``RunRecord``, frozen): what the plan decided before anything moved — the run id, the
  recipe, the branch and its tip, HEAD, the target, where the reports go. Nothing changes it.
- the journal's own fields: the run's progress — the step reached and those done, the status, the backup,
  align's stash, the new tip, what a rollback under way is heading to.
- ``journal.found`` (``Findings``): what the run found on its way — phases, conflicts, checks, sessions,
  patch accounting, commits dropped, warnings — as typed records.

On disk (``<git dir>/align/journal.json``) it is ``{"format": 2, "run": {...}, "found": {...}, ...}``;
a journal written by align before the split (one flat object, no ``format``) is read as well, so a run
paused by the previous version can be continued or aborted by this one.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from align.recipe import model
from align.status import RunStatus, StepStatus

FORMAT = 2


@dataclass(frozen=True, kw_only=True)
class RecipeRecord:
    """The recipe a run follows, as resolved when it started."""

    name: str
    source: str
    sha256: str
    found: str = ""  # how discovery chose it: option | working_tree | target | default
    steps: tuple[model.Step, ...] = ()


@dataclass(frozen=True, kw_only=True)
class RunRecord:
    """What the plan decided: set once when the run starts, never changed."""

    run_id: str
    started_at: str
    started_ts: float  # seconds since the epoch, for the duration
    recipe: RecipeRecord
    branch: str
    ref: str
    original_tip: str
    original_head: str  # refs/heads/... or a sha when HEAD was detached
    target: str
    remote: str
    worktree: str = ""  # the working tree the run belongs to (continue/skip/abort must come from there)
    onto: str = ""
    parent: str = ""  # a stacked branch: the local branch it is aligned onto (``onto`` names it too)
    parent_source: str = ""  # declared | imported | inferred
    upstream: str = ""  # the commit its own commits start from (``git rebase --onto ONTO UPSTREAM``); "": merge base
    parent_merged: str = ""  # re-parented onto the target: how its parent reached it ("squash <sha>")
    report_json: str = ""  # --report-json PATH: where to write the JSON report as well
    report_markdown: str = ""  # --report-markdown PATH
    report_junit: str = ""  # --report-junit PATH
    batch: tuple[str, ...] = ()  # several branches: the command's run ids; each report file holds all
    invoked_as: str = ""  # how the user started align (``align``, ``git align``, ``nox -s align --``)

    @property
    def onto_ref(self) -> str:
        """Return what ``onto`` is read from: the parent's own ref, or the target as the recipe names it."""
        return f"refs/heads/{self.parent}" if self.parent else self.onto


@dataclass(kw_only=True)
class Conflict:
    """A commit that stopped on conflicts, and its files as ``(path, kind)``."""

    commit: str
    subject: str
    files: list[tuple[str, str]]
    resolution: str = "pending"  # pending | resolved by the user | auto-resolved (rerere) | skipped | aborted


@dataclass(kw_only=True)
class Phase:
    """One step (or handler) as it ran."""

    name: str
    status: StepStatus
    duration_s: float
    detail: str = ""


@dataclass(frozen=True, kw_only=True)
class CheckRecord:
    """One verify check as it ran."""

    check: str
    ok: bool
    status: str  # passed | failed | warning | skipped
    detail: str
    duration_s: float


@dataclass(frozen=True, kw_only=True)
class SessionRecord:
    """One validation session (nox) or command as it ran."""

    session: str
    kind: str  # nox | command
    ok: bool
    status: str  # passed | failed | error | timeout | skipped
    duration_s: float
    exit_code: int | None
    tail: tuple[str, ...] = ()  # the last lines of its output
    argv: tuple[str, ...] = ()
    reason: str = ""


@dataclass(frozen=True, kw_only=True)
class Dropped:
    """A commit the run left out on purpose: skipped by the user, emptied by git or by a resolution."""

    commit: str  # full sha ("" when git did not say)
    subject: str
    reason: str
    short: str = ""


@dataclass(frozen=True, kw_only=True)
class Placed:
    """One commit of the old branch and where verify found it (see ``align.steps.patches``)."""

    sha: str  # the old commit
    subject: str
    new: str = ""  # preserved, changed: its rewrite in the new branch
    upstream: str = ""  # upstream: the target's commit with the same patch
    reason: str = ""  # changed, dropped: why


@dataclass(kw_only=True)
class Accounting:
    """Where each commit of the old branch went: ``patches_preserved``'s findings."""

    preserved: list[Placed] = field(default_factory=list)
    changed: list[Placed] = field(default_factory=list)
    upstream: list[Placed] = field(default_factory=list)
    dropped: list[Placed] = field(default_factory=list)
    lost: list[Placed] = field(default_factory=list)
    added: list[Placed] = field(default_factory=list)  # new commits with no old counterpart (made by hand)
    unchanged: int = 0  # old commits that are in the new branch as they were (not rewritten)
    metadata: list[str] = field(default_factory=list)  # differences in author, date or message


@dataclass(kw_only=True)
class Findings:
    """What the run found on its way; reported, never needed to finish or undo the run."""

    phases: list[Phase] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    dropped: list[Dropped] = field(default_factory=list)  # commits skipped or dropped as empty
    checks: list[CheckRecord] = field(default_factory=list)
    patches: Accounting | None = None  # verify's patches_preserved, when it ran
    sessions: list[SessionRecord] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # kept across a pause, shown in every report


@dataclass(kw_only=True)
class Journal:
    """A run: its record, its progress (these fields) and its findings."""

    run: RunRecord
    found: Findings = field(default_factory=Findings)
    pid: int = 0
    onto_sha: str = ""
    base: str = ""
    backup_ref: str = ""
    stash: str = ""  # object id of align's own stash commit
    stash_ref: str = ""
    started_rebase: bool = False  # align started a rebase or merge that may be in progress
    engine: str = ""  # the rebase step's engine: "" (not yet chosen) | memory (tree untouched) | disk
    engine_reason: str = ""  # why disk was chosen
    tree_moved: bool = False  # memory, branch checked out here: its working tree is being moved (or was)
    carried: bool = False  # ... with the uncommitted work in it (steps/carry.py), not in align's stash
    validate_worktree: str = ""  # steps/elsewhere.py: the temporary worktree validate runs in (removed after)
    new_tip: str = ""
    step: str = ""
    done: list[str] = field(default_factory=list)
    status: RunStatus = RunStatus.RUNNING
    message: str = ""
    exit_code: int = 0
    commits_before: int = 0
    commits_after: int = 0
    target_refreshed: bool = False
    stacked: dict[str, str] = field(default_factory=dict)  # refs update_refs may move -> pre-run tips
    stacked_new: dict[str, str] = field(default_factory=dict)  # ... -> where the run left them
    branch_restored: bool = True  # False when a rollback left a branch someone else moved
    rolling_back: str = ""  # the final status a rollback under way is heading to (``continue`` finishes it)
    rolling_message: str = ""  # ... and the run's message then
    rebase_abandoned: str = ""  # why git's rebase was quit instead of aborted, until the branch is checked out again
    paused_s: float = 0.0
    paused_at: float = 0.0
    git_calls: int = 0
    git_seconds: float = 0.0
    duration_s: float = 0.0
    validating_group: int = 0  # process group of the validation command running now (0: none)
    # steps/keep.py: raw bytes of the user's tree: ref, tree, base, files [[path, kind, oid|target, mode]], dirs
    keep: dict[str, Any] = field(default_factory=dict)
    restoring: str = ""  # steps/stash.py: "" | "applying" (align's stash is being applied back) | "applied"
    restore_clean: bool = True  # the tree had nothing of the run's in it when the stash was applied back

    def to_json(self) -> str:
        """Return the journal as JSON text."""
        data = dataclasses.asdict(self)
        data["format"] = FORMAT
        data["run"]["recipe"]["steps"] = [model.step_to_dict(step) for step in self.run.recipe.steps]
        return json.dumps(data, indent=2, sort_keys=True) + "\n"

    @classmethod
    def from_json(cls, text: str) -> Journal:
        """Read a journal written by ``to_json``, or by align before the journal was split (a flat object)."""
        data = json.loads(text)
        if "format" not in data:
            data = _split(data)
        progress = _known(cls, data)
        progress.pop("run", None)
        progress.pop("found", None)
        progress["status"] = RunStatus(progress.get("status", RunStatus.RUNNING))
        return cls(run=_run(data["run"]), found=_findings(data.get("found", {})), **progress)


def _split(flat: Mapping[str, Any]) -> dict[str, Any]:
    """Return a flat journal (align before the split) as ``{"run": ..., "found": ..., progress...}``."""
    record = {name: flat[name] for name in _names(RunRecord) if name in flat}
    found = {name: flat[name] for name in _names(Findings) if name in flat}
    rest = {name: value for name, value in flat.items() if name not in record and name not in found}
    return {**rest, "run": record, "found": found}


def _run(data: Mapping[str, Any]) -> RunRecord:
    recipe = dict(data.get("recipe", {}))
    steps = tuple(model.step_from_dict(item) for item in recipe.get("steps", []))
    known = _known(RunRecord, data)
    known["recipe"] = RecipeRecord(**{**_known(RecipeRecord, recipe), "steps": steps})
    known["batch"] = tuple(known.get("batch", ()))
    return RunRecord(**known)


def _findings(data: Mapping[str, Any]) -> Findings:
    return Findings(
        phases=[Phase(**{**item, "status": StepStatus(item["status"])}) for item in data.get("phases", [])],
        conflicts=[
            Conflict(**{**item, "files": [tuple(pair) for pair in item["files"]]}) for item in data.get("conflicts", [])
        ],
        dropped=[
            Dropped(**_known(Dropped, {"commit": "", "subject": "", "reason": "", **item}))
            for item in data.get("dropped", [])
        ],
        checks=[CheckRecord(**_known(CheckRecord, item)) for item in data.get("checks", [])],
        patches=_accounting(data["patches"]) if data.get("patches") else None,
        sessions=[
            SessionRecord(
                **{
                    **_known(SessionRecord, item),
                    "tail": tuple(item.get("tail", ())),
                    "argv": tuple(item.get("argv", ())),
                }
            )
            for item in data.get("sessions", [])
        ],
        warnings=list(data.get("warnings", [])),
    )


def _accounting(data: Mapping[str, Any]) -> Accounting:
    lists = {
        name: [_placed(item) for item in data.get(name, [])]
        for name in ("preserved", "changed", "upstream", "dropped", "lost", "added")
    }
    return Accounting(**lists, unchanged=int(data.get("unchanged", 0)), metadata=list(data.get("metadata", [])))


def _placed(item: Mapping[str, Any]) -> Placed:
    """Read one placed commit; before format 2, a rewritten one named the old commit ``old``."""
    known = _known(Placed, item)
    known.setdefault("sha", item.get("old", ""))
    known.setdefault("subject", "")
    return Placed(**known)


def _names(kind: type[Any]) -> set[str]:
    return {item.name for item in dataclasses.fields(kind)}


def _known(kind: type[Any], data: Mapping[str, Any]) -> dict[str, Any]:
    """Return the entries of ``data`` that ``kind`` has a field for (a newer journal's extras are left out)."""
    names = _names(kind)
    return {key: value for key, value in data.items() if key in names}
