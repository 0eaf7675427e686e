"""Validating a document once: clients send the same few documents over and over.

Validating the dashboard document against the schema cost about as much CPU as resolving its
fields for a 50-position book. A document that passed every rule once passes them again, as
long as the rules depend only on the document, the request's variables and the schema's settings
(depth, aliases, cost, introspection policy, characters allowed), never on who asks. The cache key
holds the rule set and the variables (a cost counts `first: $n`, and a variable may carry a
control character), so a rule added for some requests, or other variables, get their own entry.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import Iterator
from typing import Any

from strawberry.extensions import SchemaExtension

MAX_DOCUMENTS = 512
"""Distinct valid documents remembered per schema (least recently used go first)."""
MAX_VARIABLES_CHARS = 4096
"""Requests with more variables than this (an uploaded CSV, say) are validated every time."""

RulesKey = tuple[str, ...]
Key = tuple[str, RulesKey, str]


def variables_key(variables: dict[str, Any] | None) -> str | None:
    """The variables as one canonical string, or None when too large to be worth remembering."""
    text = json.dumps(variables or {}, sort_keys=True, separators=(",", ":"), default=str)
    return text if len(text) <= MAX_VARIABLES_CHARS else None


class ValidDocuments:
    """The documents (with the rules they passed) that validated without errors, LRU-bounded."""

    def __init__(self, capacity: int = MAX_DOCUMENTS) -> None:
        self._capacity = capacity
        self._seen: OrderedDict[Key, None] = OrderedDict()

    def __contains__(self, key: Key) -> bool:
        if key in self._seen:
            self._seen.move_to_end(key)
            return True
        return False

    def add(self, key: Key) -> None:
        self._seen[key] = None
        self._seen.move_to_end(key)
        while len(self._seen) > self._capacity:
            self._seen.popitem(last=False)


class SkipRevalidation(SchemaExtension):
    """Skips validating a document already found valid under the same rules and variables.

    Only successes are remembered: an invalid document is validated (and refused) every time.
    """

    def __init__(self, *, valid: ValidDocuments) -> None:
        super().__init__()
        self._valid = valid

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        key = None
        variables = variables_key(context.variables)
        if context.query is not None and variables is not None:
            # By qualified name: some limiters build an equivalent rule class per request.
            rules = tuple(
                sorted(f"{r.__module__}.{r.__qualname__}" for r in context.validation_rules)
            )
            key = (context.query, rules, variables)
            if key in self._valid:
                context.pre_execution_errors = []  # strawberry then skips its validation
        yield
        if key is not None and context.pre_execution_errors == []:
            self._valid.add(key)
