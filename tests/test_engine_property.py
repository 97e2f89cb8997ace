"""Property: whatever the tables hold, no withheld or review row and no unpermitted column ever
reaches the package, and every input row is accounted for."""

from __future__ import annotations

import csv
import datetime as dt
import tempfile
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from enginekit import registry_of, write_inputs, write_request
from minshare.engines import disclose
from minshare.orders.catalog import Catalog

DEC_FIELDS = Catalog.builtin().get("ca-v-hhs-2025-12-29").field_names
STATES = ["36", "06", "6", "48", "93", "55", "11"]
IDS = ["NY1", "NY2", "CA7", "123456789", "123-45-6789", "000123456"]
CATEGORIES = ["UNLAWFULLY_PRESENT", "LPR", "CITIZEN", "DACA", "UNKNOWN", "UNDOCUMENTED", None]
SOURCES = ["SAVE", "USCIS_DOCUMENT", "STATE_RECORD", "SELF_ATTESTATION", "RUMOR", None]
DATES = ["2025-12-01", "20251201", "2024-01-15", "2026-02-01", "2026-03-01", "20230230", None]
TEXT = st.sampled_from(["12 Example St", "=HYPERLINK(1)", "+1 555", "Rm 4B, Dialysis Ctr", None])

enrollment_rows = st.lists(
    st.fixed_dictionaries(
        {
            "SUBMTG_STATE_CD": st.sampled_from(STATES),
            "MSIS_IDENT_NUM": st.sampled_from(IDS),
            "SSN_NUM": st.sampled_from([None, "900123456", "123456789", "NY1"]),
            "ELGBL_1ST_NAME": st.sampled_from(["Alex", None]),
            "BIRTH_DT": st.sampled_from(["1990-05-01", "19900501", None, "1990-02-30"]),
            "CTZNSHP_IND": st.sampled_from(["0", "0", "1", "2", None, "7"]),
            "IMGRTN_STUS_CD": st.sampled_from(["3", "3", "0", "1", "2", "4", "8", None]),
            "ELGBL_LINE_1_ADR_HOME": TEXT,
            "ELGBL_LINE_2_ADR_HOME": TEXT,
            "ELGBL_PHNE_NUM_HOME": st.sampled_from(["5185550142", "+15185550142", None]),
            "ELGBLTY_GRP_CD": st.sampled_from(["05", "72", None]),
            "PRGNT_IND": st.sampled_from(["1", "0", None]),
        }
    ),
    max_size=12,
)
determination_rows = st.lists(
    st.fixed_dictionaries(
        {
            "SUBMTG_STATE_CD": st.sampled_from(STATES),
            "MSIS_IDENT_NUM": st.sampled_from(IDS),
            "STATUS_CATEGORY": st.sampled_from(CATEGORIES),
            "DETERMINATION_SOURCE": st.sampled_from(SOURCES),
            "DETERMINED_ON": st.sampled_from(DATES),
        }
    ),
    max_size=12,
)


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    people=enrollment_rows,
    dets=determination_rows,
    fields=st.one_of(st.none(), st.lists(st.sampled_from(DEC_FIELDS), min_size=1, unique=True)),
    as_of=st.sampled_from([dt.date(2026, 2, 1), dt.date(2026, 2, 1), dt.date(2025, 10, 1)]),
)
def test_nothing_withheld_or_unpermitted_ever_reaches_the_package(
    people: list[dict[str, Any]],
    dets: list[dict[str, Any]],
    fields: list[str] | None,
    as_of: dt.date,
) -> None:
    if as_of < dt.date(2026, 1, 6):
        fields = None  # the injunction permits no field: asking for one is refused up front
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        e, d = write_inputs(base / "in", people, dets)
        request = write_request(base / "req.yaml", as_of=as_of, fields=fields)
        result = disclose(
            request, e, d, out=base / "pkg", workspace=base / "ws", registries=registry_of(e)
        )
        c = result.counts
        assert c.input_rows == len(people)
        assert c.input_rows == c.disclosed + c.withheld + c.review + c.quarantined

        decided = pq.read_table(base / "ws" / "decisions.parquet").to_pylist()
        assert len(decided) == c.disclosed + c.withheld + c.review
        not_leaving = {
            (r["SUBMTG_STATE_CD"], r["MSIS_IDENT_NUM"])
            for r in decided
            if r["decision"] != "disclose"
        }
        if result.package is None:
            assert c.disclosed == 0 or not result.columns
            assert not (base / "pkg").exists()
            return
        allowed = set(DEC_FIELDS) if fields is None else set(fields)
        manifest = result.manifest
        assert manifest is not None
        assert set(manifest.columns) <= allowed
        assert manifest.counts == c
        for name in ("records.parquet", "records.csv"):
            assert (base / "pkg" / name).exists()
        records = pq.read_table(base / "pkg" / "records.parquet")
        assert records.column_names == list(manifest.columns)
        assert records.num_rows == c.disclosed
        if {"SUBMTG_STATE_CD", "MSIS_IDENT_NUM"} <= set(records.column_names):
            for rec in records.to_pylist():
                assert (rec["SUBMTG_STATE_CD"], rec["MSIS_IDENT_NUM"]) not in not_leaving
        with (base / "pkg" / "records.csv").open(newline="") as fh:
            header = next(csv.reader(fh))
        assert header == list(manifest.columns)
