"""Write the sample reports in `docs/sample-reports/`: the balanced demo book's risk summary and
stress scenarios, as PDF and HTML, so a reader can see a report without running anything.

Run with `uv run python -m tests.sample_reports`. Uses DATABASE_URL / REDIS_URL when set, else the
local servers on their default ports, in a scratch database; prices come from the offline
synthetic provider, as on a fresh `sigmasight dev`.
"""

from __future__ import annotations

import asyncio
import os
from datetime import UTC, datetime

import httpx

from sigmasight import clock
from sigmasight.main import create_app
from sigmasight.paths import project_root
from sigmasight.reports.models import ReportFormat, ReportKind
from sigmasight.reports.render import render_report
from sigmasight.settings import Environment, Settings
from tests.conftest import Api, sign_up
from tests.databases import scratch_database
from tests.report_book import (
    give_market_history,
    import_demo_book,
    report_data,
    report_row,
    set_risk_limits,
)

DATABASE = "sigmasight_sample_reports"
SECRET = "sample-reports-secret-of-sufficient-length"
KINDS = (ReportKind.RISK_SUMMARY, ReportKind.SCENARIOS)


async def main() -> None:
    settings = Settings(
        environment=Environment.TEST,
        database_url=await scratch_database(DATABASE),
        redis_url=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/13"),
        secret_key=SECRET,
        rate_limit_per_minute=0,
        _env_file=None,  # type: ignore[call-arg]
    )
    app = create_app(settings)
    await app.state.redis.flushdb()
    folder = project_root() / "docs" / "sample-reports"
    folder.mkdir(parents=True, exist_ok=True)
    # On the hour, so regenerating the samples the same day changes only what the numbers change.
    generated_at = clock.now().astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    try:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://samples") as http:
            owner = await sign_up(Api(http), "demo_balanced@example.com")
            portfolio_id = await import_demo_book(owner)
            await set_risk_limits(owner, portfolio_id)
            await give_market_history(app, settings, portfolio_id)
            for kind in KINDS:
                row = report_row(kind, ReportFormat.PDF, owner=owner, portfolio_id=portfolio_id)
                data = await report_data(app, settings, owner, row, datetime.now(UTC))
                for report_format in ReportFormat:
                    made = render_report(
                        kind=kind, report_format=report_format, data=data, generated_at=generated_at
                    )
                    path = folder / f"{kind.value.lower().replace('_', '-')}.{made.extension}"
                    path.write_bytes(made.content)
                    print(f"{path.relative_to(project_root())}: {len(made.content) / 1024:.0f} KB")
    finally:
        await app.state.graphql.close()
        await app.state.redis.aclose()
        await app.state.engine.dispose()


if __name__ == "__main__":
    asyncio.run(main())
