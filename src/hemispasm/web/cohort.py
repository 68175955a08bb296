"""The cohort page for researchers: pseudonymised distributions over the registry.

Routes (roles: ``clinician`` and ``researcher``; not ``nurse``, whose work is visits,
recordings and toxin sessions, nor ``admin``, who manages users only; docs/web.md):

- ``GET /cohort``: the page, histograms and box summaries drawn as server-rendered SVG;
- ``GET /cohort.csv``: the same aggregates as CSV (bins, cells, quantiles; never a row per
  patient);
- ``GET /api/v1/cohort``: the same result as JSON.

All three take the same filters in the query string (``side``, ``sex``, ``synthetic``
= yes|no, ``treatment`` = toxin|mvd|drugs, ``onset`` = an age band); they are not identifying.
A bad value is a 422 with one line. The computation is
:func:`hemispasm.registry.cohort_query.cohort` (cached per registry change); each read is
audited (``read`` of entity ``cohort`` with the user and the filters).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from hemispasm.registry.cohort import (
    FILTER_CHOICES,
    MIN_CELL,
    CohortFilter,
    CohortSummary,
    filter_query,
    parse_filter,
    summary_csv,
)
from hemispasm.web.deps import Principal, allow

router = APIRouter()

#: Roles that may read the cohort (pseudonymised aggregates).
COHORT_ROLES = ("clinician", "researcher")


def cohort_filter(
    side: str = "", sex: str = "", synthetic: str = "", treatment: str = "", onset: str = ""
) -> CohortFilter:
    """The filters from the query string ("" = all); a bad value is a 422 with one line."""
    from hemispasm.errors import ValidationError

    try:
        return parse_filter(
            side=side, sex=sex, synthetic=synthetic, treatment=treatment, onset=onset
        )
    except ValidationError as exc:
        raise HTTPException(status_code=422, detail=exc.message) from None


def warm_in_background(reg: Any) -> Any:
    """Build the cohort cache in a daemon thread (at server start; a failure is only logged)."""
    import threading

    from hemispasm._log import get_logger

    def run() -> None:
        from hemispasm.registry.cohort_query import registry_facts

        try:
            registry_facts(reg)
        except Exception as exc:  # the page builds it on its first visit instead
            get_logger(__name__).warning("cohort cache not built: %s", exc.__class__.__name__)

    t = threading.Thread(target=run, name="hemispasm-cohort-warmup", daemon=True)
    t.start()
    return t


def _summary(request: Request, p: Principal, flt: CohortFilter, view: str) -> CohortSummary:
    from hemispasm.registry.cohort_query import cohort
    from hemispasm.web.users import audit

    reg = request.app.state.reg
    out = cohort(reg, filters=flt, min_cell=MIN_CELL)
    with reg.transaction(actor=p.username) as s:
        audit(
            s,
            p.username,
            "read",
            "cohort",
            "*",
            view=view,
            filters=flt.model_dump(exclude_none=True),
        )
    return out


def _query(flt: CohortFilter) -> str:
    from urllib.parse import urlencode

    return urlencode(filter_query(flt))


@router.get("/cohort", response_class=HTMLResponse)
def cohort_page(
    request: Request,
    p: Principal = Depends(allow(*COHORT_ROLES)),
    flt: CohortFilter = Depends(cohort_filter),
) -> Response:
    """Distributions over the registry (or the filtered patients), with their n."""
    from hemispasm.web.cohort_svg import bars, histogram
    from hemispasm.web.pages import render

    summary = _summary(request, p, flt, "cohort page")
    d = summary.model_dump(mode="json")
    charts = {
        "onset_age": histogram(d["onset_age"]),
        "spasm_rate": histogram(d["spasm_rate"]),
        "interval_weeks": histogram(d["interval_weeks"]),
        "scales": [(x, histogram(x)) for x in d["scales"]],
        "benefit_weeks": [(x, histogram(x)) for x in d["benefit_weeks"]],
        "units": [(x, histogram(x)) for x in d["units"]],
        "side_sex": bars(d["side_sex"]),
        "mvd_outcome": bars(d["mvd_outcome"]),
    }
    form = filter_query(flt)
    return render(
        request,
        "cohort.html",
        p,
        s=d,
        c=charts,
        form=form,
        choices=FILTER_CHOICES,
        query=_query(flt),
    )


@router.get("/cohort.csv")
def cohort_csv(
    request: Request,
    p: Principal = Depends(allow(*COHORT_ROLES)),
    flt: CohortFilter = Depends(cohort_filter),
) -> Response:
    """The page's aggregates as CSV (long format; aggregates only, never rows per patient)."""
    summary = _summary(request, p, flt, "cohort csv")
    return Response(
        summary_csv(summary),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="hemispasm-cohort.csv"'},
    )


@router.get("/api/v1/cohort")
def cohort_api(
    request: Request,
    p: Principal = Depends(allow(*COHORT_ROLES)),
    flt: CohortFilter = Depends(cohort_filter),
) -> Any:
    """The cohort summary as JSON (the same filters and result as the page)."""
    summary = _summary(request, p, flt, "cohort api")
    return JSONResponse(summary.model_dump(mode="json"))


__all__ = ["COHORT_ROLES", "cohort_filter", "router", "warm_in_background"]
