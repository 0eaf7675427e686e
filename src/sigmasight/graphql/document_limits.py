"""Depth, alias and cost limits, measured in one pass over a document.

Each fragment definition is measured once and its measure reused at every spread, so the work
is linear in the size of the document however often fragments are spread: a document of doubled
spreads (`fragment F0 on Query { ...F1 ...F1 }` ... `fragment F60 on Query { __typename }`) is
measured in 61 steps and refused for its cost, instead of being walked 2^60 times.

- depth: the deepest chain of fields with selections below a root field (introspection fields
  such as `__schema` do not count, as GraphiQL's schema query is deeper than most real ones);
- aliases: every aliased field of the operation as executed, a fragment's aliases counted once
  per spread;
- cost: every field costs 1, and the fields below a list are counted once per item the list can
  hold: `first`/`last` when given (literal or variable), else `DEFAULT_PAGE_SIZE` for a
  connection, the `edges` of a connection are that page, and any other list counts
  `DEFAULT_LIST_SIZE` items.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from graphql import (
    ASTValidationRule,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLField,
    GraphQLNamedType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationContext,
    VariableNode,
    get_named_type,
    get_nullable_type,
    is_list_type,
)
from graphql.language.visitor import SKIP, VisitorAction

from sigmasight.pagination import DEFAULT_PAGE_SIZE

# Items assumed for a list field that takes no `first`/`last` (tags of a position, factor
# exposures, groups...): most hold a handful, a few hold dozens.
DEFAULT_LIST_SIZE = 20
# Numbers stop growing here, so a measure never turns into a huge integer whatever the document.
CEILING = 10**15
# Nesting past this many fields is refused outright (it bounds the recursion of the measure, also
# inside introspection fields, which do not count towards the depth limit).
MAX_NESTING = 64
_CONNECTION_ITEMS = frozenset({"edges", "nodes"})


@dataclass(frozen=True)
class DocumentLimits:
    """The largest depth, alias count and cost an operation may have."""

    max_depth: int
    max_aliases: int
    max_cost: int


@dataclass(frozen=True)
class Measure:
    """What a selection adds up to; `too_nested` when it passes `MAX_NESTING`."""

    depth: int = 0
    aliases: int = 0
    cost: int = 0
    too_nested: bool = False

    def __add__(self, other: Measure) -> Measure:
        """Two selections side by side."""
        return Measure(
            depth=max(self.depth, other.depth),
            aliases=min(self.aliases + other.aliases, CEILING),
            cost=min(self.cost + other.cost, CEILING),
            too_nested=self.too_nested or other.too_nested,
        )


class _Measurer:
    """Measures selection sets; remembers each fragment's measure."""

    def __init__(
        self,
        schema: GraphQLSchema,
        fragments: Mapping[str, FragmentDefinitionNode],
        variables: Mapping[str, Any],
    ) -> None:
        self.schema = schema
        self.fragments = fragments
        self.variables = variables
        self.measured: dict[str, Measure] = {}

    def selection_set(
        self, node: SelectionSetNode, parent: GraphQLNamedType | None, nesting: int
    ) -> Measure:
        total = Measure()
        for selection in node.selections:
            if isinstance(selection, FieldNode):
                total += self.field(selection, parent, nesting)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                kind = self.schema.get_type(condition.name.value) if condition else parent
                total += self.selection_set(selection.selection_set, kind, nesting)
            elif isinstance(selection, FragmentSpreadNode):
                total += self.fragment(selection.name.value, nesting)
        return total

    def fragment(self, name: str, nesting: int) -> Measure:
        if name in self.measured:
            return self.measured[name]
        definition = self.fragments.get(name)
        if definition is None:  # unknown fragments are reported by the standard rules
            return Measure()
        self.measured[name] = Measure()  # a cycle (refused by the standard rules) ends here
        kind = self.schema.get_type(definition.type_condition.name.value)
        measure = self.selection_set(definition.selection_set, kind, nesting)
        self.measured[name] = measure
        return measure

    def field(self, node: FieldNode, parent: GraphQLNamedType | None, nesting: int) -> Measure:
        aliases = 1 if node.alias else 0
        if node.selection_set is None:
            return Measure(aliases=aliases, cost=1)
        if nesting >= MAX_NESTING:
            return Measure(too_nested=True)
        definition = _field_definition(parent, node.name.value)
        child_type = get_named_type(definition.type) if definition else None
        children = self.selection_set(node.selection_set, child_type, nesting + 1)
        items = self.list_size(node, definition, parent)
        introspection = node.name.value.startswith("__")
        return Measure(
            depth=0 if introspection else children.depth + 1,
            aliases=min(aliases + children.aliases, CEILING),
            cost=min(1 + items * children.cost, CEILING),
            too_nested=children.too_nested,
        )

    def list_size(
        self, node: FieldNode, definition: GraphQLField | None, parent: GraphQLNamedType | None
    ) -> int:
        """How many items the field can return (1 for a field that is not a list)."""
        if definition is None:
            return 1
        if "first" in definition.args or "last" in definition.args:
            given = [self.argument(node, name) for name in ("first", "last")]
            counts = [value for value in given if value is not None]
            return min(max(counts), CEILING) if counts else DEFAULT_PAGE_SIZE
        if not is_list_type(get_nullable_type(definition.type)):
            return 1
        in_connection = parent is not None and parent.name.endswith("Connection")
        if in_connection and node.name.value in _CONNECTION_ITEMS:
            return 1  # the page, already counted at the connection field
        return DEFAULT_LIST_SIZE

    def argument(self, node: FieldNode, name: str) -> int | None:
        for argument in node.arguments or ():
            if argument.name.value != name:
                continue
            value = argument.value
            if isinstance(value, IntValueNode):
                return max(int(value.value), 0)
            if isinstance(value, VariableNode):
                given = self.variables.get(value.name.value)
                # bool is an int to Python, not to GraphQL; coercion refuses it later
                if isinstance(given, int) and not isinstance(given, bool):
                    return max(given, 0)
        return None


def _field_definition(parent: GraphQLNamedType | None, name: str) -> GraphQLField | None:
    fields = getattr(parent, "fields", None)
    if fields is None:
        return None
    field: GraphQLField | None = fields.get(name)
    return field


def measure_operations(
    schema: GraphQLSchema, document: DocumentNode, variables: Mapping[str, Any]
) -> list[tuple[OperationDefinitionNode, Measure]]:
    """Each operation of the document with its measure."""
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    measurer = _Measurer(schema, fragments, variables)
    return [
        (d, measurer.selection_set(d.selection_set, schema.get_root_type(d.operation), 0))
        for d in document.definitions
        if isinstance(d, OperationDefinitionNode)
    ]


def _errors(
    operation: OperationDefinitionNode, measure: Measure, limits: DocumentLimits
) -> list[GraphQLError]:
    name = f"'{operation.name.value}'" if operation.name else "The operation"
    errors = []
    if measure.too_nested or measure.depth > limits.max_depth:
        errors.append(
            GraphQLError(
                f"{name} exceeds maximum operation depth of {limits.max_depth}.",
                operation,
                extensions={"code": "QUERY_TOO_DEEP"},
            )
        )
    if measure.aliases > limits.max_aliases:
        errors.append(
            GraphQLError(
                f"{name} has more than {limits.max_aliases} aliases.",
                operation,
                extensions={"code": "TOO_MANY_ALIASES"},
            )
        )
    if measure.cost > limits.max_cost:
        shown = f"{measure.cost:,}" if measure.cost < CEILING else f"over {CEILING:,}"
        errors.append(
            GraphQLError(
                f"{name} costs {shown}, more than the limit of {limits.max_cost:,} "
                "(each field costs 1 per item of the lists above it; ask for smaller pages "
                "with `first`).",
                operation,
                extensions={"code": "QUERY_TOO_COSTLY", "cost": measure.cost},
            )
        )
    return errors


def document_limits_rule(
    limits: DocumentLimits, variables: Mapping[str, Any]
) -> type[ASTValidationRule]:
    """A validation rule refusing operations past `limits` (variables size `first`/`last`)."""

    class DocumentLimitsRule(ASTValidationRule):
        context: ValidationContext

        def enter_document(self, node: DocumentNode, *_: object) -> VisitorAction:
            schema = self.context.schema
            for operation, measure in measure_operations(schema, node, variables):
                for error in _errors(operation, measure, limits):
                    self.report_error(error)
            return SKIP  # measured in one go; the rest of the walk is for the other rules

    return DocumentLimitsRule
