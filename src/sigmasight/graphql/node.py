"""The Relay `Node` interface every globally identified type implements."""

from __future__ import annotations

import strawberry


@strawberry.interface(description="An object with a globally unique id (Relay).")
class Node:
    id: strawberry.ID = strawberry.field(description="Global id; pass it to `node(id)`.")
