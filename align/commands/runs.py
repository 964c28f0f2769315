"""What several commands share about runs: aligning plans one after the other (``align run``, and
``align continue`` / ``skip`` for a batch's pending branches), the report of a run refused before it
starts, and putting a finished run's branch back (``align undo``, and ``align abort`` of a batch)."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from align import batch, engine
from align.batch import Batch
from align.commands.outcome import show
from align.commands.pruning import prune_merged
from align.errors import AlignError, Refusal
from align.git import ZERO, Git, Location
from align.invocation import command
from align.journal import Journal, RecipeRecord, RunRecord
from align.outputs import REPORT_OPTIONS, Reports
from align.plan import Plan, locate, new_run_id, refuse_unmovable
from align.recipe.model import Report
from align.refs import replace_branch, restore_stacked
from align.report import batch as batch_report
from align.state import Store
from align.status import RunStatus, worst
from align.steps import report


def align_plans(plans: list[Plan], args: argparse.Namespace, saved: Batch | None) -> int:
    """Align each plan in turn; stop at a pause or an interruption (the batch, if any, is kept for
    ``align continue``); forget the batch once every branch ran. A batch holds the repository's lock from
    its first branch to its last: no other align process starts between two of its branches."""
    if saved is None:
        return _align_each(plans, args, saved)
    names = " ".join(plan.branch for plan in plans)
    with Store(plans[0].location.common_dir).lock(f"run {names}"):
        return _align_each(plans, args, saved)


def _align_each(plans: list[Plan], args: argparse.Namespace, saved: Batch | None) -> int:
    codes: list[int] = []
    ids = saved.run_ids if saved is not None else ()
    not_aligned = _not_aligned(saved)
    for index, plan in enumerate(plans):
        git = Git.at(plan.location)  # knows its git paths: no call to ask them again
        store = Store(plan.location.common_dir)
        if plan.parent in not_aligned:  # its parent did not align: it would go onto the parent's old commits
            codes.append(_skip(args, git, plan, not_aligned[plan.parent], ids))
            not_aligned[plan.branch] = RunStatus.SKIPPED
            if saved is not None:
                saved.ended(plan.run_id, RunStatus.SKIPPED)
                batch.save(store, saved)
            continue
        try:
            outcome = engine.start(git, plan, reports=reports_of(args, ids))
        except Refusal as error:
            report_refusal(args, error, git, plan=plan, batch=ids)
            if saved is None:
                raise
            # One branch refused (nothing of it touched): recorded, and the batch goes on without it.
            print(f"align: {plan.branch}: refused: {error.one_line()}", file=sys.stderr)
            codes.append(error.exit_code)
            not_aligned[plan.branch] = RunStatus.REFUSED
            saved.ended(plan.run_id, RunStatus.REFUSED)
            batch.save(store, saved)
            continue
        codes.append(show(outcome, quiet=args.quiet))
        if not RunStatus(outcome.journal.status).succeeded:
            not_aligned[plan.branch] = RunStatus(outcome.journal.status)
        if saved is not None:
            saved.ended(plan.run_id, outcome.journal.status)
            batch.save(store, saved)
        if codes[-1] in (RunStatus.PAUSED.exit_code, RunStatus.INTERRUPTED.exit_code):
            _summary(args, plans[0], saved)
            _not_started(plans[index + 1 :], codes[-1])
            return worst(codes)
    if saved is not None:  # every branch ran: the batch is over
        _summary(args, plans[0], saved)
        batch.drop(Store(plans[0].location.common_dir))
    if plans:
        prune_merged(plans, saved, not_aligned)
    return worst(codes)


def _summary(args: argparse.Namespace, plan: Plan, saved: Batch | None) -> None:
    """Print the batch's summary: one line per branch that ran (outcome, commits, time), those not started."""
    if saved is None or args.quiet:
        return
    store = Store(plan.location.common_dir)
    reports = [kept for entry in saved.entries if (kept := report.kept_report(store, entry.run_id)) is not None]
    ran = {item["run_id"] for item in reports}
    pending = [entry.branch for entry in saved.entries if entry.run_id not in ran]
    print(batch_report.console(batch_report.build(reports, pending)))


def _not_aligned(saved: Batch | None) -> dict[str, RunStatus]:
    """Return the branches of the batch that ran and did not align, with how they ended."""
    if saved is None:
        return {}
    ended = (entry for entry in saved.entries if entry.status not in (batch.PENDING, RunStatus.RUNNING))
    return {entry.branch: RunStatus(entry.status) for entry in ended if not RunStatus(entry.status).succeeded}


def _skip(args: argparse.Namespace, git: Git, plan: Plan, why: RunStatus, ids: tuple[str, ...]) -> int:
    """Leave ``plan``'s branch as it is, its parent in the batch did not align; record it as ``skipped``."""
    message = f"not started: its parent {plan.parent} did not align ({why})"
    hint = f"once {plan.parent} is aligned, `{command(plan.branch)}` aligns it"
    print(f"align: {plan.branch}: {message}", file=sys.stderr)
    record_unstarted(args, RunStatus.SKIPPED, RunStatus.SKIPPED.exit_code, message, git, plan=plan, batch=ids,
                     guidance=(hint,))  # fmt: skip
    return RunStatus.SKIPPED.exit_code


def _not_started(rest: list[Plan], code: int) -> None:
    """Name the branches a pause or an interruption left before they were started."""
    if rest:
        names = ", ".join(plan.branch for plan in rest)
        why = "paused" if code == 3 else "was interrupted"
        print(
            f"not started yet: {names} (the run {why} first; `{command('continue')}` aligns them once it is "
            f"finished, `{command('abort')}` puts back every branch of the batch)",
            file=sys.stderr,
        )


def report_refusal(
    args: argparse.Namespace,
    error: Refusal,
    git: Git,
    *,
    plan: Plan | None = None,
    branch: str = "",
    batch: tuple[str, ...] = (),
) -> None:
    """Write the report of a run refused before it started (DESIGN §5: exit 4, nothing touched)."""
    record_unstarted(
        args, RunStatus.REFUSED, error.exit_code, error.one_line(), git, plan=plan, branch=branch, batch=batch
    )


def record_unstarted(
    args: argparse.Namespace,
    status: RunStatus,
    code: int,
    message: str,
    git: Git,
    *,
    plan: Plan | None = None,
    branch: str = "",
    batch: tuple[str, ...] = (),
    guidance: tuple[str, ...] = (),
) -> None:
    """Write the report of a run that never started (refused, or skipped in a batch): nothing was touched.

    It goes where every report goes (``runs/<run_id>/``, ``runs.jsonl``, ``--report-json``, the job
    summary), but the journal of a run in progress, if any, is left alone.
    """
    if args.dry_run:
        return
    try:
        store: Store | None = Store((plan.location if plan else locate(git)).common_dir)
    except AlignError:  # not a repository, or git too old: only --report-json can be written
        store = None
    run_id = plan.run_id if plan else new_run_id()
    reports = reports_of(args, batch or ((run_id,) if len(args.branches) > 1 else ()))
    now = time.time()
    if plan is not None:
        record = plan.record(started=now, reports=reports)
    else:  # refused while planning: what the command line said
        record = RunRecord(
            run_id=run_id,
            started_at=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now)),
            started_ts=now,
            recipe=RecipeRecord(name=args.recipe or "", source="", sha256=""),
            branch=branch,
            ref="",
            original_tip="",
            original_head="",
            target=args.target or "",
            remote=args.remote or "",
            report_json=reports.json,
            report_markdown=reports.markdown,
            report_junit=reports.junit,
            batch=reports.batch,
        )
    journal = Journal(run=record, status=status, exit_code=code, message=message)
    step = plan.recipe.find(Report) if plan else None
    formats = step.formats if step is not None else ("console", "json")
    report.write(store, journal, tuple(name for name in formats if name != "console"), guidance)
    if store is not None:
        store.archive(journal)


def report_options(args: argparse.Namespace) -> list[tuple[str, str | None]]:
    """Return (option, path) of each report file option (``--report-json``...), given or not."""
    return [(option, getattr(args, f"report_{fmt}", None)) for fmt, option in REPORT_OPTIONS.items()]


def reports_of(args: argparse.Namespace, batch: tuple[str, ...]) -> Reports:
    """Return the report files the command line asks for, made absolute, for a run of ``batch``."""
    paths = {fmt: _absolute(getattr(args, f"report_{fmt}", None)) for fmt in REPORT_OPTIONS}
    return Reports(json=paths["json"], markdown=paths["markdown"], junit=paths["junit"], batch=batch)


def _absolute(path: str | None) -> str:
    """Return ``path`` made absolute against the directory align was started in ("" when not given)."""
    return str(Path.cwd() / path) if path else ""


def restore(git: Git, location: Location, journal: Journal, *, force: bool) -> list[str]:
    """Put a finished run's branch back at its pre-run tip by compare-and-swap, keeping what it replaces;
    refuse (``Refusal``) when the branch moved since (unless ``force``) or cannot move. Returns what it did."""
    branch, ref = journal.run.branch, journal.run.ref
    current = git.commit_of(ref) or ""
    if current == journal.run.original_tip:
        return [f"{branch} is already at its pre-run tip {current[:12]}; nothing to undo"]
    if not current:  # deleted since (prune_merged): it comes back at its pre-run tip; nothing to keep
        if not git.update_ref(ref, journal.run.original_tip, ZERO, f"align undo of run {journal.run.run_id}"):
            raise Refusal(f"{branch} was created while undoing; nothing changed", hint="run `align undo` again")
        return [f"{branch} restored to {journal.run.original_tip[:12]} (from {journal.backup_ref}; it was deleted)"]
    if current != journal.new_tip and not force:
        raise Refusal(
            f"{branch} moved since run {journal.run.run_id} (it is at {current[:12]}, align left it at "
            f"{journal.new_tip[:12]}); undoing would lose those commits",
            hint=f"`align undo {branch} --force` restores anyway (keeping a backup of {current[:12]})",
        )
    refuse_unmovable(git, location, ref, need_clean=True)
    # Every undo keeps what it replaces: the aligned tip may hold the user's conflict resolutions.
    why, backup_why = f"align undo of run {journal.run.run_id}", f"before align undo of run {journal.run.run_id}"
    kept = replace_branch(git, ref, journal.run.original_tip, current, why, backup_why=backup_why)
    if kept is None:
        raise Refusal(f"{branch} moved while undoing; nothing changed", hint="run `align undo` again")
    stacked = _undo_stacked(git, journal.stacked, journal.stacked_new, journal.run.run_id)
    return [
        f"{branch} restored to {journal.run.original_tip[:12]} (from {journal.backup_ref}; was {current[:12]})",
        f"what it replaced is kept as {kept}; `align backups restore {branch}` brings it back",
        *stacked,
    ]


def _undo_stacked(git: Git, original: dict[str, str], new: dict[str, str], run_id: str) -> list[str]:
    """Put back the other branches ``update_refs`` moved, each only if it is still where the run left it."""
    before = {ref: original[ref] for ref in new}  # the branches the run moved (or left in place)
    why, backup_why = f"align undo of run {run_id}", f"before align undo of run {run_id}"
    lines = []
    for item in restore_stacked(git, before, new, why, backup_why=backup_why):
        name = item.ref.removeprefix("refs/heads/")
        if item.restored:
            lines.append(
                f"{name} restored to {before[item.ref][:12]} (update_refs); what it replaced is kept as {item.kept}"
            )
        elif item.now != before[item.ref]:
            lines.append(
                f"{name} moved since the run; left at {(item.now if item.now is not None else 'nothing')[:12]}"
            )
    return lines
