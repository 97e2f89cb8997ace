"""The ``guard.*`` facts: what the guard tells the order rules about each record.

Declared here as plain data (name, description) so this module imports nothing from the orders
stage; :mod:`minshare.orders.facts` registers them (``facts.register``) when it is imported, so
every order that names one loads wherever orders are read. Values come from the findings table
(:func:`minshare.guard.scan.row_facts`); a record with no decisive finding has every guard fact
false, never null.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class GuardFact:
    name: str
    description: str


FINDING = GuardFact(
    "guard.finding",
    "The health-information guard has at least one decisive finding on the record (any "
    "category, shape failures and SSN-valued IDs included). False when there is none.",
)
HEALTH = GuardFact(
    "guard.health",
    "A decisive guard finding reveals health (facility address or phone, clinical unit or "
    "condition words, a pasted code, a hotline, a shelter: categories F1-F9, U1, T1, P1-P2, "
    "C1-C3, A1).",
)
SHAPE = GuardFact(
    "guard.shape",
    "A permitted field fails its shape check (category V1: an invalid phone, ZIP, state or "
    "county code, date of birth or code, or formula text, look-alike letters, control "
    "characters or an over-long address line).",
)

GUARD_FACTS: tuple[GuardFact, ...] = (FINDING, HEALTH, SHAPE)

__all__ = ["FINDING", "GUARD_FACTS", "HEALTH", "SHAPE", "GuardFact"]
