"""The application factory: :func:`create_app`.

- Security headers on every answer: a Content-Security-Policy with no inline script
  (``script-src 'self'``), ``frame-ancestors 'none'``, ``X-Content-Type-Options: nosniff``,
  ``Referrer-Policy: no-referrer``, ``Cache-Control: no-store`` on everything but static files.
- Errors: a :class:`~hemispasm.errors.HemispasmError` becomes one line (400, or 404 for an
  unknown patient), never a traceback; the API answers JSON ``{"error": ...}``, pages an error
  page. Nothing identifying is logged: the access log is off and errors are logged by class.
- OpenAPI at ``/api/v1/openapi.json``, for logged-in users only (no public docs pages).
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from hemispasm._log import get_logger
from hemispasm._version import __version__
from hemispasm.errors import HemispasmError
from hemispasm.registry.db import Registry
from hemispasm.web.deps import READERS, LoginRequired, allow
from hemispasm.web.settings import WebSettings

log = get_logger(__name__)

HERE = Path(__file__).parent
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "media-src 'self' blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(self), microphone=(), geolocation=()",
}


def _wants_html(request: Request) -> bool:
    path = request.url.path
    json_path = path.startswith("/api/") or (path.startswith("/home/") and path.endswith("/upload"))
    return not json_path


def create_app(settings: WebSettings, *, reg: Registry | None = None, run_jobs: bool = True) -> Any:
    """Build the FastAPI app over an open registry.

    Parameters
    ----------
    settings : WebSettings
        Checked settings (:meth:`WebSettings.checked`).
    reg : Registry, optional
        An open registry (default: opened from ``settings.db_url``; disposed at shutdown).
    run_jobs : bool
        Start the analysis worker (tests of pages alone turn it off).
    """
    from hemispasm.registry.db import open_registry
    from hemispasm.web.jobs import JobRunner

    settings = settings.checked()
    own_reg = reg is None
    if reg is None:
        reg = open_registry(settings.db_url)
    data_dir = Path(settings.data_dir) if settings.data_dir else reg.data_dir.parent / "web"
    (data_dir / "uploads").mkdir(parents=True, exist_ok=True)
    runner = JobRunner(reg, data_dir / "uploads", workers=settings.job_workers)

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if run_jobs:
            runner.start()
            from hemispasm.web.cohort import warm_in_background

            warm_in_background(reg)  # the cohort page's cache, built before its first visit
        try:
            yield
        finally:
            live = getattr(_app.state, "mvd_live", None)  # hemispasm.web.mvd_live
            if live is not None:
                live.stop_all()
            runner.stop()
            if own_reg:
                reg.dispose()

    app = FastAPI(
        title="hemispasm",
        version=__version__,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.reg = reg
    app.state.data_dir = data_dir
    app.state.jobs = runner
    app.state.login_attempts = {}

    @app.middleware("http")
    async def _headers(request: Request, call_next: Any) -> Response:
        response = await call_next(request)
        for k, v in SECURITY_HEADERS.items():
            response.headers.setdefault(k, v)
        if not request.url.path.startswith("/static/"):
            response.headers["Cache-Control"] = "no-store"
        return response

    @app.exception_handler(LoginRequired)
    async def _login_required(request: Request, _exc: LoginRequired) -> Response:
        if _wants_html(request):
            if request.headers.get("HX-Request"):
                return Response(status_code=401, headers={"HX-Redirect": "/login"})
            return RedirectResponse("/login", status_code=303)
        return JSONResponse({"error": "log in first"}, status_code=401)

    @app.exception_handler(HemispasmError)
    async def _hemispasm_error(request: Request, exc: HemispasmError) -> Response:
        from hemispasm.registry.db import RegistryError
        from hemispasm.web.home import LinkError

        status = 404 if isinstance(exc, RegistryError) and "no patient" in exc.message else 400
        if isinstance(exc, LinkError):
            status = 404
        if exc.message.startswith("no operation "):  # hemispasm.web.mvd.SurgeryError
            status = 404
        log.info("request refused: %s", exc.__class__.__name__)
        return _error(request, status, exc.one_line())

    @app.exception_handler(HTTPException)
    async def _http_error(request: Request, exc: HTTPException) -> Response:
        return _error(request, exc.status_code, str(exc.detail), headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(x) for x in first.get("loc", ())[1:]) or "request"
        return _error(request, 422, f"{where}: {first.get('msg', 'invalid')}")

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        log.error(
            "unexpected %s on %s %s",
            exc.__class__.__name__,
            request.method,
            request.scope.get("route").path if request.scope.get("route") else "?",
        )
        return _error(request, 500, "internal error; the administrator can see its type in the log")

    def _error(request: Request, status: int, message: str, headers: Any = None) -> Response:
        if _wants_html(request):
            from hemispasm.web.pages import render_error

            return render_error(request, status, message, headers=headers)
        return JSONResponse({"error": message}, status_code=status, headers=headers)

    @app.get("/api/v1/openapi.json", include_in_schema=False)
    async def openapi(_p: Any = Depends(allow("admin", *READERS))) -> JSONResponse:
        return JSONResponse(app.openapi())

    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    from hemispasm.web import api, cohort, pages

    app.include_router(api.router)
    app.include_router(cohort.router)
    app.include_router(pages.router)
    from hemispasm.web import case

    app.include_router(case.router)
    app.include_router(case.api_router)
    from hemispasm.web import mvd

    app.include_router(mvd.router)
    return app
