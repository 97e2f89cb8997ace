"""Registries load from the files users have, recognised by exact headers, and fail loudly."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from minshare.data.synth.facilities import NPPES_HEADER
from minshare.errors import UsageError
from minshare.guard.categories import Category
from minshare.guard.errors import RegistryFormatError, RegistryInvalid, RegistryNotFound
from minshare.guard.normalize import address_key
from minshare.guard.registry import build_registry, open_registry
from minshare.guard.registry.sources import PL_OPTIONAL, PL_REQUIRED

P = "Provider Business Practice Location Address"


def write_csv(path: Path, header: list[str] | tuple[str, ...], rows: list[dict[str, str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, quoting=csv.QUOTE_ALL)
        w.writerow(header)
        for r in rows:
            w.writerow([r.get(h, "") for h in header])
    return path


def nppes_row(
    npi: str, entity: str, taxonomy: str, line1: str, postal: str, phone: str = "", **kw: str
) -> dict[str, str]:
    return {
        "NPI": npi,
        "Entity Type Code": entity,
        "Provider Organization Name (Legal Business Name)": kw.get("name", "ACME CARE"),
        "Provider First Line Business Practice Location Address": line1,
        f"{P} Postal Code": postal,
        f"{P} Telephone Number": phone,
        f"{P} Country Code (If outside U.S.)": "US",
        "Healthcare Provider Taxonomy Code_1": taxonomy,
        "Healthcare Provider Primary Taxonomy Switch_1": "Y",
        "NPI Deactivation Date": kw.get("deactivated", ""),
    }


def test_an_nppes_main_file_keeps_active_facility_providers(tmp_path: Path) -> None:
    src = write_csv(
        tmp_path / "npidata_pfile_20050523-20260112.csv",
        NPPES_HEADER,
        [
            nppes_row(
                "1234567893", "2", "261QE0700X", "123 Main Street", "021340001", "6175550123"
            ),
            nppes_row(
                "1234567901", "2", "261QE0700X", "5 Elm St", "02134", deactivated="01/02/2024"
            ),
            nppes_row("1234567919", "2", "332B00000X", "9 Elm St", "02134"),  # DME supplier
            nppes_row("1234567927", "1", "2084P0800X", "77 Oak Ave", "02134"),
        ],
    )
    m = build_registry([src], tmp_path / "reg")
    s = m.sources[0]
    assert (s.format, s.rows, s.entries, s.snapshot) == ("nppes", 4, 2, "2026-01-12")
    assert s.skipped == {"deactivated": 1, "no facility taxonomy": 1}
    reg = open_registry(tmp_path / "reg")
    key = address_key("123 Main St", None, "02134")
    assert key is not None
    [hit] = reg.match_address(key)
    assert (reg.entries[hit.entry].category, hit.strength) == (Category.DIALYSIS, "strong")
    [ind] = reg.match_address(address_key("77 Oak Avenue", None, "02134"))  # type: ignore[arg-type]
    assert (reg.entries[ind.entry].category, ind.strength) == (Category.MENTAL_HEALTH, "weak")
    assert reg.match_phone(6175550123)[0].strength == "strong"


def test_a_subset_of_nppes_columns_loads_and_the_missing_ones_are_recorded(tmp_path: Path) -> None:
    header = [
        "NPI",
        "Entity Type Code",
        "Provider First Line Business Practice Location Address",
        f"{P} Postal Code",
        "Healthcare Provider Taxonomy Code_1",
    ]
    src = write_csv(
        tmp_path / "subset.csv",
        header,
        [nppes_row("1234567893", "2", "251G00000X", "8 Pine Rd", "60601")],
    )
    m = build_registry([src], tmp_path / "reg")
    assert m.sources[0].entries == 1
    assert "NPI Deactivation Date" in m.sources[0].missing_optional_columns
    assert m.by_category == {"F4": 1}


def test_a_missing_required_nppes_header_names_file_and_line(tmp_path: Path) -> None:
    header = [h for h in NPPES_HEADER if h != f"{P} Postal Code"]
    src = write_csv(tmp_path / "npidata.csv", header, [])
    with pytest.raises(RegistryFormatError, match="Postal Code") as err:
        build_registry([src], tmp_path / "reg")
    assert (err.value.location.file, err.value.location.line) == (str(src), 1)
    assert not (tmp_path / "reg").exists()


def test_a_row_with_the_wrong_number_of_fields_names_its_line(tmp_path: Path) -> None:
    src = write_csv(
        tmp_path / "npidata.csv",
        NPPES_HEADER,
        [nppes_row("1234567893", "2", "261QE0700X", "1 A St", "02134")] * 3,
    )
    with src.open("a", encoding="utf-8") as fh:
        fh.write('"1234567893","2"\n')
    with pytest.raises(RegistryFormatError, match="expected 330 fields") as err:
        build_registry([src], tmp_path / "reg")
    assert err.value.location.line == 5


def test_a_non_numeric_npi_names_its_line(tmp_path: Path) -> None:
    rows = [
        nppes_row("1234567893", "2", "261QE0700X", "1 A St", "02134"),
        nppes_row("12345X7893", "2", "", "", ""),
    ]
    src = write_csv(tmp_path / "npidata.csv", NPPES_HEADER, rows)
    with pytest.raises(RegistryFormatError, match="10 digits") as err:
        build_registry([src], tmp_path / "reg")
    assert (err.value.location.line, err.value.location.field) == (3, "NPI")


POS_HEADER = [
    "PRVDR_CTGRY_SBTYP_CD",
    "PRVDR_CTGRY_CD",
    "CITY_NAME",
    "FAC_NAME",
    "PRVDR_NUM",
    "PGM_TRMNTN_CD",
    "PHNE_NUM",
    "STATE_CD",
    "ST_ADR",
    "ZIP_CD",
    "PSYCH_UNIT_BED_CNT",
]


def pos_row(
    ccn: str, cat: str, name: str, adr: str, zip_cd: str, phone: str, term: str = "00"
) -> dict[str, str]:
    return {
        "PRVDR_CTGRY_CD": cat,
        "PRVDR_NUM": ccn,
        "FAC_NAME": name,
        "ST_ADR": adr,
        "CITY_NAME": "BOSTON",
        "STATE_CD": "MA",
        "ZIP_CD": zip_cd,
        "PHNE_NUM": phone,
        "PGM_TRMNTN_CD": term,
    }


def test_a_pos_file_loads_with_categories_by_provider_type(tmp_path: Path) -> None:
    src = write_csv(
        tmp_path / "Hospital_and_other.DATA.Q4_2025.csv",
        POS_HEADER,
        [
            pos_row("222501", "09", "BAY DIALYSIS", "17 HARBOR ST", "2134", "6175550177"),
            pos_row(
                "224001", "01", "MERCY BEHAVIORAL HOSPITAL", "3 HILL RD", "02134", "6175550188"
            ),
            pos_row("225001", "16", "SHORE HOSPICE", "9 BAY RD", "02134", "6175550199", term="01"),
            pos_row("22D001", "22", "CITY LAB", "1 LAB WAY", "02134", "6175550100"),
        ],
    )
    m = build_registry([src], tmp_path / "reg")
    s = m.sources[0]
    assert (s.format, s.entries, s.snapshot) == ("pos", 2, "Q4 2025")
    assert m.by_category == {"F2": 1, "F6": 1}  # the hospital's name makes it psychiatric
    reg = open_registry(tmp_path / "reg")
    assert reg.match_address(address_key("17 Harbor Street", None, "02134"))  # type: ignore[arg-type]
    assert set(s.skipped) == {
        "terminated (PGM_TRMNTN_CD not 00)",
        "category 22 not a facility type minshare indexes",
    }


def test_a_pos_file_without_a_required_header_fails(tmp_path: Path) -> None:
    src = write_csv(tmp_path / "pos.csv", [h for h in POS_HEADER if h != "ZIP_CD"], [])
    with pytest.raises(RegistryFormatError, match="ZIP_CD"):
        build_registry([src], tmp_path / "reg")


def test_secondary_locations_load_with_their_main_file(tmp_path: Path) -> None:
    main = write_csv(
        tmp_path / "npidata.csv",
        NPPES_HEADER,
        [nppes_row("1234567893", "2", "261QM2800X", "1 A St", "02134")],
    )
    header = [*PL_REQUIRED, *PL_OPTIONAL]
    pl_row = {
        PL_REQUIRED[0]: "1234567893",
        PL_REQUIRED[1]: "44 Canal Street",
        PL_REQUIRED[2]: "021390002",
        "Provider Secondary Practice Location Address - Telephone Number": "6175550144",
    }
    pl = write_csv(tmp_path / "pl_pfile.csv", header, [pl_row])
    m = build_registry([pl, main], tmp_path / "reg")
    assert [s.format for s in m.sources] == ["nppes", "nppes_pl"]
    reg = open_registry(tmp_path / "reg")
    [hit] = reg.match_address(address_key("44 Canal St", None, "02139"))  # type: ignore[arg-type]
    assert reg.entries[hit.entry].category is Category.SUBSTANCE_USE
    with pytest.raises(UsageError, match="main file"):
        build_registry([pl], tmp_path / "reg2")


def test_a_plain_csv_is_validated_row_by_row(tmp_path: Path) -> None:
    good = write_csv(
        tmp_path / "mine.csv",
        ["name", "address", "city", "state", "zip", "phone", "category"],
        [
            {
                "name": "Harbor House",
                "address": "123 Main St",
                "zip": "02134",
                "phone": "617-555-0111",
                "category": "shelter",
            }
        ],
    )
    assert build_registry([good], tmp_path / "reg").by_category == {"A1": 1}
    bad = write_csv(
        tmp_path / "bad.csv",
        ["name", "address", "zip", "category"],
        [
            {"name": "A", "address": "1 A St", "zip": "02134", "category": "dialysis"},
            {"name": "B", "address": "2 B St", "zip": "2134", "category": "dialysis"},
            {"name": "C", "address": "3 C St", "zip": "02134", "category": "bakery"},
        ],
    )
    with pytest.raises(RegistryFormatError) as err:
        build_registry([bad], tmp_path / "reg3")
    assert (err.value.location.line, err.value.location.field) == (3, "zip")
    assert [d.location.line for d in err.value.details] == [3, 4]


def test_an_unknown_layout_is_refused_with_its_header(tmp_path: Path) -> None:
    src = write_csv(tmp_path / "x.csv", ["foo", "bar"], [])
    with pytest.raises(
        RegistryFormatError, match=r"unrecognised registry layout.*header: foo, bar"
    ):
        build_registry([src], tmp_path / "reg")


def test_registry_json_records_sources_and_a_changed_index_is_refused(tmp_path: Path) -> None:
    src = write_csv(
        tmp_path / "npidata.csv",
        NPPES_HEADER,
        [nppes_row("1234567893", "2", "261QE0700X", "1 A St", "02134")],
    )
    build_registry([src], tmp_path / "reg")
    manifest = json.loads((tmp_path / "reg" / "registry.json").read_text())
    assert (
        manifest["sources"][0]["sha256"]
        == __import__("hashlib").sha256(src.read_bytes()).hexdigest()
    )
    assert manifest["registry_id"].startswith("sha256:")
    with pytest.raises(UsageError, match="--replace"):
        build_registry([src], tmp_path / "reg")
    (tmp_path / "reg" / "phones.parquet").write_bytes(b"tampered")
    with pytest.raises(RegistryInvalid):
        open_registry(tmp_path / "reg")
    with pytest.raises(RegistryNotFound):
        open_registry(tmp_path / "nowhere")
