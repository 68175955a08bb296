"""hemispasm.web: the clinic in a browser (FastAPI + Jinja2 + htmx) over the registry.

``hemispasm serve`` runs it (see docs/web.md). :func:`hemispasm.web.app.create_app` builds the
application from :class:`hemispasm.web.settings.WebSettings`; every page and every ``/api/v1``
call goes through the same role dependencies (:mod:`hemispasm.web.deps`) and the registry's
functions and audit trail.
"""

from __future__ import annotations
