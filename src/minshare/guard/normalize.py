"""One normalization for both sides of every match: registry files and enrollment rows.

Two layers. :func:`fold` turns any string into ASCII the way a reader would see it: NFKC (so
fullwidth digits become digits), Unicode look-alikes folded to the Latin letter they imitate
(Cyrillic "а" in "Mаin" becomes "a"), accents dropped, upper case. It also reports what was
suspicious about the string (a token mixing scripts, fullwidth forms, invisible characters), which
:mod:`minshare.guard.shapes` turns into findings. Only non-ASCII values ever reach it, so it runs
in Python on the few rows that need it.

On top of that, USPS Publication 28 forms (street suffixes, directionals, secondary unit
designators, ordinal words) make ``1200 North Main Street Suite 300`` and ``1200 N MAIN ST STE
300`` one key: (house number, street, ZIP5) plus the unit. Phones become their 10 NANP digits.
The vectorized forms (``*_array``) use pyarrow.compute and numpy over whole columns.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

I64 = npt.NDArray[np.int64]
Bool = npt.NDArray[np.bool_]

# --- Unicode ---------------------------------------------------------------------------------

# Letters of other scripts that render like Latin ones (a subset of Unicode confusables.txt:
# Cyrillic, Greek and a few Latin-extended forms that survive NFKC).
_CONFUSABLE_PAIRS = (
    "аa вb еe кk мm нh оo рp сc тt уy хx ѕs іi јj ԁd ԛq ԝw үy һh ӏl ёe "
    "АA ВB ЕE КK МM НH ОO РP СC ТT УY ХX ЅS ІI ЈJ ҮY ЁE "
    "αa εe ιi κk νv οo ρp τt υu χx γy ΑA ΒB ΕE ΖZ ΗH ΙI ΚK ΜM ΝN ΟO ΡP ΤT ΥY ΧX "
    "ıi ȷj ℓl օo"
)
CONFUSABLES: dict[str, str] = {p[0]: p[1] for p in _CONFUSABLE_PAIRS.split()}
_CONFUSABLE_TABLE = str.maketrans(CONFUSABLES)
_SCRIPTS = ("LATIN", "CYRILLIC", "GREEK", "ARMENIAN")


def _script(ch: str) -> str | None:
    name = unicodedata.name(ch, "")
    for script in _SCRIPTS:
        if name.startswith(script):
            return script
    return None


def suspicious(text: str) -> set[str]:
    """What is wrong with a string a person should have typed plainly.

    ``lookalike``: a word mixes Latin with Cyrillic/Greek letters, or is made only of
    look-alikes next to Latin words; ``fullwidth``: fullwidth or other compatibility forms that
    NFKC rewrites (digits included); ``invisible``: format characters (zero-width, bidi).
    Legitimate accents (José, Peña) are none of these.
    """
    out: set[str] = set()
    if any(unicodedata.category(ch) == "Cf" for ch in text):
        out.add("invisible")
    if any("\uff01" <= ch <= "\uff5e" for ch in text) or (
        unicodedata.normalize("NFKC", text) != unicodedata.normalize("NFC", text)
    ):
        out.add("fullwidth")
    words = re.findall(r"[^\W\d_]+", text)
    has_latin = any(_script(ch) == "LATIN" for w in words for ch in w)
    for word in words:
        scripts = {s for s in (_script(ch) for ch in word) if s is not None}
        if (len(scripts) > 1 and "LATIN" in scripts) or (
            has_latin
            and scripts
            and "LATIN" not in scripts
            and all(ch in CONFUSABLES for ch in word)
        ):
            out.add("lookalike")
    return out


def fold(text: str) -> str:
    """ASCII, upper case: NFKC, look-alikes folded, accents dropped; anything else becomes '?'."""
    s = unicodedata.normalize("NFKC", text).translate(_CONFUSABLE_TABLE)
    s = "".join(ch for ch in unicodedata.normalize("NFKD", s) if not unicodedata.combining(ch))
    s = "".join(ch for ch in s if unicodedata.category(ch) != "Cf")
    return s.upper().encode("ascii", "replace").decode("ascii")


def fold_array(arr: pa.Array) -> tuple[pa.Array, Bool]:
    """Fold the non-ASCII values of a string array; also which rows were non-ASCII.

    ASCII values (nearly all) are left to the vectorized steps; the rest go through
    :func:`fold` one by one.
    """
    arr = _plain(arr)
    ascii_mask = pc.fill_null(pc.string_is_ascii(arr), True)
    non_ascii = ~np.asarray(ascii_mask.to_numpy(zero_copy_only=False), dtype=np.bool_)
    if not non_ascii.any():
        return arr, non_ascii
    rows = np.flatnonzero(non_ascii)
    folded = pa.array([fold(v) for v in arr.take(pa.array(rows)).to_pylist()], pa.string())
    return pc.replace_with_mask(arr, pa.array(non_ascii), folded), non_ascii


def _plain(arr: pa.Array | pa.ChunkedArray) -> pa.Array:
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    if pa.types.is_dictionary(arr.type):
        arr = arr.cast(arr.type.value_type)
    if not pa.types.is_string(arr.type):
        arr = arr.cast(pa.string())
    return arr


def words_array(ascii_arr: pa.Array) -> pa.Array:
    """Upper case, '&' read as AND, every run of other characters one space, padded with one
    space each side so a term matches whole words only. Null stays null."""
    a = pc.ascii_upper(ascii_arr)
    a = pc.replace_substring(a, "&", " AND ")
    a = pc.replace_substring_regex(a, r"[^A-Z0-9]+", " ")
    a = pc.utf8_trim_whitespace(a)
    return pc.binary_join_element_wise(" ", a, " ", "")


def words(text: str) -> str:
    """The scalar form of :func:`words_array` (for registries and candidate rows)."""
    s = fold(text) if not text.isascii() else text.upper()
    s = re.sub(r"[^A-Z0-9]+", " ", s.replace("&", " AND ")).strip()
    return f" {s} "


# --- USPS Publication 28 ---------------------------------------------------------------------


def _table(spec: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for line in spec.strip().splitlines():
        std, *variants = line.split()
        out[std] = std
        for v in variants:
            out[v] = std
    return out


# Appendix C1 (street suffixes): the standard abbreviation first, then the spellings it replaces.
SUFFIXES = _table(
    """
    ALY ALLEY ALLEE ALLY
    ANX ANNEX ANNX ANEX
    ARC ARCADE
    AVE AVENUE AV AVEN AVENU AVN AVNUE
    BYU BAYOU BAYOO
    BCH BEACH
    BND BEND
    BLF BLUFF BLUF
    BLVD BOULEVARD BOUL BOULV
    BR BRANCH BRNCH
    BRG BRIDGE BRDGE
    BRK BROOK
    BYP BYPASS BYPA BYPAS BYPS
    CP CAMP CMP
    CYN CANYON CANYN CNYN
    CPE CAPE
    CSWY CAUSEWAY CAUSWA
    CTR CENTER CEN CENT CENTR CENTRE CNTER CNTR
    CIR CIRCLE CIRC CIRCL CRCL CRCLE
    CLF CLIFF
    CLB CLUB
    CMN COMMON
    COR CORNER
    CRSE COURSE
    CT COURT
    CV COVE
    CRK CREEK
    CRES CRESCENT CRSENT CRSNT
    XING CROSSING CRSSNG
    DL DALE
    DM DAM
    DV DIVIDE DIV DVD
    DR DRIVE DRIV DRV
    EST ESTATE
    ESTS ESTATES
    EXPY EXPRESSWAY EXP EXPR EXPRESS EXPW
    EXT EXTENSION EXTN EXTNSN
    FLS FALLS
    FRY FERRY FRRY
    FLD FIELD
    FLDS FIELDS
    FLT FLAT
    FRD FORD
    FRST FOREST FORESTS
    FRG FORGE FORG
    FRK FORK
    FT FORT FRT
    FWY FREEWAY FREEWY FRWAY FRWY
    GDN GARDEN GARDN GRDEN GRDN
    GDNS GARDENS GRDNS
    GTWY GATEWAY GATEWY GATWAY GTWAY
    GLN GLEN
    GRN GREEN
    GRV GROVE GROV
    HBR HARBOR HARB HARBR HRBOR
    HVN HAVEN
    HTS HEIGHTS HT
    HWY HIGHWAY HIGHWY HIWAY HIWY HWAY
    HL HILL
    HLS HILLS
    HOLW HOLLOW HLLW HOLLOWS HOLWS
    IS ISLAND ISLND
    JCT JUNCTION JCTION JCTN JUNCTN JUNCTON
    KY KEY
    LK LAKE
    LKS LAKES
    LNDG LANDING LNDNG
    LN LANE
    LGT LIGHT
    LOOP LOOPS
    MNR MANOR
    MDWS MEADOWS MDW MEDOWS
    ML MILL
    MSN MISSION MISSN MSSN
    MT MOUNT MNT
    MTN MOUNTAIN MNTAIN MNTN MOUNTIN MTIN
    OVAL OVL
    PARK PRK
    PKWY PARKWAY PARKWY PKWAY PKY
    PASS
    PATH PATHS
    PIKE PIKES
    PNE PINE
    PL PLACE
    PLN PLAIN
    PLZ PLAZA PLZA
    PT POINT
    PRT PORT
    PR PRAIRIE PRR
    RADL RADIAL RAD RADIEL
    RNCH RANCH RANCHES RNCHS
    RPD RAPID
    RST REST
    RDG RIDGE RDGE
    RIV RIVER RVR RIVR
    RD ROAD
    RDS ROADS
    RTE ROUTE
    ROW
    RUN
    SHR SHORE SHOAR
    SPG SPRING SPNG SPRNG
    SQ SQUARE SQR SQRE SQU
    STA STATION STATN STN
    STRM STREAM STREME
    ST STREET STRT STR
    SMT SUMMIT SUMIT SUMITT
    TER TERRACE TERR
    TRCE TRACE TRACES
    TRL TRAIL TRAILS TRLS
    TUNL TUNNEL TUNEL TUNLS TUNNELS TUNNL
    TPKE TURNPIKE TRNPK TURNPK
    UN UNION
    VLY VALLEY VALLY VLLY
    VIA VIADUCT VDCT VIADCT
    VW VIEW
    VLG VILLAGE VILL VILLAG VILLG VILLIAGE
    VIS VISTA VIST VST VSTA
    WALK WALKS
    WAY WY
    WL WELL
    WLS WELLS
    """
)

DIRECTIONALS = _table(
    """
    N NORTH
    S SOUTH
    E EAST
    W WEST
    NE NORTHEAST
    NW NORTHWEST
    SE SOUTHEAST
    SW SOUTHWEST
    """
)

# Appendix C2 (secondary unit designators), plus '#'.
UNITS = _table(
    """
    APT APARTMENT
    BSMT BASEMENT
    BLDG BUILDING
    DEPT DEPARTMENT
    FL FLOOR
    FRNT FRONT
    HNGR HANGAR
    KEY
    LBBY LOBBY
    LOT
    LOWR LOWER
    OFC OFFICE
    PH PENTHOUSE
    PIER
    REAR
    RM ROOM
    SIDE
    SLIP
    SPC SPACE
    STOP
    STE SUITE
    TRLR TRAILER
    UNIT
    UPPR UPPER
    """
)

_ORDINAL_WORDS = (
    "FIRST",
    "SECOND",
    "THIRD",
    "FOURTH",
    "FIFTH",
    "SIXTH",
    "SEVENTH",
    "EIGHTH",
    "NINTH",
    "TENTH",
)
ORDINALS = {
    w: f"{i}{'ST' if i == 1 else 'ND' if i == 2 else 'RD' if i == 3 else 'TH'}"
    for i, w in enumerate(_ORDINAL_WORDS, start=1)
}


@dataclass(frozen=True)
class AddressKey:
    """(house number, street, ZIP5): a building; ``unit`` narrows it to a unit when known."""

    house: int
    street: str
    zip5: int
    unit: str | None = None

    @property
    def building(self) -> tuple[int, str, int]:
        return (self.house, self.street, self.zip5)

    @property
    def prefilter(self) -> int:
        return prefilter_key(self.house, self.zip5)


def prefilter_key(house: int, zip5: int) -> int:
    return house * 100_000 + zip5


# A house number, optionally with an attached letter ("12A", "12-A") or a half ("12 1/2").
_HOUSE = re.compile(r"^\s*(\d{1,7})(?:-?[A-Z](?=\s)|\s+1/2(?=\s))?\s+(.*)$")


def split_line(line: str) -> tuple[int, list[str], str | None] | None:
    """House number, normalized street tokens and unit id of an address line 1.

    ``None`` for a line without a leading house number (a PO box, a facility name).
    """
    text = line if line.isascii() else fold(line)
    m = _HOUSE.match(text.upper().replace("#", " # "))
    if m is None:
        return None
    house = int(m.group(1))
    raw = re.sub(r"[^A-Z0-9# ]+", " ", m.group(2)).split()
    street: list[str] = []
    unit: str | None = None
    for i, tok in enumerate(raw):
        if (tok in UNITS or tok == "#") and street:
            rest = raw[i + 1 :]
            unit = normalize_unit(" ".join([tok, *rest]))
            break
        street.append(tok)
    if not street:
        return None
    return house, _street_tokens(street), unit


def _street_tokens(tokens: list[str]) -> list[str]:
    out = list(tokens)
    for i, tok in enumerate(out):
        if tok in ORDINALS:
            out[i] = ORDINALS[tok]
    if len(out) > 1 and out[0] in DIRECTIONALS:
        out[0] = DIRECTIONALS[out[0]]
    if len(out) > 1 and out[-1] in DIRECTIONALS:
        out[-1] = DIRECTIONALS[out[-1]]
        if len(out) > 2 and out[-2] in SUFFIXES:
            out[-2] = SUFFIXES[out[-2]]
    elif len(out) > 1 and out[-1] in SUFFIXES:
        out[-1] = SUFFIXES[out[-1]]
    return out


def normalize_unit(text: str | None) -> str | None:
    """The unit's identifier: ``Suite 300``, ``STE 300`` and ``# 300`` are all ``300``."""
    if not text:
        return None
    tokens = re.sub(r"[^A-Z0-9]+", " ", fold(text) if not text.isascii() else text.upper()).split()
    ids = [t for t in tokens if t not in UNITS]
    return " ".join(ids) or None


def zip5(text: str | None) -> int | None:
    """ZIP5 of a 5- or 9-digit ZIP (``12345``, ``123456789``, ``12345-6789``), else None."""
    if text is None:
        return None
    s = text if text.isascii() else fold(text)
    s = s.strip()
    if re.fullmatch(r"\d{5}(-?\d{4})?", s):
        return int(s[:5])
    return None


def address_key(line1: str | None, line2: str | None, zip_code: str | None) -> AddressKey | None:
    """The match key of an address (line 2 only contributes a unit), or None without one."""
    if not line1:
        return None
    z = zip5(zip_code)
    parts = split_line(line1)
    if z is None or parts is None:
        return None
    house, street, unit = parts
    if unit is None and line2:
        first = re.sub(r"[^A-Z0-9#]+", " ", (fold(line2) if not line2.isascii() else line2.upper()))
        toks = first.split()
        if toks and (toks[0] in UNITS or toks[0] == "#"):
            unit = normalize_unit(first)
    return AddressKey(house, " ".join(street), z, unit)


def phone10(text: str | None) -> int | None:
    """The 10 NANP digits of a phone (a leading country code 1 dropped), else None."""
    if text is None:
        return None
    s = text if text.isascii() else fold(text)
    digits = re.sub(r"\D", "", s)
    if len(digits) == 11 and digits[0] == "1":
        digits = digits[1:]
    return int(digits) if len(digits) == 10 else None


def nanp_valid(number: int) -> bool:
    """Area code and exchange start 2-9 and are not N11 (211, 911, ...)."""
    area, exchange = number // 10_000_000, (number // 10_000) % 1000
    return all(x >= 100 * 2 and x % 100 != 11 for x in (area, exchange))


# --- vectorized ------------------------------------------------------------------------------


def phone10_array(arr: pa.Array) -> tuple[I64, Bool]:
    """10-digit phones as int64 (-1 where there is none) and which non-null values had none.

    A value is read as a phone if, once spaces, dots, dashes, parentheses and a leading '+'
    are removed, it is 10 digits or 11 digits starting with 1; anything else (letters, too few
    digits) is a shape failure, not a number to guess at.
    """
    arr = _plain(arr)
    stripped = pc.replace_substring_regex(arr, r"[\s().\-+]", "")
    ok10 = pc.match_substring_regex(stripped, r"^\d{10}$")
    ok11 = pc.match_substring_regex(stripped, r"^1\d{10}$")
    ten = pc.if_else(ok11, pc.utf8_slice_codeunits(stripped, 1, 11), stripped)
    good = pc.fill_null(pc.or_(ok10, ok11), False)
    values = pc.cast(pc.if_else(good, ten, pa.scalar(None, pa.string())), pa.int64())
    out = np.asarray(values.fill_null(-1).to_numpy(zero_copy_only=False), dtype=np.int64)
    present = np.asarray(pc.is_valid(arr).to_numpy(zero_copy_only=False), dtype=np.bool_)
    bad = present & ~np.asarray(good.to_numpy(zero_copy_only=False), dtype=np.bool_)
    return out, bad


def nanp_valid_array(numbers: I64) -> Bool:
    area = numbers // 10_000_000
    exchange = (numbers // 10_000) % 1000
    ok: Bool = (area >= 200) & (area % 100 != 11) & (exchange >= 200) & (exchange % 100 != 11)
    return ok


def zip5_array(ascii_arr: pa.Array) -> I64:
    """ZIP5 as int64 of 5/9-digit ZIPs (after :func:`fold_array`), -1 otherwise."""
    ok = pc.fill_null(pc.match_substring_regex(ascii_arr, r"^\s*\d{5}(-?\d{4})?\s*$"), False)
    head = pc.utf8_slice_codeunits(pc.utf8_trim_whitespace(ascii_arr), 0, 5)
    values = pc.cast(pc.if_else(ok, head, pa.scalar(None, pa.string())), pa.int64())
    return np.asarray(values.fill_null(-1).to_numpy(zero_copy_only=False), dtype=np.int64)


def house_array(ascii_arr: pa.Array) -> I64:
    """The leading house number of address lines as int64, -1 where there is none."""
    found = pc.extract_regex(ascii_arr, r"^\s*(?P<h>\d{1,7})\b")
    values = pc.cast(pc.struct_field(found, [0]), pa.int64())
    return np.asarray(values.fill_null(-1).to_numpy(zero_copy_only=False), dtype=np.int64)


__all__ = [
    "CONFUSABLES",
    "DIRECTIONALS",
    "SUFFIXES",
    "UNITS",
    "AddressKey",
    "address_key",
    "fold",
    "fold_array",
    "house_array",
    "nanp_valid",
    "nanp_valid_array",
    "normalize_unit",
    "phone10",
    "phone10_array",
    "prefilter_key",
    "split_line",
    "suspicious",
    "words",
    "words_array",
    "zip5",
    "zip5_array",
]
