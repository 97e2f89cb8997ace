"""The scan: every guard check over Arrow record batches, producing a findings table.

Input batches are the readers' cleaned batches (or the accepted workspace Parquet): the key
columns ``SUBMTG_STATE_CD``, ``MSIS_IDENT_NUM``, ``_MS_ROW`` and whichever permitted fields are
present. Per batch, per field, all work is vectorized (pyarrow.compute, numpy, one
Aho-Corasick pass over the batch's concatenated text, ``searchsorted`` against the registry's
sorted keys); Python runs only on the rows a vectorized prefilter flags (a house number and ZIP
that a facility has, a phone in the registry, a term or code-shaped token, a non-ASCII value).

Output: one row per finding, :data:`FINDINGS_SCHEMA`. A finding names the row, the field, the
scanner, the category, the HL7 label, whether it is strong and whether it is *decisive*, and
its anchor (term id, registry source and key, code system, shape check). It never copies the
value it found: the reviewer reads that in the workspace, where it already is.

Decisive: a strong finding, or a weak one (an individual provider's office, a mailing or fax
address, a unit word) when the same row has a finding from another scanner too
(facility-registries.md §6). Only decisive findings set the ``guard.*`` facts.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from minshare.data import codes as code_lists
from minshare.errors import MissingColumnError, UsageError
from minshare.guard import codes, shapes
from minshare.guard.categories import SENSITIVITY, Category
from minshare.guard.normalize import (
    address_key,
    fold_array,
    house_array,
    suspicious,
    words,
    words_array,
    zip5_array,
)
from minshare.guard.registry import Registry
from minshare.guard.terms import Lexicon, followed_by_street_suffix

I64 = npt.NDArray[np.int64]
C = Category

KEYS = ("SUBMTG_STATE_CD", "MSIS_IDENT_NUM", "_MS_ROW")

FINDINGS_SCHEMA = pa.schema(
    [
        pa.field("SUBMTG_STATE_CD", pa.string()),
        pa.field("MSIS_IDENT_NUM", pa.string()),
        pa.field("_MS_ROW", pa.int64()),
        pa.field("field", pa.string(), nullable=False),
        pa.field("scanner", pa.string(), nullable=False),
        pa.field("category", pa.string(), nullable=False),
        pa.field("sensitivity", pa.string()),
        pa.field("strength", pa.string(), nullable=False),
        pa.field("decisive", pa.bool_(), nullable=False),
        pa.field("anchor", pa.string(), nullable=False),
        pa.field("detail", pa.string()),
        pa.field("span_start", pa.int32()),
        pa.field("span_end", pa.int32()),
    ]
)

SCANNERS = ("registry_address", "registry_phone", "hotline", "terms", "codes", "shape", "ssn")


@dataclass(frozen=True)
class AddressGroup:
    """The columns of one address (home or mailing) in the data model."""

    suffix: str

    def col(self, stem: str) -> str:
        return f"ELGBL_{stem}_{self.suffix}"

    @property
    def lines(self) -> tuple[str, str, str]:
        return (self.col("LINE_1_ADR"), self.col("LINE_2_ADR"), self.col("LINE_3_ADR"))

    @property
    def city(self) -> str:
        return self.col("CITY_NAME")

    @property
    def zip(self) -> str:
        return self.col("ZIP_CD")

    @property
    def state(self) -> str:
        return self.col("STATE_CD")

    @property
    def county(self) -> str:
        return self.col("CNTY_CD")

    @property
    def phone(self) -> str:
        return self.col("PHNE_NUM")

    @property
    def columns(self) -> tuple[str, ...]:
        return (*self.lines, self.city, self.zip, self.state, self.county, self.phone)


GROUPS = (AddressGroup("HOME"), AddressGroup("MAIL"))
ID, SSN, DOB = "MSIS_IDENT_NUM", "SSN_NUM", "BIRTH_DT"
CODED = {"CTZNSHP_IND": code_lists.CTZNSHP_IND, "IMGRTN_STUS_CD": code_lists.IMGRTN_STUS_CD}

# Every field the guard can scan: both addresses and phones, the Medicaid ID, the date of birth,
# the status codes and the state key. SSN_NUM is read only to compare it with the ID.
GUARD_FIELDS: tuple[str, ...] = (
    *(c for g in GROUPS for c in g.columns),
    ID,
    DOB,
    *CODED,
    "SUBMTG_STATE_CD",
)

# Named health hotlines (category P2) [inference: public numbers; verify before relying].
HOTLINES: dict[int, tuple[str, str]] = {
    8006624357: ("SAMHSA National Helpline", "ETH"),
    8002738255: ("National Suicide Prevention Lifeline", "PSY"),
    8007848669: ("1-800-QUIT-NOW tobacco quitline", "ETH"),
    8007997233: ("National Domestic Violence Hotline", "SDV"),
    8006564673: ("RAINN sexual assault hotline", "SDV"),
    8664887386: ("Trevor Project lifeline", "PSY"),
    8004224453: ("Childhelp child abuse hotline", "SDV"),
}
_HOTLINE_NUMBERS = np.array(sorted(HOTLINES), dtype=np.int64)
_KEYPAD = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "22233344455566677778889999")
_ID_CODE = (
    r"^([A-TV-Z][0-9][0-9AB]\.?[0-9A-Z]{0,4}"
    r"|[1-9][A-Z][A-Z0-9][0-9]-?[A-Z][A-Z0-9][0-9]-?[A-Z]{2}[0-9]{2})$"
)


Template = tuple[str, str, str, str | None, str, str, str | None, int | None, int | None]


class _Col:
    """One scanned column, worked on through its distinct values.

    Real extracts repeat values heavily (cities, ZIPs, states, a household's address and
    phone), so every vectorized step runs over the dictionary of distinct values and a
    finding on a value is expanded to the rows holding it.
    """

    def __init__(self, name: str, arr: pa.Array, *, distinct: bool = True) -> None:
        self.name = name
        self.arr = arr
        self.n = len(arr)
        self.index: I64 | None = None
        if distinct:
            d = pc.dictionary_encode(arr)
            self.values: pa.Array = d.dictionary
            idx = d.indices.fill_null(-1).to_numpy(zero_copy_only=False)
            self.index = np.asarray(idx, dtype=np.int64)
        else:
            self.values = arr
        self._order: I64 | None = None
        self._bounds: I64 | None = None

    def rows(self, positions: Iterable[int]) -> I64:
        """Rows holding any of the values at ``positions``."""
        pos = np.asarray(sorted(set(positions)), dtype=np.int64)
        if self.index is None or not len(pos):
            return pos
        mask = np.zeros(len(self.values) + 1, np.bool_)
        mask[pos] = True
        return np.flatnonzero(mask[self.index]).astype(np.int64)

    def rows_of(self, position: int) -> I64:
        if self.index is None:
            return np.array([position], np.int64)
        if self._order is None:
            self._order = np.argsort(self.index, kind="stable").astype(np.int64)
            self._bounds = np.searchsorted(
                self.index[self._order], np.arange(len(self.values) + 1), side="left"
            ).astype(np.int64)
        assert self._bounds is not None
        return self._order[self._bounds[position] : self._bounds[position + 1]]

    def per_row(self, per_value: I64, missing: int = -1) -> I64:
        if self.index is None:
            return per_value
        ext = np.append(per_value, np.int64(missing))
        return ext[self.index]

    def value_at(self, row: int, values: pa.Array | None = None) -> str | None:
        src = self.values if values is None else values
        if self.index is None:
            v: str | None = src[row].as_py()
            return v
        i = int(self.index[row])
        return None if i < 0 else src[i].as_py()


@dataclass
class _Found:
    """Findings of one batch: row-level ones, and value-level ones expanded at the end."""

    row: list[int] = field(default_factory=list)
    values: list[Template] = field(default_factory=list)
    by_value: list[tuple[_Col, int, Template]] = field(default_factory=list)

    def add(
        self,
        row: int,
        field_name: str,
        scanner: str,
        category: Category,
        sensitivity: str | None,
        strength: str,
        anchor: str,
        detail: str | None = None,
        span: tuple[int, int] | None = None,
    ) -> None:
        self.row.append(row)
        self.values.append(
            _template(field_name, scanner, category, sensitivity, strength, anchor, detail, span)
        )

    def add_value(
        self,
        col: _Col,
        position: int,
        scanner: str,
        category: Category,
        sensitivity: str | None,
        strength: str,
        anchor: str,
        detail: str | None = None,
        span: tuple[int, int] | None = None,
    ) -> None:
        tpl = _template(col.name, scanner, category, sensitivity, strength, anchor, detail, span)
        self.by_value.append((col, position, tpl))

    def add_rows(
        self,
        rows: I64,
        field_name: str,
        scanner: str,
        category: Category,
        anchor: str,
        detail: str | None = None,
    ) -> None:
        tpl = _template(
            field_name, scanner, category, SENSITIVITY[category], "strong", anchor, detail, None
        )
        for r in rows.tolist():
            self.row.append(r)
            self.values.append(tpl)

    def add_failures(self, col: _Col, failures: list[shapes.Failure]) -> None:
        for failure in failures:
            self.add_rows(
                col.rows(failure.rows.tolist()),
                col.name,
                "shape",
                C.SHAPE,
                f"shape:{failure.check}",
            )

    def expand(self) -> None:
        for col, position, tpl in self.by_value:
            rows = col.rows_of(position).tolist()
            self.row.extend(rows)
            self.values.extend([tpl] * len(rows))
        self.by_value.clear()


def _template(
    field_name: str,
    scanner: str,
    category: Category,
    sensitivity: str | None,
    strength: str,
    anchor: str,
    detail: str | None,
    span: tuple[int, int] | None,
) -> Template:
    start, end = span if span is not None else (None, None)
    return (field_name, scanner, category.value, sensitivity, strength, anchor, detail, start, end)


@dataclass(frozen=True)
class Options:
    fields: frozenset[str]
    as_of: dt.date


class Scanner:
    """The guard, configured once (registry, lexicon, fields) and run over many batches."""

    def __init__(
        self,
        registry: Registry,
        *,
        fields: Sequence[str] | None = None,
        as_of: dt.date | None = None,
        lexicon: Lexicon | None = None,
    ) -> None:
        chosen = GUARD_FIELDS if fields is None else tuple(fields)
        unknown = sorted(set(chosen) - set(GUARD_FIELDS))
        if unknown:
            raise UsageError(
                f"the guard does not scan {', '.join(unknown)} (it scans {', '.join(GUARD_FIELDS)})"
            )
        self.registry = registry
        self.lexicon = lexicon or Lexicon()
        self.options = Options(frozenset(chosen), as_of or dt.date.today())
        # Build both automata now, not inside the first batch.
        _ = self.lexicon.strong, self.lexicon.weak

    def scan(self, batch: pa.RecordBatch | pa.Table) -> pa.Table:
        """The findings of one batch (:data:`FINDINGS_SCHEMA`)."""
        missing = [k for k in KEYS if k not in batch.schema.names]
        if missing:
            raise MissingColumnError(f"guard input lacks key column(s) {', '.join(missing)}")
        found = _Found()
        names = [n for n in batch.schema.names if n in self.options.fields]
        cols = {n: _Col(n, _column(batch, n), distinct=n not in (ID, DOB)) for n in names}
        folded: dict[str, pa.Array] = {}
        for g in GROUPS:
            for name in (*g.lines, g.city):
                if name in cols:
                    folded[name] = self._text(found, cols[name])
        for g in GROUPS:
            self._shapes(found, g, cols)
        uppers = {n: pc.ascii_upper(v) for n, v in folded.items()}
        self._terms(found, cols, uppers)
        self._codes(found, cols, uppers)
        for g in GROUPS:
            self._registry_address(found, g, folded, cols)
        found.expand()
        self._weak_terms(found, cols, folded)
        self._identity(found, batch, cols)
        return _table(found, batch)

    # --- per field ----------------------------------------------------------------------

    def _text(self, found: _Found, col: _Col) -> pa.Array:
        """Shape checks of a free-text field; returns its distinct values folded to ASCII."""
        folded, non_ascii = fold_array(col.values)
        odd: dict[str, list[int]] = {}
        for i in np.flatnonzero(non_ascii).tolist():
            for check in sorted(suspicious(col.values[i].as_py())):
                odd.setdefault(check, []).append(i)
        rows = {k: np.array(v, np.int64) for k, v in odd.items()}
        found.add_failures(col, shapes.text(col.values, rows))
        return folded

    def _shapes(self, found: _Found, g: AddressGroup, cols: dict[str, _Col]) -> None:
        checks = ((g.zip, shapes.zip_code), (g.state, shapes.state), (g.county, shapes.county))
        for name, check in checks:
            if name in cols:
                found.add_failures(cols[name], check(cols[name].values))
        if g.phone not in cols:
            return
        col = cols[g.phone]
        failures, numbers = shapes.phone(col.values)
        found.add_failures(col, failures)
        for failure in failures:
            if failure.check == "phone":
                self._vanity(found, col, failure.rows)
        self._phones(found, col, numbers)

    def _vanity(self, found: _Found, col: _Col, positions: I64) -> None:
        for i in positions.tolist():
            digits = re.sub(r"\D", "", str(col.values[i].as_py()).upper().translate(_KEYPAD))
            if digits == "988":
                found.add_value(
                    col,
                    i,
                    "hotline",
                    C.HOTLINE,
                    "PSY",
                    "strong",
                    "hotline:988",
                    "988 Suicide & Crisis Lifeline",
                )
                continue
            number = int(digits[-10:]) if len(digits) >= 10 else -1
            if number in HOTLINES:
                title, label = HOTLINES[number]
                found.add_value(
                    col, i, "hotline", C.HOTLINE, label, "strong", f"hotline:{number}", title
                )

    def _phones(self, found: _Found, col: _Col, numbers: I64) -> None:
        present = numbers >= 0
        for table, hotline in ((self.registry.phone_numbers, False), (_HOTLINE_NUMBERS, True)):
            if not len(table):
                continue
            pos = np.clip(np.searchsorted(table, numbers), 0, len(table) - 1)
            for i in np.flatnonzero(present & (table[pos] == numbers)).tolist():
                number = int(numbers[i])
                if hotline:
                    title, label = HOTLINES[number]
                    found.add_value(
                        col, i, "hotline", C.HOTLINE, label, "strong", f"hotline:{number}", title
                    )
                    continue
                for hit in self.registry.match_phone(number):
                    e = self.registry.entries[hit.entry]
                    what = f"{e.entity} {e.source_id} ({e.category.value}, {e.code})"
                    detail = f"{hit.kind} phone of {what}"
                    found.add_value(
                        col,
                        i,
                        "registry_phone",
                        C.FACILITY_PHONE,
                        e.sensitivity,
                        hit.strength,
                        self.registry.anchor(hit.entry),
                        detail,
                    )

    def _terms(self, found: _Found, cols: dict[str, _Col], uppers: dict[str, pa.Array]) -> None:
        if not uppers:
            return
        names = list(uppers)
        texts = [words_array(uppers[n].fill_null("")) for n in names]
        sizes = np.cumsum([0, *(len(t) for t in texts)])
        both = pa.concat_arrays(texts)
        matches = self.lexicon.strong.scan(both)
        terms = self.lexicon.strong_terms
        for pos, t, e in zip(
            matches.row.tolist(), matches.term.tolist(), matches.end.tolist(), strict=True
        ):
            k = int(np.searchsorted(sizes, pos, side="right")) - 1
            name = names[k]
            if "_ADR_" in name and followed_by_street_suffix(both[pos].as_py(), e):
                continue
            term = terms[t]
            found.add_value(
                cols[name],
                pos - int(sizes[k]),
                "terms",
                term.category,
                term.sensitivity,
                "strong",
                self.lexicon.anchor(term),
                f"term {term.phrase}",
            )

    def _weak_terms(
        self, found: _Found, cols: dict[str, _Col], folded: dict[str, pa.Array]
    ) -> None:
        rows = sorted(set(found.row))
        if not rows or not folded:
            return
        auto = self.lexicon.weak
        for name, values in folded.items():
            col = cols[name]
            cache: dict[str, list[tuple[int, int, int]]] = {}
            for r in rows:
                value = col.value_at(r, values)
                if not value:
                    continue
                if value not in cache:
                    cache[value] = auto.find(words(value))
                for t, _, _ in cache[value]:
                    term = auto.terms[t]
                    found.add(
                        r,
                        name,
                        "terms",
                        term.category,
                        term.sensitivity,
                        "weak",
                        self.lexicon.anchor(term),
                        f"term {term.phrase}",
                    )

    def _codes(self, found: _Found, cols: dict[str, _Col], uppers: dict[str, pa.Array]) -> None:
        npis = self.registry.npis
        for name, upper in uppers.items():
            hit = pc.fill_null(pc.match_substring_regex(upper, codes.PREFILTER), False)
            house_first = name.startswith("ELGBL_LINE_1")
            for i in np.flatnonzero(np.asarray(hit.to_numpy(zero_copy_only=False))).tolist():
                for c in codes.find_codes(upper[i].as_py(), npis=npis, first_is_house=house_first):
                    found.add_value(
                        cols[name],
                        i,
                        "codes",
                        c.category,
                        c.sensitivity,
                        "strong",
                        f"code:{c.system}",
                        c.system,
                        (c.start, c.end),
                    )
        if ID in cols:
            col = cols[ID]
            upper = pc.ascii_upper(fold_array(col.values)[0])
            hit = pc.fill_null(pc.match_substring_regex(upper, _ID_CODE), False)
            for r in np.flatnonzero(np.asarray(hit.to_numpy(zero_copy_only=False))).tolist():
                for c in codes.find_id_codes(upper[r].as_py()):
                    found.add(
                        r,
                        ID,
                        "codes",
                        c.category,
                        c.sensitivity,
                        "strong",
                        f"code:{c.system}",
                        c.system,
                    )

    def _registry_address(
        self, found: _Found, g: AddressGroup, folded: dict[str, pa.Array], cols: dict[str, _Col]
    ) -> None:
        line1, line2 = g.lines[0], g.lines[1]
        if line1 not in folded or g.zip not in cols or not len(self.registry.address_prefilter):
            return
        c1, cz = cols[line1], cols[g.zip]
        zip_folded = fold_array(cz.values)[0]
        house = c1.per_row(house_array(folded[line1]))
        zips = cz.per_row(zip5_array(zip_folded))
        ok = (house >= 0) & (zips >= 0)
        keys = house * 100_000 + zips
        table = self.registry.address_prefilter
        pos = np.clip(np.searchsorted(table, keys), 0, len(table) - 1)
        candidates = np.flatnonzero(ok & (table[pos] == keys))
        c2 = cols.get(line2)
        f2 = folded.get(line2)
        for r in candidates.tolist():
            key = address_key(
                c1.value_at(r, folded[line1]),
                c2.value_at(r, f2) if c2 is not None else None,
                cz.value_at(r, zip_folded),
            )
            if key is None:
                continue
            for hit in self.registry.match_address(key):
                e = self.registry.entries[hit.entry]
                unit = ", same unit" if hit.unit_match else ""
                detail = f"{hit.kind} address of {e.entity} {e.source_id} ({e.code}){unit}"
                # The same suite as a provider's office is the second signal a weak hit needs.
                strength = "strong" if hit.unit_match else hit.strength
                found.add(
                    r,
                    line1,
                    "registry_address",
                    e.category,
                    e.sensitivity,
                    strength,
                    self.registry.anchor(hit.entry),
                    detail,
                )

    def _identity(
        self, found: _Found, batch: pa.RecordBatch | pa.Table, cols: dict[str, _Col]
    ) -> None:
        if ID in cols:
            col = cols[ID]
            found.add_failures(col, shapes.medicaid_id(col.values))
            ssn = _column(batch, SSN) if SSN in batch.schema.names else None
            equal, shaped = shapes.msis_id_is_ssn(col.values, ssn)
            found.add_rows(equal, ID, "ssn", C.SSN_AS_ID, "ssn:equals_ssn_num", "equals SSN_NUM")
            found.add_rows(
                shaped, ID, "ssn", C.SSN_AS_ID, "ssn:ssn_shaped", "has the shape of an SSN"
            )
        if DOB in cols:
            found.add_failures(cols[DOB], shapes.birth_date(cols[DOB].values, self.options.as_of))
        for name, code_list in CODED.items():
            if name in cols:
                found.add_failures(cols[name], shapes.code(cols[name].values, code_list))
        if "SUBMTG_STATE_CD" in cols:
            found.add_failures(
                cols["SUBMTG_STATE_CD"], shapes.submitting_state(cols["SUBMTG_STATE_CD"].values)
            )


def _column(batch: pa.RecordBatch | pa.Table, name: str) -> pa.Array:
    arr = batch.column(name)
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    if pa.types.is_dictionary(arr.type):
        arr = arr.cast(arr.type.value_type)
    if pa.types.is_large_string(arr.type) or pa.types.is_null(arr.type):
        arr = arr.cast(pa.string())
    return arr


def _table(found: _Found, batch: pa.RecordBatch | pa.Table) -> pa.Table:
    if not found.row:
        return FINDINGS_SCHEMA.empty_table()
    rows = np.array(found.row, dtype=np.int64)
    order = np.argsort(rows, kind="stable")
    rows = rows[order]
    values = [found.values[i] for i in order.tolist()]
    cols = list(zip(*values, strict=True))
    scanner = np.array(cols[1], dtype=object)
    strong = np.array(cols[4], dtype=object) == "strong"
    # A weak finding is decisive when its row has a finding from another scanner too.
    uniq_rows = np.unique(rows)
    pair = np.unique(np.stack([rows, np.unique(scanner, return_inverse=True)[1]]), axis=1)
    scanners_per_row = np.bincount(np.searchsorted(uniq_rows, pair[0]), minlength=len(uniq_rows))
    decisive = strong | (scanners_per_row[np.searchsorted(uniq_rows, rows)] > 1)
    take = pa.array(rows)
    data = [
        _column(batch, "SUBMTG_STATE_CD").take(take),
        _column(batch, "MSIS_IDENT_NUM").take(take),
        pc.cast(_column(batch, "_MS_ROW"), pa.int64()).take(take),
        pa.array(cols[0], pa.string()),
        pa.array(cols[1], pa.string()),
        pa.array(cols[2], pa.string()),
        pa.array(cols[3], pa.string()),
        pa.array(cols[4], pa.string()),
        pa.array(decisive, pa.bool_()),
        pa.array(cols[5], pa.string()),
        pa.array(cols[6], pa.string()),
        pa.array(cols[7], pa.int32()),
        pa.array(cols[8], pa.int32()),
    ]
    return pa.Table.from_arrays(data, schema=FINDINGS_SCHEMA)


def scan(
    batches: Iterable[pa.RecordBatch | pa.Table],
    registry: Registry,
    *,
    fields: Sequence[str] | None = None,
    as_of: dt.date | None = None,
) -> Iterator[pa.Table]:
    """Findings per input batch (:data:`FINDINGS_SCHEMA`), in input order."""
    scanner = Scanner(registry, fields=fields, as_of=as_of)
    for batch in batches:
        yield scanner.scan(batch)


def scan_table(
    table: pa.Table | pa.RecordBatch,
    registry: Registry,
    *,
    fields: Sequence[str] | None = None,
    as_of: dt.date | None = None,
) -> pa.Table:
    """All findings of one table (tests, small inputs)."""
    parts = list(scan([table], registry, fields=fields, as_of=as_of))
    return pa.concat_tables(parts) if parts else FINDINGS_SCHEMA.empty_table()


_HEALTH = pa.array(sorted(c.value for c in Category if c.is_health), pa.string())
FACTS_SCHEMA = pa.schema(
    [
        pa.field("SUBMTG_STATE_CD", pa.string()),
        pa.field("MSIS_IDENT_NUM", pa.string()),
        pa.field("_MS_ROW", pa.int64()),
        pa.field("guard.finding", pa.bool_(), nullable=False),
        pa.field("guard.health", pa.bool_(), nullable=False),
        pa.field("guard.shape", pa.bool_(), nullable=False),
    ]
)


def row_facts(findings: pa.Table) -> pa.Table:
    """One row per record with a decisive finding: the ``guard.*`` facts (all other records:
    every guard fact false)."""
    d = findings.filter(pc.field("decisive"))
    if d.num_rows == 0:
        return FACTS_SCHEMA.empty_table()
    d = d.append_column("h", pc.is_in(d["category"], value_set=_HEALTH))
    d = d.append_column("s", pc.equal(d["category"], Category.SHAPE.value))
    g = d.group_by(list(KEYS), use_threads=False).aggregate([("h", "any"), ("s", "any")])
    g = g.sort_by([("_MS_ROW", "ascending")])
    return pa.Table.from_arrays(
        [
            g["SUBMTG_STATE_CD"],
            g["MSIS_IDENT_NUM"],
            g["_MS_ROW"],
            pa.array(np.ones(g.num_rows, np.bool_)),
            g["h_any"],
            g["s_any"],
        ],
        schema=FACTS_SCHEMA,
    )


__all__ = [
    "FACTS_SCHEMA",
    "FINDINGS_SCHEMA",
    "GUARD_FIELDS",
    "HOTLINES",
    "KEYS",
    "SCANNERS",
    "Scanner",
    "row_facts",
    "scan",
    "scan_table",
]
