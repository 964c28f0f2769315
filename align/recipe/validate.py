"""Check a loaded recipe against the schema, and against the rules a schema cannot express."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from align import __version__
from align.errors import Problem
from align.recipe import checked
from align.recipe.document import Document, JsonPath
from align.recipe.messages import describe, did_you_mean
from align.resources import schema

if TYPE_CHECKING:
    from collections.abc import Callable

    from jsonschema import ValidationError
    from jsonschema.protocols import Validator

    Place = Callable[..., Problem]  # (path, message, *, key=False) -> Problem

LANGUAGE_VERSION = 1
RUNTIME_VARS = ("branch", "run_id")
TOP_LEVEL_VARS = ("target", "remote")

_TYPE_NAMES = {
    "object": "a mapping",
    "array": "a list",
    "string": "text",
    "integer": "a whole number",
    "number": "a number",
    "boolean": "true or false",
    "null": "nothing",
}
# Validators whose error is about the value itself (and so may be a YAML 1.1 surprise).
_VALUE_ERRORS = {"type", "enum", "const", "anyOf", "pattern", "minLength"}


def step_kinds() -> tuple[str, ...]:
    """Return every step kind, in the schema's order."""
    return tuple(schema()["$defs"]["step"]["properties"])


def check(document: Document) -> list[Problem]:
    """Return every problem of ``document``: version first, then schema, then semantics."""
    data = document.data
    if not isinstance(data, dict):
        return []  # the loader has said what it found instead
    version = version_problem(document)
    if version is not None:
        return [version]
    located = list(_schema_problems(document))
    problems = _apply_surprises(document, located)
    problems.extend(_semantic_problems(document))
    return problems


def version_problem(document: Document) -> Problem | None:
    """Return the problem with the recipe's ``version``, if any: it is checked before anything else."""
    data = document.data
    if "version" not in data:
        return document.problem((), f"missing `version: {LANGUAGE_VERSION}`; add it as the first line")
    version = data["version"]
    if version == LANGUAGE_VERSION and type(version) is int:
        return None
    if type(version) is int and version > LANGUAGE_VERSION:
        return document.problem(
            ("version",),
            f"recipe version {version} needs an align newer than {__version__}: this align reads "
            f"recipe version {LANGUAGE_VERSION}; upgrade (pip install --upgrade git-align) or write "
            f"`version: {LANGUAGE_VERSION}`",
        )
    return document.problem(("version",), f"version must be {LANGUAGE_VERSION}, found {describe(version)}")


@functools.cache
def validator() -> Validator:
    """Return a validator for the recipe schema (built once)."""
    from jsonschema import Draft202012Validator

    return Draft202012Validator(schema())


def schema_problems(instance: Any, place: Place) -> list[Problem]:
    """Validate ``instance`` against the schema; ``place`` locates each problem by JSON path.

    A value found valid before is not validated again (``align.recipe.checked``): jsonschema is imported
    only when a recipe changed.
    """
    if checked.valid(instance):
        return []
    problems = [problem for error in validator().iter_errors(instance) for _, _, problem in _convert(place, error)]
    if not problems:
        checked.keep_valid(instance)
    return problems


def _schema_problems(document: Document) -> Iterator[tuple[str, JsonPath, Problem]]:
    for error in validator().iter_errors(document.data):
        yield from _convert(document.problem, error)


def _convert(place: Place, error: ValidationError) -> Iterator[tuple[str, JsonPath, Problem]]:
    path: JsonPath = tuple(error.absolute_path)
    kind = str(error.validator)
    value: Any = error.validator_value
    instance: Any = error.instance
    spec: Any = error.schema
    if kind == "additionalProperties":
        allowed = list(spec.get("properties", {}))
        for key in instance:
            if key not in allowed:
                yield kind, (*path, key), place((*path, key), _unknown(path, key, allowed), key=True)
        return
    if kind == "anyOf":
        yield from _convert_any_of(place, error, path)
        return
    if "propertyNames" in error.schema_path:
        message = f"variable name {instance!r} must start with a letter or _ and hold only letters, digits and _"
        yield kind, (*path, instance), place((*path, instance), message, key=True)
        return
    if kind == "maxProperties":
        keys = list(instance)
        message = (
            f"a step names one kind, this one names {len(keys)} ({', '.join(keys)}); "
            "split it into one `- kind: {...}` item each"
        )
        yield kind, path, place((*path, keys[1]), message, key=True)
        return
    if kind == "uniqueItems":
        index = next(index for index, item in enumerate(instance) if item in instance[:index])
        first = instance.index(instance[index])
        message = f"{instance[index]!r} is listed more than once (first at [{first}])"
        yield kind, (*path, index), place((*path, index), message)
        return
    yield kind, path, place(path, _message(kind, value, instance, path))


def _convert_any_of(place: Place, error: ValidationError, path: JsonPath) -> Iterator[tuple[str, JsonPath, Problem]]:
    # Descend into the branch whose type is the instance's type, so that an
    # error inside a list item is reported on that item.
    branches: Any = error.validator_value
    instance: Any = error.instance
    spec: Any = error.schema
    for index, branch in enumerate(branches):
        if "type" in branch and validator().is_type(instance, branch["type"]):
            for sub in error.context or ():
                if sub.relative_schema_path[0] == index:
                    yield from _convert(place, sub)
            return
    expected = str(spec.get("description", "another value")).rstrip(".")
    message = f"expected {expected[0].lower()}{expected[1:]}; found {describe(instance)}"
    if isinstance(instance, str):
        message += f" (write [{instance}] for a list of one)"
    yield "anyOf", path, place(path, message)


def _unknown(path: JsonPath, key: str, allowed: list[str]) -> str:
    if path == () and key in step_kinds():
        return f"unknown key {key!r}: step options go in a `- {key}: {{...}}` item under `steps:` (or under `patch:`)"
    noun = "step kind" if path == ("patch",) or (len(path) == 2 and path[0] == "steps") else "option"
    if path == ():
        noun = "key"
    return f"unknown {noun} {key!r}{did_you_mean(key, allowed)}"


def _message(kind: str, value: Any, instance: Any, path: JsonPath) -> str:
    if kind == "type":
        if len(path) == 2 and path[0] == "steps" and isinstance(instance, str):
            if instance in step_kinds():
                return f"write `- {instance}: {{}}`: a step maps its kind to its options"
            return (
                f"a step is written `- kind: {{...}}`, found {describe(instance)}{did_you_mean(instance, step_kinds())}"
            )
        if len(path) == 3 and path[0] == "steps" and instance is None:
            return f"expected a mapping, found nothing (null); write `{path[2]}: {{}}` for a step without options"
        types = value if isinstance(value, list) else [value]
        expected = " or ".join(_TYPE_NAMES[name] for name in types)
        return f"expected {expected}, found {describe(instance)}"
    if kind == "enum":
        choices = ", ".join(str(choice) for choice in value)
        return f"{instance!r} is not one of {choices}{did_you_mean(instance, value)}"
    if kind == "minimum":
        return f"must be at least {value}, found {instance}"
    if kind == "maximum":
        return f"must be at most {value}, found {instance}"
    if kind == "minLength":
        return "must not be empty"
    if kind == "minItems":
        if path == ("steps",):
            return "needs at least one step"
        return "a command is a list [program, arguments...], not empty"
    if kind == "minProperties":
        return "an empty step: name its kind, e.g. `- backup: {}`"
    return f"invalid value ({kind}: {value!r})"


def _apply_surprises(document: Document, located: list[tuple[str, JsonPath, Problem]]) -> list[Problem]:
    """Replace schema errors caused by YAML 1.1 readings with a hint, and flag the others."""
    problems = []
    for kind, path, problem in located:
        if not (kind in _VALUE_ERRORS and path in document.surprises):
            problems.append(problem)
    at_error = {path for kind, path, _ in located if kind in _VALUE_ERRORS}
    for path, surprise in document.surprises.items():
        reading = describe(surprise.value)
        if path in at_error:
            message = f"YAML 1.1 reads {surprise.raw} as {reading}; quote it: '{surprise.raw}'"
        elif isinstance(surprise.value, bool):
            message = f"YAML 1.1 reads {surprise.raw} as {reading}; write {reading}"
        else:
            message = (
                f"YAML 1.1 reads {surprise.raw} as {reading}; "
                f"write {surprise.value}, or quote it ('{surprise.raw}') for text"
            )
        problems.append(document.problem(path, message))
    return problems


def _semantic_problems(document: Document) -> Iterator[Problem]:
    data = document.data
    steps = data.get("steps")
    if isinstance(steps, list):
        first: dict[str, int] = {}
        for index, step in enumerate(steps):
            if not isinstance(step, dict) or len(step) != 1:
                continue
            (kind, options) = next(iter(step.items()))
            if kind in first:
                message = f"step {kind!r} appears twice (first at steps[{first[kind]}]); each kind appears once"
                yield document.problem(("steps", index, kind), message, key=True)
            first.setdefault(kind, index)
            yield from _alias_conflict(document, ("steps", index, kind), options)
    patch = data.get("patch")
    if isinstance(patch, dict):
        if "steps" in data:
            message = "`patch:` changes inherited steps; this recipe lists its own `steps:`, so change them there"
            yield document.problem(("patch",), message, key=True)
        elif "extends" not in data:
            message = "`patch:` changes the steps of an extended recipe; add `extends: default` (or another recipe)"
            yield document.problem(("patch",), message, key=True)
        for kind, options in patch.items():
            yield from _alias_conflict(document, ("patch", kind), options)
    variables = data.get("vars")
    if isinstance(variables, dict):
        for name in variables:
            if name in RUNTIME_VARS:
                message = f"{name!r} is a built-in variable, set by align at run time"
                yield document.problem(("vars", name), message, key=True)
            elif name in TOP_LEVEL_VARS:
                message = f"{name!r} is a built-in variable; set it with `{name}:` at the top of the recipe"
                yield document.problem(("vars", name), message, key=True)


def _alias_conflict(document: Document, path: JsonPath, options: Any) -> Iterator[Problem]:
    if not isinstance(options, dict) or "autostash" not in options or "dirty" not in options:
        return
    meant = "stash" if options["autostash"] is True else "refuse"
    if options["dirty"] != meant:
        said = str(options["autostash"]).lower()
        message = f"`autostash: {said}` means `dirty: {meant}`, which contradicts `dirty: {options['dirty']}`; keep one"
        yield document.problem((*path, "autostash"), message, key=True)
