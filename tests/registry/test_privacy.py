"""Identities never reach logs, file names or other tables (grep every output)."""

from __future__ import annotations

import json
import logging

from hemispasm.registry.backup import dump_tables


def test_identities_only_in_the_identity_table(
    reg, registry_env, case_dir, cli, caplog, identifiers, shared, face_model, monkeypatch
):
    monkeypatch.setenv("HEMISPASM_FACE_MODEL", str(face_model))
    caplog.set_level(logging.DEBUG)
    outputs = []
    for args in (
        ("-v", "registry", "import", case_dir),
        ("-v", "patient", "list"),
        ("-v", "patient", "list", "--json"),
        ("-v", "registry", "status"),
        ("-v", "registry", "audit"),
        ("-v", "registry", "audit", "--json"),
    ):
        code, out, err = cli(*args)
        assert code == 0, err
        outputs += [out, err]
    pid = json.loads(cli("patient", "list", "--json")[1])[0]["id"]
    for args in (
        ("-v", "patient", "show", pid),
        ("-v", "patient", "show", pid, "--json"),
        (
            "-v",
            "visit",
            "add",
            "--patient",
            pid,
            "--date",
            "2025-10-10",
            "--notes",
            "Example Street",
        ),
        ("-v", "record", "add", shared("data/video/blink_2s_360p.mp4"), "--patient", pid),
    ):
        code, out, err = cli(*args)
        assert code == 0, err
        outputs += [out, err]
    outputs.append(caplog.text)
    blob = "\n".join(outputs)
    for ident in identifiers:
        assert ident not in blob, ident
    # file names in the managed folder
    names = " ".join(str(p.relative_to(reg.data_dir)) for p in reg.data_dir.rglob("*"))
    assert names and not any(ident in names for ident in identifiers)
    # every table but patient_identity holds no identity (free-text notes stay where written)
    tables = dump_tables(reg)
    ident_rows = tables.pop("patient_identity")
    assert {r["mrn"] for r in ident_rows} == {"MRN-7781", "MRN-9902"}
    cases = tables.pop("clinical_case")
    assert [v.pop("notes") for v in tables["visit"]].count("Example Street") == 1  # free text
    rest = json.dumps(tables, ensure_ascii=False)
    for ident in identifiers:
        assert ident not in rest, ident
    for c in cases:
        text = json.dumps({k: v for k, v in c.items() if k != "data"}, ensure_ascii=False)
        assert not any(ident in text for ident in identifiers)
        assert not any(
            ident in json.dumps(c["data"]) for ident in identifiers if ident != "Example Street"
        )
    # with --identity the user asked for them: they are there
    code, out, _ = cli("patient", "list", "--identity")
    assert "MRN-7781" in out
