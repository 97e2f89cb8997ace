"""``minshare keys``: the Ed25519 keys that sign packages."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape

from minshare.package.keys import DEFAULT_NAME, describe_key, generate_keypair

app = typer.Typer(help="Ed25519 keys that sign packages (generate, show).", no_args_is_help=True)


def register(root: typer.Typer) -> None:
    """Attach ``minshare keys``."""
    root.add_typer(app, name="keys")


def _out() -> Console:
    return Console(highlight=False, soft_wrap=True)


@app.command("generate")
def generate(
    out: Path = typer.Option(..., "--out", help="Directory for NAME.key and NAME.pub."),
    name: str = typer.Option(DEFAULT_NAME, "--name", help="File name of the key pair."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of text."),
) -> None:
    """Write a new key pair: NAME.key (private, PKCS#8 PEM, mode 0600) and NAME.pub (public).

    Existing files are never overwritten. Give NAME.pub to recipients by a channel they trust;
    keep NAME.key secret.
    """
    paths = generate_keypair(out, name)
    if as_json:
        data = {"private": str(paths.private), "public": str(paths.public), "key_id": paths.key_id}
        typer.echo(json.dumps(data, indent=2))
        return
    console = _out()
    console.print(f"key id [bold]{paths.key_id}[/]")
    console.print(f"  private key {escape(str(paths.private))} (keep it secret)")
    console.print(f"  public key  {escape(str(paths.public))} (give it to recipients)")


@app.command("show")
def show(
    key: Path = typer.Argument(..., help="A private (.key) or public (.pub) key file."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of text."),
) -> None:
    """Print a key's id and public key (never the private key)."""
    info = describe_key(key)
    if as_json:
        typer.echo(json.dumps({**asdict(info), "path": str(info.path)}, indent=2))
        return
    console = _out()
    console.print(f"{escape(str(info.path))}: Ed25519 {info.kind} key")
    console.print(f"  key id     [bold]{info.key_id}[/]")
    console.print(f"  public key {info.public_key}")
