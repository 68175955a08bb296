"""A botulinum toxin injection plan per muscle (decision support, not a prescription).

Each muscle gets its cited paradigm: the sites, the units per site, the muscle's total when the
source gives the number of sites, and the reductions that apply to this patient. Units are
onabotulinumtoxinA units; units of different products are not interchangeable and are never
converted or summed. Where a source read does not give a number (e.g. the number of sites in a
lower-face muscle) the plan says so instead of inventing one.
"""

from __future__ import annotations

from pydantic import BaseModel, Field, model_validator

from hemispasm.clinic.case import JAW_MUSCLES, LOWER_FACE, Case

PRODUCT = "onabotulinumtoxinA"
UNVERIFIED_MARK = "(unverified source)"

#: Fixed-site orbicularis oculi paradigm (thai_fixed_site_mds): 4 orbital sites, 5 U each.
FIXED_OO_SITES = 4
FIXED_OO_UNITS_PER_SITE = 5.0
#: Wide-area per-site units (choe_kim2016): 2 U/site essential HFS; 1.5 U/site post-paralytic or
#: tumour-related HFS; 0.5 U/site less over 60 years with reduced EMG amplitude.
WIDE_AREA_U_PER_SITE = 2.0
WIDE_AREA_REDUCED_U_PER_SITE = 1.5
ELDERLY_REDUCTION_U_PER_SITE = 0.5
ELDERLY_AGE_YEARS = 60


class Cited(BaseModel):
    """A statement with its source key.

    ``verified`` is False when the statement was not checked against text of the source that
    was read; the text then ends with "(unverified source)" so every output shows it.
    """

    text: str
    source: str
    verified: bool = True

    @model_validator(mode="after")
    def _mark_unverified(self) -> Cited:
        if not self.verified and not self.text.endswith(UNVERIFIED_MARK):
            self.text = f"{self.text} {UNVERIFIED_MARK}"
        return self


class InjectionSite(BaseModel):
    """Suggested onabotulinumtoxinA units for one muscle (decision support).

    Attributes
    ----------
    muscle, label : the muscle id and its name in words.
    measured : involved on video.
    paradigm : the cited paradigm used for this muscle.
    sites : number of injection sites, when the paradigm gives it (else None, see ``note``).
    units_per_site : units per site after the reductions that apply.
    units_per_site_range : (low, high) per site (kept for the report; low == high here).
    total_units : sites x units per site, when the number of sites is given.
    reductions : the reductions applied or to consider, each cited.
    note : how to read the numbers.
    sources : source keys.
    """

    muscle: str
    label: str
    measured: bool
    paradigm: str
    sites: int | None
    units_per_site: float
    units_per_site_range: tuple[float, float]
    total_units: float | None
    reductions: list[Cited] = Field(default_factory=list)
    note: str
    sources: list[str]


class InjectionPlan(BaseModel):
    """A botulinum toxin injection plan suggested from the muscles involved."""

    disclaimer: str = (
        "Decision support for a clinician, not a prescription: doses are published "
        "onabotulinumtoxinA units; the injector decides sites, doses and product."
    )
    product: str = PRODUCT
    unit: str = "U (onabotulinumtoxinA units; not interchangeable with other products)"
    side: str | None
    sites: list[InjectionSite]
    session_total_units: float | None
    session_total_text: str
    reference_totals: list[Cited]
    notes: list[Cited] = Field(default_factory=list)


_LABELS = {
    "orbicularis_oculi": "orbicularis oculi (around the eye)",
    "corrugator": "corrugator (between the eyebrows)",
    "frontalis": "frontalis (forehead)",
    "zygomaticus": "zygomaticus (cheek)",
    "orbicularis_oris": "orbicularis oris (around the mouth)",
    "platysma": "platysma (neck)",
    "buccinator": "buccinator (cheek)",
}


def muscle_label(m: str) -> str:
    """A muscle in words."""
    return _LABELS.get(m, m.replace("_", " "))


def injection_plan(
    case: Case, *, measured_muscles: list[str] | None = None
) -> InjectionPlan | None:
    """Suggest per-muscle onabotulinumtoxinA units from the muscles involved (pure).

    Orbicularis oculi: the fixed-site paradigm (4 orbital sites x 5 U = 20 U,
    ``thai_fixed_site_mds``) in primary HFS; the wide-area per-site units (``choe_kim2016``)
    in post-paralytic HFS. Other facial muscles: wide-area units per site (2 U, 1.5 U
    post-paralytic), number of sites left to the injector (not given per muscle in the source
    read). Over 60 years: 0.5 U/site less is listed to consider when the EMG amplitude is
    reduced (``choe_kim2016``). Lower-face doses kept low (``yu1992``).

    Returns
    -------
    InjectionPlan or None
        None when no facial-nerve muscle is recorded as involved.
    """
    measured = set(measured_muscles or [])
    muscles = list(dict.fromkeys([m for m in [*case.muscles_involved, *sorted(measured)] if m]))
    facial = [m for m in muscles if m not in JAW_MUSCLES]
    if not facial:
        return None
    post_paralytic = bool(case.prior_bells_palsy or case.facial_trauma)
    elderly = case.age is not None and case.age > ELDERLY_AGE_YEARS
    per_site = WIDE_AREA_REDUCED_U_PER_SITE if post_paralytic else WIDE_AREA_U_PER_SITE
    sites: list[InjectionSite] = []
    for m in facial:
        reductions: list[Cited] = []
        if post_paralytic:
            reductions.append(
                Cited(
                    text="post-paralytic HFS: 1.5 U per site instead of 2 U (applied)",
                    source="choe_kim2016",
                )
            )
        if elderly:
            reductions.append(
                Cited(
                    text=f"over {ELDERLY_AGE_YEARS} years: 0.5 U per site less when the EMG "
                    "amplitude is reduced (to consider; not applied)",
                    source="choe_kim2016",
                )
            )
        if m == "orbicularis_oculi" and not post_paralytic:
            sites.append(
                InjectionSite(
                    muscle=m,
                    label=muscle_label(m),
                    measured=m in measured,
                    paradigm="fixed-site orbicularis oculi paradigm: 4 orbital sites, 5 U/0.1 mL "
                    "each (conference abstract)",
                    sites=FIXED_OO_SITES,
                    units_per_site=FIXED_OO_UNITS_PER_SITE,
                    units_per_site_range=(FIXED_OO_UNITS_PER_SITE, FIXED_OO_UNITS_PER_SITE),
                    total_units=FIXED_OO_SITES * FIXED_OO_UNITS_PER_SITE,
                    reductions=reductions,
                    note="4 sites in the orbital part of the orbicularis oculi on the affected "
                    "side, 5 U each (20 U); keep away from the levator (ptosis)",
                    sources=["thai_fixed_site_mds"],
                )
            )
            continue
        note = (
            f"{per_site:g} U per site (wide-area strategy); the number of sites in this muscle "
            "is the injector's choice (the source read gives only the whole-side mean)"
        )
        srcs = ["choe_kim2016"]
        if m in LOWER_FACE:
            note += "; keep lower-face doses low (lower facial weakness was frequent otherwise)"
            srcs.append("yu1992")
        sites.append(
            InjectionSite(
                muscle=m,
                label=muscle_label(m),
                measured=m in measured,
                paradigm="wide-area strategy, units per site (Choe & Kim 2016)",
                sites=None,
                units_per_site=per_site,
                units_per_site_range=(per_site, per_site),
                total_units=None,
                reductions=reductions,
                note=note,
                sources=srcs,
            )
        )
    known = [s.total_units for s in sites if s.total_units is not None]
    open_ = [s for s in sites if s.total_units is None]
    total = float(sum(known)) if known and not open_ else None
    parts = [f"{s.label}: {s.total_units:g} U" for s in sites if s.total_units is not None]
    parts += [f"{s.label}: {s.units_per_site:g} U x sites chosen" for s in open_]
    text = "; ".join(parts)
    if total is not None:
        text = f"{total:g} U onabotulinumtoxinA ({text})"
    else:
        text = f"{sum(known):g} U fixed + per-site units elsewhere ({text})"
    notes: list[Cited] = []
    products = {t.product for t in case.treatments if t.type == "botulinum_toxin" and t.product}
    if products - {PRODUCT}:
        notes.append(
            Cited(
                text=f"earlier sessions used {', '.join(sorted(products))}: units are not "
                "interchangeable between products; do not convert these onabotulinumtoxinA units",
                source="botox_label",
                verified=False,
            )
        )
    return InjectionPlan(
        side=case.side,
        sites=sites,
        session_total_units=total,
        session_total_text=text,
        notes=notes,
        reference_totals=[
            Cited(
                text="fixed-site paradigm (4 orbicularis oculi sites x 5 U): 71% improved by more "
                "than 80% at week 4 (conference abstract, 49 patients)",
                source="thai_fixed_site_mds",
            ),
            Cited(
                text="wide-area strategy: mean 22.6 ± 6.7 sites and 28.6 ± 4.9 U on the affected "
                "side, benefit 28.6 ± 7.7 weeks, in a series that alternated Botox and Dysport "
                "(not an onabotulinumtoxinA-only reference)",
                source="choe_kim2016",
            ),
            Cited(text="an earlier series: average 9.3 U per session", source="yu1992"),
        ],
    )
