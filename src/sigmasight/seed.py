"""Demo accounts, created once and left alone afterwards."""

from __future__ import annotations

from sigmasight.auth import service as auth_service
from sigmasight.db import create_engine, create_session_factory, transaction
from sigmasight.settings import Settings

DEMO_USERS = {
    "demo_growth@sigmasight.dev": "Demo Growth (tech momentum)",
    "demo_value@sigmasight.dev": "Demo Value (financials and energy)",
    "demo_balanced@sigmasight.dev": "Demo Balanced (stocks, options, pairs)",
    "demo_hedgefund@sigmasight.dev": "Demo Hedge Fund (long/short with options overlay)",
}


async def seed_demo_users(settings: Settings) -> int:
    """Create the demo accounts that are missing; returns how many were created."""
    password = settings.effective_demo_password
    if password is None or settings.database_url is None:
        return 0
    engine = create_engine(settings.database_url, pool_size=1)
    created = 0
    try:
        async with transaction(create_session_factory(engine)) as session:
            for email, name in DEMO_USERS.items():
                if await auth_service.get_by_email(session, email=email) is None:
                    await auth_service.create(
                        session, email=email, password=password, full_name=name, is_demo=True
                    )
                    created += 1
    finally:
        await engine.dispose()
    return created
