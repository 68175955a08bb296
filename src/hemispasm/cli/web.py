"""CLI of :mod:`hemispasm.web`: ``serve`` and ``user add|list|revoke``.

Thin shell: each command is one call into :mod:`hemispasm.web.server`.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import typer

user_app = typer.Typer(name="user", help="Web app users: add, list, revoke.", no_args_is_help=True)

DB_HELP = "Database URL or SQLite file (default: $HEMISPASM_DB_URL, else the user data folder)."


def _say(text: str) -> None:
    from hemispasm.cli._common import console

    console.print(text, highlight=False, soft_wrap=True, markup=False)


def serve_cmd(
    db: str | None = typer.Option(None, "--db", help=DB_HELP, show_default=False),
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
    port: int = typer.Option(8000, "--port", help="Port."),
    data: str | None = typer.Option(
        None,
        "--data",
        help="Web data folder (uploads being analysed; default beside the registry's recordings).",
        show_default=False,
    ),
    dev: bool = typer.Option(
        False, "--dev", help="Development: built-in secret, cookies without Secure (plain HTTP)."
    ),
    demo: bool = typer.Option(
        False, "--demo", help="Start on a temporary SYNTHETIC registry with a one-time login."
    ),
) -> None:
    """Run the web app (FastAPI + uvicorn). See docs/web.md."""
    from hemispasm.web.server import serve

    serve(db=db, host=host, port=port, data=data, dev=dev, demo=demo, say=_say)


@user_app.command("add")
def user_add_cmd(
    name: str = typer.Argument(..., help="User name."),
    role: str = typer.Option(..., "--role", help="admin, clinician, nurse or researcher."),
    password_stdin: bool = typer.Option(
        False, "--password-stdin", help="Read the password from standard input (first line)."
    ),
    db: str | None = typer.Option(None, "--db", help=DB_HELP, show_default=False),
) -> None:
    """Create a user (the registry schema is created first if needed)."""
    from hemispasm.errors import ValidationError
    from hemispasm.web.server import add_user

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        import getpass

        if not sys.stdin.isatty():
            raise ValidationError("no password given", hint="pipe it in with --password-stdin")
        password = getpass.getpass("password: ")
    out = add_user(db, name, role=role, password=password)
    _say(f"added user {out['username']} ({out['role']})")


@user_app.command("list")
def user_list_cmd(
    db: str | None = typer.Option(None, "--db", help=DB_HELP, show_default=False),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """List users, roles and live sessions."""
    from hemispasm.web.server import list_users

    rows: list[dict[str, Any]] = list_users(db)
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
        return
    for r in rows:
        state = "locked" if r["locked"] else ("active" if r["active"] else "disabled")
        _say(f"{r['username']:<24} {r['role']:<11} {state:<8} sessions {r['live_sessions']}")


@user_app.command("revoke")
def user_revoke_cmd(
    name: str = typer.Argument(..., help="User name."),
    db: str | None = typer.Option(None, "--db", help=DB_HELP, show_default=False),
) -> None:
    """End every live session of a user."""
    from hemispasm.web.server import revoke

    _say(f"revoked {revoke(db, name)} session(s) of {name}")


def register(app: typer.Typer) -> None:
    """Add ``serve`` and ``user`` to the root app."""
    app.command("serve")(serve_cmd)
    app.add_typer(user_app)
