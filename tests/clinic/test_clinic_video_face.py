"""The clinic reads the whole-face findings of a video summary (Babinski-2, onset, pattern)."""

from __future__ import annotations

import copy

from hemispasm.clinic import Case, assess
from hemispasm.clinic.video_face import face_facts

BASE = {
    "synthetic": True,
    "affected_side": "right",
    "pattern": {"pattern": "unilateral", "one_sided_spasms": {"left": 0, "right": 4}},
    "sides": {
        "left": {"spasm_count": 0, "spasms_per_min": 0, "clonic_count": 0, "tonic_count": 0},
        "right": {
            "spasm_count": 4,
            "spasms_per_min": 8,
            "clonic_count": 4,
            "tonic_count": 0,
            "regions": ["orbicularis_oculi", "zygomaticus"],
            "onset_region": "orbicularis_oculi",
            "other_babinski_sign": {"present": False, "events_with_sign": 0, "events_measured": 4},
        },
    },
}


def _lead(summary) -> tuple[str, int, dict]:
    a = assess(Case(age=55), video_summary=summary)
    top = a.differential[0]
    return top.condition, top.score, a.video.measured_fields


def test_babinski2_and_lower_onset_change_the_differential():
    cond, score0, fields = _lead(BASE)
    assert cond == "hemifacial_spasm" and fields["other_babinski_sign"] is False
    assert fields["first_muscle"] == "orbicularis_oculi"
    assert "orbicularis_oculi" not in fields["spread_to"]
    s = copy.deepcopy(BASE)
    s["sides"]["right"]["other_babinski_sign"] = {
        "present": True, "events_with_sign": 3, "events_measured": 4
    }  # fmt: skip
    cond, score_b2, fields = _lead(s)
    assert cond == "hemifacial_spasm" and score_b2 > score0 and fields["other_babinski_sign"]
    s["sides"]["right"]["onset_region"] = "orbicularis_oris"
    _, score_low, fields = _lead(s)
    assert fields["first_muscle"] == "orbicularis_oris" and score_low < score_b2


def test_bilateral_synchronous_pattern_points_to_blepharospasm():
    s = copy.deepcopy(BASE)
    s["pattern"] = {"pattern": "bilateral_synchronous"}
    for side in s["sides"].values():
        side.update(spasm_count=0, spasms_per_min=0, clonic_count=0, tonic_count=0)
        side.pop("other_babinski_sign", None)
        side.pop("onset_region", None)
    cond, _, fields = _lead(s)
    assert cond == "blepharospasm"
    assert fields["side"] == "bilateral" and fields["bilateral_synchronous"] is True


def test_case_side_kept_when_video_pattern_is_bilateral():
    s = copy.deepcopy(BASE)
    s["pattern"] = {"pattern": "bilateral_asynchronous"}
    a = assess(Case(age=55, side="left"), video_summary=s)
    assert any("bilateral" in d for d in a.video.discrepancies)
    assert (
        "side" not in a.video.measured_fields
        and "bilateral_synchronous" not in a.video.measured_fields
    )


def test_face_facts_few_measured_events_do_not_say_absent():
    s = copy.deepcopy(BASE)
    s["sides"]["right"]["other_babinski_sign"]["events_measured"] = 2
    facts, _ = face_facts(s, "right")
    assert "other_babinski_sign" not in facts


def test_assess_cli_reads_babinski2_from_video_summary(tmp_path, capsys):
    import json

    from hemispasm.cli import main

    s = copy.deepcopy(BASE)
    s["sides"]["right"]["other_babinski_sign"]["present"] = True
    (tmp_path / "summary.json").write_text(json.dumps(s))
    (tmp_path / "case.yaml").write_text("case_id: T1\nage: 60\n")
    out = tmp_path / "out"
    code = main(["assess", str(tmp_path / "case.yaml"), "--out", str(out),
                 "--video-summary", str(tmp_path / "summary.json")])  # fmt: skip
    assert code == 0
    a = json.loads((out / "assessment.json").read_text())
    assert a["video"]["measured_fields"]["other_babinski_sign"] is True
    assert a["differential"][0]["condition"] == "hemifacial_spasm"
