"""Helpers for the compile and engine tests: tiny inline tables written as input files, written
requests, and the reference evaluator run over a workspace's accepted rows."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import yaml

from minshare.compile.plan import POST_HITS, ROW_UNREADABLE, STATE_NOT_REQUESTED
from minshare.data import model
from minshare.data.model import KEY, Table
from minshare.orders.decide import Decider
from minshare.orders.evaluate import Decision
from minshare.orders.model import Order

AS_OF = dt.date(2026, 2, 1)
# Ids only the engine produces (the reference evaluator decides one record at a time).
ENGINE_ONLY = {ROW_UNREADABLE, STATE_NOT_REQUESTED, *POST_HITS}

# A record the December order discloses: New York, not a citizen, code 3, a recent SAVE
# determination of unlawful presence. Synthetic; SSN area 9xx is never issued.
BASE_RECORD: dict[str, Any] = {
    "SUBMTG_STATE_CD": "36",
    "MSIS_IDENT_NUM": "NY7A20931",
    "SSN_NUM": "900-12-3456",
    "ELGBL_1ST_NAME": "Alex",
    "ELGBL_LAST_NAME": "Sample",
    "BIRTH_DT": "1990-05-01",
    "CTZNSHP_IND": "0",
    "IMGRTN_STUS_CD": "3",
    "ELGBL_LINE_1_ADR_HOME": "12 Example St",
    "ELGBL_CITY_NAME_HOME": "Albany",
    "ELGBL_STATE_CD_HOME": "36",
    "ELGBL_ZIP_CD_HOME": "12207",
    "ELGBL_PHNE_NUM_HOME": "5185550142",
    "ELGBLTY_GRP_CD": "05",
    "PRGNT_IND": "1",
}
BASE_DETERMINATION: dict[str, Any] = {
    "STATUS_CATEGORY": "UNLAWFULLY_PRESENT",
    "DETERMINATION_SOURCE": "SAVE",
    "DETERMINED_ON": "2025-12-01",
}


def person(msis_id: str, state: str = "36", **columns: Any) -> dict[str, Any]:
    return {**BASE_RECORD, "SUBMTG_STATE_CD": state, "MSIS_IDENT_NUM": msis_id, **columns}


def determination(msis_id: str, state: str = "36", **columns: Any) -> dict[str, Any]:
    return {"SUBMTG_STATE_CD": state, "MSIS_IDENT_NUM": msis_id, **BASE_DETERMINATION, **columns}


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def write_table(
    rows: Iterable[Mapping[str, Any]],
    table: Table,
    path: Path,
    *,
    drop: Sequence[str] = (),
) -> Path:
    """Every model column of ``table`` as text (as a raw extract carries it), minus ``drop``."""
    rows = list(rows)
    names = [n for n in model.column_names(table) if n not in drop]
    data = {n: [_text(r.get(n)) for r in rows] for n in names}
    pq.write_table(pa.table(data, schema=pa.schema([(n, pa.string()) for n in names])), path)
    return path


def write_registry(path: Path) -> Path:
    """A one-facility registry file (a dialysis centre in Albany, NY): the December order decides
    on the guard's findings, and the guard needs a registry. Synthetic."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        "name,address,city,state,zip,phone,category\n"
        "Capital Renal Center,500 Renal Way,Albany,NY,12207,5185550100,dialysis\n"
    )
    return path


def registry_of(enrollment: Path) -> list[Path]:
    """The registry :func:`write_inputs` wrote beside ``enrollment``."""
    return [enrollment.parent / "registry.csv"]


def write_inputs(
    tmp: Path,
    people: Iterable[Mapping[str, Any]],
    determinations: Iterable[Mapping[str, Any]],
    *,
    drop: Sequence[str] = (),
) -> tuple[Path, Path]:
    tmp.mkdir(parents=True, exist_ok=True)
    write_registry(tmp / "registry.csv")  # beside the inputs: registry_of(enrollment path)
    e = write_table(people, Table.ENROLLMENT, tmp / "enrollment.parquet", drop=drop)
    d = write_table(determinations, Table.DETERMINATIONS, tmp / "determinations.parquet")
    return e, d


def write_request(
    path: Path,
    *,
    as_of: dt.date = AS_OF,
    signed_on: dt.date | None = None,
    states: str | list[str] = "all",
    fields: list[str] | None = None,
    purpose: str = "civil-immigration-enforcement",
    recipient: str = "dhs-ice",
    authority_cited: list[str] | None = None,
) -> Path:
    body: dict[str, Any] = {
        "schema_version": 1,
        "request_id": "TEST-0001",
        "recipient": recipient,
        "purpose": purpose,
        "activity": "Test disclosure",
        "requested_by": {
            "name": "Jordan Example",
            "title": "Director",
            "agency": "U.S. Department of Homeland Security",
            "address": "500 12th Street SW, Washington, DC 20536",
        },
        "signed_on": (signed_on or as_of - dt.timedelta(days=10)).isoformat(),
        "as_of": as_of.isoformat(),
        "states": states,
    }
    if fields is not None:
        body["fields"] = fields
    if authority_cited is not None:
        body["authority_cited"] = authority_cited
    path.write_text(yaml.safe_dump(body, sort_keys=False))
    return path


def rows_of(path: Path) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = pq.read_table(path).to_pylist()
    return rows


def reference(
    workspace: Path,
    orders: Sequence[Order],
    as_of: dt.date,
    *,
    recipient: str | None = "dhs-ice",
    purpose: str | None = "civil-immigration-enforcement",
) -> dict[tuple[str, int], Decision]:
    """The reference evaluator's decision for every accepted row of the workspace, keyed by
    (file, row); each row sees the other rows with its key as duplicates."""
    enrollment = rows_of(workspace / "enrollment.parquet")
    dets: dict[tuple[Any, ...], list[dict[str, Any]]] = defaultdict(list)
    for d in rows_of(workspace / "determinations.parquet"):
        dets[tuple(d[k] for k in KEY)].append(d)
    people: dict[tuple[Any, ...], list[dict[str, Any]]] = defaultdict(list)
    for r in enrollment:
        people[tuple(r[k] for k in KEY)].append(r)
    decider = Decider(orders, as_of, recipient=recipient, purpose=purpose)
    guard = guard_facts(workspace)
    out: dict[tuple[str, int], Decision] = {}
    for key, group in people.items():
        for i, row in enumerate(group):
            clean = {k: v for k, v in row.items() if not k.startswith("_MS_")}
            others = [
                {k: v for k, v in o.items() if not k.startswith("_MS_")}
                for j, o in enumerate(group)
                if j != i
            ]
            supplied = None if guard is None else guard.get((*key, row["_MS_ROW"]), NO_FINDING)
            decision = decider.decide(
                clean, dets.get(key, []), duplicates=others, normalized=True, supplied=supplied
            )
            out[(row["_MS_FILE"], row["_MS_ROW"])] = decision
    return out


NO_FINDING = {name: False for name in ("guard.finding", "guard.health", "guard.shape")}


def guard_facts(workspace: Path) -> dict[tuple[Any, ...], dict[str, bool]] | None:
    """The guard's facts per (state, Medicaid ID, row), from the run's findings (an input to
    both the engine and the reference, like the determinations)."""
    path = workspace / "findings.parquet"
    if not path.exists():
        return None
    from minshare.guard import row_facts

    out: dict[tuple[Any, ...], dict[str, bool]] = {}
    for r in row_facts(pq.read_table(path)).to_pylist():
        key = (r["SUBMTG_STATE_CD"], r["MSIS_IDENT_NUM"], r["_MS_ROW"])
        out[key] = {n: bool(r[n]) for n in NO_FINDING}
    return out


def rule_ids(row: Mapping[str, Any]) -> list[str]:
    """The ids the reference evaluator would list (the engine's own steps left out)."""
    return sorted(i for i in row["rule_ids"] if i not in ENGINE_ONLY)
