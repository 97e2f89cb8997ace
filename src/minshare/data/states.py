"""States and territories by 2-digit FIPS code, with the T-MSIS alternate submitter codes.

Enrollment totals are CMS Performance Indicator data for December 2025 (April 2026 release),
Medicaid + CHIP; see ../shared/domain/medicaid-data.md §7. They weight synthetic data only.
Which states an order covers is *not* here: that is the order's jurisdiction, versioned with it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class State:
    fips: str
    abbr: str
    name: str
    enrollment_dec_2025: int  # 0 where CMS publishes no figure (territories)


_ROWS = """\
01 AL Alabama 945191
02 AK Alaska 212089
04 AZ Arizona 1678092
05 AR Arkansas 807724
06 CA California 12731627
08 CO Colorado 1193308
09 CT Connecticut 907009
10 DE Delaware 240456
11 DC District_of_Columbia 258572
12 FL Florida 3592110
13 GA Georgia 1882498
15 HI Hawaii 388228
16 ID Idaho 313952
17 IL Illinois 3023402
18 IN Indiana 1538217
19 IA Iowa 671552
20 KS Kansas 404849
21 KY Kentucky 1327761
22 LA Louisiana 1403139
23 ME Maine 339610
24 MD Maryland 1406894
25 MA Massachusetts 1588695
26 MI Michigan 2301457
27 MN Minnesota 1158399
28 MS Mississippi 593107
29 MO Missouri 1264714
30 MT Montana 213386
31 NE Nebraska 336922
32 NV Nevada 726387
33 NH New_Hampshire 177423
34 NJ New_Jersey 1767641
35 NM New_Mexico 682701
36 NY New_York 6550143
37 NC North_Carolina 2881668
38 ND North_Dakota 106248
39 OH Ohio 2729099
40 OK Oklahoma 968050
41 OR Oregon 1308432
42 PA Pennsylvania 3005350
44 RI Rhode_Island 298497
45 SC South_Carolina 977554
46 SD South_Dakota 136509
47 TN Tennessee 1409733
48 TX Texas 4111374
49 UT Utah 332396
50 VT Vermont 151308
51 VA Virginia 1690652
53 WA Washington 1791758
54 WV West_Virginia 490156
55 WI Wisconsin 1130048
56 WY Wyoming 60450
66 GU Guam 0
72 PR Puerto_Rico 0
78 VI Virgin_Islands 0
"""

STATES: dict[str, State] = {}
for _line in _ROWS.splitlines():
    _fips, _abbr, _name, _n = _line.split()
    STATES[_fips] = State(_fips, _abbr, _name.replace("_", " "), int(_n))

BY_ABBR: dict[str, State] = {s.abbr: s for s in STATES.values()}

# TAF cleanSubmittingStateCd: alternate submitter codes, remapped before any jurisdiction test.
ALTERNATE_SUBMITTER: dict[str, str] = {"93": "56", "94": "30", "96": "19", "97": "42"}


def normalize_state_code(raw: str) -> str:
    """Zero-pad a submitting state code to 2 digits and remap alternate submitter codes."""
    code = raw.strip().zfill(2)
    return ALTERNATE_SUBMITTER.get(code, code)


__all__ = ["ALTERNATE_SUBMITTER", "BY_ABBR", "STATES", "State", "normalize_state_code"]
