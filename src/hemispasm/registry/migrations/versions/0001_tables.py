"""0001: every registry table (patient, identity, visit, case, recording, analysis, scales,
toxin sessions and injections, drug courses, surgery, follow-up, adverse events, audit_event).

Revision ID: 0001
Revises: (none)
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.String(length=32), nullable=False),
        sa.Column("actor", sa.String(length=120), nullable=False),
        sa.Column("action", sa.String(length=8), nullable=False),
        sa.Column("entity", sa.String(length=32), nullable=False),
        sa.Column("entity_id", sa.String(length=32), nullable=False),
        sa.Column("patient_id", sa.String(length=16), nullable=True),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_event")),
        sa.UniqueConstraint("hash", name=op.f("uq_audit_event_hash")),
    )
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_event_patient_id"), ["patient_id"], unique=False)

    op.create_table(
        "patient",
        sa.Column("id", sa.String(length=16), nullable=False),
        sa.Column("synthetic", sa.Boolean(), nullable=False),
        sa.Column("sex", sa.String(length=8), nullable=True),
        sa.Column("side", sa.String(length=10), nullable=True),
        sa.Column("onset_age", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_patient")),
    )
    op.create_table(
        "drug_course",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.String(length=16), nullable=False),
        sa.Column("drug", sa.String(length=64), nullable=False),
        sa.Column("dose_mg_per_day", sa.Float(), nullable=True),
        sa.Column("start_date", sa.Date(), nullable=True),
        sa.Column("stop_date", sa.Date(), nullable=True),
        sa.Column("response", sa.String(length=16), nullable=True),
        sa.Column("side_effects", sa.JSON(), nullable=False),
        sa.Column("stopped_for_side_effects", sa.Boolean(), nullable=True),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patient.id"], name=op.f("fk_drug_course_patient_id_patient")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_drug_course")),
    )
    with op.batch_alter_table("drug_course", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_drug_course_patient_id"), ["patient_id"], unique=False)

    op.create_table(
        "patient_identity",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("birth_date", sa.Date(), nullable=True),
        sa.Column("mrn", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patient.id"], name=op.f("fk_patient_identity_patient_id_patient")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_patient_identity")),
        sa.UniqueConstraint("mrn", name=op.f("uq_patient_identity_mrn")),
        sa.UniqueConstraint("patient_id", name=op.f("uq_patient_identity_patient_id")),
    )
    op.create_table(
        "visit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.String(length=16), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("clinician", sa.String(length=120), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patient.id"], name=op.f("fk_visit_patient_id_patient")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_visit")),
    )
    with op.batch_alter_table("visit", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_visit_patient_id"), ["patient_id"], unique=False)

    op.create_table(
        "clinical_case",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.String(length=16), nullable=False),
        sa.Column("visit_id", sa.Integer(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("assessment", sa.JSON(), nullable=True),
        sa.Column("source_name", sa.String(length=255), nullable=True),
        sa.Column("source_sha256", sa.String(length=64), nullable=True),
        sa.Column("hemispasm_version", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patient.id"], name=op.f("fk_clinical_case_patient_id_patient")
        ),
        sa.ForeignKeyConstraint(
            ["visit_id"], ["visit.id"], name=op.f("fk_clinical_case_visit_id_visit")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_clinical_case")),
        sa.UniqueConstraint("visit_id", name=op.f("uq_clinical_case_visit_id")),
    )
    with op.batch_alter_table("clinical_case", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_clinical_case_patient_id"), ["patient_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_clinical_case_source_sha256"), ["source_sha256"], unique=False
        )

    op.create_table(
        "recording",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.String(length=16), nullable=False),
        sa.Column("visit_id", sa.Integer(), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("suffix", sa.String(length=16), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("duration_s", sa.Float(), nullable=True),
        sa.Column("stored_path", sa.String(length=255), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patient.id"], name=op.f("fk_recording_patient_id_patient")
        ),
        sa.ForeignKeyConstraint(
            ["visit_id"], ["visit.id"], name=op.f("fk_recording_visit_id_visit")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recording")),
        sa.UniqueConstraint("sha256", name=op.f("uq_recording_sha256")),
    )
    with op.batch_alter_table("recording", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_recording_patient_id"), ["patient_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_recording_visit_id"), ["visit_id"], unique=False)

    op.create_table(
        "toxin_session",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.String(length=16), nullable=False),
        sa.Column("visit_id", sa.Integer(), nullable=True),
        sa.Column("date", sa.Date(), nullable=True),
        sa.Column("product_inn", sa.String(length=64), nullable=True),
        sa.Column("brand", sa.String(length=64), nullable=True),
        sa.Column("vial_units", sa.Float(), nullable=True),
        sa.Column("dilution_ml", sa.Float(), nullable=True),
        sa.Column("lot", sa.String(length=64), nullable=True),
        sa.Column("response", sa.String(length=16), nullable=True),
        sa.Column("peak_improvement_pct", sa.Float(), nullable=True),
        sa.Column("benefit_weeks", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patient.id"], name=op.f("fk_toxin_session_patient_id_patient")
        ),
        sa.ForeignKeyConstraint(
            ["visit_id"], ["visit.id"], name=op.f("fk_toxin_session_visit_id_visit")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_toxin_session")),
    )
    with op.batch_alter_table("toxin_session", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_toxin_session_date"), ["date"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_toxin_session_patient_id"), ["patient_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_toxin_session_visit_id"), ["visit_id"], unique=False)

    op.create_table(
        "analysis",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("recording_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("method", sa.String(length=64), nullable=False),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.Column("tables", sa.JSON(), nullable=False),
        sa.Column("signals_parquet", sa.LargeBinary(), nullable=True),
        sa.Column("provenance", sa.JSON(), nullable=False),
        sa.Column("hemispasm_version", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["recording_id"], ["recording.id"], name=op.f("fk_analysis_recording_id_recording")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_analysis")),
    )
    with op.batch_alter_table("analysis", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_analysis_recording_id"), ["recording_id"], unique=False
        )

    op.create_table(
        "surgery",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.String(length=16), nullable=False),
        sa.Column("date", sa.Date(), nullable=True),
        sa.Column("procedure", sa.String(length=32), nullable=False),
        sa.Column("side", sa.String(length=10), nullable=True),
        sa.Column("offending_vessels", sa.JSON(), nullable=False),
        sa.Column("technique", sa.Text(), nullable=True),
        sa.Column("lsr_recording_id", sa.Integer(), nullable=True),
        sa.Column("lsr_disappeared", sa.Boolean(), nullable=True),
        sa.Column("complications", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["lsr_recording_id"],
            ["recording.id"],
            name=op.f("fk_surgery_lsr_recording_id_recording"),
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patient.id"], name=op.f("fk_surgery_patient_id_patient")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_surgery")),
    )
    with op.batch_alter_table("surgery", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_surgery_patient_id"), ["patient_id"], unique=False)

    op.create_table(
        "toxin_injection",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("muscle", sa.String(length=32), nullable=True),
        sa.Column("side", sa.String(length=10), nullable=True),
        sa.Column("units", sa.Float(), nullable=False),
        sa.Column("points", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["toxin_session.id"],
            name=op.f("fk_toxin_injection_session_id_toxin_session"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_toxin_injection")),
    )
    with op.batch_alter_table("toxin_injection", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_toxin_injection_session_id"), ["session_id"], unique=False
        )

    op.create_table(
        "adverse_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.String(length=16), nullable=False),
        sa.Column("toxin_session_id", sa.Integer(), nullable=True),
        sa.Column("surgery_id", sa.Integer(), nullable=True),
        sa.Column("drug_course_id", sa.Integer(), nullable=True),
        sa.Column("onset_date", sa.Date(), nullable=True),
        sa.Column("event", sa.String(length=64), nullable=False),
        sa.Column("severity", sa.String(length=16), nullable=True),
        sa.Column("resolved_date", sa.Date(), nullable=True),
        sa.Column("permanent", sa.Boolean(), nullable=True),
        sa.ForeignKeyConstraint(
            ["drug_course_id"],
            ["drug_course.id"],
            name=op.f("fk_adverse_event_drug_course_id_drug_course"),
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patient.id"], name=op.f("fk_adverse_event_patient_id_patient")
        ),
        sa.ForeignKeyConstraint(
            ["surgery_id"], ["surgery.id"], name=op.f("fk_adverse_event_surgery_id_surgery")
        ),
        sa.ForeignKeyConstraint(
            ["toxin_session_id"],
            ["toxin_session.id"],
            name=op.f("fk_adverse_event_toxin_session_id_toxin_session"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_adverse_event")),
    )
    with op.batch_alter_table("adverse_event", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_adverse_event_patient_id"), ["patient_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_adverse_event_toxin_session_id"), ["toxin_session_id"], unique=False
        )

    op.create_table(
        "follow_up",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.String(length=16), nullable=False),
        sa.Column("visit_id", sa.Integer(), nullable=True),
        sa.Column("surgery_id", sa.Integer(), nullable=True),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("spasm_free", sa.Boolean(), nullable=True),
        sa.Column("improvement_pct", sa.Float(), nullable=True),
        sa.Column("pgi", sa.Integer(), nullable=True),
        sa.Column("house_brackmann", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patient.id"], name=op.f("fk_follow_up_patient_id_patient")
        ),
        sa.ForeignKeyConstraint(
            ["surgery_id"], ["surgery.id"], name=op.f("fk_follow_up_surgery_id_surgery")
        ),
        sa.ForeignKeyConstraint(
            ["visit_id"], ["visit.id"], name=op.f("fk_follow_up_visit_id_visit")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_follow_up")),
    )
    with op.batch_alter_table("follow_up", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_follow_up_patient_id"), ["patient_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_follow_up_visit_id"), ["visit_id"], unique=False)

    op.create_table(
        "scale_score",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.String(length=16), nullable=False),
        sa.Column("visit_id", sa.Integer(), nullable=True),
        sa.Column("analysis_id", sa.Integer(), nullable=True),
        sa.Column("date", sa.Date(), nullable=True),
        sa.Column("scale", sa.String(length=16), nullable=False),
        sa.Column("total", sa.Float(), nullable=False),
        sa.Column("items", sa.JSON(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("interpretation", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["analysis_id"], ["analysis.id"], name=op.f("fk_scale_score_analysis_id_analysis")
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patient.id"], name=op.f("fk_scale_score_patient_id_patient")
        ),
        sa.ForeignKeyConstraint(
            ["visit_id"], ["visit.id"], name=op.f("fk_scale_score_visit_id_visit")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scale_score")),
    )
    with op.batch_alter_table("scale_score", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_scale_score_patient_id"), ["patient_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_scale_score_visit_id"), ["visit_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("scale_score", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_scale_score_visit_id"))
        batch_op.drop_index(batch_op.f("ix_scale_score_patient_id"))

    op.drop_table("scale_score")
    with op.batch_alter_table("follow_up", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_follow_up_visit_id"))
        batch_op.drop_index(batch_op.f("ix_follow_up_patient_id"))

    op.drop_table("follow_up")
    with op.batch_alter_table("adverse_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_adverse_event_toxin_session_id"))
        batch_op.drop_index(batch_op.f("ix_adverse_event_patient_id"))

    op.drop_table("adverse_event")
    with op.batch_alter_table("toxin_injection", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_toxin_injection_session_id"))

    op.drop_table("toxin_injection")
    with op.batch_alter_table("surgery", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_surgery_patient_id"))

    op.drop_table("surgery")
    with op.batch_alter_table("analysis", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_analysis_recording_id"))

    op.drop_table("analysis")
    with op.batch_alter_table("toxin_session", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_toxin_session_visit_id"))
        batch_op.drop_index(batch_op.f("ix_toxin_session_patient_id"))
        batch_op.drop_index(batch_op.f("ix_toxin_session_date"))

    op.drop_table("toxin_session")
    with op.batch_alter_table("recording", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_recording_visit_id"))
        batch_op.drop_index(batch_op.f("ix_recording_patient_id"))

    op.drop_table("recording")
    with op.batch_alter_table("clinical_case", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_clinical_case_source_sha256"))
        batch_op.drop_index(batch_op.f("ix_clinical_case_patient_id"))

    op.drop_table("clinical_case")
    with op.batch_alter_table("visit", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_visit_patient_id"))

    op.drop_table("visit")
    op.drop_table("patient_identity")
    with op.batch_alter_table("drug_course", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_drug_course_patient_id"))

    op.drop_table("drug_course")
    op.drop_table("patient")
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_event_patient_id"))

    op.drop_table("audit_event")
