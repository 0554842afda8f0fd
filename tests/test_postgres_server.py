"""The throwaway PostgreSQL server of tests/postgres_server.py works as promised."""

from __future__ import annotations

import uuid

import asyncpg
import pytest

from tests.postgres_server import DEFAULT_DATABASE, PostgresServer


async def test_select_one(postgres_url: str) -> None:
    assert postgres_url.startswith("postgresql://postgres@127.0.0.1:")
    assert postgres_url.endswith(f"/{DEFAULT_DATABASE}")
    conn = await asyncpg.connect(postgres_url)
    try:
        assert await conn.fetchval("select 1") == 1
        assert await conn.fetchval("select current_database()") == DEFAULT_DATABASE
        assert await conn.fetchval("show server_encoding") == "UTF8"
        assert await conn.fetchval("show fsync") == "off"
    finally:
        await conn.close()


async def test_pg_trgm_can_be_created(fresh_postgres_url: str) -> None:
    conn = await asyncpg.connect(fresh_postgres_url)
    try:
        await conn.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        await conn.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")  # idempotent
        assert await conn.fetchval("select similarity('Webitel', 'Webitell')") > 0.5
    finally:
        await conn.close()


async def _database_of(url: str) -> str:
    conn = await asyncpg.connect(url)
    try:
        name: str = await conn.fetchval("select current_database()")
        await conn.execute("create table marker (id int)")
        return name
    finally:
        await conn.close()


async def test_fresh_databases_are_distinct_and_empty(
    postgres_server: PostgresServer, fresh_postgres_url: str
) -> None:
    with postgres_server.fresh_database() as other_url:
        assert other_url != fresh_postgres_url
        first = await _database_of(fresh_postgres_url)
        # The table made in the first database is not in the second: they're separate.
        second = await _database_of(other_url)
        assert first != second
        assert first.startswith("test_")
        assert second.startswith("test_")
    listed = postgres_server.psql("select datname from pg_database")
    assert second not in listed.split()
    assert first in listed.split()


async def test_fresh_database_is_dropped_even_with_a_session_left_open(
    postgres_server: PostgresServer,
) -> None:
    with postgres_server.fresh_database() as url:
        name = url.rsplit("/", 1)[1]
        conn = await asyncpg.connect(url)
    try:
        assert name not in postgres_server.psql("select datname from pg_database").split()
    finally:
        conn.terminate()


def test_tests_using_the_fixtures_get_the_postgres_marker(
    request: pytest.FixtureRequest, postgres_url: str
) -> None:
    assert request.node.get_closest_marker("postgres") is not None


async def test_copies_of_a_template_start_alike_and_are_separate(
    postgres_server: PostgresServer,
) -> None:
    template = f"template_{uuid.uuid4().hex}"
    url = postgres_server.create_database(template)
    try:
        conn = await asyncpg.connect(url)
        try:
            await conn.execute("create table marker (id int); insert into marker values (1)")
        finally:
            await conn.close()
        postgres_server.make_template(template)
        # Frozen: a test that connected to it by mistake would change every later copy.
        with pytest.raises(asyncpg.PostgresError, match="not currently accepting connections"):
            await asyncpg.connect(url)
        with (
            postgres_server.fresh_database(template=template) as first,
            postgres_server.fresh_database(template=template) as second,
        ):
            one = await asyncpg.connect(first)
            two = await asyncpg.connect(second)
            try:
                await one.execute("insert into marker values (2)")
                assert await one.fetchval("select count(*) from marker") == 2
                assert await two.fetchval("select count(*) from marker") == 1
            finally:
                await one.close()
                await two.close()
    finally:
        postgres_server.psql(f'ALTER DATABASE "{template}" WITH IS_TEMPLATE false')
        postgres_server.drop_database(template)
