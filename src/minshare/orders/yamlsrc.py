"""YAML that remembers where every node came from.

Users write orders, requests and policy tests by hand; when something is wrong they need the
line and column, for every problem at once. ``yaml.safe_load`` throws marks away, so this module
composes the node graph itself and records the mark of every key and value by its path. Pydantic
errors (whose ``loc`` is such a path) and the type checker's errors are then placed exactly.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError
from yaml.constructor import SafeConstructor

from minshare.errors import MinshareError

PathT = tuple[str | int, ...]
Mark = tuple[int, int]  # 1-based line and column

# Union members are tagged "pred:..." (see predicates.py); pydantic puts the tag in ``loc``.
_TAG_PREFIX = "pred:"


@dataclass
class Source:
    """A parsed YAML document plus the position of each of its nodes."""

    file: str
    data: Any
    values: dict[PathT, Mark] = field(default_factory=dict)
    keys: dict[PathT, Mark] = field(default_factory=dict)

    def locate(self, path: Sequence[str | int], *, key: bool = False) -> Mark | None:
        """The mark of ``path`` or of its nearest ancestor present in the document.

        ``key=True`` prefers the mark of the mapping key (for "unknown field" errors, the key is
        what is wrong, not its value).
        """
        p = tuple(path)
        if key and p in self.keys:
            return self.keys[p]
        while True:
            if p in self.values:
                return self.values[p]
            if not p:
                return None
            p = p[:-1]

    def error(
        self,
        cls: type[MinshareError],
        path: Sequence[str | int],
        message: str,
        *,
        key: bool = False,
    ) -> MinshareError:
        mark = self.locate(path, key=key)
        line, column = mark if mark else (None, None)
        where = dotted(path)
        return cls(
            message,
            file=self.file,
            line=line,
            column=column,
            field=where or None,
        )


def dotted(path: Sequence[str | int]) -> str:
    """``("rules", 3, "when")`` → ``rules[3].when``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else part
    return out


class _Builder:
    """Turns a composed node graph into plain Python values, recording marks and problems."""

    def __init__(self, source: Source, cls: type[MinshareError]) -> None:
        self.source = source
        self.cls = cls
        self.errors: list[MinshareError] = []
        self._constructor = SafeConstructor()
        self._active: set[int] = set()

    def _fail(self, node: yaml.Node, message: str) -> None:
        m = node.start_mark
        self.errors.append(
            self.cls(message, file=self.source.file, line=m.line + 1, column=m.column + 1)
        )

    def build(self, node: yaml.Node, path: PathT) -> Any:
        self.source.values.setdefault(path, (node.start_mark.line + 1, node.start_mark.column + 1))
        if id(node) in self._active:
            self._fail(node, "a recursive YAML alias is not allowed")
            return None
        if isinstance(node, yaml.MappingNode):
            self._active.add(id(node))
            try:
                return self._mapping(node, path)
            finally:
                self._active.discard(id(node))
        if isinstance(node, yaml.SequenceNode):
            self._active.add(id(node))
            try:
                return [self.build(child, (*path, i)) for i, child in enumerate(node.value)]
            finally:
                self._active.discard(id(node))
        return self._scalar(node)

    def _mapping(self, node: yaml.MappingNode, path: PathT) -> dict[Any, Any]:
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                self._fail(key_node, "YAML merge keys (<<) are not supported: write the keys out")
                continue
            if not isinstance(key_node, yaml.ScalarNode):
                self._fail(key_node, "a mapping key must be a plain scalar")
                continue
            key = self._scalar(key_node)
            if isinstance(key, (date, bool)) or key is None:
                key = key_node.value  # keys are names; ``yes:`` or ``2026-01-06:`` stay text
            if key in out:
                self._fail(key_node, f"duplicate key {key!r} (YAML would silently keep the last)")
                continue
            child = (*path, key)
            self.source.keys[child] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            out[key] = self.build(value_node, child)
        return out

    def _scalar(self, node: yaml.Node) -> Any:
        try:
            value = self._constructor.construct_object(node, deep=True)
        except (yaml.YAMLError, ValueError) as exc:
            # Keep the text so validation still runs and finds the file's other problems.
            self._fail(node, f"cannot read value {getattr(node, 'value', '')!r}: {exc}")
            return getattr(node, "value", None)
        if isinstance(value, datetime):
            # A timestamp with a time part is never what an order means by a date.
            self._fail(node, f"expected a date (YYYY-MM-DD), got a timestamp {node.value!r}")
            return None
        return value


def parse(text: str, file: str, cls: type[MinshareError]) -> tuple[Source, list[MinshareError]]:
    """Parse one YAML document. Problems come back as a list; the caller decides to raise."""
    source = Source(file=file, data=None)
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        column = mark.column + 1 if mark else None
        problem = exc.problem or str(exc)
        return source, [cls(f"YAML syntax: {problem}", file=file, line=line, column=column)]
    except yaml.YAMLError as exc:
        return source, [cls(f"YAML syntax: {exc}", file=file)]
    if node is None:
        return source, [cls("the file is empty", file=file)]
    builder = _Builder(source, cls)
    source.data = builder.build(node, ())
    return source, builder.errors


def read_text(path: Path, cls: type[MinshareError]) -> tuple[str, bytes]:
    """The file's text and raw bytes (the bytes are hashed into manifests)."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise cls(f"cannot read {path}: {exc.strerror or exc}", file=str(path)) from exc
    try:
        return raw.decode("utf-8"), raw
    except UnicodeDecodeError as exc:
        raise cls(f"not UTF-8 text (byte {exc.start})", file=str(path)) from exc


def clean_loc(loc: Sequence[str | int]) -> PathT:
    """Drop pydantic's union-member tags from an error location."""
    return tuple(p for p in loc if not (isinstance(p, str) and p.startswith(_TAG_PREFIX)))


def pydantic_errors(
    exc: ValidationError,
    source: Source,
    cls: type[MinshareError],
    *,
    prefix: PathT = (),
) -> list[MinshareError]:
    """One located error per pydantic problem, duplicates (same place, same message) dropped."""
    out: list[MinshareError] = []
    seen: set[tuple[PathT, str]] = set()
    errors = [(err, (*prefix, *clean_loc(err["loc"]))) for err in exc.errors(include_url=False)]
    for err, path in errors:
        # A list whose items failed is also reported "too short" (items are dropped before the
        # length check); the item errors say it better.
        if err["type"] == "too_short" and any(
            len(other) > len(path) and other[: len(path)] == path for _, other in errors
        ):
            continue
        message = _message(err)
        if (path, message) in seen:
            continue
        seen.add((path, message))
        out.append(source.error(cls, path, message, key=err["type"] == "extra_forbidden"))
    return out


def _message(err: Any) -> str:
    kind = err["type"]
    if kind == "extra_forbidden":
        return "unknown field"
    if kind == "missing":
        return "required field is missing"
    msg = str(err["msg"])
    for noise in ("Value error, ", "Assertion failed, "):
        if msg.startswith(noise):
            msg = msg[len(noise) :]
    return msg


def load_validated(
    path_or_text: Path | str,
    cls: type[MinshareError],
    validate: Callable[[Source], tuple[Any, list[MinshareError]]],
    *,
    name: str | None = None,
) -> tuple[Any, Source, bytes]:
    """Parse, then validate with ``validate``; raise one error carrying every problem."""
    if isinstance(path_or_text, Path):
        text, raw = read_text(path_or_text, cls)
        file = name or str(path_or_text)
    else:
        text, raw = path_or_text, path_or_text.encode("utf-8")
        file = name or "<string>"
    source, problems = parse(text, file, cls)
    value = None
    if source.data is not None:
        value, more = validate(source)
        # One problem per position: a value YAML could not read also fails validation.
        seen = {(p.location.line, p.location.column) for p in problems}
        problems += [p for p in more if (p.location.line, p.location.column) not in seen]
    if problems:
        problems.sort(key=lambda p: (p.location.line or 0, p.location.column or 0))
        n = len(problems)
        raise cls(
            f"{n} problem{'s' if n != 1 else ''}; nothing was loaded",
            file=file,
            details=problems,
        )
    return value, source, raw


__all__ = [
    "Mark",
    "PathT",
    "Source",
    "clean_loc",
    "dotted",
    "load_validated",
    "parse",
    "pydantic_errors",
    "read_text",
]
