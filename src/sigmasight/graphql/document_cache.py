"""Validating a document once: clients send the same few documents over and over.

Validating the dashboard document against the schema cost about as much CPU as resolving its
fields for a 50-position book. A document that passed every rule once passes them again, as
long as the rules depend only on the document and the schema's settings (depth, aliases, cost,
introspection policy), never on who asks: the cache key holds the rule set, so a rule added for
some requests only gets its own entry.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator

from strawberry.extensions import SchemaExtension

MAX_DOCUMENTS = 512
"""Distinct valid documents remembered per schema (least recently used go first)."""

RulesKey = tuple[str, ...]


class ValidDocuments:
    """The documents (with the rules they passed) that validated without errors, LRU-bounded."""

    def __init__(self, capacity: int = MAX_DOCUMENTS) -> None:
        self._capacity = capacity
        self._seen: OrderedDict[tuple[str, RulesKey], None] = OrderedDict()

    def __contains__(self, key: tuple[str, RulesKey]) -> bool:
        if key in self._seen:
            self._seen.move_to_end(key)
            return True
        return False

    def add(self, key: tuple[str, RulesKey]) -> None:
        self._seen[key] = None
        self._seen.move_to_end(key)
        while len(self._seen) > self._capacity:
            self._seen.popitem(last=False)


class SkipRevalidation(SchemaExtension):
    """Skips validating a document already found valid under the same rules.

    Only successes are remembered: an invalid document is validated (and refused) every time.
    """

    def __init__(self, *, valid: ValidDocuments) -> None:
        super().__init__()
        self._valid = valid

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        key = None
        if context.query is not None:
            # By qualified name: some limiters build an equivalent rule class per request.
            rules = tuple(
                sorted(f"{r.__module__}.{r.__qualname__}" for r in context.validation_rules)
            )
            key = (context.query, rules)
            if key in self._valid:
                context.pre_execution_errors = []  # strawberry then skips its validation
        yield
        if key is not None and context.pre_execution_errors == []:
            self._valid.add(key)
