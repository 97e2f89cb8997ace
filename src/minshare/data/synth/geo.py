"""Per-state geography for synthetic addresses and phones: cities, ZIP3, county FIPS, area codes.

A few real city / ZIP3 / county-FIPS triples per state keep an address internally consistent
(a Fresno ZIP is never paired with a Boston county). The figures are plausible, not a gazetteer:
the synthetic 5-digit ZIP appends two random digits to the ZIP3, so it may not exist.

Each state is a line with its USPS code, its area codes and, after "|", an optional
race/ethnicity mix for its enrollees (Hispanic, Black, Asian, American Indian/Alaska Native,
Native Hawaiian/Pacific Islander shares; white and multiracial share the rest), then indented
"City ZIP3 county;" lines. The mix varies names by region; it is an assumption, not a CMS
figure.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from minshare.data import states

_TABLE = """\
AL 205 251 256 334 938 | .05 .45 .01 .005 0
    Birmingham 352 073; Montgomery 361 101; Mobile 366 097; Huntsville 358 089
AK 907 | .07 .03 .06 .35 .02
    Anchorage 995 020; Fairbanks 997 090; Juneau 998 110
AZ 480 520 602 623 928 | .45 .05 .02 .08 .002
    Phoenix 850 013; Tucson 857 019; Mesa 852 013; Yuma 853 027
AR 479 501 870
    Little Rock 722 119; Fort Smith 729 131; Fayetteville 727 143; Jonesboro 724 031
CA 213 310 323 408 415 510 559 619 626 661 707 714 818 909 916 951 | .50 .07 .11 .005 .004
    Los Angeles 900 037; San Diego 921 073; San Jose 951 085; Fresno 937 019;
    Sacramento 958 067; Oakland 946 001; Santa Ana 927 059; Bakersfield 933 029;
    Riverside 925 065
CO 303 719 720 970 | .35 .08 .03 .01 .002
    Denver 802 031; Colorado Springs 809 041; Aurora 800 005; Pueblo 810 101
CT 203 475 860 959 | .35 .20 .03 .003 0
    Hartford 061 003; New Haven 065 009; Bridgeport 066 001; Waterbury 067 009
DE 302 | .12 .40 .03 .003 0
    Wilmington 198 003; Dover 199 001; Newark 197 003
DC 202 771 | .12 .70 .02 .002 0
    Washington 200 001
FL 305 786 813 407 904 954 561 727 | .35 .27 .02 .002 .001
    Miami 331 086; Tampa 336 057; Orlando 328 095; Jacksonville 322 031; Hialeah 330 086
GA 404 470 678 770 912 706 478 | .12 .45 .03 .002 .001
    Atlanta 303 121; Savannah 314 051; Augusta 309 245; Macon 312 021
HI 808 | .12 .02 .35 .003 .30
    Honolulu 968 003; Hilo 967 001; Kahului 967 009
ID 208 986 | .20 .01 .01 .02 .002
    Boise 837 001; Nampa 836 027; Idaho Falls 834 019
IL 312 773 872 708 630 815 217 847 | .28 .28 .04 .002 .001
    Chicago 606 031; Aurora 605 089; Rockford 611 201; Springfield 627 167; Cicero 608 031
IN 317 463 260 812 219
    Indianapolis 462 097; Fort Wayne 468 003; Evansville 477 163; Gary 464 089
IA 515 319 563 712 | .10 .10 .03 .01 .002
    Des Moines 503 153; Cedar Rapids 524 113; Davenport 528 163; Sioux City 511 193
KS 316 913 785 | .20 .12 .03 .01 .001
    Wichita 672 173; Kansas City 661 209; Topeka 666 177
KY 502 859 270 606 | .05 .15 .01 .002 0
    Louisville 402 111; Lexington 405 067; Bowling Green 421 227
LA 504 225 318 337 | .06 .50 .01 .005 0
    New Orleans 701 071; Baton Rouge 708 033; Shreveport 711 017; Lafayette 705 055
ME 207 | .02 .05 .01 .01 0
    Portland 041 005; Lewiston 042 001; Bangor 044 019
MD 410 443 301 240 | .15 .45 .05 .003 .001
    Baltimore 212 510; Silver Spring 209 031; Frederick 217 021; Hyattsville 207 033
MA 617 857 508 774 413 978 781 | .30 .15 .06 .003 0
    Boston 021 025; Worcester 016 027; Springfield 011 013; Lowell 018 017; Lawrence 018 009
MI 313 248 616 517 810 734 | .08 .30 .02 .01 0
    Detroit 482 163; Grand Rapids 495 081; Lansing 489 065; Flint 485 049
MN 612 651 507 218 763 952 | .10 .20 .08 .04 .001
    Minneapolis 554 053; Saint Paul 551 123; Rochester 559 109; Duluth 558 137
MS 601 769 228 662 | .04 .55 .01 .005 0
    Jackson 392 049; Gulfport 395 047; Hattiesburg 394 035
MO 314 816 417 573 636 | .05 .25 .01 .005 0
    Kansas City 641 095; Saint Louis 631 510; Springfield 658 077; Columbia 652 019
MT 406 | .05 .01 .01 .25 0
    Billings 591 111; Missoula 598 063; Great Falls 594 013
NE 402 531 308 | .20 .12 .03 .03 .001
    Omaha 681 055; Lincoln 685 109; Grand Island 688 079
NV 702 725 775 | .40 .15 .08 .01 .01
    Las Vegas 891 003; Reno 895 031; Henderson 890 003
NH 603 | .06 .03 .02 .002 0
    Manchester 031 011; Nashua 030 011; Concord 033 013
NJ 201 551 973 862 908 732 609 856 | .35 .20 .06 .002 .001
    Newark 071 013; Jersey City 073 017; Paterson 075 031; Elizabeth 072 039; Trenton 086 021
NM 505 575 | .55 .02 .01 .14 .001
    Albuquerque 871 001; Las Cruces 880 013; Santa Fe 875 049
NY 212 646 718 347 917 929 716 585 914 | .30 .22 .10 .005 .001
    New York 100 061; Brooklyn 112 047; Bronx 104 005; Jamaica 114 081; Buffalo 142 029;
    Rochester 146 055; Yonkers 107 119
NC 704 980 919 984 336 910 252 828 | .12 .40 .02 .02 0
    Charlotte 282 119; Raleigh 276 183; Greensboro 274 081; Durham 277 063
ND 701 | .05 .05 .01 .25 0
    Fargo 581 017; Bismarck 585 015; Grand Forks 582 035
OH 614 216 513 419 330 937 740 | .05 .30 .02 .003 0
    Columbus 432 049; Cleveland 441 035; Cincinnati 452 061; Toledo 436 095; Akron 443 153
OK 405 918 580 539 | .15 .10 .02 .15 .002
    Oklahoma City 731 109; Tulsa 741 143; Norman 730 027
OR 503 971 541 458 | .22 .04 .04 .02 .01
    Portland 972 051; Salem 973 047; Eugene 974 039; Gresham 970 051
PA 215 267 445 412 878 610 484 717 814 | .15 .25 .03 .002 0
    Philadelphia 191 101; Pittsburgh 152 003; Allentown 181 077; Reading 196 011; Erie 165 049
RI 401 | .30 .10 .03 .005 0
    Providence 029 007; Pawtucket 028 007; Warwick 028 003; Cranston 029 007
SC 803 843 854 864 | .07 .45 .01 .003 0
    Columbia 292 079; Charleston 294 019; Greenville 296 045
SD 605 | .05 .03 .01 .30 0
    Sioux Falls 571 099; Rapid City 577 103
TN 901 615 629 865 423 731 | .07 .35 .01 .003 0
    Memphis 381 157; Nashville 372 037; Knoxville 379 093; Chattanooga 374 065
TX 713 281 832 214 469 972 210 726 915 512 737 817 956 | .55 .15 .03 .003 .001
    Houston 770 201; Dallas 752 113; San Antonio 782 029; El Paso 799 141; Austin 787 453;
    Fort Worth 761 439; McAllen 785 215; Laredo 780 479
UT 801 385 435 | .25 .02 .02 .02 .02
    Salt Lake City 841 035; West Valley City 841 035; Provo 846 049; Ogden 844 057
VT 802 | .02 .03 .01 .005 0
    Burlington 054 007; Rutland 057 021; Barre 056 023
VA 804 757 703 571 540 434 276 | .12 .35 .05 .003 0
    Richmond 232 760; Virginia Beach 234 810; Norfolk 235 710; Alexandria 223 510;
    Arlington 222 013
WA 206 253 425 509 360 564 | .25 .08 .08 .03 .02
    Seattle 981 033; Spokane 992 063; Tacoma 984 053; Yakima 989 077; Vancouver 986 011
WV 304 681 | .02 .05 .01 .002 0
    Charleston 253 039; Huntington 257 011; Morgantown 265 061
WI 414 262 608 920 715 | .10 .20 .03 .02 0
    Milwaukee 532 079; Madison 537 025; Green Bay 543 009; Racine 534 101
WY 307 | .12 .01 .01 .03 0
    Cheyenne 820 021; Casper 826 025; Laramie 820 001
"""

_DEFAULT_MIX = (0.10, 0.20, 0.03, 0.01, 0.002)


@dataclass(frozen=True)
class City:
    name: str
    zip3: int
    county: str


@dataclass(frozen=True)
class StateGeo:
    fips: str
    abbr: str
    name: str
    weight: float
    area_codes: tuple[int, ...]
    cities: tuple[City, ...]
    # Hispanic, Black, Asian, AIAN, NHPI shares.
    race_mix: tuple[float, float, float, float, float]


def _blocks() -> list[tuple[str, str, str]]:
    # A state line ("AL 205 251 | mix") followed by indented "City ZIP3 county;" lines.
    blocks: list[tuple[str, str, str]] = []
    for line in _TABLE.splitlines():
        if line.startswith(" "):
            head, mix, cities = blocks[-1]
            blocks[-1] = (head, mix, cities + line)
        else:
            head, _, mix = line.partition("|")
            blocks.append((head, mix, ""))
    return blocks


def _parse() -> tuple[StateGeo, ...]:
    out: list[StateGeo] = []
    for head, mix, cities in _blocks():
        abbr, *areas = head.split()
        st = states.BY_ABBR[abbr]
        parsed: list[City] = []
        for entry in filter(str.strip, cities.split(";")):
            *name, zip3, county = entry.split()
            parsed.append(City(" ".join(name), int(zip3), county))
        fractions = tuple(float(x) for x in mix.split()) if mix else _DEFAULT_MIX
        out.append(
            StateGeo(
                fips=st.fips,
                abbr=abbr,
                name=st.name,
                weight=float(st.enrollment_dec_2025),
                area_codes=tuple(int(a) for a in areas),
                cities=tuple(parsed),
                race_mix=(fractions[0], fractions[1], fractions[2], fractions[3], fractions[4]),
            )
        )
    return tuple(sorted(out, key=lambda g: g.fips))


# Only the 50 states and DC: CMS publishes no enrollment weight for the territories.
GEO: tuple[StateGeo, ...] = _parse()
N_STATES = len(GEO)
STATE_INDEX: dict[str, int] = {g.abbr: i for i, g in enumerate(GEO)}

STATE_WEIGHTS: npt.NDArray[np.float64] = np.array([g.weight for g in GEO]) / sum(
    g.weight for g in GEO
)

# Flattened city table: city i belongs to state CITY_STATE[i]; a state's cities are contiguous.
CITY_NAMES: tuple[str, ...] = tuple(c.name for g in GEO for c in g.cities)
CITY_ZIP3: npt.NDArray[np.int64] = np.array([c.zip3 for g in GEO for c in g.cities], np.int64)
CITY_STATE: npt.NDArray[np.int64] = np.array(
    [i for i, g in enumerate(GEO) for _ in g.cities], np.int64
)
CITY_START: npt.NDArray[np.int64] = np.cumsum([0] + [len(g.cities) for g in GEO])[:-1].astype(
    np.int64
)
CITY_COUNT: npt.NDArray[np.int64] = np.array([len(g.cities) for g in GEO], np.int64)
COUNTY_CODES: tuple[str, ...] = tuple(sorted({c.county for g in GEO for c in g.cities}))
CITY_COUNTY: npt.NDArray[np.int64] = np.array(
    [COUNTY_CODES.index(c.county) for g in GEO for c in g.cities], np.int64
)

# Flattened area codes, contiguous per state like the cities.
AREA_CODES: npt.NDArray[np.int64] = np.array([a for g in GEO for a in g.area_codes], np.int64)
AREA_START: npt.NDArray[np.int64] = np.cumsum([0] + [len(g.area_codes) for g in GEO])[:-1].astype(
    np.int64
)
AREA_COUNT: npt.NDArray[np.int64] = np.array([len(g.area_codes) for g in GEO], np.int64)

RACE_MIX: npt.NDArray[np.float64] = np.array([g.race_mix for g in GEO], np.float64)


def _check() -> None:
    for g in GEO:
        for a in g.area_codes:
            # NANP: area code cannot start with 0 or 1.
            if a < 200:  # pragma: no cover - guards edits to the table
                raise AssertionError(f"{g.abbr}: invalid area code {a}")


_check()
