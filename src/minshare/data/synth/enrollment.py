"""Assembly of the enrollment table, in the column order of ``model.ENROLLMENT``."""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa

from minshare.data import model
from minshare.data.synth import addresses, coded, dates, geo, ids, lexicon
from minshare.data.synth.arrow import dictionary, nulls, patch
from minshare.data.synth.rand import I64, Arr

Frame = dict[str, Arr]

HEALTH_FLAGS = (
    "MH_HH_CHRNC_COND_FLAG",
    "SA_HH_CHRNC_COND_FLAG",
    "HIV_AIDS_HH_CHRNC_COND_FLAG",
    "DBTS_HH_CHRNC_COND_FLAG",
    "HRT_DIS_HH_CHRNC_COND_FLAG",
)


def _date(vocab: dates.DateVocab, day: I64, iso: Arr, present: Arr | None = None) -> I64:
    idx = vocab.index(day, iso)
    return idx if present is None else np.where(present, idx, -1)


def _home(g: Frame) -> dict[str, Any]:
    state_code = g["state"] + g["home_fips"] * geo.N_STATES
    return {
        "ELGBL_LINE_1_ADR_HOME": addresses.line1(g),
        "ELGBL_LINE_2_ADR_HOME": dictionary(g["unit"], lexicon.LINE2),
        "ELGBL_LINE_3_ADR_HOME": dictionary(g["line3"], lexicon.LINE3),
        "ELGBL_CITY_NAME_HOME": dictionary(g["city"], lexicon.CITY),
        "ELGBL_ZIP_CD_HOME": addresses.zip_code(g),
        "ELGBL_CNTY_CD_HOME": dictionary(addresses.county(g["city"]), lexicon.COUNTY),
        "ELGBL_STATE_CD_HOME": dictionary(state_code, lexicon.HOME_STATE),
        "ELGBL_PHNE_NUM_HOME": addresses.phone(g),
    }


def _mail(g: Frame, home: dict[str, Any]) -> dict[str, Any]:
    kind = g["mail_kind"]
    none = kind == addresses.MAIL_NONE
    same = kind == addresses.MAIL_SAME
    box = np.flatnonzero(kind == addresses.MAIL_PO_BOX)
    line1 = patch(nulls(home["ELGBL_LINE_1_ADR_HOME"], ~same), box, addresses.po_box(g, box))
    unit = np.where(g["mail_unit"] >= 0, g["mail_unit"], np.where(same, g["unit"], -1))
    state_code = g["state"] + g["home_fips"] * geo.N_STATES
    return {
        "ELGBL_LINE_1_ADR_MAIL": line1,
        "ELGBL_LINE_2_ADR_MAIL": dictionary(unit, lexicon.LINE2),
        "ELGBL_LINE_3_ADR_MAIL": dictionary(np.where(same, g["line3"], -1), lexicon.LINE3),
        "ELGBL_CITY_NAME_MAIL": dictionary(np.where(none, -1, g["city"]), lexicon.CITY),
        "ELGBL_ZIP_CD_MAIL": nulls(home["ELGBL_ZIP_CD_HOME"], none),
        "ELGBL_CNTY_CD_MAIL": dictionary(
            np.where(none, -1, addresses.county(g["city"])), lexicon.COUNTY
        ),
        "ELGBL_STATE_CD_MAIL": dictionary(np.where(none, -1, state_code), lexicon.HOME_STATE),
        "ELGBL_PHNE_NUM_MAIL": nulls(home["ELGBL_PHNE_NUM_HOME"], ~same),
    }


def assemble(g: Frame, msis_ids: Any, salt: ids.Salts) -> Any:
    iso = g["iso"]
    birth, enrolled = dates.birth(), dates.enrollment()
    dob = np.where(g["dob_bad"] >= 0, g["dob_bad"], _date(birth, g["dob"], iso))
    eff = np.where(g["eff_bad"] >= 0, g["eff_bad"], _date(enrolled, g["enr_eff"], iso))
    open_end = np.where(
        iso, enrolled.special(dates.OPEN_END[1]), enrolled.special(dates.OPEN_END[0])
    )
    end = np.where(g["enr_end"] < 0, open_end, _date(enrolled, g["enr_end"], iso))
    home = _home(g)
    columns: dict[str, Any] = {
        "SUBMTG_STATE_CD": dictionary(g["submitter"], coded.SUBMITTER),
        "MSIS_IDENT_NUM": msis_ids,
        "SSN_NUM": ids.ssn(g, salt),
        "ELGBL_1ST_NAME": dictionary(g["first"], lexicon.FIRST),
        "ELGBL_LAST_NAME": dictionary(g["last"], lexicon.LAST),
        "ELGBL_MDL_INITL_NAME": dictionary(g["initial"], lexicon.INITIALS),
        "BIRTH_DT": dictionary(dob, birth.vocab),
        "DEATH_DT": dictionary(
            _date(dates.death(), g["death"], iso, g["death"] >= 0), dates.death().vocab
        ),
        "SEX_CD": dictionary(g["sex"], coded.SEX),
        "ETHNCTY_CD": dictionary(g["eth"], coded.ETHNICITY),
        "RACE_ETHNCTY_CD": dictionary(g["race"], coded.RACE),
        "CTZNSHP_IND": dictionary(g["ctz"], coded.CTZ),
        "CTZNSHP_VRFCTN_IND": dictionary(g["ctz_verified"], coded.VERIFIED),
        "IMGRTN_STUS_CD": dictionary(g["imm"], coded.IMGRTN),
        "IMGRTN_VRFCTN_IND": dictionary(g["imm_verified"], coded.VERIFIED),
        "IMGRTN_STUS_5_YR_BAR_END_DT": dictionary(
            _date(dates.bar_end(), g["bar_end"], iso, g["bar_end"] >= 0), dates.bar_end().vocab
        ),
        **home,
        **_mail(g, home),
        "ELGBLTY_GRP_CD": dictionary(g["elig"], coded.ELIG),
        "RSTRCTD_BNFTS_CD": dictionary(g["rbc"], coded.RBC),
        "DUAL_ELGBL_CD": dictionary(g["dual"], coded.DUAL),
        "PRGNT_IND": dictionary(g["pregnant"], coded.YES_NO),
        "MSIS_CASE_NUM": ids.case_numbers(g["household"], salt),
        "MDCD_ENRLMT_EFF_DT_1": dictionary(eff, enrolled.vocab),
        "MDCD_ENRLMT_END_DT_1": dictionary(end, enrolled.vocab),
        **{name: dictionary(g[name], coded.YES_NO) for name in HEALTH_FLAGS},
    }
    names = [c.name for c in model.ENROLLMENT]
    return pa.table([columns[name] for name in names], names=names)
