from __future__ import annotations

import httpx


async def test_health_answers_without_touching_dependencies(client: httpx.AsyncClient) -> None:
    # when
    response = await client.get("/health")
    # then
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


async def test_ready_reports_database_and_redis(client: httpx.AsyncClient) -> None:
    # when
    response = await client.get("/ready")
    # then
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "database": "ok",
        "redis": "ok",
        "worker": "unavailable",  # no worker runs in these tests; readiness does not need one
    }
