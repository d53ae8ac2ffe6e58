"""The `newsflow` command as a newcomer meets it (issue 13): companies, products and accounts named by
name (or e-mail) or id, a clear refusal for an unknown or ambiguous name, the filter fields in
`product create --help`, accounts made and passwords reset without a terminal, tables not cut when
piped."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from newsflow.auth import verify_password
from newsflow.cli import app as cli
from newsflow.services import Services
from newsflow.store import credentials
from newsflow.store.store import hash_token
from newsflow.wire.products import ProductFilter

NEWSFLOW = str(Path(sys.executable).with_name("newsflow"))


@pytest.fixture
def run(services: Services, database_url: str, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("NEWSFLOW_DATABASE_URL", database_url)
    monkeypatch.setenv("NEWSFLOW_DATA_DIR", str(services.settings.data_dir))
    monkeypatch.setenv("COLUMNS", "200")
    return CliRunner()


def _ok(runner: CliRunner, *args: str, stdin: str | None = None) -> str:
    done = runner.invoke(cli, list(args), input=stdin)
    assert done.exit_code == 0, f"{args}: {done.output}"
    return done.output


def _refused(runner: CliRunner, *args: str) -> str:
    done = runner.invoke(cli, list(args))
    assert done.exit_code != 0, f"{args} was accepted: {done.output}"
    return done.output


def test_companies_and_products_by_name_or_id(services: Services, run: CliRunner) -> None:
    daily = services.subscribers.create_company("Daily Post")
    world = services.subscribers.create_product("World desk", {"categories": ["World"]})
    sport = services.subscribers.create_product("Sport", {"categories": ["Sport"]})
    _ok(run, "product", "assign", "daily post", "world desk")  # any case
    _ok(run, "product", "assign", daily.id, str(sport.id))  # ids still work
    assert services.subscribers.get_company(daily.id).product_ids == {world.id, sport.id}
    _ok(run, "product", "assign", "Daily Post", "Sport", "--remove")
    assert services.subscribers.get_company(daily.id).product_ids == {world.id}

    secret = _ok(run, "key", "create", "--company", "Daily Post").strip()
    access = services.subscribers.company_for_key(secret)
    assert access is not None and access.id == daily.id
    _ok(run, "user", "create", "--email", "reader@daily.example", "--name", "Reader", "--role", "subscriber",
        "--company", "Daily Post", "--password", "long enough")
    assert services.store.user_by_email("reader@daily.example").company_id == daily.id
    listed = _ok(run, "user", "list", "--company", "daily post")
    assert "reader@daily.example" in listed
    made = _ok(run, "webhook", "add", "Daily Post", "https://hooks.daily.example/in", "--products", "World desk")
    assert "Daily Post" in made
    (endpoint,) = services.webhooks.list_endpoints(daily.id)
    assert list(endpoint.product_ids or ()) == [world.id]


def test_an_unknown_or_ambiguous_name_is_refused_naming_it(services: Services, run: CliRunner) -> None:
    first = services.subscribers.create_company("Gazette")
    second = services.subscribers.create_company("GAZETTE")
    services.subscribers.create_product("World desk", {})
    out = _refused(run, "key", "create", "--company", "gazette")  # both match in any case
    assert "'gazette'" in out and first.id in out and second.id in out
    assert "'Nowhere Times'" in _refused(run, "product", "assign", "Nowhere Times", "World desk")
    assert "'No such desk'" in _refused(run, "product", "assign", "Gazette", "No such desk")
    # written exactly as one of them is, the name is that one
    _ok(run, "product", "assign", "GAZETTE", "World desk")
    assert services.subscribers.get_company(second.id).product_ids and not \
        services.subscribers.get_company(first.id).product_ids
    assert "'ghost@example.org'" in _refused(run, "user", "reset-password", "ghost@example.org")


def test_product_create_help_lists_every_filter_field(run: CliRunner) -> None:
    shown = _ok(run, "product", "create", "--help")
    for name, field in ProductFilter.model_fields.items():
        assert name in shown, name
        assert field.description and field.description.split()[0] in shown, name
    assert "newsflow.wire.products" not in shown  # no pointer into the source code any more


def test_user_create_without_a_terminal_makes_a_password_and_shows_it_once(services: Services,
                                                                           run: CliRunner) -> None:
    out = _ok(run, "user", "create", "--email", "ed@agency.example", "--name", "Ed", "--role", "editor")
    password = out.split("Password (shown once):")[1].split()[0]
    assert len(password) >= 16
    user = services.store.user_by_email("ed@agency.example")
    assert verify_password(user.password_hash, password)

    _ok(run, "user", "create", "--email", "rep@agency.example", "--name", "Rep", "--role", "reporter",
        "--password-stdin", stdin="from a pipe\n")
    assert verify_password(services.store.user_by_email("rep@agency.example").password_hash, "from a pipe")
    short = run.invoke(cli, ["user", "create", "--email", "s@agency.example", "--name", "S", "--password-stdin"],
                       input="short\n")
    assert short.exit_code != 0 and "8 characters" in short.output


def test_reset_password_by_name_ends_every_session_and_token(services: Services, run: CliRunner) -> None:
    _ok(run, "user", "create", "--email", "ed@agency.example", "--name", "Ed Itor", "--role", "editor",
        "--password", "first password")
    user = services.store.user_by_email("ed@agency.example")
    token = services.store.create_token(user.id, "bot")
    sid = credentials.open_session(services.store, user.id, timedelta(hours=1))
    out = _ok(run, "user", "reset-password", "Ed Itor")
    password = out.split("Password (shown once):")[1].split()[0]
    changed = services.store.user_by_email("ed@agency.example")
    assert verify_password(changed.password_hash, password)
    assert not verify_password(changed.password_hash, "first password")
    assert services.store.user_for_token(token) is None
    assert credentials.find_session(services.store, hash_token(sid)) is None
    _ok(run, "user", "reset-password", user.id, "--password-stdin", stdin="chosen by admin\n")
    assert verify_password(services.store.get_user(user.id).password_hash, "chosen by admin")


def test_tables_are_not_cut_when_piped(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSFLOW_") and k != "COLUMNS"}
    env["NEWSFLOW_DATA_DIR"] = str(tmp_path / "var")
    name = "The Very Long Name Of A Regional Morning Newspaper Group And Its Partners"
    made = subprocess.run([NEWSFLOW, "company", "create", name], env=env, capture_output=True, text=True)
    assert made.returncode == 0, made.stderr
    listed = subprocess.run([NEWSFLOW, "company", "list"], env=env, capture_output=True, text=True)
    assert name in listed.stdout and "…" not in listed.stdout, listed.stdout
