"""The command line: parse arguments, run a command, map errors to exit codes (DESIGN §4-5)."""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Sequence
from typing import Any, TextIO, cast

from align import invocation
from align.commands import COMMANDS
from align.commands.table import Handler
from align.errors import AlignError, RecipeError, UsageError
from align.invocation import command
from align.parser import GLOBAL_VALUE_OPTIONS, RUN_VALUE_OPTIONS, build_parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run align with ``argv`` (default: ``sys.argv[1:]``) and return its exit code.

    Whatever happens, this returns: an ``AlignError`` is printed with its hint and its own exit code,
    Ctrl-C (or SIGTERM) is one line and 130, and any other exception, a bug, is one line, a crash log
    and 70 (``align.crash``); never a traceback.
    """
    words = list(sys.argv[1:] if argv is None else argv)
    try:
        return _main(words)
    except KeyboardInterrupt:
        # Before a run changes anything (planning, checks) or in a command that changes nothing; a run
        # that has started turns a signal into its own "interrupted" ending instead.
        print(f"align: interrupted (`{command('status')}` tells whether a run was left to finish)", file=sys.stderr)
        return 130
    except Exception as error:  # a bug in align
        from align import crash  # lazy: start-up time (DESIGN §9); only a crash needs it

        return crash.report(error, words)


def _main(argv: list[str]) -> int:
    """Parse ``argv``, run its command's handler and return the exit code (an ``AlignError``'s included)."""
    invocation.use(invocation.detect(sys.argv[0], os.environ))  # `git align`, `nox -s align --`: said in hints
    parser = build_parser()
    words = _with_command(argv)
    try:
        args = parser.parse_args(words)
    except SystemExit as exit_:
        return exit_.code if isinstance(exit_.code, int) else 2
    from align.monitor import configure  # lazy: start-up time (DESIGN §9); it loads sh and git
    from align.outputs import REPORT_OPTIONS, refuse_git_owned  # lazy: start-up time (DESIGN §9); not for --version

    try:  # before the log file is opened: nothing is written where git keeps its own files
        reports = [(option, getattr(args, f"report_{fmt}", None)) for fmt, option in REPORT_OPTIONS.items()]
        seen: dict[str, str] = {}
        for option, path in (("--log-file", args.log_file), *reports):
            if path:
                refuse_git_owned(option, path)
                where = os.path.realpath(path)
                if where in seen:
                    raise UsageError(f"{seen[where]} and {option} both name {path}: one would overwrite the other")
                seen[where] = option
    except UsageError as error:
        _print_error(error)
        return error.exit_code
    try:
        configure(verbose=args.verbose, quiet=args.quiet, log_file=args.log_file)
    except OSError as error:
        _print_error(UsageError(f"cannot write the log file {args.log_file}: {error.strerror}"))
        return 2
    for stream in (sys.stdout, sys.stderr):  # a file name that is not UTF-8 prints escaped, never crashes
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="backslashreplace")
    try:
        os.getcwd()
    except FileNotFoundError:
        _print_error(UsageError("the current directory no longer exists", hint="cd to the repository's root"))
        return 2
    # SIGTERM ends align as Ctrl-C does: exit 130 (a run that has started has handlers of its own)
    previous = {number: signal.signal(number, _terminate) for number in (signal.SIGINT, signal.SIGTERM)}
    handle: Handler = args.handler
    try:
        code = handle(args)
    except RecipeError as error:
        for problem in error.problems:
            print(problem, file=sys.stderr)
        _print_error(error)
        return error.exit_code
    except AlignError as error:
        _print_error(error)
        return error.exit_code
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
    return code


def _terminate(number: int, frame: object) -> None:
    from align.gitio import defer  # lazy: start-up time (DESIGN §9); loaded by then when git runs

    if not defer(number):  # git is being started: the signal is handled once it can be stopped
        raise KeyboardInterrupt


def _with_command(words: list[str]) -> list[str]:
    """Insert ``run`` when no command is named: ``align feature/x`` is ``align run feature/x``."""
    index = 0
    while index < len(words):
        word = words[index]
        if word == "--" or not word.startswith("-"):
            return words if word in COMMANDS else ["run", *words]
        index += 2 if word in RUN_VALUE_OPTIONS or word in GLOBAL_VALUE_OPTIONS else 1
    if any(word.split("=")[0] in (*RUN_VALUE_OPTIONS, "--dry-run", "--stack", "--all") for word in words):
        return ["run", *words]
    return words


def _print_error(error: AlignError) -> None:
    print(f"align: error: {error.message}", file=sys.stderr)
    if error.hint:
        print(f"align: hint: {error.hint}", file=sys.stderr)


def console() -> None:
    """Entry point of the ``align`` and ``git-align`` console scripts."""
    sys.stdout = cast(TextIO, _PipeSafe(sys.stdout))  # `align status | head -1`: never a traceback mid-run
    sys.exit(main())


class _PipeSafe:
    """Standard output that a reader going away (``| head``) cannot break: once the pipe is closed, what
    align prints goes nowhere, and the run goes on to its end (an abort half done would be worse)."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        try:
            return self._stream.write(text)
        except BrokenPipeError:
            self._gone()
            return len(text)

    def flush(self) -> None:
        try:
            self._stream.flush()
        except BrokenPipeError:
            self._gone()

    def _gone(self) -> None:
        """Point the descriptor at /dev/null: Python's last flush, and git's output, go there too."""
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, self._stream.fileno())
        os.close(null)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)
