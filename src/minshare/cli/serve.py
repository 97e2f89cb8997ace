"""``minshare serve`` (the HTTP service and web pages, ``docs/service.md``) and ``minshare users``
(accounts and API tokens of the service): thin commands over :mod:`minshare.service`."""

from __future__ import annotations

import ipaddress
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from minshare.errors import UsageError

if TYPE_CHECKING:
    from minshare.service import Settings

users_app = typer.Typer(
    help="Accounts and API tokens of the minshare service.", no_args_is_help=True
)

WORKSPACE = typer.Option(..., "--workspace", help="The discloser's workspace directory.")
DB = typer.Option(
    None,
    "--db",
    help="State database: postgresql://… ; default WS/service.sqlite.",
    envvar="MINSHARE_DB",
)


def register(root: typer.Typer) -> None:
    root.command("serve")(serve_cmd)
    root.add_typer(users_app, name="users")


def _settings(workspace: Path, db: str | None, **kw: Any) -> Settings:
    from minshare.service import Settings

    return Settings(workspace=workspace, db=db, **kw)


def serve_cmd(
    workspace: Path = WORKSPACE,
    db: str | None = DB,
    ledger: str | None = typer.Option(
        None, "--ledger", help="Ledger store; default WS/ledger.sqlite.", envvar="MINSHARE_LEDGER"
    ),
    enrollment: list[Path] = typer.Option([], "--enrollment", help="Enrollment input file(s)."),
    determinations: list[Path] = typer.Option(
        [], "--determinations", help="Determination input file(s)."
    ),
    registry: list[Path] = typer.Option([], "--registry", help="Facility registry file(s)."),
    orders: list[Path] = typer.Option([], "--orders", help="Order files besides the built-in."),
    packages: Path | None = typer.Option(None, "--packages", help="Package directory."),
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on (loopback)."),
    port: int = typer.Option(8000, "--port"),
    insecure_cookies: bool = typer.Option(
        False,
        "--insecure-cookies",
        help="Send the session cookie over plain HTTP (only behind a TLS proxy on loopback).",
    ),
) -> None:
    """Run the service (API at /api, OpenAPI at /openapi.json, pages at /)."""
    import uvicorn

    from minshare.service import create_app

    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = host == "localhost"
    if not loopback:
        typer.echo(f"warning: listening on {host}, not loopback: put TLS in front of it", err=True)
    settings = _settings(
        workspace,
        db,
        ledger=ledger,
        enrollment=tuple(enrollment),
        determinations=tuple(determinations),
        registries=tuple(registry),
        orders=tuple(orders),
        packages=packages,
        host=host,
        port=port,
        secure_cookies=not insecure_cookies,
    )
    app = create_app(settings)
    if not app.state.db.one("SELECT name FROM users WHERE role = 'admin'"):
        typer.echo(
            "no admin account yet: minshare users add NAME --role admin --workspace "
            f"{workspace} --password-stdin",
            err=True,
        )
    uvicorn.run(app, host=host, port=port, log_level="info")


@users_app.command("add")
def add_user(
    name: str = typer.Argument(..., help="User name."),
    role: str = typer.Option(..., "--role", help="requester, steward, reviewer, auditor, admin"),
    agency: str | None = typer.Option(
        None, "--agency", help="A requester's agency: the recipient id its requests name."
    ),
    password_stdin: bool = typer.Option(
        False, "--password-stdin", help="Read a sign-in password from standard input."
    ),
    token: bool = typer.Option(False, "--token", help="Also issue an API token (printed once)."),
    workspace: Path = WORKSPACE,
    db: str | None = DB,
) -> None:
    """Create an account (passwords and tokens are stored only as argon2 hashes)."""
    from minshare.service.auth import Auth
    from minshare.service.db import StateDB

    password = sys.stdin.readline().rstrip("\n") if password_stdin else None
    if password_stdin and (password is None or len(password) < 12):
        raise UsageError("a password has at least 12 characters")
    settings = _settings(workspace, db)
    state = StateDB(settings.db_url)
    try:
        auth = Auth(state, settings)
        auth.add_user(name, role, agency=agency, password=password)
        typer.echo(f"added {name} ({role})")
        if token:
            token_id, value = auth.issue_token(name)
            typer.echo(f"token {token_id}: {value}")
    finally:
        state.close()


@users_app.command("token")
def add_token(
    name: str = typer.Argument(..., help="User name."),
    workspace: Path = WORKSPACE,
    db: str | None = DB,
) -> None:
    """Issue an API token for an account (printed once)."""
    from minshare.service.auth import Auth
    from minshare.service.db import StateDB

    settings = _settings(workspace, db)
    state = StateDB(settings.db_url)
    try:
        token_id, value = Auth(state, settings).issue_token(name)
        typer.echo(f"token {token_id}: {value}")
    finally:
        state.close()
