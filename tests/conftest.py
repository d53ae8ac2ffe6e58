"""Shared fixtures. The store suite runs against SQLite and PostgreSQL alike.

PostgreSQL: NEWSFLOW_TEST_POSTGRES (default postgresql://postgres@127.0.0.1:5432/test). Each test
gets a fresh schema. In CI (CI=true) an unreachable server FAILS the tests; elsewhere they skip.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest
from fastapi.testclient import TestClient

from newsflow.config import Settings
from newsflow.services import Services
from newsflow.store import Store
from newsflow.web.app import create_app

SHARED = Path(os.environ.get("NEWSFLOW_SHARED") or Path(__file__).resolve().parents[1].parent / "shared")
PG_URL = os.environ.get("NEWSFLOW_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
# The suite's webhook receivers listen on 127.0.0.1, which the server refuses by default; the tests of
# that rule (tests/wire/test_webhook_targets.py) turn it back on explicitly. Servers started as
# subprocesses inherit it.
os.environ["NEWSFLOW_WEBHOOK_ALLOW_PRIVATE"] = "1"


def shared(*parts: str) -> Path:
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.fail(f"{path} is missing: the shared reference folder must sit beside the checkout")
    return path


def _pg_unavailable(reason: str) -> None:
    if IN_CI:
        pytest.fail(f"PostgreSQL is required in CI and is not usable at {PG_URL}: {reason}")
    pytest.skip(f"PostgreSQL not reachable at {PG_URL} ({reason}); set NEWSFLOW_TEST_POSTGRES to run")


@pytest.fixture
def pg_schema_url() -> Iterator[str]:
    """A database URL whose search_path is a brand-new schema, dropped afterwards."""
    try:
        admin = psycopg.connect(PG_URL, autocommit=True, connect_timeout=5)
    except psycopg.Error as exc:
        _pg_unavailable(str(exc).strip())
    schema = f"nf_test_{secrets.token_hex(6)}"
    admin.execute(f"CREATE SCHEMA {schema}")
    try:
        yield f"{PG_URL}?options=-csearch_path%3D{schema}"
    finally:
        admin.execute(f"DROP SCHEMA {schema} CASCADE")
        admin.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'newsflow.db'}"
    return request.getfixturevalue("pg_schema_url")


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    s = Store(database_url)
    s.migrate()
    yield s
    s.close()


@pytest.fixture
def services(database_url: str, tmp_path: Path) -> Iterator[Services]:
    settings = Settings(data_dir=tmp_path, database_url=database_url, media_dir=tmp_path / "media", demo=False)
    svc = Services.open(settings)
    yield svc
    svc.close()


@pytest.fixture
def client(services: Services) -> Iterator[TestClient]:
    with TestClient(create_app(services)) as c:
        yield c


@pytest.fixture
def staff_headers(services: Services) -> dict[str, str]:
    """An editor's bearer token."""
    user = services.store.create_user(email="editor@example.org", name="Ed Itor", role="editor")
    return {"Authorization": f"Bearer {services.store.create_token(user.id, 'tests')}"}


@pytest.fixture(scope="session")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Callable[..., bytes]:
    """`clip(fmt, duration=2.0)`: the bytes of a real video or audio file made with ffmpeg (tests/clips.py),
    made once a session; skips without ffmpeg, fails in CI."""
    from tests.clips import DURATION, make_clip  # it imports IN_CI from here

    folder = tmp_path_factory.mktemp("clips")
    return lambda fmt, duration=DURATION: make_clip(folder, fmt, duration)
