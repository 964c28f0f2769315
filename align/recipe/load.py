"""Strict YAML loading that remembers where every key and value stands."""

from __future__ import annotations

import re
from typing import Any

import yaml

from align.errors import Problem
from align.recipe.document import Document, JsonPath, Mark, Surprise, json_path
from align.recipe.messages import describe

__all__ = ["Document", "JsonPath", "Mark", "Surprise", "json_path", "load"]

_TAG = "tag:yaml.org,2002:"
# Plain scalars that YAML 1.2 and YAML 1.1 read the same way.
_PLAIN_BOOL = {"true", "false"}
_PLAIN_INT = re.compile(r"[-+]?(0|[1-9][0-9]*)\Z")
_PLAIN_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+\.[0-9]*)([eE][-+]?[0-9]+)?\Z")


def load(text: str, source: str) -> tuple[Document, list[Problem]]:
    """Parse ``text``; return the document and every problem found while reading it."""
    try:
        loader = yaml.SafeLoader(text)
        node = loader.get_single_node()
    except yaml.reader.ReaderError as error:
        before = text[: error.position]
        line, col = before.count("\n") + 1, len(before) - (before.rfind("\n") + 1) + 1
        character = chr(error.character) if isinstance(error.character, int) else error.character
        message = f"character {character!r} is not allowed in YAML; remove it or write it as an escape"
        problem = Problem(file=source, line=line, col=col, path="$", message=message)
        return Document(source=source, text=text, data=None), [problem]
    except RecursionError:
        problem = Problem(file=source, line=1, col=1, path="$", message="the YAML is nested too deeply to read")
        return Document(source=source, text=text, data=None), [problem]
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        context = error.context
        if context and error.context_mark and error.context_mark != mark:
            context += f" that starts at line {error.context_mark.line + 1}, column {error.context_mark.column + 1}"
        if isinstance(error, yaml.composer.ComposerError) and "single document" in str(error.context):
            message = "a recipe file holds one YAML document; remove the second `---` and what follows it"
        elif context and error.problem:
            message = f"YAML syntax error: {error.problem} ({context})"
        else:
            message = f"YAML syntax error: {error.problem or error.context}"
        problem = Problem(file=source, line=line, col=col, path="$", message=message)
        return Document(source=source, text=text, data=None), [problem]
    builder = _Builder(source, loader)
    data = builder.build(node, ()) if node is not None else None
    document = Document(
        source=source,
        text=text,
        data=data,
        keys=builder.keys,
        values=builder.values,
        surprises=builder.surprises,
    )
    if not isinstance(data, dict):
        found = "an empty file" if data is None else describe(data)
        builder.problems.append(
            document.problem((), f"a recipe is a mapping that starts with `version: 1`, found {found}")
        )
    return document, builder.problems


class _Builder:
    """Turn a composed YAML node tree into plain data, checking as it goes."""

    def __init__(self, source: str, loader: yaml.SafeLoader) -> None:
        self.source = source
        self.loader = loader
        self.keys: dict[JsonPath, Mark] = {}
        self.values: dict[JsonPath, Mark] = {}
        self.surprises: dict[JsonPath, Surprise] = {}
        self.problems: list[Problem] = []
        self._built: set[int] = set()

    def build(self, node: yaml.Node, path: JsonPath) -> Any:
        if id(node) in self._built and not isinstance(node, yaml.ScalarNode):
            # An alias of a mapping or list: refused, so that one file cannot expand into millions of values.
            self._problem(_mark(node), path, "anchors and aliases (*name) of mappings and lists are not supported")
            return {} if isinstance(node, yaml.MappingNode) else []
        self._built.add(id(node))
        self.values[path] = _mark(node)
        explicit = self._explicit_tag(node)
        if explicit is not None:
            message = f"YAML tags such as {explicit} are not supported; write the value plainly"
            self._problem(_mark(node), path, message)
            if isinstance(node, yaml.ScalarNode):
                return node.value
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, path)
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, (*path, index)) for index, item in enumerate(node.value)]
        assert isinstance(node, yaml.ScalarNode)
        return self._scalar(node, path)

    def _mapping(self, node: yaml.MappingNode, path: JsonPath) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            where = _mark(key_node)
            if not isinstance(key_node, yaml.ScalarNode):
                self._problem(where, path, "a key must be plain text, not a list or a mapping")
                continue
            key = key_node.value
            if key_node.tag == _TAG + "merge":
                self._problem(where, path, "merge keys (<<) are not supported; use `extends:` to reuse a recipe")
                continue
            if key in out:
                first = self.keys[(*path, key)]
                self._problem(where, (*path, key), f"duplicate key {key!r} (first at line {first.line}); keep one")
                continue
            self.keys[(*path, key)] = where
            out[key] = self.build(value_node, (*path, key))
        return out

    def _explicit_tag(self, node: yaml.Node) -> str | None:
        """Return the tag written on ``node`` (``!!int``, ``!foo``), or None when it has none."""
        if isinstance(node, yaml.ScalarNode):
            implicit = self.loader.resolve(  # type: ignore[no-untyped-call]
                yaml.ScalarNode, node.value, (node.style is None, node.style is not None)
            )
        else:
            implicit = self.loader.resolve(type(node), None, True)  # type: ignore[no-untyped-call]
        if node.tag == implicit or node.tag == _TAG + "str":
            return None
        return "!!" + node.tag.removeprefix(_TAG) if node.tag.startswith(_TAG) else node.tag

    def _scalar(self, node: yaml.ScalarNode, path: JsonPath) -> Any:
        raw, tag = node.value, node.tag.removeprefix(_TAG)
        if node.style is not None or tag in ("str", "timestamp"):
            return raw
        if tag == "null":
            return None
        if tag == "bool":
            truth = raw.lower() in ("yes", "y", "true", "on")
            if raw.lower() not in _PLAIN_BOOL:
                self.surprises[path] = Surprise(raw=raw, value=truth)
            return truth
        if tag == "int":
            value = self.loader.construct_yaml_int(node)
            if not _PLAIN_INT.match(raw):
                self.surprises[path] = Surprise(raw=raw, value=value)
            return value
        if tag == "float":
            fvalue = self.loader.construct_yaml_float(node)
            if not _PLAIN_FLOAT.match(raw):
                self.surprises[path] = Surprise(raw=raw, value=fvalue)
            return fvalue
        return raw

    def _problem(self, where: Mark, path: JsonPath, message: str) -> None:
        self.problems.append(
            Problem(file=self.source, line=where.line, col=where.col, path=json_path(path), message=message)
        )


def _mark(node: yaml.Node) -> Mark:
    return Mark(line=node.start_mark.line + 1, col=node.start_mark.column + 1)
