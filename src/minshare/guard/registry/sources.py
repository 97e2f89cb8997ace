"""Reading the registry files users have, recognised by their exact headers.

| format | recognised by | required headers |
|---|---|---|
| ``nppes`` (``npidata_pfile_*``) | ``NPI`` and ``Entity Type Code`` | :data:`NPPES_REQUIRED` |
| ``nppes_pl`` (``pl_pfile_*``) | ``NPI`` and a secondary-location header | :data:`PL_REQUIRED` |
| ``pos`` (Provider of Services) | ``PRVDR_CTGRY_CD`` | :data:`POS_REQUIRED` |
| ``nucc`` (``nucc_taxonomy_*.csv``) | ``Code``, ``Grouping``, ``Classification`` | those three |
| ``csv`` (plain) | ``address``, ``zip`` and ``category`` (any case) | those three |

Headers are matched exactly (the NPPES ones include their parentheses and the pl_pfile's
irregular spacing). A missing required header is an error naming the file, line 1 and the
header; an optional one that is absent is recorded in registry.json and its data is simply not
used, never defaulted. A row that breaks the layout (wrong number of fields, a non-numeric NPI,
an unknown entity type, a plain-CSV value that fails validation) is an error naming file and
line. Line numbers assume one record per line, which is how these files are published.

Large files stream through pyarrow's CSV reader with only the needed columns; rows are filtered
vectorized (facility taxonomies, active status) before the few kept rows are normalized in
Python.
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from minshare.errors import MinshareError
from minshare.guard.categories import FACILITY_CATEGORIES, Category, most_revealing
from minshare.guard.errors import RegistryFormatError
from minshare.guard.normalize import AddressKey, address_key, phone10, words
from minshare.guard.registry import taxonomy
from minshare.guard.registry.manifest import Format
from minshare.guard.terms import Lexicon

P = "Provider Business Practice Location Address"
M = "Provider Business Mailing Address"
NPPES_REQUIRED = (
    "NPI",
    "Entity Type Code",
    "Provider First Line Business Practice Location Address",
    f"{P} Postal Code",
    "Healthcare Provider Taxonomy Code_1",
)
NPPES_OPTIONAL = (
    "Provider Organization Name (Legal Business Name)",
    "Provider Second Line Business Practice Location Address",
    f"{P} City Name",
    f"{P} State Name",
    f"{P} Country Code (If outside U.S.)",
    f"{P} Telephone Number",
    f"{P} Fax Number",
    "Provider First Line Business Mailing Address",
    "Provider Second Line Business Mailing Address",
    f"{M} Postal Code",
    f"{M} Country Code (If outside U.S.)",
    f"{M} Telephone Number",
    "Authorized Official Telephone Number",
    "NPI Deactivation Date",
    "NPI Reactivation Date",
    *(f"Healthcare Provider Taxonomy Code_{i}" for i in range(2, 16)),
    *(f"Healthcare Provider Primary Taxonomy Switch_{i}" for i in range(1, 16)),
)
_S = "Provider Secondary Practice Location Address"
PL_REQUIRED = (
    "NPI",
    f"{_S}- Address Line 1",
    f"{_S} - Postal Code",
)
PL_OPTIONAL = (
    f"{_S}-  Address Line 2",
    f"{_S} - City Name",
    f"{_S} - State Name",
    f"{_S} - Country Code (If outside U.S.)",
    f"{_S} - Telephone Number",
)
POS_REQUIRED = (
    "PRVDR_NUM",
    "PRVDR_CTGRY_CD",
    "ST_ADR",
    "CITY_NAME",
    "STATE_CD",
    "ZIP_CD",
    "PHNE_NUM",
)
POS_OPTIONAL = ("FAC_NAME", "PGM_TRMNTN_CD", "PRVDR_CTGRY_SBTYP_CD")
NUCC_REQUIRED = ("Code", "Grouping", "Classification")
CSV_COLUMNS = (
    "name",
    "address",
    "address2",
    "city",
    "state",
    "zip",
    "phone",
    "category",
    "id",
    "strength",
)
CSV_REQUIRED = ("address", "zip", "category")

BATCH_BYTES = 16 << 20
_LEXICON = Lexicon()


@dataclass
class Entry:
    """One facility or provider and its match keys, before it is written to the index."""

    source: str
    source_file: str
    source_id: str
    name: str
    entity: str  # organization | individual | facility
    category: Category
    sensitivity: str
    code: str
    addresses: list[tuple[str, AddressKey, str]] = field(
        default_factory=list
    )  # kind, key, strength
    phones: list[tuple[str, int, str]] = field(default_factory=list)  # kind, number, strength


@dataclass
class Read:
    """What reading one file gave."""

    rows: int = 0
    entries: list[Entry] = field(default_factory=list)
    skipped: Counter[str] = field(default_factory=Counter)
    missing_optional: list[str] = field(default_factory=list)
    version: str | None = None
    extra_taxonomy: dict[str, Category] = field(default_factory=dict)


def read_header(path: Path) -> list[str]:
    try:
        with path.open(newline="", encoding="utf-8-sig") as fh:
            row = next(csv.reader(fh), None)
    except FileNotFoundError:
        raise RegistryFormatError("registry file not found", file=str(path)) from None
    except UnicodeDecodeError as exc:
        raise RegistryFormatError(f"not UTF-8 text: {exc}", file=str(path), line=1) from None
    if not row:
        raise RegistryFormatError("empty file: no header line", file=str(path), line=1)
    return [h.strip() for h in row]


def detect(path: Path, header: list[str]) -> Format:
    names = set(header)
    lower = {h.lower() for h in header}
    if "NPI" in names and "Entity Type Code" in names:
        return "nppes"
    if "NPI" in names and any(h.startswith(_S) for h in header):
        return "nppes_pl"
    if "PRVDR_CTGRY_CD" in names or "PRVDR_NUM" in names:
        return "pos"
    if {"Code", "Grouping", "Classification"} <= names:
        return "nucc"
    if {"address", "zip", "category"} <= lower:
        return "csv"
    shown = ", ".join(header[:6]) + (", ..." if len(header) > 6 else "")
    raise RegistryFormatError(
        "unrecognised registry layout (expected an NPPES main or pl_pfile file, a CMS POS "
        f"file, a NUCC taxonomy file or a plain CSV with address, zip, category); header: {shown}",
        file=str(path),
        line=1,
    )


def _require(path: Path, header: list[str], required: tuple[str, ...], what: str) -> None:
    missing = [h for h in required if h not in header]
    if missing:
        near = {h: _near(h, header) for h in missing}
        hints = "; ".join(f"{h!r}" + (f" (found {n!r})" if n else "") for h, n in near.items())
        raise RegistryFormatError(
            f"{what}: missing required header(s) {hints}", file=str(path), line=1
        )


def _near(name: str, header: list[str]) -> str | None:
    squash = re.sub(r"\W+", "", name).lower()
    for h in header:
        if re.sub(r"\W+", "", h).lower() == squash:
            return h
    return None


def _bad_line(path: Path, n_fields: int) -> tuple[int, str]:
    """The first line whose field count differs from the header's (the slow, exact path)."""
    with path.open(newline="", encoding="utf-8-sig", errors="replace") as fh:
        reader = csv.reader(fh)
        next(reader, None)
        for row in reader:
            if row and len(row) != n_fields:
                return reader.line_num, f"expected {n_fields} fields, found {len(row)}"
    return 0, "unreadable"


def _stream(
    path: Path, header: list[str], columns: list[str]
) -> Iterator[tuple[int, pa.RecordBatch]]:
    """(line of the batch's first row, batch) with ``columns`` as strings, empty not null."""
    try:
        reader = pacsv.open_csv(
            path,
            read_options=pacsv.ReadOptions(block_size=BATCH_BYTES),
            parse_options=pacsv.ParseOptions(newlines_in_values=False),
            convert_options=pacsv.ConvertOptions(
                include_columns=columns,
                column_types=dict.fromkeys(columns, pa.string()),
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
        line = 2
        for batch in reader:
            yield line, batch
            line += batch.num_rows
    except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
        bad, why = _bad_line(path, len(header))
        raise RegistryFormatError(
            f"malformed row: {why if bad else exc}", file=str(path), line=bad or None
        ) from None


def _check_pattern(
    path: Path, batch: pa.RecordBatch, first_line: int, column: str, pattern: str, what: str
) -> None:
    ok = pc.match_substring_regex(batch[column], pattern)
    bad = pc.invert(ok)
    if pc.any(bad).as_py():
        i = int(pc.index(bad, True).as_py())
        raise RegistryFormatError(
            f"{what}: {column} is {batch[column][i].as_py()!r}",
            file=str(path),
            line=first_line + i,
            field=column,
        )


def _name_category(name: str, base: Category) -> Category:
    """A facility name can only make its category more revealing ("... Behavioral Hospital")."""
    if not name:
        return base
    auto = _LEXICON.strong
    cats = {auto.terms[i].category for i, _, _ in auto.find(words(name))}
    return most_revealing({base, *(c for c in cats if c in FACILITY_CATEGORIES)})


def _snapshot(name: str) -> str | None:
    m = re.findall(r"(\d{4})(\d{2})(\d{2})", name)
    if m:
        y, mo, d = m[-1]
        return f"{y}-{mo}-{d}"
    q = re.search(r"Q([1-4])[_ -]?(\d{4})", name)
    return f"Q{q.group(1)} {q.group(2)}" if q else None


# --- NPPES ----------------------------------------------------------------------------------


def _active(rows: dict[str, Any]) -> bool:
    deact = rows.get("NPI Deactivation Date", "")
    react = rows.get("NPI Reactivation Date", "")
    return not deact or bool(react)


def read_nppes(
    path: Path, header: list[str], extra: dict[str, Category]
) -> tuple[Read, dict[str, Entry]]:
    _require(path, header, NPPES_REQUIRED, "NPPES main file")
    present_optional = [h for h in NPPES_OPTIONAL if h in header]
    out = Read(missing_optional=[h for h in NPPES_OPTIONAL if h not in header])
    columns = [*NPPES_REQUIRED, *present_optional]
    tax_cols = [c for c in columns if c.startswith("Healthcare Provider Taxonomy Code_")]
    table = {**extra, **taxonomy.TAXONOMY}
    mapped = pa.array(sorted(table), pa.string())
    by_npi: dict[str, Entry] = {}
    for first_line, batch in _stream(path, header, columns):
        out.rows += batch.num_rows
        _check_pattern(path, batch, first_line, "NPI", r"^[0-9]{10}$", "an NPI is 10 digits")
        _check_pattern(
            path, batch, first_line, "Entity Type Code", r"^[12]?$", "entity type is 1, 2 or empty"
        )
        keep = pc.is_in(batch[tax_cols[0]], value_set=mapped)
        for c in tax_cols[1:]:
            keep = pc.or_(keep, pc.is_in(batch[c], value_set=mapped))
        out.skipped["no facility taxonomy"] += batch.num_rows - int(pc.sum(keep).as_py() or 0)
        for row in batch.filter(keep).to_pylist():
            entry = _nppes_entry(path, row, extra)
            if entry is None:
                out.skipped["deactivated"] += 1
            elif not entry.addresses and not entry.phones:
                out.skipped["no usable address or phone"] += 1
            else:
                out.entries.append(entry)
                by_npi[entry.source_id] = entry
    return out, by_npi


def _nppes_entry(path: Path, row: dict[str, Any], extra: dict[str, Category]) -> Entry | None:
    if not row["Entity Type Code"] or not _active(row):
        return None
    codes = []
    for i in range(1, 16):
        code = row.get(f"Healthcare Provider Taxonomy Code_{i}", "")
        if code:
            codes.append((code, row.get(f"Healthcare Provider Primary Taxonomy Switch_{i}") == "Y"))
    found = taxonomy.classify(codes, extra)
    if found is None:
        return None
    cat, code = found
    org = row["Entity Type Code"] == "2"
    name = row.get("Provider Organization Name (Legal Business Name)", "") or ""
    cat = _name_category(name, cat)
    strong = "strong" if org else "weak"
    entry = Entry(
        source="nppes",
        source_file=path.name,
        source_id=row["NPI"],
        name=name,
        entity="organization" if org else "individual",
        category=cat,
        sensitivity=taxonomy.label(cat, code),
        code=code,
    )
    us = row.get(f"{P} Country Code (If outside U.S.)", "") in ("", "US")
    practice = address_key(
        row["Provider First Line Business Practice Location Address"],
        row.get("Provider Second Line Business Practice Location Address"),
        row[f"{P} Postal Code"],
    )
    if us and practice is not None:
        entry.addresses.append(("practice", practice, strong))
    mail_us = row.get(f"{M} Country Code (If outside U.S.)", "") in ("", "US")
    mailing = address_key(
        row.get("Provider First Line Business Mailing Address"),
        row.get("Provider Second Line Business Mailing Address"),
        row.get(f"{M} Postal Code"),
    )
    if (
        mail_us
        and mailing is not None
        and (practice is None or mailing.building != practice.building)
    ):
        entry.addresses.append(("mailing", mailing, "weak"))
    if us:
        for kind, col, strength in (
            ("practice", f"{P} Telephone Number", strong),
            ("fax", f"{P} Fax Number", "weak"),
            ("mailing", f"{M} Telephone Number", "weak"),
            ("official", "Authorized Official Telephone Number", "weak"),
        ):
            number = phone10(row.get(col))
            if number is not None and number not in {p for _, p, _ in entry.phones}:
                entry.phones.append((kind, number, strength))
    return entry


def read_pl(path: Path, header: list[str], by_npi: dict[str, Entry]) -> Read:
    _require(path, header, PL_REQUIRED, "NPPES secondary practice location file")
    present_optional = [h for h in PL_OPTIONAL if h in header]
    out = Read(missing_optional=[h for h in PL_OPTIONAL if h not in header])
    columns = [*PL_REQUIRED, *present_optional]
    known = pa.array(sorted(by_npi), pa.string())
    for first_line, batch in _stream(path, header, columns):
        out.rows += batch.num_rows
        _check_pattern(path, batch, first_line, "NPI", r"^[0-9]{10}$", "an NPI is 10 digits")
        keep = pc.is_in(batch["NPI"], value_set=known)
        out.skipped["NPI not a kept provider"] += batch.num_rows - int(pc.sum(keep).as_py() or 0)
        for row in batch.filter(keep).to_pylist():
            parent = by_npi[row["NPI"]]
            strength = "strong" if parent.entity == "organization" else "weak"
            if row.get(f"{_S} - Country Code (If outside U.S.)", "") not in ("", "US"):
                out.skipped["outside the U.S."] += 1
                continue
            key = address_key(
                row[f"{_S}- Address Line 1"],
                row.get(f"{_S}-  Address Line 2"),
                row[f"{_S} - Postal Code"],
            )
            number = phone10(row.get(f"{_S} - Telephone Number"))
            if key is None and number is None:
                out.skipped["no usable address or phone"] += 1
                continue
            entry = Entry(
                source="nppes_pl",
                source_file=path.name,
                source_id=parent.source_id,
                name=parent.name,
                entity=parent.entity,
                category=parent.category,
                sensitivity=parent.sensitivity,
                code=parent.code,
            )
            if key is not None:
                entry.addresses.append(("secondary", key, strength))
            if number is not None:
                entry.phones.append(("secondary", number, strength))
            out.entries.append(entry)
    return out


# --- POS ------------------------------------------------------------------------------------


def read_pos(path: Path, header: list[str]) -> Read:
    _require(path, header, POS_REQUIRED, "CMS Provider of Services file")
    present_optional = [h for h in POS_OPTIONAL if h in header]
    out = Read(missing_optional=[h for h in POS_OPTIONAL if h not in header])
    columns = [*POS_REQUIRED, *present_optional]
    for _first_line, batch in _stream(path, header, columns):
        out.rows += batch.num_rows
        for row in batch.to_pylist():
            cat_code = row["PRVDR_CTGRY_CD"].strip().zfill(2)
            if cat_code not in taxonomy.POS:
                out.skipped[f"category {cat_code} not a facility type minshare indexes"] += 1
                continue
            if "PGM_TRMNTN_CD" in row and row["PGM_TRMNTN_CD"].strip().zfill(2) != "00":
                out.skipped["terminated (PGM_TRMNTN_CD not 00)"] += 1
                continue
            name = row.get("FAC_NAME", "") or ""
            cat = _name_category(name, taxonomy.POS[cat_code])
            zip_raw = row["ZIP_CD"].strip()
            # Spreadsheet exports drop ZIP leading zeros (02134 -> 2134).
            if zip_raw.isdigit() and len(zip_raw) in (3, 4, 7, 8):
                zip_raw = zip_raw.zfill(5 if len(zip_raw) < 5 else 9)
            entry = Entry(
                source="pos",
                source_file=path.name,
                source_id=row["PRVDR_NUM"].strip(),
                name=name,
                entity="facility",
                category=cat,
                sensitivity=taxonomy.label(cat),
                code=f"POS {cat_code}",
            )
            key = address_key(row["ST_ADR"], None, zip_raw)
            if key is not None:
                entry.addresses.append(("practice", key, "strong"))
            number = phone10(row["PHNE_NUM"])
            if number is not None:
                entry.phones.append(("practice", number, "strong"))
            if not entry.addresses and not entry.phones:
                out.skipped["no usable address or phone"] += 1
                continue
            out.entries.append(entry)
    return out


# --- NUCC -----------------------------------------------------------------------------------


def read_nucc(path: Path, header: list[str]) -> Read:
    _require(path, header, NUCC_REQUIRED, "NUCC taxonomy file")
    m = re.search(r"nucc_taxonomy_(\d+)", path.name)
    out = Read(version=f"{m.group(1)[:-1]}.{m.group(1)[-1]}" if m else None)
    with path.open(newline="", encoding="utf-8-sig") as fh:
        for row in csv.DictReader(fh):
            out.rows += 1
            code = (row.get("Code") or "").strip()
            cat = taxonomy.GROUPINGS.get((row.get("Grouping") or "").strip())
            if code and cat is not None and code not in taxonomy.TAXONOMY:
                out.extra_taxonomy[code] = cat
    return out


# --- plain CSV ------------------------------------------------------------------------------


class FacilityRow(BaseModel):
    """One row of a plain registry CSV (a state's own list of facilities, a SAMHSA export...)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = ""
    address: str = Field(min_length=1)
    address2: str | None = None
    city: str | None = None
    state: str | None = None
    zip: str = Field(pattern=r"^[0-9]{5}(-?[0-9]{4})?$")
    phone: str | None = None
    category: Category
    id: str | None = None
    strength: str = Field("strong", pattern="^(strong|weak)$")

    @field_validator("category", mode="before")
    @classmethod
    def _category(cls, value: object) -> Category:
        from minshare.guard.categories import parse_category

        return parse_category(str(value))

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str | None) -> str | None:
        if value and phone10(value) is None:
            raise ValueError("not a 10-digit phone number")
        return value or None


def read_csv(path: Path, header: list[str]) -> Read:
    lower = [h.lower() for h in header]
    unknown = [h for h in header if h.lower() not in CSV_COLUMNS]
    if unknown:
        raise RegistryFormatError(
            f"plain registry CSV: unknown column(s) {', '.join(map(repr, unknown))}; "
            f"columns are {', '.join(CSV_COLUMNS)}",
            file=str(path),
            line=1,
        )
    out = Read()
    problems: list[MinshareError] = []
    with path.open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.reader(fh)
        next(reader)
        for raw in reader:
            line = reader.line_num
            if not any(v.strip() for v in raw):
                continue
            out.rows += 1
            if len(raw) != len(header):
                problems.append(
                    RegistryFormatError(
                        f"expected {len(header)} fields, found {len(raw)}",
                        file=str(path),
                        line=line,
                    )
                )
                continue
            values = {k: (v if v.strip() else None) for k, v in zip(lower, raw, strict=True)}
            try:
                row = FacilityRow.model_validate({k: v for k, v in values.items() if v is not None})
            except ValidationError as exc:
                for err in exc.errors():
                    where = ".".join(str(p) for p in err["loc"])
                    problems.append(
                        RegistryFormatError(
                            err["msg"], file=str(path), line=line, field=where or None
                        )
                    )
                continue
            key = address_key(row.address, row.address2, row.zip)
            if key is None:
                problems.append(
                    RegistryFormatError(
                        "address has no house number and street",
                        file=str(path),
                        line=line,
                        field="address",
                    )
                )
                continue
            cat = _name_category(row.name, row.category)
            entry = Entry(
                source="csv",
                source_file=path.name,
                source_id=row.id or f"line {line}",
                name=row.name,
                entity="facility",
                category=cat,
                sensitivity=taxonomy.label(cat),
                code="csv",
            )
            entry.addresses.append(("practice", key, row.strength))
            number = phone10(row.phone)
            if number is not None:
                entry.phones.append(("practice", number, row.strength))
            out.entries.append(entry)
    if problems:
        first = problems[0]
        raise RegistryFormatError(
            f"{len(problems)} invalid row(s) in plain registry CSV; first: {first.message}",
            file=first.location.file,
            line=first.location.line,
            field=first.location.field,
            details=problems[:20],
        )
    return out


__all__ = [
    "CSV_COLUMNS",
    "NPPES_OPTIONAL",
    "NPPES_REQUIRED",
    "PL_REQUIRED",
    "POS_REQUIRED",
    "Entry",
    "FacilityRow",
    "Read",
    "detect",
    "read_csv",
    "read_header",
    "read_nppes",
    "read_nucc",
    "read_pl",
    "read_pos",
]
