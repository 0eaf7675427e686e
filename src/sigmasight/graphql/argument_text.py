"""Control characters are refused in every string a request passes, before any resolver runs.

A NUL or another control character in a name, a note, a cursor or a filter is never what a
person meant, and PostgreSQL refuses NUL in text with an error that would carry the statement.
So every string of a request is checked once, here, whatever field it is for: literals in the
document (arguments of fields and directives, variable defaults, nested input objects and lists)
and every variable value. Tabs and line breaks are allowed (see `sigmasight.text`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from graphql import (
    ArgumentNode,
    ASTValidationRule,
    GraphQLError,
    ListValueNode,
    Node,
    ObjectValueNode,
    StringValueNode,
    ValueNode,
    VariableDefinitionNode,
)

from sigmasight.text import has_control_characters

CODE = "INVALID_CHARACTERS"


def _literal_strings(value: ValueNode, path: str) -> Iterator[tuple[str, StringValueNode]]:
    """Every string literal inside `value`, with its path (`input.tags[2]`)."""
    if isinstance(value, StringValueNode):
        yield path, value
    elif isinstance(value, ListValueNode):
        for index, item in enumerate(value.values):
            yield from _literal_strings(item, f"{path}[{index}]")
    elif isinstance(value, ObjectValueNode):
        for field in value.fields:
            yield from _literal_strings(field.value, f"{path}.{field.name.value}")


def _variable_strings(value: Any, path: str) -> Iterator[tuple[str, str]]:
    """Every string inside a variable's JSON value (keys included), with its path.

    Walked with a stack rather than recursion: JSON nested a few thousand levels deep decodes
    fine and must not overflow the interpreter's stack here."""
    pending: list[tuple[Any, str]] = [(value, path)]
    while pending:
        item, where = pending.pop()
        if isinstance(item, str):
            yield where, item
        elif isinstance(item, list):
            pending.extend((child, f"{where}[{i}]") for i, child in enumerate(item))
        elif isinstance(item, dict):
            for key, child in item.items():
                yield where, str(key)
                pending.append((child, f"{where}.{key}"))


def _error(path: str, node: Node | None = None) -> GraphQLError:
    return GraphQLError(
        f"`{path}` contains a control character (such as NUL); only tabs and line breaks "
        "are allowed in text.",
        node,
        extensions={"code": CODE, "argument": path},
    )


def variable_errors(variables: Mapping[str, Any]) -> list[GraphQLError]:
    """One error per variable string holding a refused control character."""
    return [
        _error(path)
        for name, value in variables.items()
        for path, text in _variable_strings(value, f"${name}")
        if has_control_characters(text)
    ]


def control_characters_rule(variables: Mapping[str, Any]) -> type[ASTValidationRule]:
    """A validation rule refusing control characters in literals and in `variables`."""

    class ControlCharactersRule(ASTValidationRule):
        def enter_document(self, *_: object) -> None:
            for error in variable_errors(variables):
                self.report_error(error)

        def enter_argument(self, node: ArgumentNode, *_: object) -> None:
            self._check(node.value, node.name.value)

        def enter_variable_definition(self, node: VariableDefinitionNode, *_: object) -> None:
            if node.default_value is not None:
                self._check(node.default_value, f"${node.variable.name.value}")

        def _check(self, value: ValueNode, path: str) -> None:
            for where, literal in _literal_strings(value, path):
                if has_control_characters(literal.value):
                    self.report_error(_error(where, literal))

    return ControlCharactersRule
