"""Precision and recall of the guard against truth labels (the synthetic ``truth.parquet``, or
any labelled set with the same two columns: ``row``, 0-based record position, and ``cases``, a
list of labels).

The labels the guard answers for, and the scanner expected to catch each:

| label | expected scanner |
|---|---|
| ``facility_address_registry`` | registry_address |
| ``facility_words`` | terms |
| ``facility_phone`` | registry_phone |
| ``icd_in_address`` | codes |
| ``msis_id_is_ssn``, ``msis_id_ssn_shaped`` | ssn |
| ``formula_text``, ``unicode_lookalike`` | shape |

A row is *flagged* when it has a decisive finding. Recall per label: flagged rows among the
label's rows (and, separately, rows caught by the expected scanner). Precision per category:
rows flagged with that category that carry any of the labels above. Rows with another planted
defect in a field the guard reads (:data:`OTHER_PLANTED`: an unknown status code, codes that
contradict each other) are neither positives nor ordinary: the guard may rightly flag them (an
unknown code fails its shape) and the order has its own rules for them. *Ordinary* rows carry
no label of either list; the flag rate is flagged ordinary rows over ordinary rows.
Quarantined rows are not scanned (they are never disclosed) and are counted apart.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow.compute as pc
import pyarrow.parquet as pq

from minshare.errors import DataError, UsageError
from minshare.guard.registry import Registry, open_registry
from minshare.guard.run import read_enrollment
from minshare.guard.scan import GUARD_FIELDS, Scanner

EXPECTED: dict[str, str] = {
    "facility_address_registry": "registry_address",
    "facility_words": "terms",
    "facility_phone": "registry_phone",
    "icd_in_address": "codes",
    "msis_id_is_ssn": "ssn",
    "msis_id_ssn_shaped": "ssn",
    "formula_text": "shape",
    "unicode_lookalike": "shape",
}


OTHER_PLANTED = frozenset({"unknown_code", "inconsistent_codes", "bad_date", "missing_id"})


@dataclass(frozen=True)
class LabelScore:
    label: str
    rows: int
    caught: int
    caught_by_expected: int

    @property
    def recall(self) -> float:
        return self.caught / self.rows if self.rows else float("nan")


@dataclass(frozen=True)
class CategoryScore:
    category: str
    flagged: int
    planted: int

    @property
    def precision(self) -> float:
        return self.planted / self.flagged if self.flagged else float("nan")


@dataclass(frozen=True)
class EvalReport:
    rows_scanned: int
    rows_quarantined: int
    positives: int
    flagged: int
    true_positives: int
    ordinary: int
    ordinary_flagged: int
    labels: list[LabelScore]
    categories: list[CategoryScore]
    seconds: float
    fields: tuple[str, ...] = ()
    registry_id: str = ""
    ordinary_examples: list[dict[str, Any]] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.true_positives / self.flagged if self.flagged else float("nan")

    @property
    def recall(self) -> float:
        return self.true_positives / self.positives if self.positives else float("nan")

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def flag_rate(self) -> float:
        return self.ordinary_flagged / self.ordinary if self.ordinary else float("nan")

    def to_dict(self) -> dict[str, Any]:
        return {
            "rows_scanned": self.rows_scanned,
            "rows_quarantined": self.rows_quarantined,
            "positives": self.positives,
            "flagged": self.flagged,
            "true_positives": self.true_positives,
            "precision": self.precision,
            "recall": self.recall,
            "f1": self.f1,
            "ordinary": self.ordinary,
            "ordinary_flagged": self.ordinary_flagged,
            "flag_rate": self.flag_rate,
            "labels": [
                {
                    "label": s.label,
                    "rows": s.rows,
                    "caught": s.caught,
                    "caught_by_expected": s.caught_by_expected,
                    "recall": s.recall,
                    "expected_scanner": EXPECTED[s.label],
                }
                for s in self.labels
            ],
            "categories": [
                {
                    "category": c.category,
                    "flagged": c.flagged,
                    "planted": c.planted,
                    "precision": c.precision,
                }
                for c in self.categories
            ],
            "seconds": round(self.seconds, 3),
            "fields": list(self.fields),
            "registry_id": self.registry_id,
            "ordinary_examples": self.ordinary_examples,
        }


def load_truth(path: Path) -> dict[int, set[str]]:
    """``_MS_ROW`` (1-based record number) -> the row's labels the guard answers for, or
    ``{"other"}`` for a row with only another planted defect (:data:`OTHER_PLANTED`)."""
    if not path.is_file():
        raise UsageError("truth file not found", file=str(path))
    table = pq.read_table(path)
    for col in ("row", "cases"):
        if col not in table.schema.names:
            raise DataError(f"truth file lacks column {col!r}", file=str(path))
    out: dict[int, set[str]] = {}
    rows = table["row"].to_pylist()
    for r, cases in zip(rows, table["cases"].to_pylist(), strict=True):
        mine = {c for c in (cases or []) if c in EXPECTED}
        if mine:
            out[int(r) + 1] = mine
        elif any(c in OTHER_PLANTED for c in cases or []):
            out[int(r) + 1] = {"other"}
    return out


def score(
    truth: dict[int, set[str]],
    scanned: Sequence[int],
    decisive: dict[int, set[tuple[str, str]]],
    *,
    rows_quarantined: int = 0,
    seconds: float = 0.0,
) -> EvalReport:
    """Scores from the truth, the scanned rows and each flagged row's (scanner, category)s."""
    scanned_set = set(scanned)
    per_label: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    positives = tp = other = 0
    for row, labels in truth.items():
        if row not in scanned_set:
            continue
        if labels == {"other"}:
            other += 1
            continue
        positives += 1
        hits = decisive.get(row, set())
        tp += bool(hits)
        for label in labels:
            s = per_label[label]
            s[0] += 1
            s[1] += bool(hits)
            s[2] += any(scanner == EXPECTED[label] for scanner, _ in hits)
    per_cat: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    ordinary_flagged = 0
    for row, hits in decisive.items():
        labels = truth.get(row, set())
        if labels == {"other"}:
            continue
        planted = bool(labels)
        ordinary_flagged += not planted
        for cat in {c for _, c in hits}:
            per_cat[cat][0] += 1
            per_cat[cat][1] += planted
    return EvalReport(
        rows_scanned=len(scanned_set),
        rows_quarantined=rows_quarantined,
        positives=positives,
        flagged=sum(truth.get(row) != {"other"} for row in decisive),
        true_positives=tp,
        ordinary=len(scanned_set) - positives - other,
        ordinary_flagged=ordinary_flagged,
        labels=[LabelScore(k, *per_label[k]) for k in EXPECTED if k in per_label],
        categories=[CategoryScore(k, *v) for k, v in sorted(per_cat.items())],
        seconds=seconds,
    )


def evaluate(
    enrollment: Path,
    truth: Path,
    registry: Path | Registry,
    *,
    fields: Sequence[str] | None = None,
    as_of: dt.date | None = None,
) -> EvalReport:
    """Scan ``enrollment`` and score the findings against ``truth``."""
    import time

    reg = registry if isinstance(registry, Registry) else open_registry(Path(registry))
    labels = load_truth(Path(truth))
    chosen = tuple(GUARD_FIELDS if fields is None else fields)
    scanner = Scanner(reg, fields=chosen, as_of=as_of)
    batches, quarantined = read_enrollment(Path(enrollment), chosen)
    started = time.perf_counter()
    scanned: list[int] = []
    decisive: dict[int, set[tuple[str, str]]] = defaultdict(set)
    examples: list[dict[str, Any]] = []
    for batch in batches:
        scanned.extend(batch.column("_MS_ROW").to_pylist())
        found = scanner.scan(batch)
        d = found.filter(pc.field("decisive"))
        for row, scanner_name, cat, anchor, fld in zip(
            d["_MS_ROW"].to_pylist(),
            d["scanner"].to_pylist(),
            d["category"].to_pylist(),
            d["anchor"].to_pylist(),
            d["field"].to_pylist(),
            strict=True,
        ):
            decisive[row].add((scanner_name, cat))
            if row not in labels and len(examples) < 20:  # an ordinary row flagged
                examples.append(
                    {"_MS_ROW": row, "field": fld, "scanner": scanner_name, "anchor": anchor}
                )
    report = score(
        labels,
        scanned,
        dict(decisive),
        rows_quarantined=quarantined(),
        seconds=time.perf_counter() - started,
    )
    return EvalReport(
        **{
            **report.__dict__,
            "fields": chosen,
            "registry_id": reg.registry_id,
            "ordinary_examples": examples,
        }
    )


__all__ = [
    "EXPECTED",
    "CategoryScore",
    "EvalReport",
    "LabelScore",
    "evaluate",
    "load_truth",
    "score",
]
