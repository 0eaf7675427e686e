"""Benchmark: what rounding money to cents costs per served field, by mechanism.

Run with `uv run python -m tests.benchmarks.bench_money_fields`. Executes one document of
2,000 objects x 8 float fields (as attributes, and as sync and async resolvers) in process,
with plain `strawberry.field`, with `money_field` (rounding in the field's own result lookup)
and with a strawberry field extension that rounds, and prints the best median time of each and its
ratio to plain fields.
"""

# No `from __future__ import annotations`: the schema types are local to a function, and
# strawberry resolves string annotations from the module scope only.
import asyncio
import statistics
import time
from typing import Any

import strawberry
from strawberry.extensions import FieldExtension

from sigmasight.graphql.money import money_field, to_cents

OBJECTS = 2_000
RUNS = 9
ROUNDS = 3
VALUE = -14775.640000000001


class RoundToCents(FieldExtension):
    def resolve(self, next_: Any, source: Any, info: Any, **kwargs: Any) -> Any:
        return to_cents(next_(source, info, **kwargs))

    async def resolve_async(self, next_: Any, source: Any, info: Any, **kwargs: Any) -> Any:
        return to_cents(await next_(source, info, **kwargs))


def extension_field(description: str) -> Any:
    return strawberry.field(description=description, extensions=[RoundToCents()])


def schema_with(field: Any) -> strawberry.Schema:
    @strawberry.type
    class Row:
        a: float = field(description="a")
        b: float = field(description="b")
        c: float = field(description="c")
        d: float = field(description="d")

        @field(description="e")
        def e(self) -> float:
            return VALUE

        @field(description="f")
        def f(self) -> float:
            return VALUE

        @field(description="g")
        async def g(self) -> float:
            return VALUE

        @field(description="h")
        async def h(self) -> float:
            return VALUE

    @strawberry.type
    class Query:
        @strawberry.field
        def rows(self) -> list[Row]:
            return [Row(a=VALUE, b=VALUE, c=VALUE, d=VALUE) for _ in range(OBJECTS)]

    return strawberry.Schema(Query)


async def median_seconds(schema: strawberry.Schema) -> float:
    samples = []
    for _ in range(RUNS):
        started = time.perf_counter()
        result = await schema.execute("{ rows { a b c d e f g h } }")
        samples.append(time.perf_counter() - started)
        assert result.errors is None
    return statistics.median(samples)


async def main() -> None:
    schemas = {
        "plain strawberry.field": schema_with(strawberry.field),
        "money_field": schema_with(money_field),
        "field extension": schema_with(extension_field),
    }
    # Interleaved rounds, best median of each: the machine's other load hits all alike.
    best = dict.fromkeys(schemas, float("inf"))
    for _ in range(ROUNDS):
        for label, schema in schemas.items():
            best[label] = min(best[label], await median_seconds(schema))
    plain = best["plain strawberry.field"]
    print(f"{OBJECTS * 8} float fields per document, best of {ROUNDS} medians of {RUNS} runs")
    for label, seconds in best.items():
        print(f"  {label:<27} {seconds * 1000:7.1f} ms  {seconds / plain:.2f}x")


if __name__ == "__main__":
    asyncio.run(main())
