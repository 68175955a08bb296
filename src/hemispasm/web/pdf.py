"""HTML to PDF with WeasyPrint (the session sheet)."""

from __future__ import annotations

from hemispasm._lazy import require


def html_to_pdf(html: str, *, base_url: str) -> bytes:
    """Render an HTML document (its CSS from ``base_url``) to PDF bytes."""
    weasyprint = require("weasyprint")
    return weasyprint.HTML(string=html, base_url=base_url).write_pdf()
