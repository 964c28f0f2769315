"""``align [run] BRANCH...``: align each branch as the recipe says."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from align import batch, engine, selection
from align.batch import Batch
from align.commands.forecast import describe
from align.commands.outcome import show
from align.errors import AlignError, Refusal, UsageError
from align.git import Git
from align.invocation import command
from align.journal import Journal, RecipeRecord, RunRecord
from align.monitor import drop_log_file
from align.outputs import REPORT_OPTIONS, Reports
from align.plan import Options, Plan, locate, make_plan, new_run_id
from align.recipe.model import Report
from align.state import Store
from align.status import RunStatus, worst
from align.steps import report


def run(args: argparse.Namespace) -> int:
    """Align each branch named (the current one when none is); stop at a pause or an interruption."""
    here = Git(Path.cwd())
    args.branches = selection.expand(here, args.branches)  # 'feature/*': the local branches it matches
    # Every branch is checked before any is aligned: a bad name refuses the whole command.
    plans = []
    for branch in args.branches or [None]:
        try:
            plans.append(make_plan(here, Options.from_args(args, branch)))
        except Refusal as error:
            _report_refusal(args, error, here, branch=branch or "")
            raise
    for plan in plans:
        _refuse_outputs_in_tree(args, plan)
    if args.dry_run:
        for plan in plans:
            print(describe(Git.at(plan.location), plan))
        return 0
    store = Store(plans[0].location.common_dir)
    waiting = batch.load(store)
    if waiting is not None:  # a batch stopped at a pause or an interruption is still in progress
        names = ", ".join(entry.branch for entry in waiting.entries)
        busy = Refusal(
            f"a batch of align runs is in progress ({names})",
            hint=f"finish it first: `{command('continue')}` or `{command('abort')}`",
        )
        _report_refusal(args, busy, here, plan=plans[0])
        raise busy
    saved = None
    if len(args.branches) > 1:  # one batch: `align continue` and `abort` carry on with all of it
        saved = Batch.start(str(plans[0].location.root), [(plan.branch, plan.run_id) for plan in plans], args)
        batch.save(store, saved)
    return align_plans(plans, args, saved)


def align_plans(plans: list[Plan], args: argparse.Namespace, saved: Batch | None) -> int:
    """Align each plan in turn; stop at a pause or an interruption (the batch, if any, is kept for
    ``align continue``); forget the batch once every branch ran."""
    codes: list[int] = []
    ids = saved.run_ids if saved is not None else ()
    for index, plan in enumerate(plans):
        git = Git.at(plan.location)  # knows its git paths: no call to ask them again
        store = Store(plan.location.common_dir)
        try:
            outcome = engine.start(git, plan, reports=_reports(args, ids))
        except Refusal as error:
            _report_refusal(args, error, git, plan=plan, batch=ids)
            if saved is not None:
                batch.drop(store)
            raise
        codes.append(show(outcome, quiet=args.quiet))
        if saved is not None:
            saved.ended(plan.run_id, outcome.journal.status)
            batch.save(store, saved)
        if codes[-1] in (RunStatus.PAUSED.exit_code, RunStatus.INTERRUPTED.exit_code):
            _not_started(plans[index + 1 :], codes[-1])
            return worst(codes)
        if saved is not None and index == len(plans) - 1:
            batch.drop(store)
    return worst(codes)


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


def _refuse_outputs_in_tree(args: argparse.Namespace, plan: Plan) -> None:
    """Refuse (exit 2) a --log-file or a report file (--report-json...) in the working tree that git does not ignore.

    align would see its own file as uncommitted work: refused under ``dirty: refuse``, stashed away
    while it is being written under ``dirty: stash``.
    """
    root = plan.location.root.resolve()
    for option, path in (("--log-file", args.log_file), *_report_options(args)):
        if not path:
            continue
        where = (Path.cwd() / path).resolve()
        in_git_dir = any(where.is_relative_to(folder.resolve()) for folder in (plan.location.git_dir, root / ".git"))
        if where.is_relative_to(root) and not in_git_dir and not Git(root).ignored(where):
            if option == "--log-file":
                drop_log_file()
            raise UsageError(
                f"{option} {path} is inside the working tree of {root} and not ignored by git: "
                "align would take it for uncommitted work",
                hint=f"write it outside the working tree, or ignore it (add its name to {root / '.gitignore'})",
            )


def _report_refusal(
    args: argparse.Namespace,
    error: Refusal,
    git: Git,
    *,
    plan: Plan | None = None,
    branch: str = "",
    batch: tuple[str, ...] = (),
) -> None:
    """Write the report of a run refused before it started (DESIGN §5: exit 4, nothing touched).

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
    reports = _reports(args, batch or ((run_id,) if len(args.branches) > 1 else ()))
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
    journal = Journal(run=record, status=RunStatus.REFUSED, exit_code=error.exit_code, message=error.one_line())
    step = plan.recipe.find(Report) if plan else None
    formats = step.formats if step is not None else ("console", "json")
    report.write(store, journal, tuple(name for name in formats if name != "console"))
    if store is not None:
        store.archive(journal)


def _report_options(args: argparse.Namespace) -> list[tuple[str, str | None]]:
    """Return (option, path) of each report file option (``--report-json``...), given or not."""
    return [(option, getattr(args, f"report_{fmt}", None)) for fmt, option in REPORT_OPTIONS.items()]


def _reports(args: argparse.Namespace, batch: tuple[str, ...]) -> Reports:
    """Return the report files the command line asks for, made absolute, for a run of ``batch``."""
    paths = {fmt: _absolute(getattr(args, f"report_{fmt}", None)) for fmt in REPORT_OPTIONS}
    return Reports(json=paths["json"], markdown=paths["markdown"], junit=paths["junit"], batch=batch)


def _absolute(path: str | None) -> str:
    """Return ``path`` made absolute against the directory align was started in ("" when not given)."""
    return str(Path.cwd() / path) if path else ""
