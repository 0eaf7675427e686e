"""Administration: restoring the demo accounts."""

from __future__ import annotations

from typing import Annotated

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession

from sigmasight.activity.models import Action
from sigmasight.errors import Invalid
from sigmasight.graphql import activity
from sigmasight.graphql.arguments import result_union
from sigmasight.graphql.context import Info
from sigmasight.graphql.errors import ValidationError
from sigmasight.seed import reset_demo


@strawberry.type(description="A demo account as restored.")
class DemoAccount:
    email: str = strawberry.field(description="The account's sign-in email.")
    positions: int = strawberry.field(description="Open positions in its book.")


@strawberry.type(description="The demo accounts were restored to their seeded books.")
class ResetDemoDataSuccess:
    accounts: list[DemoAccount] = strawberry.field(description="Each demo account.")


ResetDemoDataResult = Annotated[
    ResetDemoDataSuccess | ValidationError, result_union("ResetDemoDataResult")
]


@strawberry.type
class AdminMutation:
    @strawberry.mutation(
        description="Admin only: restore the demo accounts (password, portfolios, books, tags) "
        "to their seeded state."
    )
    async def reset_demo_data(self, info: Info) -> ResetDemoDataResult:
        ctx = info.context
        ctx.require_admin()

        async def work(session: AsyncSession) -> ResetDemoDataSuccess:
            password = ctx.settings.effective_demo_password
            if password is None:
                raise Invalid("DEMO_PASSWORD is not configured.", code="NOT_CONFIGURED")
            loaded = await reset_demo(session, password=password, today=ctx.today)
            await activity.record(ctx, session, Action.RESET_DEMO_DATA, details=dict(loaded))
            return ResetDemoDataSuccess(
                accounts=[DemoAccount(email=e, positions=n) for e, n in loaded.items()]
            )

        return await ctx.mutate(work)  # type: ignore[return-value]
