"""The `newsflow` command: serve, manage accounts and tokens, migrate."""

from __future__ import annotations

import getpass
import json
import os
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.panel import Panel
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from newsflow import accounts
from newsflow.auth import ROLES, check_account, hash_password
from newsflow.errors import Conflict, FieldError, NotFound
from newsflow.ranges import INT64_MAX
from newsflow.services import ADMIN_EMAIL, Services, bootstrap
from newsflow.store import User, credentials
from newsflow.wire import archive
from newsflow.wire.products import Product, ProductFilter
from newsflow.wire.subscribers import ARCHIVE_DAYS_MAX, SCOPES, Company

if TYPE_CHECKING:  # the backup package loads only for the commands that use it
    from newsflow.backup.archive import Manifest

app = typer.Typer(help="Newsflow: a news agency broadcasting system.", no_args_is_help=True)
token_app = typer.Typer(help="Staff tokens for the newsroom API.", no_args_is_help=True)
user_app = typer.Typer(help="Accounts.", no_args_is_help=True)
company_app = typer.Typer(help="Subscriber companies.", no_args_is_help=True)
product_app = typer.Typer(help="Products: saved filters over stories.", no_args_is_help=True)
key_app = typer.Typer(help="Subscriber API keys.", no_args_is_help=True)
webhook_app = typer.Typer(help="Webhook endpoints: events POSTed to subscribers, signed.", no_args_is_help=True)
source_app = typer.Typer(help="Ingest sources: push partners, watched folders, polled feeds; each owns its "
                              "stories.", no_args_is_help=True)
app.add_typer(token_app, name="token")
app.add_typer(user_app, name="user")
app.add_typer(company_app, name="company")
app.add_typer(product_app, name="product")
app.add_typer(key_app, name="key")
app.add_typer(webhook_app, name="webhook")
app.add_typer(source_app, name="source")
# Piped or logged, rich would cut tables at 80 columns; a wide page keeps every id whole (a table still
# takes only the width it needs). On a terminal, the terminal's width.
_PIPED_WIDTH = 4096
console = Console(width=None if sys.stdout.isatty() or os.environ.get("COLUMNS") else _PIPED_WIDTH)
err = Console(stderr=True, width=None if sys.stderr.isatty() or os.environ.get("COLUMNS") else _PIPED_WIDTH)


def _fail(message: str) -> typer.Exit:
    err.print(f"[bold red]error:[/] {message}")
    return typer.Exit(1)


# What the core refuses (an unknown id, a clash, an unacceptable value, a malformed filter): one line
# naming the problem and exit code 1, never a traceback.
REFUSALS = (NotFound, Conflict, FieldError, ValidationError, json.JSONDecodeError)


@contextmanager
def refused(hint: str = "") -> Iterator[None]:
    try:
        yield
    except REFUSALS as exc:
        raise _fail(f"{exc}{hint}") from None


# ---- companies, products and users named as people name them: by name (or e-mail) or by id ------------


_T = TypeVar("_T")


def _one(kind: str, ref: str, named: Callable[[_T], str], among: list[_T], ident: Callable[[_T], str],
         listing: str) -> _T:
    """The one of `among` named `ref`: exactly as written, else in any case; none or several exit 1."""
    found = [x for x in among if named(x) == ref.strip()]
    if len(found) != 1:
        found = [x for x in among if named(x).casefold() == ref.strip().casefold()]
    if len(found) == 1:
        return found[0]
    if not found:
        raise _fail(f"no {kind} named {ref!r} (by {'e-mail, ' if kind == 'account' else ''}name or id); "
                    f"see {listing}")
    raise _fail(f"{len(found)} of them are named {ref!r}: give the {kind}'s id ({', '.join(map(ident, found))})")


def company_ref(svc: Services, ref: str) -> Company:
    """The company whose id or name (any case) is `ref`; exits 1 naming it when none or several."""
    companies = svc.subscribers.list_companies()
    by_id = [c for c in companies if c.id == ref]
    return by_id[0] if by_id else _one("company", ref, lambda c: c.name, companies, lambda c: c.id,
                                       "`newsflow company list`")


def product_ref(svc: Services, ref: str) -> Product:
    """The product whose id or name (any case) is `ref`; exits 1 naming it when none or several."""
    products = svc.subscribers.list_products()
    by_id = [p for p in products if str(p.id) == ref.strip()]
    return by_id[0] if by_id else _one("product", ref, lambda p: p.name, products, lambda p: str(p.id),
                                       "`newsflow product list`")


def user_ref(svc: Services, ref: str) -> User:
    """The account whose id, e-mail or name (any case) is `ref`; exits 1 naming it when none or several."""
    accounts = svc.store.list_users()
    wanted = ref.strip().casefold()
    by_key = [u for u in accounts if u.id == ref or u.email.casefold() == wanted]
    return by_key[0] if by_key else _one("account", ref, lambda u: u.name, accounts, lambda u: u.email,
                                         "`newsflow user list`, or make it with `newsflow user create`")


# Where a newcomer goes, by path; the first start prints it with the real address, and README.md's
# "Where to go" table says the same (tests/test_first_start.py holds them together).
WHERE_TO_GO = (("Public website", "/"), ("Sign in", "/login"), ("Newsroom desk (staff)", "/desk"),
               ("Subscriber portal", "/portal"), ("Admin", "/admin"), ("API docs", "/docs"))


def own_command() -> str:
    """This installation's `newsflow` by its full path: it works outside the venv, where a bare
    `newsflow` is not on PATH."""
    beside = Path(sys.executable).with_name("newsflow")  # not resolved: a venv's python is a symlink
    return str(beside) if beside.exists() else f"{sys.executable} -m newsflow.cli"


@app.command()
def serve(host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
          port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
          demo: Annotated[bool, typer.Option(help="Load demo content into an empty database.")] = True) -> None:
    """Start the system: migrate the database, first-start set-up, then serve HTTP.

    Unless NEWSFLOW_BASE_URL is set, links in formats, feeds and pages use the address listened on.
    """
    from newsflow.config import Settings
    from newsflow.web.app import create_app
    from newsflow.web.shutdown import serve as run_draining

    if not demo:
        os.environ["NEWSFLOW_DEMO"] = "0"
    try:
        settings = Settings().listening_on(host, port)
    except ValueError as exc:  # a bad setting: one line naming it, not a traceback
        raise _fail(str(exc)) from None
    svc = Services.open(settings)
    with console.status("Preparing the database…"):
        first = bootstrap(svc)
    base = settings.base_url
    if first.admin_password:
        places = "\n".join(f"  {label + ':':24}{base}{path}" for label, path in WHERE_TO_GO)
        console.print(Panel.fit(
            f"An admin account was created.\n\n"
            f"  Sign in at {base}/login as [bold]{ADMIN_EMAIL}[/]  password [bold]{first.admin_password}[/]\n\n"
            f"{places}\n\n"
            f"  API token: [bold]{own_command()} token create --email {ADMIN_EMAIL}[/]\n"
            f"             then send 'Authorization: Bearer <token>' to {base}/v1/newsroom/…",
            title="First start", border_style="green"), highlight=False, soft_wrap=True)
    if first.demo_stories:
        console.print(f"Loaded {first.demo_stories} demo stories.")
    console.print(f"Newsflow on [bold]{base}[/]  (database: {svc.settings.database_url})", highlight=False)
    from newsflow.ops.logs import configure

    configure(svc.settings.log_format)  # every record to stderr in one shape; one line per request (ops.requests)
    # a deep accept backlog: thousands of stream clients reconnect at once after a restart; uvicorn's own
    # logging set-up and access log stay off (log_config=None): ours replace them
    # On SIGTERM the streams and long-polls are drained first, so the node exits within the grace period.
    run_draining(create_app(svc), host=host, port=port, grace=svc.settings.shutdown_grace, loop="uvloop",
                 http="httptools", log_level="warning", access_log=False, backlog=8192, log_config=None)


@app.command()
def migrate() -> None:
    """Bring the database schema up to date."""
    svc = Services.open()
    console.print(f"Schema up to date ({svc.settings.database_url}).")


class _BackupProgress:
    """A rich progress bar for export and import (newsflow.backup.Progress), one bar per phase."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.task: TaskID | None = None
        self.label = ""

    def phase(self, label: str, total: int) -> None:
        if self.task is not None:
            self.progress.update(self.task, description=f"{self.label} done")
        self.label = label
        self.task = self.progress.add_task(label, total=total)

    def advance(self, label: str, amount: int = 1) -> None:
        assert self.task is not None
        self.progress.update(self.task, advance=amount, description=f"{self.label} {label}")


@contextmanager
def _progress_bar(shown: bool | None) -> Iterator[Progress]:
    # a bar on a terminal, nothing when piped or logged (unless asked for)
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=err, disable=not (err.is_terminal if shown is None else shown)) as progress:
        yield progress


@contextmanager
def _backup_progress(shown: bool | None) -> Iterator[_BackupProgress]:
    with _progress_bar(shown) as progress:
        yield _BackupProgress(progress)


ProgressOption = Annotated[bool | None, typer.Option("--progress/--no-progress",
                                                     help="Show a progress bar (default: on a terminal).")]


def _backup_step(step: Callable[..., Manifest], file: Path, progress: bool | None) -> tuple[Manifest, float]:
    """Run an export or a restore on this node's database and media folder, with its bar; a refusal or
    an unreadable file ends the command with the message (exit 1), never a traceback."""
    from newsflow.backup import ArchiveError
    from newsflow.config import Settings
    from newsflow.store.engine import create_engine

    settings = Settings()
    engine = create_engine(settings.database_url)
    started = time.monotonic()
    try:
        with _backup_progress(progress) as bar:
            manifest = step(engine, settings, file, bar)
    except (ArchiveError, OSError) as exc:
        raise _fail(str(exc)) from None
    finally:
        engine.dispose()
    return manifest, time.monotonic() - started


@app.command("export")
def export_(file: Annotated[Path, typer.Argument(help="The backup file to write (a zip).")],
            progress: ProgressOption = None) -> None:
    """Back up the whole system — every table and the media files — to one file, from one snapshot."""
    from newsflow.backup import export_archive

    manifest, seconds = _backup_step(
        lambda engine, settings, file, bar: export_archive(engine, settings.media_dir, file,
                                                          agency=settings.agency_name, progress=bar),
        file, progress)
    rows = sum(t.rows for t in manifest.tables)
    console.print(f"Exported {rows:,} rows of {len(manifest.tables)} tables and {len(manifest.media):,} media files "
                  f"to {file} in {seconds:.1f} s (schema {manifest.alembic_revision}).", highlight=False)


@app.command("import")
def import_(file: Annotated[Path, typer.Argument(help="A backup file written by `newsflow export`.")],
            progress: ProgressOption = None) -> None:
    """Restore a backup into an EMPTY database (NEWSFLOW_DATABASE_URL, SQLite or PostgreSQL) and media folder."""
    from newsflow.backup import restore_archive

    manifest, seconds = _backup_step(
        lambda engine, settings, file, bar: restore_archive(engine, settings.media_dir, file, progress=bar),
        file, progress)
    rows = sum(t.rows for t in manifest.tables)
    console.print(f"Restored {rows:,} rows and {len(manifest.media):,} media files of {manifest.agency!r} "
                  f"(exported {manifest.created:%Y-%m-%d %H:%M} UTC) in {seconds:.1f} s.", highlight=False)


@token_app.command("create")
def token_create(email: Annotated[str, typer.Option(help="The account the token acts as: e-mail, name or id.")
                                  ] = ADMIN_EMAIL,
                 label: Annotated[str, typer.Option(help="What the token is for.")] = "") -> None:
    """Mint a staff token; it is shown once and stored only as a hash."""
    svc = Services.open()
    user = user_ref(svc, email)
    console.print(svc.store.create_token(user.id, label), highlight=False, soft_wrap=True)


@token_app.command("list")
def token_list(email: Annotated[str | None, typer.Option(help="Only this account's tokens (e-mail, name or id).")
                                  ] = None,
               all_: Annotated[bool, typer.Option("--all", help="Revoked tokens too.")] = False) -> None:
    """Staff tokens by id (the secrets are not kept): account, label, created, last used, state."""
    svc = Services.open()
    user_id = user_ref(svc, email).id if email else None
    table = Table("id", "account", "label", "created", "last used", "state")
    for t in credentials.list_tokens(svc.store, user_id, include_revoked=all_):
        table.add_row(t.id, t.email, t.label, f"{t.created:%Y-%m-%d %H:%M}",
                      f"{t.last_used:%Y-%m-%d %H:%M}" if t.last_used else "never",
                      f"revoked {t.revoked:%Y-%m-%d %H:%M}" if t.revoked else "active")
    console.print(table)


@token_app.command("revoke")
def token_revoke(token_id: Annotated[str, typer.Argument(help="The id `newsflow token list` shows.")]) -> None:
    """Revoke a staff token: refused at once, on every node; its open streams end within a second or so."""
    with refused("; see `newsflow token list`"):
        token = credentials.revoke_token(Services.open().store, token_id)
    console.print(f"Revoked token {token.id} of {token.email}.")


@user_app.command("create")
def user_create(email: Annotated[str, typer.Option()],
                name: Annotated[str, typer.Option()],
                role: Annotated[str, typer.Option(help=f"One of: {', '.join(ROLES)}.")] = "editor",
                company: Annotated[str | None, typer.Option("--company", help="The subscriber company of a "
                                                            "portal user: its name or id.")] = None,
                password: Annotated[str | None, typer.Option(help="Asked for on a terminal when not given; "
                                                             "without one, a strong one is made and shown "
                                                             "once.")] = None,
                password_stdin: Annotated[bool, typer.Option("--password-stdin", help="Read the password "
                                                             "from the first line of standard input.")] = False,
                ) -> None:
    """Create an account: agency staff, or a subscriber company's user."""
    with refused():
        check_account(email=email, role=role, company_id=company)
    svc = Services.open()
    company_id = company_ref(svc, company).id if company else None
    password, made = _new_password(password, password_stdin)
    with refused():
        user = svc.store.create_user(email=email, name=name, role=role, company_id=company_id,
                                     password_hash=hash_password(password))
    console.print(f"Created {user.role} {user.email} ({user.id}).", highlight=False)
    if made:
        console.print(f"Password (shown once): {password}", highlight=False, soft_wrap=True)


def _new_password(given: str | None, from_stdin: bool) -> tuple[str, bool]:
    """The password to set and whether it was made here: given, read from stdin's first line, asked for
    on a terminal, or (no terminal to ask on: a script, a container) generated. Checked by the rules."""
    made = False
    if from_stdin:
        if given is not None:
            raise _fail("give --password or --password-stdin, not both")
        given = sys.stdin.readline().rstrip("\r\n")
    elif given is None and sys.stdin.isatty():
        given = getpass.getpass("Password: ")
        if given != getpass.getpass("Again: "):
            raise _fail("the two passwords differ")
    elif given is None:
        given, made = accounts.generated_password(), True
    with refused():
        check_account(password=given)
    return given, made


@user_app.command("reset-password")
def user_reset_password(user: Annotated[str, typer.Argument(help="The account: e-mail, name or id.")],
                        password: Annotated[str | None, typer.Option(help="The new password (default: a "
                                                                     "strong one is made and shown once).")
                                            ] = None,
                        password_stdin: Annotated[bool, typer.Option("--password-stdin", help="Read it from "
                                                                     "the first line of standard input.")
                                                  ] = False) -> None:
    """Give an account a new password; every session and staff token of the account ends."""
    svc = Services.open()
    account = user_ref(svc, user)
    made = password is None and not password_stdin
    with refused():
        if made:
            password = accounts.reset_password(svc.store, account.id)[1]
        else:
            password = _new_password(password, password_stdin)[0]
            credentials.change_account(svc.store, account.id, password_hash=hash_password(password))
    console.print(f"New password set for {account.email}; every session and token of the account ended.",
                  highlight=False)
    if made:
        console.print(f"Password (shown once): {password}", highlight=False, soft_wrap=True)


@user_app.command("list")
def user_list(company: Annotated[str | None, typer.Option("--company", help="Only this company's (name or id).")
                                  ] = None) -> None:
    """Accounts, staff and subscribers."""
    svc = Services.open()
    company_id = company_ref(svc, company).id if company else None
    table = Table("id", "e-mail", "name", "role", "company", "active")
    for u in svc.store.list_users(company_id):
        table.add_row(u.id, u.email, u.name, u.role, u.company_id or "", "yes" if u.active else "no")
    console.print(table)


@company_app.command("create")
def company_create(name: Annotated[str, typer.Argument()],
                   embargoed: Annotated[bool, typer.Option(help="May hold embargoed copy.")] = False) -> None:
    """Create a subscriber company."""
    with refused():
        company = Services.open().subscribers.create_company(name, may_receive_embargoed=embargoed)
    console.print(f"Created company {company.name} ({company.id}).", highlight=False)


@company_app.command("list")
def company_list() -> None:
    """Companies, their products and whether they may hold embargoed copy."""
    table = Table()
    for column in ("id", "name", "active", "embargoed copy", "products"):
        table.add_column(column)
    for c in Services.open().subscribers.list_companies():
        table.add_row(c.id, c.name, str(c.active), str(c.may_receive_embargoed),
                      ", ".join(map(str, sorted(c.product_ids))))
    console.print(table)


def _kind(schema: dict[str, Any]) -> str:
    """A JSON schema type in a few words: `list of text`, `1 to 9`, `true or false`."""
    schema = next((s for s in schema.get("anyOf", [schema]) if s.get("type") != "null"), schema)
    if schema.get("type") == "array":
        return "list of " + _kind(schema.get("items", {}))
    if "enum" in schema:
        return " or ".join(f'"{value}"' for value in schema["enum"])
    if schema.get("type") == "integer" and "minimum" in schema:
        return f"{schema['minimum']} to {schema['maximum']}"
    return {"string": "text", "boolean": "true or false"}.get(schema.get("type", ""), schema.get("type", "?"))


def filter_fields_help() -> str:
    """The filter's fields as `--help` shows them, read from the filter model (its one home)."""
    fields = ProductFilter.model_json_schema()["properties"]
    lines = [f"{name} ({_kind(field)}): {field.get('description', '')}" for name, field in fields.items()]
    return ("Create a product from a filter, and give it the archive its filter covers before returning.\n\n"
            "The filter is a JSON object; every field is optional, fields are AND-ed, the values of a "
            "list OR-ed:\n\n" + "\n".join(lines) + "\n\n"
            'Example: --filter \'{"categories": ["World"], "languages": ["en"], "urgency_max": 4}\'')


@product_app.command("create", help=filter_fields_help())
def product_create(name: Annotated[str, typer.Argument()],
                   filter_json: Annotated[str, typer.Option("--filter", help="JSON object; its fields are "
                                                            "listed above.")] = "{}",
                   description: Annotated[str, typer.Option()] = "",
                   archive_days: Annotated[int | None, typer.Option(
                       "--archive-days", min=1, max=ARCHIVE_DAYS_MAX,
                       help="How far back, in days, it reaches into the archive (default: all of it).")] = None,
                   progress: ProgressOption = None) -> None:
    svc = Services.open()
    with refused():
        product = svc.subscribers.create_product(name, json.loads(filter_json), description=description,
                                                 archive_days=archive_days)
    console.print(f"Created product {product.name} ({product.id}).", highlight=False)
    _give_archive(svc, product.id, progress)


@product_app.command("archive")
def product_archive(product: Annotated[str, typer.Argument(help="The product: its name or id.")],
                    progress: ProgressOption = None) -> None:
    """Give a product the archive its filter covers now, in the foreground (a running node does
    this in the background after every filter change)."""
    svc = Services.open()
    _give_archive(svc, product_ref(svc, product).id, progress)


def _give_archive(svc: Services, product_id: int, shown: bool | None) -> None:
    with _progress_bar(shown) as bar:
        task = bar.add_task("archive", total=None)
        done = archive.stamp_product(svc.store, product_id, node=f"cli-{os.getpid()}",
                                     report=lambda p: bar.update(task, completed=p.stories_done,
                                                                 total=p.stories_total))
    if done is not None:
        console.print(f"Archive given: {done.stories_done} stories gone over.", highlight=False)
    else:
        console.print("No archive run waiting for this product (or a node is running it).", highlight=False)


@product_app.command("list")
def product_list() -> None:
    """Products and their filters."""
    table = Table()
    for column in ("id", "name", "active", "filter"):
        table.add_column(column)
    for p in Services.open().subscribers.list_products():
        table.add_row(str(p.id), p.name, str(p.active), p.filter.model_dump_json(exclude_defaults=True))
    console.print(table)


@product_app.command("assign")
def product_assign(company: Annotated[str, typer.Argument(help="The company: its name or id.")],
                   product: Annotated[str, typer.Argument(help="The product: its name or id.")],
                   remove: Annotated[bool, typer.Option("--remove", help="Take it away.")] = False) -> None:
    """Give a company a product (or take it away with --remove)."""
    svc = Services.open()
    chosen_company, chosen_product = company_ref(svc, company), product_ref(svc, product)
    with refused():
        if remove:
            svc.subscribers.unassign_product(chosen_company.id, chosen_product.id)
        else:
            svc.subscribers.assign_product(chosen_company.id, chosen_product.id)
    console.print(f"{'Took' if remove else 'Gave'} {chosen_product.name} ({chosen_product.id}) "
                  f"{'from' if remove else 'to'} {chosen_company.name} ({chosen_company.id}).", highlight=False)


@key_app.command("create")
def key_create(company: Annotated[str, typer.Option("--company", help="The company the key acts for: its name "
                                                   "or id.")],
               label: Annotated[str, typer.Option(help="What the key is for.")] = "",
               scopes: Annotated[str, typer.Option(help=f"Comma-separated, of: {', '.join(SCOPES)}.")] = "read",
               ) -> None:
    """Mint a subscriber API key; it is shown once and stored only as a hash."""
    svc = Services.open()
    company_id = company_ref(svc, company).id
    with refused():
        new = svc.subscribers.create_api_key(
            company_id, label=label, scopes=[s.strip() for s in scopes.split(",") if s.strip()])
    console.print(new.secret, highlight=False, soft_wrap=True)


@key_app.command("revoke")
def key_revoke(key_id: str) -> None:
    """Revoke a key for good."""
    with refused():
        Services.open().subscribers.revoke_api_key(key_id)


def _product_ids(svc: Services, raw: str | None) -> list[int] | None:
    if raw is None:
        return None
    return [product_ref(svc, part).id for part in raw.split(",") if part.strip()]


@webhook_app.command("add")
def webhook_add(company: Annotated[str, typer.Argument(help="The company the endpoint receives for: its name "
                                                       "or id.")],
                url: Annotated[str, typer.Argument(help="An http:// or https:// URL events are POSTed to.")],
                fmt: Annotated[str, typer.Option("--format", help="ninjs, ninjs3, newsmlg2, nitf, text or "
                                                 "html.")] = "ninjs",
                products: Annotated[str | None, typer.Option(help="Narrow to some of the company's products: "
                                                             "names or ids separated by commas.")] = None) -> None:
    """Register a webhook endpoint; its signing secret is shown once."""
    svc = Services.open()
    chosen = company_ref(svc, company)
    narrowing = _product_ids(svc, products)
    with refused():
        new = svc.webhooks.create_endpoint(chosen.id, url, format=fmt, product_ids=narrowing)
    console.print(f"Created webhook endpoint {new.endpoint.id} for {chosen.name} ({chosen.id}) → {new.endpoint.url} "
                  f"({new.endpoint.format}).", highlight=False, soft_wrap=True)
    console.print(f"Signing secret (shown once): {new.secret}", highlight=False, soft_wrap=True)


@webhook_app.command("list")
def webhook_list(company: Annotated[str | None, typer.Option("--company", help="Only this company's (name or id).")
                                     ] = None) -> None:
    """Webhook endpoints and how they are doing."""
    from newsflow.model import utcnow

    svc = Services.open()
    company_id = company_ref(svc, company).id if company else None
    now = utcnow()
    table = Table()
    for column in ("id", "company"):  # whole, whatever the terminal's width: they are typed back in
        table.add_column(column, no_wrap=True, min_width=16)
    table.add_column("url", overflow="fold")
    for column in ("format", "products", "active", "health"):
        table.add_column(column)
    for e in svc.webhooks.list_endpoints(company_id):
        health = "ok"
        if e.open_until is not None and e.open_until > now:
            health = f"circuit open until {e.open_until:%Y-%m-%d %H:%M:%S}"
        elif e.failing_since is not None:
            health = f"failing since {e.failing_since:%Y-%m-%d %H:%M:%S} ({e.consecutive_failures} in a row)"
        if e.rotating_until is not None and e.rotating_until > now:
            health += f"; old secret valid until {e.rotating_until:%Y-%m-%d %H:%M:%S}"
        table.add_row(e.id, e.company_id, e.url, e.format,
                      "all" if e.product_ids is None else ", ".join(map(str, e.product_ids)), str(e.active), health)
    console.print(table)


@webhook_app.command("rotate")
def webhook_rotate(endpoint_id: str,
                   overlap_hours: Annotated[float, typer.Option(min=0, help="How long the old secret keeps "
                                                                "signing too.")] = 24.0) -> None:
    """Replace an endpoint's signing secret; the new one is shown once."""
    from datetime import timedelta

    webhooks = Services.open().webhooks
    with refused():
        secret = webhooks.rotate_secret(endpoint_id, timedelta(hours=overlap_hours))
    until = webhooks.get_endpoint(endpoint_id).rotating_until
    console.print(f"New signing secret (shown once): {secret}", highlight=False, soft_wrap=True)
    console.print(f"The old secret signs too until {until.isoformat()}." if until else "The old secret no longer "
                  "signs.", highlight=False)


@webhook_app.command("replay")
def webhook_replay(endpoint_id: str,
                   delivery: Annotated[int | None, typer.Option(
                       min=1, max=INT64_MAX,  # a row id: a larger one cannot even be looked up
                       help="One dead delivery (default: all of the endpoint's dead letters).")] = None) -> None:
    """Send an endpoint's dead letters again (a running server sends them within a second or so)."""
    with refused():
        requeued = Services.open().webhooks.replay(endpoint_id, delivery)
    console.print(f"Requeued {requeued} dead deliver{'y' if requeued == 1 else 'ies'}.", highlight=False)


@webhook_app.command("test")
def webhook_test(endpoint_id: str) -> None:
    """POST a signed test event to an endpoint now; exits 1 if it was not accepted."""
    import asyncio

    with refused():
        result = asyncio.run(Services.open().webhooks.send_test_event(endpoint_id))
    table = Table(title=f"Test event {result.webhook_id}")
    for column in ("accepted", "status", "duration", "error"):
        table.add_column(column)
    table.add_row("yes" if result.ok else "no", str(result.status or "—"), f"{result.duration_ms} ms",
                  result.error or "")
    console.print(table)
    if not result.ok:
        raise typer.Exit(1)


@source_app.command("add")
def source_add(name: Annotated[str, typer.Argument(help="How the source is named, e.g. reuters-push.")],
               kind: Annotated[str, typer.Option(help="push, folder or feed.")] = "push") -> None:
    """Register an ingest source; a push source's secret is shown once."""
    with refused():
        source, secret = Services.open().ingestor.sources.add(name, kind)
    console.print(f"Created {source.kind} source {source.name}.", highlight=False)
    if secret:
        console.print(f"Push secret (shown once; the partner sends X-Newsflow-Source: {source.name}): {secret}",
                      highlight=False, soft_wrap=True)


@source_app.command("list")
def source_list() -> None:
    """Ingest sources and how many stories each holds."""
    sources = Services.open().ingestor.sources
    counts = sources.story_counts()
    table = Table()
    table.add_column("name", overflow="fold")
    for column in ("kind", "active", "stories", "created", "secret"):
        table.add_column(column)
    for s in sources.list_sources():
        secret = ("—" if s.kind != "push" else f"rotating until {s.rotating_until:%Y-%m-%d %H:%M}"
                  if s.rotating_until else "set" if s.has_secret else "none (NEWSFLOW_INGEST_SECRET only)")
        table.add_row(s.name, s.kind, "yes" if s.active else "no", str(counts.get(s.name, 0)),
                      f"{s.created:%Y-%m-%d %H:%M}", secret)
    console.print(table)


@source_app.command("rotate")
def source_rotate(name: str,
                  overlap_hours: Annotated[float, typer.Option(min=0, help="How long the old secret is "
                                                               "accepted too.")] = 24.0) -> None:
    """Replace a push source's secret; the new one is shown once."""
    from datetime import timedelta

    with refused():
        secret = Services.open().ingestor.sources.rotate(name, timedelta(hours=overlap_hours))
    console.print(f"New push secret (shown once): {secret}", highlight=False, soft_wrap=True)


@source_app.command("disable")
def source_disable(name: str) -> None:
    """Refuse everything from a source until it is enabled again."""
    with refused():
        Services.open().ingestor.sources.set_active(name, False)


@source_app.command("enable")
def source_enable(name: str) -> None:
    """Take a disabled source back."""
    with refused():
        Services.open().ingestor.sources.set_active(name, True)


@app.command()
def ingest(paths: Annotated[list[Path], typer.Argument(help="Wire files and folders (searched recursively).")],
           watch: Annotated[bool, typer.Option(help="Keep watching the folders: ingest files dropped in, "
                                                    "then move them to done/, refused/ or failed/.")] = False,
           source: Annotated[str | None, typer.Option(help="The ingest source the files come from (default: "
                                                      "each folder's own, named after it).")] = None) -> None:
    """Ingest wire files (NewsML-G2, NewsML 1.x, NITF, ninjs, AP Media API, Atom, RSS).

    A source only creates and updates its own stories: a newsroom story, another source's or a killed
    one is refused with the reason. Exits with 1 if any file failed or was refused; every other file
    is still ingested.
    """
    from newsflow.ingest.folder import WatchedFolder
    from newsflow.ingest.service import Outcome, Result, expand
    from newsflow.ingest.sources import SourceKind, folder_source

    svc = Services.open()
    if watch:
        with refused():
            folders = [WatchedFolder(svc.ingestor, p, source=source) for p in paths]
        console.print(f"Watching {', '.join(map(str, paths))} (Ctrl-C to stop)")
        try:
            while True:
                for folder in folders:
                    try:
                        found = folder.scan()
                    except Exception as exc:  # e.g. the folder went away or the database is down: say so, keep watching
                        err.print(f"[red]{folder.folder}: {exc}[/]", highlight=False)
                        continue
                    for r in found:
                        console.print(f"{r.outcome.value:9} {r.source} {r.reason or r.headline or ''}",
                                      highlight=False)
                time.sleep(1)
        except KeyboardInterrupt:
            return
    missing = [p for p in paths if not p.exists()]
    if missing:
        raise _fail(f"no such file or folder: {', '.join(map(str, missing))}")
    with refused():
        # each path named is one source (its folder's, or --source), whatever lies under it
        batches = [(svc.ingestor.sources.ensure(source or folder_source(p), SourceKind.folder).name, list(expand([p])))
                   for p in paths]
    files = [path for _, found in batches for path in found]
    results = []
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=err, transient=True) as progress:
        task = progress.add_task("Ingesting", total=len(files))
        for name, found in batches:
            for path in found:
                try:
                    results.extend(svc.ingestor.ingest_path(path, source=name))
                except Exception as exc:  # one file's trouble (say, a store error) is reported; the rest go in
                    results.append(Result(str(path), Outcome.failed, reason=f"{path}: {exc}"))
                progress.advance(task)
    counts = Counter(r.outcome for r in results)
    names = ", ".join(dict.fromkeys(name for name, _ in batches))
    table = Table(title=f"Ingested {len(files)} file(s) from source {names}")
    for column in ("outcome", "items", "examples / reasons"):
        table.add_column(column)
    for outcome in Outcome:
        rows = [r for r in results if r.outcome == outcome]
        shown = "\n".join((r.reason if outcome in (Outcome.failed, Outcome.skipped, Outcome.refused) else
                           f"{r.guid} v{r.version}: {r.headline}" + "".join(f"\n  {n}" for n in r.notes))
                          for r in rows[:20])
        if len(rows) > 20:
            shown += f"\n… and {len(rows) - 20} more"
        table.add_row(outcome.value, str(counts.get(outcome, 0)), shown)
    console.print(table)
    if counts.get(Outcome.failed) or counts.get(Outcome.refused):
        raise typer.Exit(1)


@app.command()
def poll(url: Annotated[str, typer.Argument(help="An Atom, RSS or ninjs feed URL.")],
         every: Annotated[float, typer.Option(help="Seconds between polls.")] = 60.0,
         once: Annotated[bool, typer.Option(help="Poll once and exit.")] = False,
         source: Annotated[str | None, typer.Option(help="The ingest source the feed is (default: named "
                                                    "after its URL).")] = None) -> None:
    """Poll a remote feed and ingest its new stories (conditional GETs; --once exits 1 if any failed or was
    refused).

    The feed only creates and updates its own stories; anything else is refused with the reason.
    """
    from newsflow.ingest.poll import FeedPoller
    from newsflow.ingest.service import Outcome

    svc = Services.open()
    with refused():
        poller = FeedPoller(svc.ingestor, url, every=every, source=source)
    while True:
        results = poller.poll_once()
        for r in results:
            console.print(f"{r.outcome.value:9} {r.reason or f'{r.guid} v{r.version}: {r.headline}'}",
                          highlight=False)
        if once:
            if any(r.outcome in (Outcome.failed, Outcome.refused) for r in results):
                raise typer.Exit(1)
            return
        time.sleep(every)


if __name__ == "__main__":
    app()
