"""The ledger as the last step of a disclosure: one entry per package (its manifest's bytes),
the record tree in the signed manifest, accounting and proofs for disclosed and withheld people,
and no package left behind when the ledger refuses it."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from enginekit import determination, person, registry_of, write_inputs, write_request
from minshare.cli.main import main
from minshare.engines import DisclosureResult, disclose
from minshare.errors import UsageError
from minshare.ledger import (
    LedgerError,
    accounting_for,
    open_ledger,
    prove_person,
    verify_bundle,
    verify_ledger,
)
from minshare.ledger.proofs import bundle_bytes


def _disclose(tmp: Path, **kw: Any) -> DisclosureResult:
    people = [person("NY1"), person("NY2", CTZNSHP_IND="1"), person("NY3")]
    dets = [determination("NY1"), determination("NY3")]
    e, d = write_inputs(tmp / "in", people, dets)
    request = write_request(
        tmp / "req.yaml",
        fields=kw.pop("fields", None),
        authority_cited=kw.pop("authority_cited", None),
    )
    return disclose(
        request, e, d, out=tmp / "pkg", workspace=tmp / "ws", registries=registry_of(e), **kw
    )


@pytest.fixture(scope="module")
def disclosed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, DisclosureResult]:
    tmp = tmp_path_factory.mktemp("ledger")
    return tmp, _disclose(tmp)


def test_a_disclosure_appends_exactly_one_entry_whose_leaf_is_the_manifest_bytes(
    disclosed: tuple[Path, DisclosureResult],
) -> None:
    tmp, result = disclosed
    body = (tmp / "pkg" / "manifest.json").read_bytes()
    with open_ledger(tmp / "ws") as ledger:
        assert ledger.size() == 1
        entry = ledger.store.entry(0)
        assert entry.data == body
        assert entry.leaf_hash == hashlib.sha256(b"\x00" + body).digest()
        assert result.checkpoint == ledger.checkpoint().decode("utf-8")
    assert result.ledger_index == 0
    assert result.checkpoint is not None
    assert result.checkpoint.split("\n")[1] == "1"  # the checkpoint of tree size 1
    assert result.manifest is not None
    assert result.manifest.record_tree is not None
    assert result.manifest.record_tree.size == result.counts.disclosed == 2
    assert "record_tree" not in result.manifest.extra


def test_the_manifest_carries_the_registry_manifest(
    disclosed: tuple[Path, DisclosureResult],
) -> None:
    from minshare.guard import open_registry

    tmp, result = disclosed
    assert result.manifest is not None
    registry = open_registry(tmp / "ws" / "registry").manifest.model_dump(mode="json")
    assert result.manifest.extra["registry"] == registry


def test_the_ledger_verifies_after_a_disclosure(
    disclosed: tuple[Path, DisclosureResult], capsys: pytest.CaptureFixture[str]
) -> None:
    tmp, _ = disclosed
    with open_ledger(tmp / "ws") as ledger:
        report = verify_ledger(ledger, workspace=tmp / "ws")
    assert report.ok, report.findings
    assert report.record_trees == 1
    assert main(["ledger", "verify", "--workspace", str(tmp / "ws")]) == 0
    assert "verified" in capsys.readouterr().out


def test_accounting_of_a_disclosed_person_lists_the_disclosure_and_its_proof_verifies(
    disclosed: tuple[Path, DisclosureResult], capsys: pytest.CaptureFixture[str]
) -> None:
    tmp, result = disclosed
    ws = tmp / "ws"
    proof = tmp / "ny1.json"
    argv = ["accounting", "--state", "36", "--id", "NY1", "--workspace", str(ws)]
    assert main([*argv, "--proof", str(proof), "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [d["entry_index"] for d in listed["disclosures"]] == [result.ledger_index]
    with open_ledger(ws) as ledger:
        vkey = ledger.vkey
    report = verify_bundle(proof.read_bytes(), vkey)
    assert report.ok, report.problems
    assert [d.entry_index for d in report.disclosures] == [0]
    assert report.disclosures[0].values["MSIS_IDENT_NUM"] == "NY1"
    assert report.disclosures[0].request_id == "TEST-0001"
    assert main(["verify-proof", str(proof), "--key", vkey]) == 0


def test_a_withheld_persons_bundle_proves_the_package_did_not_include_them(
    disclosed: tuple[Path, DisclosureResult],
) -> None:
    tmp, _ = disclosed
    ws = tmp / "ws"
    with open_ledger(ws) as ledger:
        accounting = accounting_for(ledger, ws, "36", "NY2")
        bundle = bundle_bytes(prove_person(ledger, ws, "36", "NY2"))
        vkey = ledger.vkey
    assert accounting.disclosures == []
    assert accounting.not_included == [0]
    report = verify_bundle(bundle, vkey)
    assert report.ok, report.problems
    assert report.disclosures == []
    assert report.not_included == [0]
    assert report.complete


def test_a_package_without_the_key_columns_is_still_keyed_by_person(tmp_path: Path) -> None:
    result = _disclose(tmp_path, fields=["BIRTH_DT"])
    assert result.columns == ("BIRTH_DT",)
    ws = tmp_path / "ws"
    with open_ledger(ws) as ledger:
        assert [d.entry_index for d in accounting_for(ledger, ws, "36", "NY3").disclosures] == [0]
        assert accounting_for(ledger, ws, "36", "NY2").not_included == [0]


def test_each_disclosure_is_a_new_entry_of_the_same_ledger(tmp_path: Path) -> None:
    first = _disclose(tmp_path)
    e, d = tmp_path / "in" / "enrollment.parquet", tmp_path / "in" / "determinations.parquet"
    second = disclose(
        tmp_path / "req.yaml", e, d, out=tmp_path / "pkg2", workspace=tmp_path / "ws",
        registries=registry_of(e),
    )  # fmt: skip
    assert (first.ledger_index, second.ledger_index) == (0, 1)
    with open_ledger(tmp_path / "ws") as ledger:
        assert verify_ledger(ledger, workspace=tmp_path / "ws").ok


def _nothing_published(tmp: Path) -> None:
    assert not (tmp / "pkg").exists()
    assert [p.name for p in tmp.iterdir() if p.name.startswith(".pkg")] == []


def test_a_failing_append_leaves_no_package(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import minshare.ledger

    def refuse(*_a: Any, **_kw: Any) -> None:
        raise LedgerError("the store is read-only", file="ledger.sqlite")

    monkeypatch.setattr(minshare.ledger, "append_manifest", refuse)
    with pytest.raises(LedgerError, match="not published, so it was withdrawn") as info:
        _disclose(tmp_path)
    assert "the store is read-only" in str(info.value)
    _nothing_published(tmp_path)
    log = [json.loads(line) for line in (tmp_path / "ws" / "run.log").read_text().splitlines()]
    assert [e["step"] for e in log][-3:] == ["publish", "withdrawn", "failed"]
    with open_ledger(tmp_path / "ws") as ledger:
        assert ledger.size() == 0


def test_a_ledger_that_cannot_record_stops_the_run_before_anything_is_read(
    tmp_path: Path,
) -> None:
    # A ledger created by another workspace has another key: this workspace cannot sign for it.
    other = tmp_path / "other-ws"
    with open_ledger(other):
        pass
    with pytest.raises(LedgerError, match="not the key this ledger was created with"):
        _disclose(tmp_path, ledger=str(other / "ledger.sqlite"))
    _nothing_published(tmp_path)
    assert not (tmp_path / "ws" / "decisions.parquet").exists()


def test_the_cli_prints_the_ledger_entry_and_checkpoint(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    e, d = write_inputs(tmp_path / "in", [person("NY1")], [determination("NY1")])
    request = write_request(tmp_path / "req.yaml")
    ws = tmp_path / "ws"

    def argv(out: str, *more: str) -> list[str]:
        return [
            "disclose", "--request", str(request), "--enrollment", str(e),
            "--determinations", str(d), "--registry", str(registry_of(e)[0]),
            "--out", str(tmp_path / out), "--workspace", str(ws), *more,
        ]  # fmt: skip

    elsewhere = tmp_path / "elsewhere.sqlite"
    assert main(argv("pkg", "--ledger", str(elsewhere))) == 0
    out = capsys.readouterr().out
    assert "ledger: recorded as entry 0" in out
    assert "minshare.invalid/ledger/" in out  # the checkpoint's origin line
    assert elsewhere.is_file()
    assert not (ws / "ledger.sqlite").exists()
    assert main(argv("pkg2", "--json")) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["ledger_index"] == 0  # the workspace's own ledger, new: its first entry
    assert data["checkpoint"].startswith("minshare.invalid/ledger/")
    assert (ws / "ledger.sqlite").is_file()


def test_an_existing_out_is_refused_before_the_ledger_is_touched(tmp_path: Path) -> None:
    (tmp_path / "pkg").mkdir()
    with pytest.raises(UsageError, match="already exists"):
        _disclose(tmp_path)
    assert not (tmp_path / "ws" / "ledger.sqlite").exists()


def test_the_legal_basis_the_request_cites_is_in_the_manifest_and_shapes_the_views(
    tmp_path: Path,
) -> None:
    cited = ["8 U.S.C. 1360(b)", "5 U.S.C. 552a(b)(7)"]
    result = _disclose(tmp_path, authority_cited=cited)
    body = json.loads((tmp_path / "pkg" / "manifest.json").read_bytes())
    assert body["request"]["legal_basis"] == cited
    with open_ledger(tmp_path / "ws") as ledger:
        auditor = accounting_for(ledger, tmp_path / "ws", "36", "NY1", view="auditor")
        individual = accounting_for(ledger, tmp_path / "ws", "36", "NY1", view="individual")
    (entry,) = auditor.disclosures
    assert entry.entry_index == result.ledger_index
    assert entry.legal_basis == cited
    assert entry.hidden_from_individual
    # 552a(c)(3): a (b)(7) disclosure is kept from the individual's view, and only counted.
    assert individual.disclosures == []
    assert individual.withheld == 1


def test_a_request_citing_no_authority_leaves_the_basis_out_of_the_manifest(
    disclosed: tuple[Path, DisclosureResult],
) -> None:
    tmp, _ = disclosed
    body = json.loads((tmp / "pkg" / "manifest.json").read_bytes())
    assert "legal_basis" not in body["request"]
    with open_ledger(tmp / "ws") as ledger:
        individual = accounting_for(ledger, tmp / "ws", "36", "NY1", view="individual")
    assert len(individual.disclosures) == 1
