"""nox integration: an ``align`` session for a user's noxfile.

In a noxfile::

    from align.nox import align                  # registers the session `align`

or, under another name and with other session options::

    import align.nox

    align.nox.register(name="sync", tags=["git"])

Then ``nox -s align -- feature/x [align options]`` runs ``python -m align feature/x ...`` in
the directory nox was invoked from, with the interpreter that runs nox. Registration happens
on use only (PEP 562): importing this module registers nothing, so ``register(name="sync")``
alone does not also add ``align``. nox itself is imported lazily: ``import align`` never needs it.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import nox

    align: Callable[..., Any]  # the session function, created on first access by __getattr__

DEFAULT_NAME = "align"
DEFAULT_OPTIONS: dict[str, Any] = {"venv_backend": "none", "default": False}
# Seconds nox waits after forwarding Ctrl-C before it terminates align: time to save the journal.
INTERRUPT_TIMEOUT = 10.0

_registered: dict[str, Callable[..., Any]] = {}


def register(name: str = DEFAULT_NAME, **session_options: Any) -> Callable[..., Any]:
    """Register a nox session ``name`` that runs the align CLI with the session's posargs.

    Args:
        name: the session's name (``nox -s NAME -- BRANCH ...``).
        session_options: more ``nox.session`` keywords (``tags``, ``python``, ...); they
            override the defaults ``venv_backend="none"`` and ``default=False``.

    Returns:
        The registered session function (nox's wrapper around it).
    """
    import nox

    options = {**DEFAULT_OPTIONS, **session_options}
    session: Callable[..., Any] = nox.session(name=name, **options)(_session_function(name))
    _registered[name] = session
    return session


def __getattr__(name: str) -> Any:
    """Register the ``align`` session the first time ``align.nox.align`` is looked up."""
    if name != DEFAULT_NAME:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import nox

    known = _registered.get(name)
    if known is not None and nox.registry.get().get(name) is known:
        return known  # looked up again in the same noxfile: do not register twice
    return register(name)


def _session_function(name: str) -> Callable[[nox.Session], None]:
    """Return the function of session ``name``, whose docstring is what ``nox --list`` shows."""

    def run_align(session: nox.Session) -> None:
        session.chdir(session.invoked_from)
        args = session.posargs or ["run"]  # no posargs: `align run`, the checked-out branch
        env = {"ALIGN_COMMAND": f"nox -s {name} --"}  # align's hints then say `nox -s NAME -- continue`
        session.run(sys.executable, "-m", "align", *args, env=env, external=True, interrupt_timeout=INTERRUPT_TIMEOUT)

    run_align.__doc__ = f"Align a branch onto its primary branch: nox -s {name} -- BRANCH [align options]"
    return run_align
