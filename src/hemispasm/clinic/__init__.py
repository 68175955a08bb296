"""Clinical assessment of hemifacial spasm: case schema, cited decision rules, rating scales,
treatment-course analysis and reports.

hemispasm supports clinicians; it does not diagnose or prescribe.

Examples
--------
>>> from hemispasm.clinic import load_case, assess  # doctest: +SKIP
>>> a = assess(load_case("case.yaml"))  # doctest: +SKIP
>>> a.hfs_likelihood, a.leading_diagnosis  # doctest: +SKIP
"""

from hemispasm.clinic.assess import Assessment, assess, hfs_likelihood, rank_differential
from hemispasm.clinic.case import Case, Treatment, case_from_dict, case_json_schema, load_case
from hemispasm.clinic.io import assess_file, write_assessment
from hemispasm.clinic.scales import (
    SCALES,
    score_cohen_albert,
    score_hfs7,
    score_jankovic,
    score_scale,
    score_smc,
)
from hemispasm.clinic.treatment import analyze_course, injection_plan
from hemispasm.clinic.video import apply_video_summary

__all__ = [
    "SCALES",
    "Assessment",
    "Case",
    "Treatment",
    "analyze_course",
    "apply_video_summary",
    "assess",
    "assess_file",
    "case_from_dict",
    "case_json_schema",
    "hfs_likelihood",
    "injection_plan",
    "load_case",
    "rank_differential",
    "score_cohen_albert",
    "score_hfs7",
    "score_jankovic",
    "score_scale",
    "score_smc",
    "write_assessment",
]
