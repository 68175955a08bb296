"""Helpers of the web tests (imported by the test modules and conftest)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

PASSWORD = "correct horse battery staple"
ROLES = ("admin", "clinician", "nurse", "researcher")


def screenshot_folder() -> Path:
    """Where the browser tests save their screenshots.

    ``HEMISPASM_SCREENSHOTS`` names the folder (``HEMISPASM_SCREENSHOTS=docs/img`` refreshes the
    committed images on purpose); by default a temporary folder, so that a test run never
    rewrites files of the checkout.
    """
    folder = Path(
        os.environ.get("HEMISPASM_SCREENSHOTS")
        or Path(tempfile.gettempdir()) / "hemispasm-screenshots"
    )
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def screenshot(pg: Any, name: str) -> Path:
    """Save a full-page screenshot ``web_<name>.png`` of the Playwright page ``pg``."""
    path = screenshot_folder() / f"web_{name}.png"
    pg.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 0
    return path


def make_registry(folder: Path, *, demo_patients: int = 8, url: str | None = None) -> Any:
    from hemispasm.registry import api
    from hemispasm.registry.db import open_registry
    from hemispasm.web.users import add_user

    url = url or f"sqlite:///{folder / 'registry.sqlite'}"
    api.init(url)
    if demo_patients:
        api.demo(url, patients=demo_patients, seed=5)
    reg = open_registry(url, data_dir=folder / "recordings")
    for role in ROLES:
        add_user(reg, f"{role}1", role=role, password=PASSWORD, actor="test")
    return reg


def make_app(reg: Any, tmp: Path, **settings: Any) -> Any:
    from hemispasm.web.app import create_app
    from hemispasm.web.settings import WebSettings

    base = {"dev": True, "data_dir": tmp / "web", "login_per_minute": 10_000}
    base.update(settings)
    run_jobs = base.pop("run_jobs", False)
    return create_app(WebSettings(**base), reg=reg, run_jobs=run_jobs)


def login(client: Any, username: str, password: str = PASSWORD) -> str:
    """Log in through the API; return the CSRF token (the cookie stays in the client)."""
    r = client.post("/api/v1/session", json={"username": username, "password": password})
    assert r.status_code == 200, r.text
    return r.json()["csrf_token"]
