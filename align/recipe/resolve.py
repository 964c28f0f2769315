"""Resolve a recipe: follow ``extends``, merge, substitute variables, fill defaults, build the model."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from align.errors import Problem, RecipeError, UsageError
from align.recipe import checked, sources
from align.recipe.document import Document, JsonPath, json_path
from align.recipe.messages import did_you_mean
from align.recipe.model import ALIASES, STEP_TYPES, Origin, Recipe, step_from_dict
from align.recipe.validate import RUNTIME_VARS, check, schema_problems, version_problem
from align.recipe.variables import VariableError, Variables, expand, is_reference
from align.resources import schema

RUN_ORIGIN = Origin(file="run time")
DEFAULT_ORIGIN = Origin(file="schema default")


@dataclass(frozen=True, kw_only=True)
class Layer:
    """One recipe file of an ``extends`` chain."""

    source: sources.Source
    document: Document

    def origin(self, path: JsonPath, *, key: bool = True) -> Origin:
        """Return where ``path`` stands in this file."""
        mark = self.document.mark(path, key=key)
        return Origin(file=self.document.source, line=mark.line, col=mark.col, path=json_path(path))


class _Broken(Exception):
    """A variable whose own value is at fault; it is reported once, where it is set."""


@dataclass(kw_only=True)
class _Entry:
    """A step while the chain is merged: its kind, where it was listed, its options."""

    kind: str
    origin: Origin
    options: dict[str, tuple[Any, Origin]] = field(default_factory=dict)


def load_chain(source: sources.Source, cwd: Path) -> tuple[list[Layer], list[Problem]]:
    """Load ``source`` and every recipe it extends, child first, with every problem found.

    Raises at once only when a file is no recipe at all (not a mapping, another version):
    nothing more can be read from it.
    """
    layers: list[Layer] = []
    problems: list[Problem] = []
    current: sources.Source | None = source
    while current is not None:
        try:
            text = current.read()
        except sources.SourceError as error:
            if not layers:
                raise
            problems.append(layers[-1].document.problem(("extends",), error.message))
            break
        document = checked.document(text, current.display)  # passed every check before: no yaml, no schema
        if document is None:
            document, found = _load(text, current.display)
            found.extend(check(document))
            if not found:
                checked.keep_document(document)
            problems.extend(found)
        if not isinstance(document.data, dict) or version_problem(document) is not None:
            raise RecipeError(problems)
        layer = Layer(source=current, document=document)
        seen = [previous.source.path for previous in layers]
        layers.append(layer)
        reference = document.data.get("extends")
        if not isinstance(reference, str):
            break
        try:
            current = sources.locate(reference, current, cwd)
        except sources.SourceError as error:
            problems.append(document.problem(("extends",), error.one_line()))
            break
        if current.path in [*seen, layer.source.path]:
            chain = " -> ".join([*(item.source.display for item in layers), current.display])
            problems.append(document.problem(("extends",), f"extends cycle: {chain}"))
            break
    return layers, problems


def _load(text: str, source: str) -> tuple[Document, list[Problem]]:
    """Parse a recipe's text with yaml (only for a recipe not found in ``align.recipe.checked``)."""
    from align.recipe.load import load  # lazy: yaml is imported only when a recipe changed (start-up time)

    return load(text, source)


def resolve(
    source: sources.Source,
    *,
    cwd: Path,
    overrides: Mapping[str, Any] | None = None,
    runtime: Mapping[str, str] | None = None,
    require_rebase: bool = False,
) -> Recipe:
    """Return the resolved recipe ``source`` describes.

    Args:
        overrides: ``--set`` values, stronger than any recipe.
        runtime: values only a run knows (``branch``, ``run_id``, a chosen ``target``);
            references to the ones missing stay as ``${name}``.
        require_rebase: a recipe without a rebase step is a problem (for a run and ``align check``:
            it would align nothing); off for parts of recipes and the resolver's own tests.
    """
    layers, problems = load_chain(source, cwd)
    table, entries = merge(list(reversed(layers)), problems)
    child = layers[0]
    if not entries and not problems:
        message = "no steps: start from a recipe with `extends: default`, or list `steps:`"
        problems.append(child.document.problem((), message))
    elif require_rebase and entries and not _has_rebase(entries) and not _step_problems(problems):
        problems.append(_no_rebase(layers))
    _apply_overrides(table, overrides or {})
    for name, value in (runtime or {}).items():
        table[name] = (value.replace("${", "$${"), RUN_ORIGIN)  # a branch name is taken literally
    deferred = tuple(name for name in (*RUNTIME_VARS, "target") if name not in table)
    variables = Variables(table, deferred)
    problems.extend(variables.problems())
    problems.extend(_check_top_level(table, variables, problems))
    resolved, origins, via = _substitute(entries, variables, problems)
    if not problems:
        # Check the substituted steps again; a reference left for the run stands for one text value.
        problems.extend(schema_problems({"version": 1, "steps": _as_text(resolved)}, _placer(entries, via)))
    if problems:
        raise RecipeError(problems)
    steps = tuple(step_from_dict(step) for step in resolved)
    target = variables.value("target") if "target" in table else None
    public = {name: value for name, (value, _) in table.items() if table[name][1] is not RUN_ORIGIN}
    for name in public:
        origins[json_path(("vars", name))] = table[name][1]
    digest = json.dumps({"vars": public, "steps": resolved}, sort_keys=True, default=list)
    return Recipe(
        name=source.name,
        kind=source.kind,
        source=source.display,
        sha256=hashlib.sha256(digest.encode()).hexdigest(),
        description=str(child.document.data.get("description", "")),
        target=str(target) if target is not None else None,
        remote=str(variables.value("remote")),
        variables={name: _freeze(variables.value(name)) for name in public},
        steps=steps,
        chain=tuple(layer.source.display for layer in layers),
        origins=origins,
        via={path: tuple(names) for path, names in via.items()},
        found=source.found,
        why=source.why,
    )


def parse_override(text: str) -> tuple[str, Any]:
    """Parse ``--set KEY=VALUE``: the value is text, or a list when written ``[a, b]``."""
    name, sep, value = text.partition("=")
    if not sep or not name:
        raise UsageError(f"--set takes KEY=VALUE, found {text!r}", hint="for example: --set sessions=[lint,tests]")
    if value.startswith("[") and value.endswith("]"):
        return name, [item.strip() for item in value[1:-1].split(",") if item.strip()]
    return name, value


def merge(layers: list[Layer], problems: list[Problem]) -> tuple[dict[str, tuple[Any, Origin]], list[_Entry]]:
    """Merge the chain, root ancestor first: scalars override, vars merge by name, steps replace, patch updates.

    Parts the schema already rejected are skipped, so that every other problem is still found.
    """
    remote_default = schema()["properties"]["remote"]["default"]
    table: dict[str, tuple[Any, Origin]] = {"remote": (remote_default, DEFAULT_ORIGIN)}
    entries: list[_Entry] = []
    for layer in layers:
        data = layer.document.data
        for name in ("target", "remote"):
            if name in data:
                table[name] = (data[name], layer.origin((name,), key=False))
        for name, value in _mapping(data.get("vars")).items():
            table[name] = (value, layer.origin(("vars", name), key=False))
        if isinstance(data.get("steps"), list):
            entries = []
            for index, step in enumerate(data["steps"]):
                if not (isinstance(step, dict) and len(step) == 1 and next(iter(step)) in STEP_TYPES):
                    continue
                ((kind, options),) = step.items()
                entry = _Entry(kind=kind, origin=layer.origin(("steps", index, kind)))
                _set_options(entry, options, layer, ("steps", index, kind))
                entries.append(entry)
        patch = _mapping(data.get("patch")) if "extends" in data and "steps" not in data else {}
        for kind, options in patch.items():
            if kind not in STEP_TYPES:
                continue
            found = next((entry for entry in entries if entry.kind == kind), None)
            if found is None:
                listed = ", ".join(entry.kind for entry in entries) or "none"
                message = f"no {kind!r} step to patch; the inherited steps are: {listed}"
                problems.append(layer.document.problem(("patch", kind), message, key=True))
                continue
            _set_options(found, options, layer, ("patch", kind))
    return table, entries


def _has_rebase(entries: list[_Entry]) -> bool:
    return any(entry.kind == "rebase" for entry in entries)


def _step_problems(problems: list[Problem]) -> bool:
    """Tell whether a step was already found at fault (a misspelt ``rebse:`` is not also "no rebase")."""
    return any(problem.path.startswith(("$.steps[", "$.patch")) for problem in problems)


def _no_rebase(layers: list[Layer]) -> Problem:
    """Return the problem of a chain whose steps have no rebase, at the ``steps:`` that dropped it."""
    index = next(index for index, layer in enumerate(layers) if isinstance(layer.document.data.get("steps"), list))
    layer = layers[index]
    _, inherited = merge(list(reversed(layers[index + 1 :])), [])
    message = "the recipe has no rebase step, so it would align nothing: "
    if _has_rebase(inherited):
        listed = ", ".join(entry.kind for entry in inherited)
        message += (
            f"`steps:` replaces the inherited list of steps ({listed}), it does not add to it; list every step, "
            "rebase included, or keep the inherited ones and change one with `patch: {STEP: {...}}`; "
            "to run nox sessions, extend `validated` or `ci`"
        )
    else:
        message += 'add one, e.g. `- rebase: {onto: "${remote}/${target}"}`, or start from `extends: default`'
    return layer.document.problem(("steps",), message, key=True)


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _set_options(entry: _Entry, options: Any, layer: Layer, path: JsonPath) -> None:
    for option, value in _mapping(options).items():
        origin = layer.origin((*path, option), key=False)
        alias = ALIASES.get((entry.kind, option))
        if alias is None:
            entry.options[option] = (value, origin)
        elif isinstance(value, bool):
            entry.options[alias[0]] = (alias[1][value], origin)


def _apply_overrides(table: dict[str, tuple[Any, Origin]], overrides: Mapping[str, Any]) -> None:
    for name, value in overrides.items():
        if name in RUNTIME_VARS:
            raise UsageError(f"--set {name}=... is not allowed: align sets ${{{name}}} at run time")
        if name not in table and name != "target":
            raise UsageError(
                f"--set {name}=...: the recipe has no variable {name!r}{did_you_mean(name, [*table, 'target'])}",
                hint=f"its variables: {', '.join(sorted({*table, 'target'}))}",
            )
        path = (name,) if name in ("target", "remote") else ("vars", name)
        table[name] = (value, Origin(file="--set", path=json_path(path)))  # prints as ``--set: $.target: ...``


def _substitute(
    entries: list[_Entry], variables: Variables, problems: list[Problem]
) -> tuple[list[dict[str, dict[str, Any]]], dict[str, Origin], dict[str, list[str]]]:
    step_schemas = schema()["$defs"]
    resolved: list[dict[str, dict[str, Any]]] = []
    origins: dict[str, Origin] = {}
    via: dict[str, list[str]] = {}
    for index, entry in enumerate(entries):
        defaults = {
            name: (spec["default"], DEFAULT_ORIGIN)
            for name, spec in step_schemas[entry.kind]["properties"].items()
            if "default" in spec
        }
        options: dict[str, Any] = {}
        origins[json_path(("steps", index, entry.kind))] = entry.origin
        for name, (value, origin) in {**defaults, **entry.options}.items():
            path = json_path(("steps", index, entry.kind, name))
            used: list[str] = []

            def lookup(var: str, used: list[str] = used) -> Any:
                used.append(var)
                if var in variables.broken:
                    raise _Broken  # its own problem is reported where it is set
                return variables.value(var)

            try:
                options[name] = expand(value, lookup)
            except VariableError as error:
                problems.append(origin.problem(str(error)))
            except _Broken:
                pass
            origins[path] = origin
            if used:
                via[path] = [_via(var, variables) for var in used]
        resolved.append({entry.kind: options})
    return resolved, origins, via


def _via(name: str, variables: Variables) -> str:
    if name not in variables.table:
        return f"${{{name}}} set at run time"
    return f"${{{name}}} from {variables.table[name][1]}"


def _as_text(value: Any) -> Any:
    """Return ``value`` with each whole ``${name}`` left for the run replaced by a sample text."""
    if isinstance(value, dict):
        return {key: _as_text(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_as_text(item) for item in value]
    return "text" if isinstance(value, str) and is_reference(value) else value


def _check_top_level(
    table: Mapping[str, tuple[Any, Origin]], variables: Variables, known: list[Problem]
) -> list[Problem]:
    """Check ``target`` and ``remote`` as substituted (and as set by ``--set``); mark the bad ones broken."""
    found = []
    for name in ("target", "remote"):
        if name not in table or name in variables.broken:
            continue
        origin = table[name][1]
        if any(
            (problem.file, problem.line, problem.col) == (origin.file, origin.line, origin.col) for problem in known
        ):
            variables.broken.add(name)  # already reported as written
            continue
        problems = schema_problems(
            {"version": 1, name: _as_text(variables.value(name))},
            lambda path, message, key=False, origin=origin: origin.problem(message),
        )
        if problems:
            variables.broken.add(name)
            found.extend(problems)
    return found


def _placer(entries: list[_Entry], via: Mapping[str, list[str]]) -> Any:
    """Locate a problem of the substituted recipe at the option it comes from, naming the variables used."""

    def place(path: JsonPath, message: str, *, key: bool = False) -> Problem:
        entry = entries[int(path[1])]
        origin = entry.options.get(str(path[3]), (None, entry.origin))[1] if len(path) > 3 else entry.origin
        used = via.get(json_path(path[:4]))
        after = f"after substituting {', '.join(used)}" if used else "after substituting variables"
        return Problem(
            file=origin.file, line=origin.line, col=origin.col, path=json_path(path), message=f"{message}; {after}"
        )

    return place


def _freeze(value: Any) -> Any:
    if isinstance(value, list):
        return tuple(_freeze(item) for item in value)
    return value
