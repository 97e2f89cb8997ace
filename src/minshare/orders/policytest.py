"""Policy tests: small records with the decision an order must reach for them.

A test file (YAML) holds ``cases``; each gives a record (merged over ``defaults.record``), the
person's determinations, an as-of date, a recipient and a purpose, and what must come out: the
decision and the rule ids that hold (``rules``: exactly these, in any order; ``rules_include``:
at least these), optionally the governing orders. Cases run through the same resolution and
evaluation a disclosure uses (``decide.Decider``), so they test the whole authority chain:
window, jurisdiction, supersession, recipient, purpose, rules, combination.

``minshare orders test`` runs the reference suite shipped with the built-in orders; a draft order
passed with ``--orders`` replaces the built-in of the same id, which is how a change to an order
is checked against every case before it is adopted.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from minshare.data import model
from minshare.errors import MinshareError
from minshare.orders import facts
from minshare.orders.catalog import Catalog
from minshare.orders.decide import Decider
from minshare.orders.errors import PolicyTestFailed, PolicyTestInvalid
from minshare.orders.evaluate import Decision
from minshare.orders.facts import as_date
from minshare.orders.model import Effect, Id, IsoDate, Order, Text
from minshare.orders.yamlsrc import PathT, Source, load_validated, pydantic_errors

Record = dict[str, Any]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Expect(_Model):
    decision: Effect
    rules: tuple[str, ...] | None = Field(None, description="Exactly these rule ids hold")
    rules_include: tuple[str, ...] | None = Field(None, description="At least these rule ids hold")
    orders: tuple[Id, ...] | None = Field(None, description="Exactly these orders govern")


class Defaults(_Model):
    as_of: IsoDate | None = None
    recipient: Id | None = None
    purpose: Id | None = None
    record: Record = Field(default_factory=dict)
    determinations: tuple[Record, ...] = ()


class Case(_Model):
    name: Text
    note: str | None = None
    as_of: IsoDate | None = None
    recipient: Id | None = None
    purpose: Id | None = None
    record: Record = Field(default_factory=dict, description="Merged over defaults.record")
    determinations: tuple[Record, ...] | None = Field(
        None, description="Replaces defaults.determinations when given (even empty)"
    )
    duplicates: tuple[Record, ...] = Field(
        (), description="Other rows with this person's key, each merged over the case's record"
    )
    guard: Record = Field(default_factory=dict, description="Supplied guard.* facts")
    expect: Expect


class PolicyTestFile(_Model):
    model_config = ConfigDict(
        title="minshare policy tests",
        json_schema_extra={"$id": "https://minshare.invalid/schema/policy-test.json"},
    )

    schema_version: Literal[1] = 1
    description: str | None = None
    orders: tuple[Text, ...] | None = Field(
        None, description="Order ids or paths (relative to this file); default: the catalog"
    )
    defaults: Defaults = Field(default_factory=Defaults)
    cases: tuple[Case, ...] = Field(min_length=1)


@dataclass(frozen=True)
class CaseResult:
    file: str
    line: int | None
    name: str
    expect: Expect
    decision: Decision
    failures: tuple[str, ...]

    @property
    def passed(self) -> bool:
        return not self.failures


@dataclass(frozen=True)
class Report:
    results: tuple[CaseResult, ...]

    @property
    def failed(self) -> tuple[CaseResult, ...]:
        return tuple(r for r in self.results if not r.passed)

    @property
    def passed(self) -> int:
        return len(self.results) - len(self.failed)

    def raise_for_failures(self) -> None:
        if not self.failed:
            return
        details: list[MinshareError] = [
            PolicyTestFailed(f"{r.name}: {'; '.join(r.failures)}", file=r.file, line=r.line)
            for r in self.failed
        ]
        raise PolicyTestFailed(
            f"{len(self.failed)} of {len(self.results)} policy cases failed", details=details
        )


# --- validation of the records inside a test file ---------------------------------------------


def _check_row(row: Record, table: model.Table, path: PathT) -> list[tuple[PathT, str]]:
    out: list[tuple[PathT, str]] = []
    for name, value in row.items():
        col = model.column(table, str(name))
        here = (*path, name)
        if col.cls is model.ColumnClass.UNCLASSIFIED:
            out.append((here, f"{name} is not a column of the {table} table"))
        elif value is None:
            continue
        elif col.dtype is model.DType.DATE:
            try:
                as_date(value)
            except ValueError:
                out.append((here, f"{name} is a date; {value!r} is not YYYY-MM-DD"))
        elif not isinstance(value, str):
            out.append((here, f"{name} values are quoted strings: write '{value}'"))
    return out


def _check_records(tests: PolicyTestFile) -> list[tuple[PathT, str]]:
    enr, det = model.Table.ENROLLMENT, model.Table.DETERMINATIONS
    out = _check_row(tests.defaults.record, enr, ("defaults", "record"))
    for j, d in enumerate(tests.defaults.determinations):
        out += _check_row(d, det, ("defaults", "determinations", j))
    for i, case in enumerate(tests.cases):
        base: PathT = ("cases", i)
        out += _check_row(case.record, enr, (*base, "record"))
        for j, d in enumerate(case.determinations or ()):
            out += _check_row(d, det, (*base, "determinations", j))
        for j, d in enumerate(case.duplicates):
            out += _check_row(d, enr, (*base, "duplicates", j))
        for name in case.guard:
            fact = facts.lookup(str(name))
            if fact is None or fact.derivation is not facts.Derivation.SUPPLIED:
                out.append(((*base, "guard", name), f"{name} is not a registered guard.* fact"))
        if case.as_of is None and tests.defaults.as_of is None:
            out.append(((*base,), "no as_of (in the case or in defaults)"))
    return out


def _validate(source: Source) -> tuple[PolicyTestFile | None, list[MinshareError]]:
    if not isinstance(source.data, dict):
        return None, [source.error(PolicyTestInvalid, (), "a policy-test file is a YAML mapping")]
    try:
        tests = PolicyTestFile.model_validate(source.data)
    except ValidationError as exc:
        return None, pydantic_errors(exc, source, PolicyTestInvalid)
    problems = _check_records(tests)
    if problems:
        return None, [source.error(PolicyTestInvalid, p, m) for p, m in problems]
    return tests, []


def load_tests(path: Path | str, *, name: str | None = None) -> tuple[PolicyTestFile, Source]:
    tests, source, _ = load_validated(path, PolicyTestInvalid, _validate, name=name)
    assert isinstance(tests, PolicyTestFile)
    return tests, source


# --- running -----------------------------------------------------------------------------------


def _orders_for(tests: PolicyTestFile, base: Path | None, catalog: Sequence[Order]) -> list[Order]:
    if tests.orders is None:
        return list(catalog)
    by_id = {o.id: o for o in catalog}
    out: list[Order] = []
    for ref in tests.orders:
        if ref in by_id:
            out.append(by_id[ref])
        else:
            path = Path(ref) if base is None or Path(ref).is_absolute() else base / ref
            out.append(Catalog(list(catalog)).get(str(path)))
    return out


def _person(tests: PolicyTestFile, case: Case) -> tuple[Record, list[Record], list[Record]]:
    record = {**tests.defaults.record, **case.record}
    key = {k: record.get(k) for k in model.KEY}
    dets = tests.defaults.determinations if case.determinations is None else case.determinations
    determinations = [{**key, **d} for d in dets]
    duplicates = [{**record, **d} for d in case.duplicates]
    return record, determinations, duplicates


def _compare(expect: Expect, decision: Decision) -> tuple[str, ...]:
    failures: list[str] = []
    got = set(decision.matched_rule_ids)
    if decision.effect is not expect.decision:
        failures.append(f"expected {expect.decision}, got {decision.effect}")
    if expect.rules is not None and got != set(expect.rules):
        missing, extra = set(expect.rules) - got, got - set(expect.rules)
        parts = [
            f"missing {sorted(missing)}" if missing else "",
            f"extra {sorted(extra)}" if extra else "",
        ]
        failures.append("rules differ: " + ", ".join(p for p in parts if p))
    if expect.rules_include is not None and not set(expect.rules_include) <= got:
        failures.append(f"rules missing {sorted(set(expect.rules_include) - got)}")
    if expect.orders is not None and set(decision.orders) != set(expect.orders):
        failures.append(f"expected orders {sorted(expect.orders)}, got {sorted(decision.orders)}")
    return tuple(failures)


def run_tests(
    tests: PolicyTestFile, source: Source, catalog: Sequence[Order], *, base: Path | None = None
) -> list[CaseResult]:
    orders = _orders_for(tests, base, catalog)
    deciders: dict[tuple[date, str | None, str | None], Decider] = {}
    results: list[CaseResult] = []
    for i, case in enumerate(tests.cases):
        as_of = case.as_of or tests.defaults.as_of
        assert as_of is not None  # checked on load
        recipient = case.recipient or tests.defaults.recipient
        purpose = case.purpose or tests.defaults.purpose
        key = (as_of, recipient, purpose)
        if key not in deciders:
            deciders[key] = Decider(orders, as_of, recipient=recipient, purpose=purpose)
        record, determinations, duplicates = _person(tests, case)
        decision = deciders[key].decide(
            record, determinations, duplicates=duplicates, supplied=case.guard or None
        )
        mark = source.locate(("cases", i))
        results.append(
            CaseResult(
                file=source.file,
                line=mark[0] if mark else None,
                name=case.name,
                expect=case.expect,
                decision=decision,
                failures=_compare(case.expect, decision),
            )
        )
    return results


def run_files(paths: Iterable[Path], catalog: Sequence[Order]) -> Report:
    results: list[CaseResult] = []
    for path in paths:
        tests, source = load_tests(path)
        results += run_tests(tests, source, catalog, base=path.parent)
    return Report(tuple(results))


__all__ = [
    "Case",
    "CaseResult",
    "Expect",
    "PolicyTestFile",
    "Report",
    "load_tests",
    "run_files",
    "run_tests",
]
