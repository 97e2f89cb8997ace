"""Code detectors, gated by field and context (health-categories.md §1 C1-C3, §3).

Shapes alone over-fire on addresses: "Apt B12" is a valid ICD-10-CM category, a five-digit house
number or ZIP is a CPT code, a phone is ten digits like an NPI. So every detector has a gate:

- ICD-10-CM (C1): the dotted form (``F20.9``) or four to seven characters undotted (``F1120``)
  counts anywhere in a text line; a bare three-character category (``Z21``) only with a
  diagnosis word in the same field (DX, ICD, DIAG, DIAGNOSIS). Nothing directly after a unit
  designator (APT, UNIT, STE, #, RM, BLDG, ...) counts unless dotted. In the Medicaid ID field
  only a value that is wholly a code counts.
- CPT/HCPCS (C2): only with CPT, HCPCS, PROC or PROCEDURE in the same field, and never the
  leading house number (ZIP fields are never scanned for codes).
- NDC (C3): the hyphenated 4-4-2, 5-3-2, 5-4-1 and 5-4-2 shapes anywhere in a text line; bare
  10/11 digits only with NDC in the field.
- NPI (C3): ten digits starting 1 or 2 that pass the Luhn check over the 80840 prefix, and
  either NPI is written in the field or the number is an NPI of the loaded registry.
- DEA (C3): two letters and seven digits with the DEA check digit.
- MBI (C3): the eleven-character Medicare Beneficiary Identifier layout (with or without
  dashes), in text lines and as the whole Medicaid ID.

Structural checks only: no code list is shipped, so an ICD-shaped token that is not an assigned
code still counts (the gates, not the list, keep precision). The anchor of a finding is the
code *system*; the code itself stays in the workspace.
"""

from __future__ import annotations

import re
from collections.abc import Container
from dataclasses import dataclass

from minshare.guard.categories import Category
from minshare.guard.normalize import UNITS

C = Category

# A cheap, vectorizable test: values that do not match cannot hold a code (run by RE2 over a
# whole column in pyarrow; only matching values go through :func:`find_codes`).
PREFILTER = "|".join(
    [
        r"[A-TV-Z][0-9][0-9AB]\.[0-9A-Z]",
        r"\b[A-TV-Z][0-9][0-9AB][0-9A-Z]{1,4}\b",
        r"\b(DX|ICD|ICD10|DIAG|DIAGNOSIS|CPT|HCPCS|PROC|PROCEDURE|NDC|NPI|DEA|MBI)\b",
        r"\b[0-9]{4,5}-[0-9]{3,4}-[0-9]{1,2}\b",
        r"\b[A-Z]{2}[0-9]{7}\b",
        r"\b[1-9][A-Z][A-Z0-9][0-9]-?[A-Z][A-Z0-9][0-9]-?[A-Z]{2}[0-9]{2}\b",
        r"\b[12][0-9]{9}\b",
    ]
)

DX_CONTEXT = frozenset({"DX", "ICD", "ICD10", "DIAG", "DIAGNOSIS"})
PROC_CONTEXT = frozenset({"CPT", "HCPCS", "PROC", "PROCEDURE"})

# ICD-10-CM categories whose third character is a letter.
_LETTER_CATEGORIES = frozenset({"C4A", "C7A", "C7B", "D3A", "M1A", "O9A", "Z3A"})
_ICD = re.compile(r"^([A-TV-Z])([0-9])([0-9AB])(\.?)([0-9A-Z]{0,4})$")
_U_CODES = re.compile(r"^U0[79]\.?[0-9A-Z]{0,4}$")
_CPT = re.compile(r"^[0-9]{5}$|^[0-9]{4}[FTU]$|^[A-V][0-9]{4}$")
_NDC_HYPHEN = re.compile(
    r"^[0-9]{4}-[0-9]{4}-[0-9]{2}$|^[0-9]{5}-[0-9]{3}-[0-9]{2}$|^[0-9]{5}-[0-9]{4}-[0-9]{1,2}$"
)
_NDC_BARE = re.compile(r"^[0-9]{10,11}$")
_NPI = re.compile(r"^[12][0-9]{9}$")
_DEA = re.compile(r"^[ABCDEFGHJKLMPRSTUX][A-Z9][0-9]{7}$")
_MBI_LETTER = "AC-HJKMNP-RT-Y"
_MBI = re.compile(
    rf"^[1-9][{_MBI_LETTER}][{_MBI_LETTER}0-9][0-9][{_MBI_LETTER}][{_MBI_LETTER}0-9][0-9]"
    rf"[{_MBI_LETTER}]{{2}}[0-9]{{2}}$"
)
_TOKEN = re.compile(r"[A-Z0-9#][A-Z0-9.\-]*[A-Z0-9]|[A-Z0-9#]")


@dataclass(frozen=True)
class CodeHit:
    system: str
    category: Category
    sensitivity: str
    start: int
    end: int


def icd_sensitivity(code: str) -> str:
    """HL7 label by ICD-10-CM block: substance use ETH, other mental and behavioural PSY,
    HIV (B20, Z21), STD (A50-A64), pregnancy (O, Z3A, Z33-Z37), contraception SEX, else DIA."""
    c = code.replace(".", "")
    head, num = c[0], c[1:3]
    if head == "F":
        return "ETH" if "10" <= num <= "19" else "PSY"
    if c.startswith(("B20", "Z21")):
        return "HIV"
    if head == "A" and "50" <= num <= "64":
        return "STD"
    if head == "O" or c.startswith(("Z3A", "Z33", "Z34", "Z35", "Z36", "Z37")):
        return "PREGNANT"
    if c.startswith("Z30"):
        return "SEX"
    return "DIA"


def icd_shape(token: str) -> tuple[bool, bool] | None:
    """(dotted, long) if ``token`` has the ICD-10-CM shape, else None."""
    if _U_CODES.match(token):
        return ("." in token, len(token.replace(".", "")) > 3)
    m = _ICD.match(token)
    if m is None:
        return None
    _, _, third, dot, rest = m.groups()
    if third in "AB" and token[:3] not in _LETTER_CATEGORIES:
        return None
    if dot and not rest:
        return None
    return (bool(dot), len(rest) > 0)


def npi_valid(number: str) -> bool:
    """The NPI check digit: Luhn over ``80840`` + the first nine digits."""
    if not _NPI.match(number):
        return False
    total = 0
    for i, ch in enumerate(reversed("80840" + number[:9])):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return (10 - total % 10) % 10 == int(number[9])


def dea_valid(number: str) -> bool:
    if not _DEA.match(number):
        return False
    d = [int(ch) for ch in number[2:]]
    check = (d[0] + d[2] + d[4] + 2 * (d[1] + d[3] + d[5])) % 10
    return check == d[6]


def mbi_valid(token: str) -> bool:
    bare = token.replace("-", "") if len(token) == 13 and token[4] == token[8] == "-" else token
    return bool(_MBI.match(bare))


def find_codes(
    text: str, *, npis: Container[str] = frozenset(), first_is_house: bool = False
) -> list[CodeHit]:
    """Codes in one free-text address value (any case; folded to ASCII upper case first)."""
    upper = text.upper()
    tokens = [(m.group(), m.start(), m.end()) for m in _TOKEN.finditer(upper)]
    words = {t.strip(".-") for t, _, _ in tokens}
    words |= {w for w in re.split(r"[^A-Z0-9]+", upper) if w}
    dx = bool(words & DX_CONTEXT) or "ICD-10" in upper
    proc = bool(words & PROC_CONTEXT)
    ndc = "NDC" in words
    npi_word = "NPI" in words
    out: list[CodeHit] = []
    for i, (tok, start, end) in enumerate(tokens):
        tok = tok.rstrip(".")
        prev = tokens[i - 1][0] if i else ""
        after_unit = prev in UNITS or prev == "#"
        shape = icd_shape(tok)
        if shape is not None:
            dotted, long = shape
            if dotted or (not after_unit and (long or dx)):
                out.append(CodeHit("ICD-10-CM", C.DIAGNOSIS_CODE, icd_sensitivity(tok), start, end))
                continue
        if _CPT.match(tok) and proc and not after_unit and not (first_is_house and i == 0):
            system = "HCPCS" if tok[0].isalpha() else "CPT"
            out.append(CodeHit(system, C.PROCEDURE_CODE, "DIA", start, end))
        elif _NDC_HYPHEN.match(tok) or (ndc and _NDC_BARE.match(tok)):
            out.append(CodeHit("NDC", C.PROVIDER_DRUG_ID, "DRGIS", start, end))
        elif npi_valid(tok) and (npi_word or tok in npis):
            out.append(CodeHit("NPI", C.PROVIDER_DRUG_ID, "PATLOC", start, end))
        elif dea_valid(tok):
            out.append(CodeHit("DEA", C.PROVIDER_DRUG_ID, "PATLOC", start, end))
        elif mbi_valid(tok):
            out.append(CodeHit("MBI", C.PROVIDER_DRUG_ID, "DIA", start, end))
    return out


def find_id_codes(value: str) -> list[CodeHit]:
    """Codes that make up a whole Medicaid ID (an MBI or an ICD-10-CM code)."""
    v = value.strip().upper()
    if mbi_valid(v):
        return [CodeHit("MBI", C.PROVIDER_DRUG_ID, "DIA", 0, len(value))]
    shape = icd_shape(v)
    if shape is not None and (shape[0] or shape[1]):
        return [CodeHit("ICD-10-CM", C.DIAGNOSIS_CODE, icd_sensitivity(v), 0, len(value))]
    return []


__all__ = [
    "PREFILTER",
    "CodeHit",
    "dea_valid",
    "find_codes",
    "find_id_codes",
    "icd_sensitivity",
    "icd_shape",
    "mbi_valid",
    "npi_valid",
]
