"""The legal basis of a disclosure, as the accounting reads it.

A package manifest carries the authorities its written request cites (``request.legal_basis``,
copied from the request's ``authority_cited``; manifests made before that field existed have
none). The accounting recognises a closed list of them (``../shared/domain/legal-duties.md``
§4, §5, §6 ``legal_basis``) and keeps any other text verbatim. One of them changes what the
individual is shown:

- **5 U.S.C. 552a(b)(7)**, a disclosure on the written request of an agency head for a law
  enforcement activity. 552a(c)(3) makes the accounting available to the individual *except* for
  (b)(7) disclosures, so the individual's view leaves such an entry out (requirement R-VIEW-1);
  it stays in the ledger and in the auditor's view, flagged.

Nothing else hides an entry from the individual but a suspension (45 CFR 164.528(a)(2)). A
manifest that records no basis is treated as not (b)(7): the exception is applied only where the
record shows it applies.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

B7 = "5 U.S.C. 552a(b)(7)"


@dataclass(frozen=True)
class Basis:
    id: str
    description: str
    hidden_from_individual: bool = False


#: The bases the accounting knows, each with the pattern that recognises it in cited text.
KNOWN: tuple[tuple[re.Pattern[str], Basis], ...] = (
    (
        re.compile(r"552a\s*\(\s*b\s*\)\s*\(\s*7\s*\)|^b7$", re.IGNORECASE),
        Basis(
            B7,
            "Privacy Act: written request of an agency head for a law enforcement activity",
            hidden_from_individual=True,
        ),
    ),
    (
        re.compile(r"552a\s*\(\s*b\s*\)\s*\(\s*11\s*\)|^b11$", re.IGNORECASE),
        Basis("5 U.S.C. 552a(b)(11)", "Privacy Act: order of a court of competent jurisdiction"),
    ),
    (
        re.compile(r"1360\s*\(\s*b\s*\)", re.IGNORECASE),
        Basis("8 U.S.C. 1360(b)", "records on the identity and location of aliens, on request"),
    ),
    (
        re.compile(r"164\.512\s*\(\s*f\s*\)", re.IGNORECASE),
        Basis("45 CFR 164.512(f)", "HIPAA: disclosure for law enforcement purposes"),
    ),
    (
        re.compile(r"164\.512\s*\(\s*a\s*\)", re.IGNORECASE),
        Basis("45 CFR 164.512(a)", "HIPAA: disclosure required by law"),
    ),
)


def recognise(cited: str) -> Basis | None:
    """The known basis a cited authority names, or None."""
    text = cited.strip()
    for pattern, basis in KNOWN:
        if pattern.search(text):
            return basis
    return None


def is_b7(cited: Iterable[str] | None) -> bool:
    """Whether the cited authorities include 5 U.S.C. 552a(b)(7)."""
    return any((b := recognise(c)) is not None and b.hidden_from_individual for c in (cited or ()))


__all__ = ["B7", "KNOWN", "Basis", "is_b7", "recognise"]
