"""`registry backup|restore`: a portable dump that round-trips on SQLite and PostgreSQL."""

from __future__ import annotations

import gzip
import json

import pytest

from hemispasm.errors import InputError
from hemispasm.registry import audit
from hemispasm.registry.backup import backup, dump_tables, restore
from hemispasm.registry.db import RegistryError, open_registry
from hemispasm.registry.importer import import_cases
from hemispasm.registry.patients import add_visit
from hemispasm.registry.recordings import add_recording


@pytest.fixture
def filled(reg, case_dir, tmp_path):
    """A registry with imported cases, a correction (with reason) and an EMG recording."""
    from sqlalchemy import select

    from hemispasm.emg import emg_simulate_lsr, write_edf
    from hemispasm.registry import models as m

    rep = import_cases(reg, case_dir)
    pid = rep.imported[0]["patient_id"]
    add_visit(reg, pid, date="2025-09-01", clinician="Dr Z")
    with reg.transaction(reason="dose entered wrongly") as s:
        inj = s.scalars(select(m.ToxinInjection).order_by(m.ToxinInjection.id)).first()
        inj.units = 10.0
    edf = tmp_path / "lsr.edf"
    write_edf(emg_simulate_lsr(n_sweeps=20, snr=8, disappear_at=12, seed=5).recording, edf)
    add_recording(reg, edf, patient_id=pid)
    return reg


@pytest.mark.parametrize("target", ["sqlite", "postgresql"])
def test_round_trip_same_and_cross_dialect(filled, tmp_path, new_database, target):
    f = tmp_path / "reg.json.gz"
    info = backup(filled, f)
    assert info["counts"]["audit_event"] > 10 and info["revision"] == "0003"  # 0003: the web tables
    url = new_database(target)
    res = restore(url, f, data_dir=filled.data_dir)
    assert res["audit_ok"] and res["missing_recording_files"] == 0
    assert res["counts"] == info["counts"]
    dest = open_registry(url, data_dir=filled.data_dir)
    try:
        assert dump_tables(dest) == dump_tables(filled)  # every row, every value
        # the restored registry keeps working: new ids after the restored ones, chain continues
        pid = dump_tables(dest)["patient"][0]["id"]
        v = add_visit(dest, pid, date="2026-01-01")
        assert v["id"] > max(r["id"] for r in dump_tables(filled)["visit"])
        with dest.session() as s:
            assert audit.verify_chain(s)["ok"]
    finally:
        dest.dispose()


def test_restore_refuses_a_non_empty_registry(filled, tmp_path):
    f = tmp_path / "reg.json.gz"
    backup(filled, f)
    with pytest.raises(RegistryError, match="not empty"):
        restore(str(filled.engine.url.render_as_string(False)), f)


def test_restore_refuses_a_tampered_backup(filled, tmp_path, counts):
    f = tmp_path / "reg.json.gz"
    backup(filled, f)
    payload = json.loads(gzip.decompress(f.read_bytes()))
    payload["tables"]["toxin_injection"][0]["units"] = 99.0
    payload["tables"]["audit_event"][5]["changes"] = {"units": [1, 2]}
    bad = tmp_path / "bad.json.gz"
    bad.write_bytes(gzip.compress(json.dumps(payload).encode()))
    url = f"sqlite:///{tmp_path / 'x.sqlite'}"
    with pytest.raises(RegistryError, match="audit chain breaks at row"):
        restore(url, bad)
    reg2 = open_registry(url)
    try:
        assert sum(counts(reg2).values()) == 0  # nothing restored
    finally:
        reg2.dispose()
    junk = tmp_path / "junk.json.gz"
    junk.write_bytes(b"not gzip")
    with pytest.raises(InputError, match="not a readable registry backup"):
        restore(url, junk)


def test_cli_backup_restore(filled, registry_env, cli, tmp_path):
    f = tmp_path / "cli.json.gz"
    code, out, _ = cli("registry", "backup", f)
    assert code == 0 and "rows" in out and f.is_file()
    target = tmp_path / "cli-restored.sqlite"
    code, out, _ = cli("registry", "restore", f, "--db", target)
    assert code == 0 and "audit chain verified" in out
    code, out, _ = cli("patient", "list", "--json", "--db", target)
    assert code == 0 and len(json.loads(out)) == 2
    code, _, err = cli("registry", "restore", f, "--db", target)
    assert code != 0 and "not empty" in err
