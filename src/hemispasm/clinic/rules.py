"""Declarative, cited decision rules and the pure functions that evaluate them.

A rule is data: an ``id``, a ``condition`` written in a tiny condition language over the case's
facts (see :func:`case_facts`), a ``conclusion`` in words, and a ``source`` key into
``docs/references.md``. Nothing here diagnoses: rules collect the features that speak for and
against each possibility so that a clinician can see why each conclusion was reached.

Condition language (tuples, nestable)::

    ("true", fact)            fact is True (recorded as present)
    ("false", fact)           fact is False (recorded as absent; None = not recorded never matches)
    ("is", fact, value)       fact == value
    ("in", fact, [values])    fact is one of values
    ("lt", fact, number)      fact < number (None never matches)
    ("all", [cond, ...])      every condition holds
    ("any", [cond, ...])      at least one holds
    ("not", cond)             the condition does not hold

Weights of differential rules (1 supportive, 2 strong, 3 near-specific) are an engineering
choice used only to order the differential; they are not clinical probabilities.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from hemispasm.clinic.case import FACIAL_MUSCLES, JAW_MUSCLES, LOWER_FACE, Case

Cond = tuple[Any, ...]

HFS_TRIGGERS = ("emotional_stress", "fatigue", "anxiety", "reading", "coughing")


class Rule(BaseModel):
    """One declarative rule.

    Attributes
    ----------
    id : str
        Stable identifier, shown by ``--explain``.
    kind : {"likelihood", "differential", "red_flag", "workup", "treatment"}
    condition : tuple
        In the condition language above.
    conclusion : str
        What the rule concludes, in words (the reason shown in reports).
    source : str
        Key into docs/references.md (:data:`hemispasm.clinic.sources.SOURCES`).
    target : str, optional
        The differential condition the rule speaks to.
    direction : {"for", "against"}, optional
    weight : int
        Differential ordering weight (engineering choice).
    group : str, optional
        For likelihood rules: ``"core"``, ``"confirm"``, ``"phenomenology"`` or ``"secondary"``.
    urgency : {"emergency", "urgent", "priority", "routine"}, optional
        For red flags.
    action : str, optional
        For red flags and work-up.
    """

    model_config = ConfigDict(frozen=True)

    id: str
    kind: Literal["likelihood", "differential", "red_flag", "workup", "treatment"]
    condition: tuple[Any, ...]
    conclusion: str
    source: str
    target: str | None = None
    direction: Literal["for", "against"] | None = None
    weight: int = 1
    group: str | None = None
    urgency: Literal["emergency", "urgent", "priority", "routine"] | None = None
    action: str | None = None
    reason: str | None = None


# ------------------------------------------------------------------------------------------
# facts and the condition language
# ------------------------------------------------------------------------------------------


def case_facts(case: Case, *, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """Flatten a case into the facts rules read (pure; derived facts included).

    Parameters
    ----------
    case : Case
    extra : dict, optional
        Further facts (e.g. from the treatment-course analysis: ``botox_waning``).
    """
    facts: dict[str, Any] = case.model_dump(exclude={"treatments", "scales", "video_summary"})
    muscles = case.muscles_involved
    first = case.first_muscle
    facts.update(
        unilateral=case.side in ("left", "right"),
        bilateral=case.side == "bilateral",
        bilateral_asynchronous=case.side == "bilateral" and case.bilateral_synchronous is False,
        periocular_onset=first == "orbicularis_oculi",
        lower_face_onset=first in LOWER_FACE,
        jaw_onset=first in JAW_MUSCLES,
        facial_onset=first is None or first in FACIAL_MUSCLES,
        spread_in_facial_territory=len(muscles) > 1 and all(m in FACIAL_MUSCLES for m in muscles),
        lower_face_involved=any(m in LOWER_FACE for m in muscles),
        periocular_only=muscles == ["orbicularis_oculi"],
        spasm_recorded=case.spasm_type is not None,
        hfs_trigger=any(t in HFS_TRIGGERS for t in case.triggers),
        bright_light_trigger="bright_light" in case.triggers,
        voluntary_movement_trigger="voluntary_facial_movement" in case.triggers,
        other_cn=bool(case.other_cranial_nerve_signs),
        vestibulocochlear=bool(case.tinnitus) or bool(case.vertigo),
        weakness_explained=bool(case.prior_bells_palsy) or bool(case.facial_trauma),
        no_prior_palsy=case.prior_bells_palsy is False and case.facial_trauma is not True,
        mri_done=case.mri != "not_done",
        emg_done=case.emg_lsr != "not_done",
        mri_missing_high_res_t2=case.mri != "not_done" and "high_res_t2" not in case.mri_sequences,
        mri_missing_mra=case.mri != "not_done" and "mra_tof" not in case.mri_sequences,
        mri_sequences_recorded=bool(case.mri_sequences),
        mri_not_mass=case.mri in ("normal", "neurovascular_conflict"),
    )
    if extra:
        facts.update(extra)
    return facts


def evaluate(cond: Cond, facts: dict[str, Any]) -> bool:
    """Evaluate a condition against facts (pure). Unknown facts are treated as not recorded."""
    op = cond[0]
    if op == "true":
        return facts.get(cond[1]) is True
    if op == "false":
        return facts.get(cond[1]) is False
    if op == "is":
        return facts.get(cond[1]) == cond[2]
    if op == "in":
        return facts.get(cond[1]) in cond[2]
    if op == "lt":
        v = facts.get(cond[1])
        return v is not None and v < cond[2]
    if op == "all":
        return all(evaluate(c, facts) for c in cond[1])
    if op == "any":
        return any(evaluate(c, facts) for c in cond[1])
    if op == "not":
        return not evaluate(cond[1], facts)
    raise ValueError(f"unknown condition operator {op!r}")


def describe(cond: Cond) -> str:
    """The condition in words, e.g. ``facial_weakness is present``."""
    op = cond[0]
    if op == "true":
        return f"{cond[1]} is present"
    if op == "false":
        return f"{cond[1]} is recorded as absent"
    if op == "is":
        return f"{cond[1]} = {cond[2]}"
    if op == "in":
        return f"{cond[1]} in {{{', '.join(map(str, cond[2]))}}}"
    if op == "lt":
        return f"{cond[1]} < {cond[2]}"
    if op in ("all", "any"):
        joiner = " and " if op == "all" else " or "
        return "(" + joiner.join(describe(c) for c in cond[1]) + ")"
    if op == "not":
        return f"not {describe(cond[1])}"
    raise ValueError(f"unknown condition operator {op!r}")


def fired(rules: list[Rule], facts: dict[str, Any]) -> list[Rule]:
    """The rules whose condition holds, in table order (pure)."""
    return [r for r in rules if evaluate(r.condition, facts)]


# ------------------------------------------------------------------------------------------
# the rule tables
# ------------------------------------------------------------------------------------------

MRI_ACTION = (
    "MRI of the brain and posterior fossa with high-resolution T2 (CISS/FIESTA) through the "
    "cerebellopontine angle and MRA/3D-TOF (add contrast where a mass is suspected)"
)
ENT_ACTION = "urgent ENT / head-and-neck referral (suspected-cancer pathway)"


def _lk(id_, cond, conclusion, source, group, direction="for"):
    return Rule(
        id=id_,
        kind="likelihood",
        condition=cond,
        conclusion=conclusion,
        source=source,
        group=group,
        direction=direction,
    )


#: Features for and against a hemifacial-spasm picture (hfs_likelihood).
LIKELIHOOD_RULES: list[Rule] = [
    _lk(
        "L.unilateral",
        ("true", "unilateral"),
        "spasms confined to one side of the face",
        "wang_jankovic1998",
        "core",
    ),
    _lk(
        "L.bilateral_async",
        ("true", "bilateral_asynchronous"),
        "both sides affected but not synchronously, as in rare bilateral HFS",
        "han2009",
        "core",
    ),
    _lk(
        "L.periocular_onset",
        ("true", "periocular_onset"),
        "onset in the orbicularis oculi, the usual first muscle",
        "wang_jankovic1998",
        "core",
    ),
    _lk(
        "L.spread",
        ("true", "spread_in_facial_territory"),
        "spread within muscles of one facial nerve",
        "wang_jankovic1998",
        "core",
    ),
    _lk(
        "L.clonic_tonic",
        ("in", "spasm_type", ["clonic", "tonic", "both"]),
        "clonic and/or tonic contractions",
        "wang_jankovic1998",
        "core",
    ),
    _lk(
        "L.triggers",
        ("true", "hfs_trigger"),
        "provoked by stress, fatigue, anxiety, reading or coughing",
        "wang_jankovic1998",
        "core",
    ),
    _lk(
        "L.babinski2",
        ("true", "other_babinski_sign"),
        "the 'other Babinski sign' (brow rises as the eye closes), not reproducible at will",
        "stamey_jankovic2007",
        "confirm",
    ),
    _lk(
        "L.lsr",
        ("is", "emg_lsr", "present"),
        "lateral spread response on EMG, an electrophysiological hallmark of HFS",
        "yaltho_jankovic2011",
        "confirm",
    ),
    _lk(
        "L.nvc",
        ("is", "mri", "neurovascular_conflict"),
        "MRI shows a vessel contacting the facial nerve (also seen in some healthy people)",
        "lu2014",
        "confirm",
    ),
    _lk(
        "L.x.bilateral_sync",
        ("true", "bilateral_synchronous"),
        "both sides contract synchronously, unlike HFS",
        "yaltho_jankovic2011",
        "phenomenology",
        "against",
    ),
    _lk(
        "L.x.bilateral",
        ("true", "bilateral"),
        "bilateral involvement is rare in HFS",
        "han2009",
        "secondary",
        "against",
    ),
    _lk(
        "L.x.suppressible",
        ("any", [("true", "suppressible"), ("true", "premonitory_urge")]),
        "movements are suppressible or preceded by an urge (tic-like)",
        "yaltho_jankovic2011",
        "phenomenology",
        "against",
    ),
    _lk(
        "L.x.sensory_trick",
        ("true", "sensory_trick"),
        "a sensory trick relieves the movements (dystonic feature)",
        "yaltho_jankovic2011",
        "phenomenology",
        "against",
    ),
    _lk(
        "L.x.myokymia",
        ("true", "myokymia"),
        "rippling myokymia rather than spasms",
        "yaltho_jankovic2011",
        "phenomenology",
        "against",
    ),
    _lk(
        "L.x.jaw",
        ("any", [("true", "jaw_muscle_spasm"), ("true", "jaw_onset")]),
        "jaw-closing muscles involved (trigeminal, not facial, territory)",
        "yaltho_jankovic2011",
        "phenomenology",
        "against",
    ),
    _lk(
        "L.x.distractible",
        ("true", "distractible"),
        "movements vary or stop with distraction",
        "baizabal_jankovic2016",
        "phenomenology",
        "against",
    ),
    _lk(
        "L.x.bells",
        ("any", [("true", "prior_bells_palsy"), ("true", "facial_trauma")]),
        "prior facial palsy or facial nerve injury (post-paralytic synkinesis)",
        "yaltho_jankovic2011",
        "phenomenology",
        "against",
    ),
    _lk(
        "L.x.td",
        ("all", [("true", "dopamine_blocker_exposure"), ("true", "orolingual_movements")]),
        "dopamine-blocker exposure with orolingual movements (tardive)",
        "yaltho_jankovic2011",
        "phenomenology",
        "against",
    ),
    _lk(
        "L.x.seizures",
        ("true", "seizures"),
        "known or suspected seizures (focal motor seizures can involve the face)",
        "yaltho_jankovic2011",
        "phenomenology",
        "against",
    ),
    _lk(
        "L.x.lower_onset",
        ("true", "lower_face_onset"),
        "onset in the lower face (atypical HFS)",
        "yaltho_jankovic2011",
        "secondary",
        "against",
    ),
    _lk(
        "L.x.weakness",
        ("true", "facial_weakness"),
        "facial weakness is not part of primary HFS",
        "yaltho_jankovic2011",
        "secondary",
        "against",
    ),
    _lk(
        "L.x.hearing",
        ("true", "hearing_loss"),
        "hearing loss suggests a cerebellopontine-angle lesion",
        "yaltho_jankovic2011",
        "secondary",
        "against",
    ),
    _lk(
        "L.x.cn",
        ("true", "other_cn"),
        "other cranial-nerve signs suggest a structural lesion",
        "yaltho_jankovic2011",
        "secondary",
        "against",
    ),
    _lk(
        "L.x.mass",
        ("is", "mri", "mass_lesion"),
        "MRI shows a mass lesion (secondary HFS)",
        "han2009",
        "secondary",
        "against",
    ),
    _lk(
        "L.x.lsr_absent",
        ("is", "emg_lsr", "absent"),
        "no lateral spread response on EMG",
        "yaltho_jankovic2011",
        "secondary",
        "against",
    ),
]


def _dx(target, direction, id_, cond, conclusion, source, weight=1):
    return Rule(
        id=f"D.{target}.{id_}",
        kind="differential",
        target=target,
        direction=direction,
        condition=cond,
        conclusion=conclusion,
        source=source,
        weight=weight,
    )


#: The differential diagnosis, in its tie-breaking order.
CONDITIONS: dict[str, str] = {
    "hemifacial_spasm": "Hemifacial spasm (primary, neurovascular)",
    "secondary_hfs_cpa_lesion": "Secondary HFS from a cerebellopontine-angle lesion",
    "blepharospasm": "Blepharospasm",
    "post_paralytic_synkinesis": "Post-paralytic synkinesis (after Bell's palsy)",
    "facial_tics": "Facial tics",
    "facial_myokymia": "Facial myokymia",
    "hemimasticatory_spasm": "Hemimasticatory spasm",
    "focal_motor_seizures": "Focal motor seizures",
    "psychogenic_facial_movements": "Psychogenic (functional) facial movements",
    "tardive_dyskinesia": "Tardive dyskinesia",
}

_W, _S, _X = 1, 2, 3  # supportive, strong, near-specific (engineering weights)

DIFFERENTIAL_RULES: list[Rule] = [
    # hemifacial spasm
    _dx(
        "hemifacial_spasm",
        "for",
        "unilateral",
        ("true", "unilateral"),
        "one-sided spasms",
        "wang_jankovic1998",
        _W,
    ),
    _dx(
        "hemifacial_spasm",
        "for",
        "async_bilateral",
        ("true", "bilateral_asynchronous"),
        "bilateral but asynchronous (bilateral HFS)",
        "han2009",
        _W,
    ),
    _dx(
        "hemifacial_spasm",
        "for",
        "periocular_onset",
        ("true", "periocular_onset"),
        "began in the orbicularis oculi",
        "wang_jankovic1998",
        _W,
    ),
    _dx(
        "hemifacial_spasm",
        "for",
        "spread",
        ("true", "spread_in_facial_territory"),
        "spread within one facial nerve's muscles",
        "wang_jankovic1998",
        _W,
    ),
    _dx(
        "hemifacial_spasm",
        "for",
        "clonic_tonic",
        ("in", "spasm_type", ["clonic", "tonic", "both"]),
        "clonic/tonic contractions",
        "wang_jankovic1998",
        _W,
    ),
    _dx(
        "hemifacial_spasm",
        "for",
        "triggers",
        ("true", "hfs_trigger"),
        "typical provoking factors",
        "wang_jankovic1998",
        _W,
    ),
    _dx(
        "hemifacial_spasm",
        "for",
        "babinski2",
        ("true", "other_babinski_sign"),
        "other Babinski sign",
        "stamey_jankovic2007",
        _X,
    ),
    _dx(
        "hemifacial_spasm",
        "for",
        "lsr",
        ("is", "emg_lsr", "present"),
        "lateral spread response present",
        "yaltho_jankovic2011",
        _X,
    ),
    _dx(
        "hemifacial_spasm",
        "for",
        "nvc",
        ("is", "mri", "neurovascular_conflict"),
        "neurovascular conflict on MRI",
        "lu2014",
        _S,
    ),
    _dx(
        "hemifacial_spasm",
        "against",
        "sync",
        ("true", "bilateral_synchronous"),
        "bilateral synchronous contractions",
        "yaltho_jankovic2011",
        _X,
    ),
    _dx(
        "hemifacial_spasm",
        "against",
        "trick",
        ("true", "sensory_trick"),
        "sensory trick",
        "yaltho_jankovic2011",
        _S,
    ),
    _dx(
        "hemifacial_spasm",
        "against",
        "suppress",
        ("any", [("true", "suppressible"), ("true", "premonitory_urge")]),
        "suppressible / premonitory urge",
        "yaltho_jankovic2011",
        _S,
    ),
    _dx(
        "hemifacial_spasm",
        "against",
        "mass",
        ("is", "mri", "mass_lesion"),
        "mass lesion on MRI (secondary cause)",
        "han2009",
        _X,
    ),
    _dx(
        "hemifacial_spasm",
        "against",
        "weakness",
        ("true", "facial_weakness"),
        "facial weakness",
        "yaltho_jankovic2011",
        _W,
    ),
    _dx(
        "hemifacial_spasm",
        "against",
        "hearing",
        ("true", "hearing_loss"),
        "hearing loss",
        "yaltho_jankovic2011",
        _W,
    ),
    _dx(
        "hemifacial_spasm",
        "against",
        "cn",
        ("true", "other_cn"),
        "other cranial-nerve signs",
        "yaltho_jankovic2011",
        _W,
    ),
    _dx(
        "hemifacial_spasm",
        "against",
        "bells",
        ("any", [("true", "prior_bells_palsy"), ("true", "facial_trauma")]),
        "prior facial palsy / nerve injury",
        "yaltho_jankovic2011",
        _S,
    ),
    _dx(
        "hemifacial_spasm",
        "against",
        "jaw",
        ("any", [("true", "jaw_muscle_spasm"), ("true", "jaw_onset")]),
        "jaw-muscle spasm",
        "yaltho_jankovic2011",
        _S,
    ),
    _dx(
        "hemifacial_spasm",
        "against",
        "distractible",
        ("true", "distractible"),
        "distractible, variable movements",
        "baizabal_jankovic2016",
        _S,
    ),
    _dx(
        "hemifacial_spasm",
        "against",
        "lsr_absent",
        ("is", "emg_lsr", "absent"),
        "no lateral spread response",
        "yaltho_jankovic2011",
        _S,
    ),
    _dx(
        "hemifacial_spasm",
        "against",
        "myokymia",
        ("true", "myokymia"),
        "myokymic rippling",
        "yaltho_jankovic2011",
        _W,
    ),
    _dx(
        "hemifacial_spasm",
        "against",
        "seizures",
        ("true", "seizures"),
        "seizures",
        "yaltho_jankovic2011",
        _W,
    ),
    _dx(
        "hemifacial_spasm",
        "against",
        "td",
        ("all", [("true", "dopamine_blocker_exposure"), ("true", "orolingual_movements")]),
        "tardive picture",
        "yaltho_jankovic2011",
        _S,
    ),
    # secondary HFS from a CPA lesion
    _dx(
        "secondary_hfs_cpa_lesion",
        "for",
        "mass",
        ("is", "mri", "mass_lesion"),
        "mass lesion on MRI",
        "han2009",
        4,
    ),
    _dx(
        "secondary_hfs_cpa_lesion",
        "for",
        "weakness",
        ("true", "facial_weakness"),
        "facial weakness",
        "yaltho_jankovic2011",
        _S,
    ),
    _dx(
        "secondary_hfs_cpa_lesion",
        "for",
        "hearing",
        ("true", "hearing_loss"),
        "hearing loss",
        "zeiler2015",
        _S,
    ),
    _dx(
        "secondary_hfs_cpa_lesion",
        "for",
        "vestibulocochlear",
        ("true", "vestibulocochlear"),
        "tinnitus or vertigo",
        "yaltho_jankovic2011",
        _W,
    ),
    _dx(
        "secondary_hfs_cpa_lesion",
        "for",
        "cn",
        ("true", "other_cn"),
        "other cranial-nerve signs",
        "yaltho_jankovic2011",
        _S,
    ),
    _dx(
        "secondary_hfs_cpa_lesion",
        "for",
        "lower_onset",
        ("true", "lower_face_onset"),
        "atypical onset in the lower face",
        "yaltho_jankovic2011",
        _W,
    ),
    _dx(
        "secondary_hfs_cpa_lesion",
        "for",
        "tonic",
        ("is", "spasm_type", "tonic"),
        "purely tonic contraction, usual in secondary HFS",
        "zeiler2015",
        _W,
    ),
    _dx(
        "secondary_hfs_cpa_lesion",
        "against",
        "mri_clear",
        ("true", "mri_not_mass"),
        "MRI without a mass lesion",
        "han2009",
        _X,
    ),
    # blepharospasm
    _dx(
        "blepharospasm",
        "for",
        "sync",
        ("true", "bilateral_synchronous"),
        "bilateral synchronous eyelid closure",
        "yaltho_jankovic2011",
        _X,
    ),
    _dx(
        "blepharospasm",
        "for",
        "blinking",
        ("true", "bilateral_blinking"),
        "excessive bilateral blinking",
        "jankovic_orman1987",
        _S,
    ),
    _dx(
        "blepharospasm",
        "for",
        "trick",
        ("true", "sensory_trick"),
        "sensory trick",
        "yaltho_jankovic2011",
        _S,
    ),
    _dx(
        "blepharospasm",
        "for",
        "light",
        ("true", "bright_light_trigger"),
        "provoked by bright light",
        "jankovic_orman1987",
        _W,
    ),
    _dx(
        "blepharospasm",
        "against",
        "unilateral",
        ("true", "unilateral"),
        "one-sided",
        "yaltho_jankovic2011",
        _X,
    ),
    _dx(
        "blepharospasm",
        "against",
        "babinski2",
        ("true", "other_babinski_sign"),
        "other Babinski sign (not seen in blepharospasm)",
        "stamey_jankovic2007",
        _X,
    ),
    _dx(
        "blepharospasm",
        "against",
        "lsr",
        ("is", "emg_lsr", "present"),
        "lateral spread response",
        "yaltho_jankovic2011",
        _S,
    ),
    # post-paralytic synkinesis
    _dx(
        "post_paralytic_synkinesis",
        "for",
        "bells",
        ("true", "prior_bells_palsy"),
        "prior Bell's palsy",
        "yaltho_jankovic2011",
        _X,
    ),
    _dx(
        "post_paralytic_synkinesis",
        "for",
        "trauma",
        ("true", "facial_trauma"),
        "prior facial nerve injury",
        "yaltho_jankovic2011",
        _S,
    ),
    _dx(
        "post_paralytic_synkinesis",
        "for",
        "weakness",
        ("true", "facial_weakness"),
        "residual facial weakness",
        "yaltho_jankovic2011",
        _W,
    ),
    _dx(
        "post_paralytic_synkinesis",
        "for",
        "voluntary",
        ("true", "voluntary_movement_trigger"),
        "movements triggered by voluntary facial movement",
        "yaltho_jankovic2011",
        _S,
    ),
    _dx(
        "post_paralytic_synkinesis",
        "against",
        "no_palsy",
        ("true", "no_prior_palsy"),
        "no prior facial palsy or injury",
        "yaltho_jankovic2011",
        _S,
    ),
    # facial tics
    _dx(
        "facial_tics",
        "for",
        "suppressible",
        ("true", "suppressible"),
        "voluntarily suppressible",
        "yaltho_jankovic2011",
        _S,
    ),
    _dx(
        "facial_tics",
        "for",
        "urge",
        ("true", "premonitory_urge"),
        "premonitory urge",
        "yaltho_jankovic2011",
        _S,
    ),
    _dx(
        "facial_tics",
        "for",
        "child",
        ("lt", "onset_age", 18),
        "onset before age 18",
        "dsm5_tics",
        _S,
    ),
    _dx(
        "facial_tics",
        "against",
        "babinski2",
        ("true", "other_babinski_sign"),
        "other Babinski sign",
        "stamey_jankovic2007",
        _S,
    ),
    _dx(
        "facial_tics",
        "against",
        "lsr",
        ("is", "emg_lsr", "present"),
        "lateral spread response",
        "yaltho_jankovic2011",
        _S,
    ),
    # facial myokymia
    _dx(
        "facial_myokymia",
        "for",
        "myokymia",
        ("true", "myokymia"),
        "rippling, undulating myokymia",
        "yaltho_jankovic2011",
        _X,
    ),
    _dx(
        "facial_myokymia",
        "against",
        "babinski2",
        ("true", "other_babinski_sign"),
        "other Babinski sign",
        "stamey_jankovic2007",
        _W,
    ),
    _dx(
        "facial_myokymia",
        "against",
        "not_myokymia",
        ("false", "myokymia"),
        "no myokymia on examination",
        "yaltho_jankovic2011",
        _S,
    ),
    # hemimasticatory spasm
    _dx(
        "hemimasticatory_spasm",
        "for",
        "jaw",
        ("true", "jaw_muscle_spasm"),
        "spasm of the jaw-closing muscles",
        "yaltho_jankovic2011",
        _X,
    ),
    _dx(
        "hemimasticatory_spasm",
        "for",
        "jaw_onset",
        ("true", "jaw_onset"),
        "began in masseter/temporalis",
        "yaltho_jankovic2011",
        _X,
    ),
    _dx(
        "hemimasticatory_spasm",
        "against",
        "no_jaw",
        ("false", "jaw_muscle_spasm"),
        "jaw muscles spared",
        "yaltho_jankovic2011",
        _S,
    ),
    # focal motor seizures
    _dx(
        "focal_motor_seizures",
        "for",
        "seizures",
        ("true", "seizures"),
        "known or suspected seizures",
        "yaltho_jankovic2011",
        _X,
    ),
    _dx(
        "focal_motor_seizures",
        "against",
        "babinski2",
        ("true", "other_babinski_sign"),
        "other Babinski sign",
        "stamey_jankovic2007",
        _W,
    ),
    _dx(
        "focal_motor_seizures",
        "against",
        "lsr",
        ("is", "emg_lsr", "present"),
        "lateral spread response",
        "yaltho_jankovic2011",
        _W,
    ),
    # psychogenic
    _dx(
        "psychogenic_facial_movements",
        "for",
        "distractible",
        ("true", "distractible"),
        "variable, distractible movements",
        "baizabal_jankovic2016",
        _X,
    ),
    _dx(
        "psychogenic_facial_movements",
        "against",
        "babinski2",
        ("true", "other_babinski_sign"),
        "other Babinski sign (organic HFS)",
        "baizabal_jankovic2016",
        _X,
    ),
    _dx(
        "psychogenic_facial_movements",
        "against",
        "lsr",
        ("is", "emg_lsr", "present"),
        "lateral spread response",
        "yaltho_jankovic2011",
        _S,
    ),
    # tardive dyskinesia
    _dx(
        "tardive_dyskinesia",
        "for",
        "exposure",
        ("true", "dopamine_blocker_exposure"),
        "dopamine-receptor-blocker exposure",
        "yaltho_jankovic2011",
        _X,
    ),
    _dx(
        "tardive_dyskinesia",
        "for",
        "orolingual",
        ("true", "orolingual_movements"),
        "stereotyped orolingual movements",
        "yaltho_jankovic2011",
        _S,
    ),
    _dx(
        "tardive_dyskinesia",
        "against",
        "unilateral",
        ("true", "unilateral"),
        "strictly one-sided",
        "yaltho_jankovic2011",
        _S,
    ),
]


def _rf(id_, cond, flag, urgency, action, source):
    return Rule(
        id=f"R.{id_}",
        kind="red_flag",
        condition=cond,
        conclusion=flag,
        urgency=urgency,
        action=action,
        source=source,
    )


RED_FLAG_RULES: list[Rule] = [
    _rf(
        "mass_on_mri",
        ("is", "mri", "mass_lesion"),
        "mass lesion on MRI (secondary HFS)",
        "urgent",
        "neurosurgical referral for the lesion; treat the cause",
        "han2009",
    ),
    _rf(
        "facial_weakness",
        ("all", [("true", "facial_weakness"), ("not", ("true", "weakness_explained"))]),
        "facial weakness (possible mass lesion)",
        "priority",
        MRI_ACTION,
        "yaltho_jankovic2011",
    ),
    _rf(
        "hearing_loss",
        ("true", "hearing_loss"),
        "hearing loss (possible cerebellopontine-angle lesion)",
        "priority",
        MRI_ACTION,
        "zeiler2015",
    ),
    _rf(
        "vestibulocochlear",
        ("true", "vestibulocochlear"),
        "tinnitus or vertigo (eighth-nerve symptoms)",
        "priority",
        MRI_ACTION,
        "yaltho_jankovic2011",
    ),
    _rf(
        "other_cn",
        ("true", "other_cn"),
        "other cranial-nerve signs (possible structural lesion)",
        "priority",
        MRI_ACTION,
        "yaltho_jankovic2011",
    ),
    _rf(
        "lower_face_onset",
        ("all", [("true", "lower_face_onset"), ("true", "hfs_considered")]),
        "atypical onset in the lower face",
        "priority",
        MRI_ACTION,
        "yaltho_jankovic2011",
    ),
    _rf(
        "bilateral",
        ("all", [("true", "bilateral"), ("not", ("true", "bilateral_synchronous"))]),
        "bilateral involvement (rare in HFS)",
        "priority",
        MRI_ACTION,
        "han2009",
    ),
    _rf(
        "myokymia",
        ("true", "myokymia"),
        "facial myokymia (may accompany brainstem lesions)",
        "priority",
        MRI_ACTION,
        "yaltho_jankovic2011",
    ),
    _rf(
        "dyspnea",
        ("true", "dyspnea"),
        "trouble breathing (possible upper-airway compromise)",
        "emergency",
        "same-day emergency assessment of the airway",
        "scottish_cancer_referral",
    ),
    _rf(
        "neck_mass",
        ("true", "neck_mass"),
        "palpable lump or mass in the head or neck",
        "urgent",
        ENT_ACTION,
        "nice_ng12",
    ),
    _rf(
        "dysphagia",
        ("true", "dysphagia"),
        "trouble eating or swallowing",
        "urgent",
        ENT_ACTION,
        "ucla_head_neck_symptoms",
    ),
    _rf(
        "hoarseness",
        ("true", "hoarseness"),
        "voice change or hoarseness",
        "urgent",
        ENT_ACTION,
        "nice_ng12",
    ),
    _rf(
        "visual_change",
        ("true", "visual_change"),
        "trouble seeing (e.g. double vision)",
        "urgent",
        ENT_ACTION,
        "ucla_head_neck_symptoms",
    ),
    _rf(
        "weight_loss",
        ("true", "weight_loss"),
        "unexplained weight loss",
        "urgent",
        ENT_ACTION,
        "ucla_head_neck_symptoms",
    ),
]


_WORKUP_REASONS = {
    "emg": "HFS is being considered and no EMG is recorded",
    "mri": "HFS is being considered and no MRI is recorded",
    "mri_t2": "the MRI recorded lacks high-resolution T2 through the cerebellopontine angle",
    "mri_mra": "the MRI recorded lacks MRA/TOF",
}


def _wk(id_, cond, action, source):
    return Rule(
        id=f"W.{id_}",
        kind="workup",
        condition=cond,
        conclusion=action,
        action=action,
        reason=_WORKUP_REASONS[id_],
        source=source,
    )


WORKUP_RULES: list[Rule] = [
    _wk(
        "emg",
        ("all", [("true", "hfs_considered"), ("not", ("true", "emg_done"))]),
        "EMG of the facial muscles for the lateral spread response (stimulate one facial-nerve "
        "branch, record from a muscle of another)",
        "yaltho_jankovic2011",
    ),
    _wk(
        "mri",
        ("all", [("true", "hfs_considered"), ("not", ("true", "mri_done"))]),
        MRI_ACTION,
        "kemp_reich2004",
    ),
    _wk(
        "mri_t2",
        ("all", [("true", "mri_sequences_recorded"), ("true", "mri_missing_high_res_t2")]),
        "complete the MRI with high-resolution T2 (CISS/FIESTA) through the cerebellopontine angle",
        "lu2014",
    ),
    _wk(
        "mri_mra",
        ("all", [("true", "mri_sequences_recorded"), ("true", "mri_missing_mra")]),
        "complete the MRI with MRA/3D-TOF to show the offending vessel",
        "lu2014",
    ),
]
