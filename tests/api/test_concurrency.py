"""More concurrent requests than threads and connections; the API key cache."""

import asyncio
import time

import anyio.to_thread
import httpx
import sqlalchemy as sa

from logistics.api.main import create_app
from logistics.config import Settings
from logistics.store.db import make_sessionmaker, session_scope
from logistics.store.keys import revoke_key


async def _burst(app, headers, n):
    limiter = anyio.to_thread.current_default_thread_limiter()
    limiter.total_tokens = 2  # fewer threads than requests and than connections
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        answers = await asyncio.gather(
            *(client.get("/v1/territories", headers=headers) for _ in range(n)),
            client.get("/health"),
        )
    return [a.status_code for a in answers]


def test_more_requests_than_threads_and_connections_all_answer(
    db_url, data_dir, two_territories, api_key
):
    # 2 connections, 2 threads, 40 requests at once, every key looked up in the database: a
    # request holding a connection while it waits for a thread must never starve a thread
    # waiting for a connection (the pool's timeout would turn that into 500s).
    headers = api_key("analyst", territory="champsaur")
    engine = sa.create_engine(
        sa.make_url(db_url), pool_size=2, max_overflow=0, pool_timeout=3, pool_pre_ping=True
    )
    settings = Settings(database_url=db_url, data_dir=data_dir, auth_cache_seconds=0)
    try:
        statuses = asyncio.run(_burst(create_app(settings, engine=engine), headers, 40))
    finally:
        engine.dispose()
    assert statuses == [200] * 41


def test_a_revoked_key_is_refused_once_the_cache_lapses(clean_db, db_url, data_dir, api_key):
    from fastapi.testclient import TestClient

    headers = api_key("admin")
    key = headers["Authorization"].removeprefix("Bearer ")
    cached = create_app(
        Settings(database_url=db_url, data_dir=data_dir, auth_cache_seconds=1.0), engine=clean_db
    )
    uncached = create_app(
        Settings(database_url=db_url, data_dir=data_dir, auth_cache_seconds=0), engine=clean_db
    )
    with TestClient(cached) as a, TestClient(uncached) as b:
        asked = time.monotonic()
        assert a.get("/v1/territories", headers=headers).status_code == 200
        answered = time.monotonic()  # the key is trusted from between `asked` and now, for 1 s
        assert b.get("/v1/territories", headers=headers).status_code == 200
        with session_scope(make_sessionmaker(clean_db)) as session:
            revoke_key(session, key)
        assert b.get("/v1/territories", headers=headers).status_code == 401
        trusted = a.get("/v1/territories", headers=headers).status_code
        if time.monotonic() < asked + 1.0:  # (a very slow machine may already be past it)
            assert trusted == 200
        time.sleep(max(0.0, answered + 1.1 - time.monotonic()))
        refused = a.get("/v1/territories", headers=headers)
        assert refused.status_code == 401
        assert refused.json()["error"]["code"] == "unauthenticated"
        # an unknown key is never cached: looked up (and refused) every time
        other = {"Authorization": "Bearer lgk_" + "x" * 43}
        assert [a.get("/v1/territories", headers=other).status_code for _ in range(2)] == [401] * 2
