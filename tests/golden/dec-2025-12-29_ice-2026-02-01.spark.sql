WITH rules AS (
  SELECT
    ARRAY(
      'minshare:state-not-requested',
      'minshare:no-order-in-force',
      'withhold-citizen-indicator',
      'withhold-citizen-status-code',
      'withhold-citizen-determination',
      'withhold-lawful-category',
      'withhold-lawful-status-code',
      'withhold-undefined-category',
      'withhold-no-determination',
      'withhold-unknown-determination',
      'withhold-unrecognized-determination',
      'review-self-attested',
      'review-stale-determination',
      'review-conflicting-determinations',
      'review-status-code-unknown',
      'review-medicaid-id-is-ssn',
      'review-guard-finding',
      'review-conflicting-duplicates',
      'disclose-unlawfully-present-verified',
      'minshare:default-deny',
      'minshare:row-unreadable'
    ) AS hit_id,
    ARRAY(2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1, 0, 2, 2) AS hit_rank,
    ARRAY(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21) AS hit_reason,
    ARRAY(
      'the written request does not ask for records of this state',
      'no order in force authorizes this disclosure',
      'citizen or national (citizenship indicator 1 or 2); the order bars citizens',
      'immigration status "not applicable" (T-MSIS 8, TAF 0) marks a citizen or national; the order bars citizens',
      'the state determined this person is a citizen or national; the order bars citizens',
      'lawfully present (LPR, refugee, asylee, qualified, CHIPRA 214, TPS, nonimmigrant or parolee for a year or more); the order bars LPRs and other immigrants who are not unlawfully present',
      'immigration status code 1 (qualified non-citizen) or 2 (lawfully present under CHIPRA 214); the order bars people who are not unlawfully present',
      'the order does not define "unlawfully present" and does not mention DACA recipients, parolees under one year, asylum seekers, other deferred action or PRUCOL; left undefined, the category is withheld',
      'no status determination on or before the as-of date; T-MSIS codes alone cannot show unlawful presence',
      'the state\'s determination is UNKNOWN; an unknown status is withheld',
      'the determination\'s category is not one minshare knows; an unknown status is withheld',
      'the unlawful-presence determination rests on self-attestation only',
      'the unlawful-presence determination is older than the freshness window (params.freshness_days)',
      'two determinations on the same date disagree on the person\'s status',
      'the immigration status code is missing, invalid or not one minshare knows',
      'the Medicaid ID equals or looks like a Social Security number, which the order does not permit',
      'the health-information guard found something in a permitted field (a health facility\'s address or phone, clinical or condition words, a pasted medical code, an SSN-valued ID, or a value that fails its shape); the order bars sensitive medical information',
      'several enrollment rows for this person disagree on a permitted field',
      'a current, verified determination that the person is unlawfully present, consistent with the T-MSIS codes (not a citizen; emergency services only)',
      'no rule of ca-v-hhs-2025-12-29 matched: withheld by default (default deny)',
      'another row with this person\'s key could not be read (quarantined), so what is known about the person may be incomplete'
    ) AS reason_text,
    ARRAY(1, 2, 3, 3, 3, 4, 5, 6, 7, 8, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18) AS hit_cite,
    ARRAY(
      'written request (Privacy Act 5 U.S.C. 552a(b)(7)): the portion requested',
      'minshare default deny: no order governs the record\'s state on 2026-02-01',
      'Order of Dec 29, 2025, injunction granted as to citizens [press; the-order.md §4.3]',
      'Order of Dec 29, 2025, injunction granted as to LPRs and other immigrants [press: Politico, Stateline, Bloomberg Law; the-order.md §4.2-§4.3, §7.2]',
      'Order of Dec 29, 2025, injunction granted as to other immigrants [press; the-order.md §7.2]',
      'Order of Dec 29, 2025 (silent on these categories) [press]; minshare reading [inference, the-order.md §6, §7.2]',
      'Order of Dec 29, 2025, population limited to people unlawfully present [press]; code 3 alone is not enough [inference, the-order.md §7.2 rule 1]',
      'Order of Dec 29, 2025, population limited to people unlawfully present [press; the-order.md §7.2]',
      'Order of Dec 29, 2025, population limited to people unlawfully present [press]; a determination must carry a verifying source [inference, the-order.md §7.2 rule 3]',
      'Order of Dec 29, 2025, population limited to people unlawfully present [press]; freshness window [inference]',
      'Order of Dec 29, 2025, population limited to people unlawfully present [press]; [inference]',
      'Order of Dec 29, 2025, population limited to people unlawfully present [press]; unknown codes are never disclosed unreviewed [inference, medicaid-data.md §3]',
      'Order of Dec 29, 2025, six categories (Medicaid ID, not SSN) [press; the-order.md §4.1; medicaid-data.md §6]',
      'Order of Dec 29, 2025, injunction granted as to personal health records and other sensitive medical information [press; the-order.md §4.3]; guard findings [inference, health-categories.md]',
      'Order of Dec 29, 2025, six categories [press]; which row is true is for a person to decide [inference]',
      'Order of Dec 29, 2025, injunction denied as to basic biographical, location and contact information of people unlawfully present [press: Washington Examiner, Politico]',
      'ca-v-hhs-2025-12-29: no clause authorizes this record; minshare default deny',
      'minshare: unsure means withhold; the quarantined row is in quarantine.parquet'
    ) AS cite_text
), src AS (
  SELECT
    SUBMTG_STATE_CD,
    MSIS_IDENT_NUM,
    SSN_NUM,
    BIRTH_DT,
    CTZNSHP_IND,
    IMGRTN_STUS_CD,
    ELGBL_LINE_1_ADR_HOME,
    ELGBL_LINE_2_ADR_HOME,
    ELGBL_LINE_3_ADR_HOME,
    ELGBL_CITY_NAME_HOME,
    ELGBL_ZIP_CD_HOME,
    ELGBL_CNTY_CD_HOME,
    ELGBL_STATE_CD_HOME,
    ELGBL_PHNE_NUM_HOME,
    _MS_FILE,
    _MS_ROW,
    _MS_LINE
  FROM enrollment
), det_asof AS (
  SELECT
    SUBMTG_STATE_CD,
    MSIS_IDENT_NUM,
    STATUS_CATEGORY,
    DETERMINATION_SOURCE,
    DETERMINED_ON,
    MAX(DETERMINED_ON) OVER (PARTITION BY SUBMTG_STATE_CD, MSIS_IDENT_NUM) AS latest_on
  FROM determinations
  WHERE
    DETERMINED_ON <= CAST('2026-02-01' AS DATE)
), det_current AS (
  SELECT
    SUBMTG_STATE_CD,
    MSIS_IDENT_NUM,
    MAX(DETERMINED_ON) AS determined_on,
    COUNT(DISTINCT STATUS_CATEGORY) + MAX(CASE WHEN STATUS_CATEGORY IS NULL THEN 1 ELSE 0 END) > 1 AS conflict,
    MIN(STATUS_CATEGORY) AS category,
    MIN(
      CASE
        WHEN DETERMINATION_SOURCE = 'SELF_ATTESTATION'
        THEN 0
        WHEN DETERMINATION_SOURCE = 'STATE_RECORD'
        THEN 1
        WHEN DETERMINATION_SOURCE = 'USCIS_DOCUMENT'
        THEN 2
        WHEN DETERMINATION_SOURCE = 'SAVE'
        THEN 3
        ELSE -1
      END
    ) AS trust
  FROM det_asof
  WHERE
    DETERMINED_ON = latest_on
  GROUP BY
    SUBMTG_STATE_CD,
    MSIS_IDENT_NUM
), dup_keys AS (
  SELECT
    SUBMTG_STATE_CD,
    MSIS_IDENT_NUM
  FROM src
  GROUP BY
    SUBMTG_STATE_CD,
    MSIS_IDENT_NUM
  HAVING
    COUNT(*) > 1
), dup_people AS (
  SELECT
    s.SUBMTG_STATE_CD,
    s.MSIS_IDENT_NUM,
    COUNT(DISTINCT s.BIRTH_DT) + MAX(CASE WHEN s.BIRTH_DT IS NULL THEN 1 ELSE 0 END) > 1 AS dup_diff_1,
    COUNT(DISTINCT s.CTZNSHP_IND) + MAX(CASE WHEN s.CTZNSHP_IND IS NULL THEN 1 ELSE 0 END) > 1 AS dup_diff_2,
    COUNT(DISTINCT s.IMGRTN_STUS_CD) + MAX(CASE WHEN s.IMGRTN_STUS_CD IS NULL THEN 1 ELSE 0 END) > 1 AS dup_diff_3,
    COUNT(DISTINCT s.ELGBL_LINE_1_ADR_HOME) + MAX(CASE WHEN s.ELGBL_LINE_1_ADR_HOME IS NULL THEN 1 ELSE 0 END) > 1 AS dup_diff_4,
    COUNT(DISTINCT s.ELGBL_LINE_2_ADR_HOME) + MAX(CASE WHEN s.ELGBL_LINE_2_ADR_HOME IS NULL THEN 1 ELSE 0 END) > 1 AS dup_diff_5,
    COUNT(DISTINCT s.ELGBL_LINE_3_ADR_HOME) + MAX(CASE WHEN s.ELGBL_LINE_3_ADR_HOME IS NULL THEN 1 ELSE 0 END) > 1 AS dup_diff_6,
    COUNT(DISTINCT s.ELGBL_CITY_NAME_HOME) + MAX(CASE WHEN s.ELGBL_CITY_NAME_HOME IS NULL THEN 1 ELSE 0 END) > 1 AS dup_diff_7,
    COUNT(DISTINCT s.ELGBL_STATE_CD_HOME) + MAX(CASE WHEN s.ELGBL_STATE_CD_HOME IS NULL THEN 1 ELSE 0 END) > 1 AS dup_diff_8,
    COUNT(DISTINCT s.ELGBL_ZIP_CD_HOME) + MAX(CASE WHEN s.ELGBL_ZIP_CD_HOME IS NULL THEN 1 ELSE 0 END) > 1 AS dup_diff_9,
    COUNT(DISTINCT s.ELGBL_CNTY_CD_HOME) + MAX(CASE WHEN s.ELGBL_CNTY_CD_HOME IS NULL THEN 1 ELSE 0 END) > 1 AS dup_diff_10,
    COUNT(DISTINCT s.ELGBL_PHNE_NUM_HOME) + MAX(CASE WHEN s.ELGBL_PHNE_NUM_HOME IS NULL THEN 1 ELSE 0 END) > 1 AS dup_diff_11
  FROM src AS s
  JOIN dup_keys AS k
    ON s.SUBMTG_STATE_CD = k.SUBMTG_STATE_CD AND s.MSIS_IDENT_NUM = k.MSIS_IDENT_NUM
  GROUP BY
    s.SUBMTG_STATE_CD,
    s.MSIS_IDENT_NUM
), dup_rows AS (
  SELECT
    s._MS_FILE,
    s._MS_ROW,
    ROW_NUMBER() OVER (
      PARTITION BY s.SUBMTG_STATE_CD, s.MSIS_IDENT_NUM
      ORDER BY s._MS_FILE NULLS LAST, s._MS_ROW NULLS LAST
    ) AS dup_rank,
    p.dup_diff_1,
    p.dup_diff_2,
    p.dup_diff_3,
    p.dup_diff_4,
    p.dup_diff_5,
    p.dup_diff_6,
    p.dup_diff_7,
    p.dup_diff_8,
    p.dup_diff_9,
    p.dup_diff_10,
    p.dup_diff_11
  FROM src AS s
  JOIN dup_people AS p
    ON s.SUBMTG_STATE_CD = p.SUBMTG_STATE_CD AND s.MSIS_IDENT_NUM = p.MSIS_IDENT_NUM
), unreadable_keys AS (
  SELECT DISTINCT
    SUBMTG_STATE_CD,
    MSIS_IDENT_NUM
  FROM unreadable
), guard AS (
  SELECT
    SUBMTG_STATE_CD,
    MSIS_IDENT_NUM,
    _MS_ROW,
    BOOL_OR(guard_finding) AS guard_finding
  FROM guard_facts
  GROUP BY
    SUBMTG_STATE_CD,
    MSIS_IDENT_NUM,
    _MS_ROW
), facts AS (
  SELECT
    s.*,
    NOT c.determined_on IS NULL AS fact_determination_present,
    CASE WHEN COALESCE(c.conflict, FALSE) THEN NULL ELSE c.category END AS fact_determination_category,
    CASE
      WHEN COALESCE(c.conflict, FALSE)
      THEN NULL
      WHEN c.trust = 0
      THEN 'SELF_ATTESTATION'
      WHEN c.trust = 1
      THEN 'STATE_RECORD'
      WHEN c.trust = 2
      THEN 'USCIS_DOCUMENT'
      WHEN c.trust = 3
      THEN 'SAVE'
    END AS fact_determination_source,
    CAST(DATEDIFF(CAST('2026-02-01' AS DATE), c.determined_on) AS BIGINT) AS fact_determination_age_days,
    COALESCE(c.conflict, FALSE) AS fact_determination_conflict,
    COALESCE(
      REPLACE(REPLACE(s.SSN_NUM, '-', ''), ' ', '') <> ''
      AND REPLACE(REPLACE(s.SSN_NUM, '-', ''), ' ', '') = REPLACE(REPLACE(s.MSIS_IDENT_NUM, '-', ''), ' ', ''),
      FALSE
    )
    OR COALESCE(
      CASE
        WHEN s.MSIS_IDENT_NUM RLIKE '^(\\p{Nd}{3})-?(\\p{Nd}{2})-?(\\p{Nd}{4})$'
        THEN NOT (
          s.MSIS_IDENT_NUM RLIKE '^(000|666|9)'
        )
        AND NOT (
          s.MSIS_IDENT_NUM RLIKE '^\\p{Nd}{3}-?00'
        )
        AND NOT (
          s.MSIS_IDENT_NUM RLIKE '0000$'
        )
        ELSE FALSE
      END,
      FALSE
    ) AS fact_msis_id_is_ssn,
    CASE
      WHEN TRUE
      AND (
        COALESCE(
          s.SUBMTG_STATE_CD IN (
            '04',
            '06',
            '08',
            '09',
            '10',
            '15',
            '17',
            '23',
            '24',
            '25',
            '26',
            '27',
            '32',
            '34',
            '35',
            '36',
            '41',
            '44',
            '50',
            '53',
            '55'
          ),
          FALSE
        )
      )
      AND NOT (
        COALESCE(
          s.SUBMTG_STATE_CD IN (
            '04',
            '06',
            '08',
            '09',
            '10',
            '15',
            '17',
            '23',
            '24',
            '25',
            '26',
            '27',
            '32',
            '34',
            '35',
            '36',
            '41',
            '44',
            '50',
            '53',
            '55'
          ),
          FALSE
        )
        AND (
          COALESCE(s.CTZNSHP_IND IN ('1', '2'), FALSE)
          OR COALESCE(s.IMGRTN_STUS_CD = '0', FALSE)
          OR COALESCE(s.IMGRTN_STUS_CD IN ('1', '2'), FALSE)
        )
      )
      THEN COALESCE(g.guard_finding, FALSE)
    END AS fact_guard_finding,
    COALESCE(
      (
        d.dup_diff_1
        OR d.dup_diff_2
        OR d.dup_diff_3
        OR d.dup_diff_4
        OR d.dup_diff_5
        OR d.dup_diff_6
        OR d.dup_diff_7
        OR d.dup_diff_8
        OR d.dup_diff_9
        OR d.dup_diff_10
        OR d.dup_diff_11
      ),
      FALSE
    ) AS fact_duplicate_conflict,
    COALESCE(
      s.SUBMTG_STATE_CD IN (
        '04',
        '06',
        '08',
        '09',
        '10',
        '15',
        '17',
        '23',
        '24',
        '25',
        '26',
        '27',
        '32',
        '34',
        '35',
        '36',
        '41',
        '44',
        '50',
        '53',
        '55'
      ),
      FALSE
    ) AS gov_1,
    TRUE AS requested,
    d.dup_rank,
    COALESCE(
      (
        d.dup_diff_1
        OR d.dup_diff_2
        OR d.dup_diff_3
        OR d.dup_diff_4
        OR d.dup_diff_5
        OR d.dup_diff_6
        OR d.dup_diff_7
        OR d.dup_diff_8
        OR d.dup_diff_9
        OR d.dup_diff_10
        OR d.dup_diff_11
      ),
      FALSE
    ) AS dup_conflict_out,
    NOT u.SUBMTG_STATE_CD IS NULL AS unreadable_row,
    r.decision AS review_decision
  FROM src AS s
  LEFT JOIN det_current AS c
    ON s.SUBMTG_STATE_CD = c.SUBMTG_STATE_CD AND s.MSIS_IDENT_NUM = c.MSIS_IDENT_NUM
  LEFT JOIN guard AS g
    ON s.SUBMTG_STATE_CD = g.SUBMTG_STATE_CD
    AND s.MSIS_IDENT_NUM = g.MSIS_IDENT_NUM
    AND s._MS_ROW = g._MS_ROW
  LEFT JOIN dup_rows AS d
    ON s._MS_FILE = d._MS_FILE AND s._MS_ROW = d._MS_ROW
  LEFT JOIN unreadable_keys AS u
    ON s.SUBMTG_STATE_CD = u.SUBMTG_STATE_CD AND s.MSIS_IDENT_NUM = u.MSIS_IDENT_NUM
  LEFT JOIN review_decisions AS r
    ON s.SUBMTG_STATE_CD = r.SUBMTG_STATE_CD AND s.MSIS_IDENT_NUM = r.MSIS_IDENT_NUM
), hits AS (
  SELECT
    f.*,
    NOT (
      f.requested
    ) AS hit_1,
    f.requested AND NOT (
      f.gov_1
    ) AS hit_2,
    f.gov_1 AND COALESCE(f.CTZNSHP_IND IN ('1', '2'), FALSE) AS hit_3,
    f.gov_1 AND COALESCE(f.IMGRTN_STUS_CD = '0', FALSE) AS hit_4,
    f.gov_1 AND COALESCE(f.fact_determination_category = 'CITIZEN', FALSE) AS hit_5,
    f.gov_1
    AND COALESCE(
      f.fact_determination_category IN (
        'LPR',
        'LPR_5YR_BAR',
        'REFUGEE',
        'ASYLEE',
        'QUALIFIED_OTHER',
        'CHIPRA214',
        'TPS',
        'NONIMMIGRANT',
        'PAROLE_GE_1Y'
      ),
      FALSE
    ) AS hit_6,
    f.gov_1 AND COALESCE(f.IMGRTN_STUS_CD IN ('1', '2'), FALSE) AS hit_7,
    f.gov_1
    AND COALESCE(
      f.fact_determination_category IN ('DACA', 'PAROLE_LT_1Y', 'ASYLUM_PENDING', 'DEFERRED_ACTION_OTHER', 'PRUCOL'),
      FALSE
    ) AS hit_8,
    f.gov_1 AND COALESCE(f.fact_determination_present = FALSE, FALSE) AS hit_9,
    f.gov_1 AND COALESCE(f.fact_determination_category = 'UNKNOWN', FALSE) AS hit_10,
    f.gov_1
    AND (
      NOT f.fact_determination_category IS NULL
      AND NOT (
        f.fact_determination_category IN (
          'ASYLEE',
          'ASYLUM_PENDING',
          'CHIPRA214',
          'CITIZEN',
          'DACA',
          'DEFERRED_ACTION_OTHER',
          'LPR',
          'LPR_5YR_BAR',
          'NONIMMIGRANT',
          'PAROLE_GE_1Y',
          'PAROLE_LT_1Y',
          'PRUCOL',
          'QUALIFIED_OTHER',
          'REFUGEE',
          'TPS',
          'UNKNOWN',
          'UNLAWFULLY_PRESENT'
        )
      )
    ) AS hit_11,
    f.gov_1
    AND (
      COALESCE(f.fact_determination_category = 'UNLAWFULLY_PRESENT', FALSE)
      AND COALESCE(f.fact_determination_source = 'SELF_ATTESTATION', FALSE)
    ) AS hit_12,
    f.gov_1
    AND (
      COALESCE(f.fact_determination_category = 'UNLAWFULLY_PRESENT', FALSE)
      AND COALESCE(f.fact_determination_age_days > 365, FALSE)
    ) AS hit_13,
    f.gov_1 AND COALESCE(f.fact_determination_conflict = TRUE, FALSE) AS hit_14,
    f.gov_1
    AND (
      f.IMGRTN_STUS_CD IS NULL
      OR (
        NOT f.IMGRTN_STUS_CD IS NULL
        AND NOT (
          f.IMGRTN_STUS_CD IN ('0', '1', '2', '3')
        )
      )
    ) AS hit_15,
    f.gov_1 AND COALESCE(f.fact_msis_id_is_ssn = TRUE, FALSE) AS hit_16,
    f.gov_1 AND COALESCE(f.fact_guard_finding = TRUE, FALSE) AS hit_17,
    f.gov_1 AND COALESCE(f.fact_duplicate_conflict = TRUE, FALSE) AS hit_18,
    f.gov_1
    AND (
      COALESCE(f.fact_determination_category = 'UNLAWFULLY_PRESENT', FALSE)
      AND COALESCE(f.fact_determination_source IN ('SAVE', 'USCIS_DOCUMENT', 'STATE_RECORD'), FALSE)
      AND COALESCE(f.fact_determination_age_days <= 365, FALSE)
      AND COALESCE(f.CTZNSHP_IND = '0', FALSE)
      AND COALESCE(f.IMGRTN_STUS_CD = '3', FALSE)
    ) AS hit_19,
    f.unreadable_row AS hit_21
  FROM facts AS f
), hits_all AS (
  SELECT
    f.*,
    f.gov_1
    AND NOT (
      f.hit_3
      OR f.hit_4
      OR f.hit_5
      OR f.hit_6
      OR f.hit_7
      OR f.hit_8
      OR f.hit_9
      OR f.hit_10
      OR f.hit_11
      OR f.hit_12
      OR f.hit_13
      OR f.hit_14
      OR f.hit_15
      OR f.hit_16
      OR f.hit_17
      OR f.hit_18
      OR f.hit_19
    ) AS hit_20
  FROM hits AS f
), decided AS (
  SELECT
    h.*,
    CASE
      WHEN h.hit_1
      OR h.hit_2
      OR h.hit_3
      OR h.hit_4
      OR h.hit_5
      OR h.hit_6
      OR h.hit_7
      OR h.hit_8
      OR h.hit_9
      OR h.hit_10
      OR h.hit_11
      OR h.hit_20
      OR h.hit_21
      THEN 2
      WHEN h.hit_12 OR h.hit_13 OR h.hit_14 OR h.hit_15 OR h.hit_16 OR h.hit_17 OR h.hit_18
      THEN 1
      WHEN h.hit_19
      THEN 0
      ELSE 2
    END AS rule_rank
  FROM hits_all AS h
), several_src AS (
  SELECT
    s.*
  FROM src AS s
  JOIN dup_keys AS k
    ON s.SUBMTG_STATE_CD = k.SUBMTG_STATE_CD AND s.MSIS_IDENT_NUM = k.MSIS_IDENT_NUM
), several_facts AS (
  SELECT
    s.*,
    NOT c.determined_on IS NULL AS fact_determination_present,
    CASE WHEN COALESCE(c.conflict, FALSE) THEN NULL ELSE c.category END AS fact_determination_category,
    CASE
      WHEN COALESCE(c.conflict, FALSE)
      THEN NULL
      WHEN c.trust = 0
      THEN 'SELF_ATTESTATION'
      WHEN c.trust = 1
      THEN 'STATE_RECORD'
      WHEN c.trust = 2
      THEN 'USCIS_DOCUMENT'
      WHEN c.trust = 3
      THEN 'SAVE'
    END AS fact_determination_source,
    CAST(DATEDIFF(CAST('2026-02-01' AS DATE), c.determined_on) AS BIGINT) AS fact_determination_age_days,
    COALESCE(c.conflict, FALSE) AS fact_determination_conflict,
    COALESCE(
      REPLACE(REPLACE(s.SSN_NUM, '-', ''), ' ', '') <> ''
      AND REPLACE(REPLACE(s.SSN_NUM, '-', ''), ' ', '') = REPLACE(REPLACE(s.MSIS_IDENT_NUM, '-', ''), ' ', ''),
      FALSE
    )
    OR COALESCE(
      CASE
        WHEN s.MSIS_IDENT_NUM RLIKE '^(\\p{Nd}{3})-?(\\p{Nd}{2})-?(\\p{Nd}{4})$'
        THEN NOT (
          s.MSIS_IDENT_NUM RLIKE '^(000|666|9)'
        )
        AND NOT (
          s.MSIS_IDENT_NUM RLIKE '^\\p{Nd}{3}-?00'
        )
        AND NOT (
          s.MSIS_IDENT_NUM RLIKE '0000$'
        )
        ELSE FALSE
      END,
      FALSE
    ) AS fact_msis_id_is_ssn,
    CASE
      WHEN TRUE
      AND (
        COALESCE(
          s.SUBMTG_STATE_CD IN (
            '04',
            '06',
            '08',
            '09',
            '10',
            '15',
            '17',
            '23',
            '24',
            '25',
            '26',
            '27',
            '32',
            '34',
            '35',
            '36',
            '41',
            '44',
            '50',
            '53',
            '55'
          ),
          FALSE
        )
      )
      AND NOT (
        COALESCE(
          s.SUBMTG_STATE_CD IN (
            '04',
            '06',
            '08',
            '09',
            '10',
            '15',
            '17',
            '23',
            '24',
            '25',
            '26',
            '27',
            '32',
            '34',
            '35',
            '36',
            '41',
            '44',
            '50',
            '53',
            '55'
          ),
          FALSE
        )
        AND (
          COALESCE(s.CTZNSHP_IND IN ('1', '2'), FALSE)
          OR COALESCE(s.IMGRTN_STUS_CD = '0', FALSE)
          OR COALESCE(s.IMGRTN_STUS_CD IN ('1', '2'), FALSE)
        )
      )
      THEN COALESCE(g.guard_finding, FALSE)
    END AS fact_guard_finding,
    COALESCE(
      (
        d.dup_diff_1
        OR d.dup_diff_2
        OR d.dup_diff_3
        OR d.dup_diff_4
        OR d.dup_diff_5
        OR d.dup_diff_6
        OR d.dup_diff_7
        OR d.dup_diff_8
        OR d.dup_diff_9
        OR d.dup_diff_10
        OR d.dup_diff_11
      ),
      FALSE
    ) AS fact_duplicate_conflict,
    COALESCE(
      s.SUBMTG_STATE_CD IN (
        '04',
        '06',
        '08',
        '09',
        '10',
        '15',
        '17',
        '23',
        '24',
        '25',
        '26',
        '27',
        '32',
        '34',
        '35',
        '36',
        '41',
        '44',
        '50',
        '53',
        '55'
      ),
      FALSE
    ) AS gov_1,
    TRUE AS requested,
    d.dup_rank,
    COALESCE(
      (
        d.dup_diff_1
        OR d.dup_diff_2
        OR d.dup_diff_3
        OR d.dup_diff_4
        OR d.dup_diff_5
        OR d.dup_diff_6
        OR d.dup_diff_7
        OR d.dup_diff_8
        OR d.dup_diff_9
        OR d.dup_diff_10
        OR d.dup_diff_11
      ),
      FALSE
    ) AS dup_conflict_out,
    NOT u.SUBMTG_STATE_CD IS NULL AS unreadable_row,
    r.decision AS review_decision
  FROM several_src AS s
  LEFT JOIN det_current AS c
    ON s.SUBMTG_STATE_CD = c.SUBMTG_STATE_CD AND s.MSIS_IDENT_NUM = c.MSIS_IDENT_NUM
  LEFT JOIN guard AS g
    ON s.SUBMTG_STATE_CD = g.SUBMTG_STATE_CD
    AND s.MSIS_IDENT_NUM = g.MSIS_IDENT_NUM
    AND s._MS_ROW = g._MS_ROW
  LEFT JOIN dup_rows AS d
    ON s._MS_FILE = d._MS_FILE AND s._MS_ROW = d._MS_ROW
  LEFT JOIN unreadable_keys AS u
    ON s.SUBMTG_STATE_CD = u.SUBMTG_STATE_CD AND s.MSIS_IDENT_NUM = u.MSIS_IDENT_NUM
  LEFT JOIN review_decisions AS r
    ON s.SUBMTG_STATE_CD = r.SUBMTG_STATE_CD AND s.MSIS_IDENT_NUM = r.MSIS_IDENT_NUM
), several_hits AS (
  SELECT
    f.*,
    NOT (
      f.requested
    ) AS hit_1,
    f.requested AND NOT (
      f.gov_1
    ) AS hit_2,
    f.gov_1 AND COALESCE(f.CTZNSHP_IND IN ('1', '2'), FALSE) AS hit_3,
    f.gov_1 AND COALESCE(f.IMGRTN_STUS_CD = '0', FALSE) AS hit_4,
    f.gov_1 AND COALESCE(f.fact_determination_category = 'CITIZEN', FALSE) AS hit_5,
    f.gov_1
    AND COALESCE(
      f.fact_determination_category IN (
        'LPR',
        'LPR_5YR_BAR',
        'REFUGEE',
        'ASYLEE',
        'QUALIFIED_OTHER',
        'CHIPRA214',
        'TPS',
        'NONIMMIGRANT',
        'PAROLE_GE_1Y'
      ),
      FALSE
    ) AS hit_6,
    f.gov_1 AND COALESCE(f.IMGRTN_STUS_CD IN ('1', '2'), FALSE) AS hit_7,
    f.gov_1
    AND COALESCE(
      f.fact_determination_category IN ('DACA', 'PAROLE_LT_1Y', 'ASYLUM_PENDING', 'DEFERRED_ACTION_OTHER', 'PRUCOL'),
      FALSE
    ) AS hit_8,
    f.gov_1 AND COALESCE(f.fact_determination_present = FALSE, FALSE) AS hit_9,
    f.gov_1 AND COALESCE(f.fact_determination_category = 'UNKNOWN', FALSE) AS hit_10,
    f.gov_1
    AND (
      NOT f.fact_determination_category IS NULL
      AND NOT (
        f.fact_determination_category IN (
          'ASYLEE',
          'ASYLUM_PENDING',
          'CHIPRA214',
          'CITIZEN',
          'DACA',
          'DEFERRED_ACTION_OTHER',
          'LPR',
          'LPR_5YR_BAR',
          'NONIMMIGRANT',
          'PAROLE_GE_1Y',
          'PAROLE_LT_1Y',
          'PRUCOL',
          'QUALIFIED_OTHER',
          'REFUGEE',
          'TPS',
          'UNKNOWN',
          'UNLAWFULLY_PRESENT'
        )
      )
    ) AS hit_11,
    f.gov_1
    AND (
      COALESCE(f.fact_determination_category = 'UNLAWFULLY_PRESENT', FALSE)
      AND COALESCE(f.fact_determination_source = 'SELF_ATTESTATION', FALSE)
    ) AS hit_12,
    f.gov_1
    AND (
      COALESCE(f.fact_determination_category = 'UNLAWFULLY_PRESENT', FALSE)
      AND COALESCE(f.fact_determination_age_days > 365, FALSE)
    ) AS hit_13,
    f.gov_1 AND COALESCE(f.fact_determination_conflict = TRUE, FALSE) AS hit_14,
    f.gov_1
    AND (
      f.IMGRTN_STUS_CD IS NULL
      OR (
        NOT f.IMGRTN_STUS_CD IS NULL
        AND NOT (
          f.IMGRTN_STUS_CD IN ('0', '1', '2', '3')
        )
      )
    ) AS hit_15,
    f.gov_1 AND COALESCE(f.fact_msis_id_is_ssn = TRUE, FALSE) AS hit_16,
    f.gov_1 AND COALESCE(f.fact_guard_finding = TRUE, FALSE) AS hit_17,
    f.gov_1 AND COALESCE(f.fact_duplicate_conflict = TRUE, FALSE) AS hit_18,
    f.gov_1
    AND (
      COALESCE(f.fact_determination_category = 'UNLAWFULLY_PRESENT', FALSE)
      AND COALESCE(f.fact_determination_source IN ('SAVE', 'USCIS_DOCUMENT', 'STATE_RECORD'), FALSE)
      AND COALESCE(f.fact_determination_age_days <= 365, FALSE)
      AND COALESCE(f.CTZNSHP_IND = '0', FALSE)
      AND COALESCE(f.IMGRTN_STUS_CD = '3', FALSE)
    ) AS hit_19,
    f.unreadable_row AS hit_21
  FROM several_facts AS f
), several_hits_all AS (
  SELECT
    f.*,
    f.gov_1
    AND NOT (
      f.hit_3
      OR f.hit_4
      OR f.hit_5
      OR f.hit_6
      OR f.hit_7
      OR f.hit_8
      OR f.hit_9
      OR f.hit_10
      OR f.hit_11
      OR f.hit_12
      OR f.hit_13
      OR f.hit_14
      OR f.hit_15
      OR f.hit_16
      OR f.hit_17
      OR f.hit_18
      OR f.hit_19
    ) AS hit_20
  FROM several_hits AS f
), several_decided AS (
  SELECT
    h.*,
    CASE
      WHEN h.hit_1
      OR h.hit_2
      OR h.hit_3
      OR h.hit_4
      OR h.hit_5
      OR h.hit_6
      OR h.hit_7
      OR h.hit_8
      OR h.hit_9
      OR h.hit_10
      OR h.hit_11
      OR h.hit_20
      OR h.hit_21
      THEN 2
      WHEN h.hit_12 OR h.hit_13 OR h.hit_14 OR h.hit_15 OR h.hit_16 OR h.hit_17 OR h.hit_18
      THEN 1
      WHEN h.hit_19
      THEN 0
      ELSE 2
    END AS rule_rank
  FROM several_hits_all AS h
), person AS (
  SELECT
    SUBMTG_STATE_CD,
    MSIS_IDENT_NUM,
    MAX(rule_rank) AS person_rank
  FROM several_decided
  GROUP BY
    SUBMTG_STATE_CD,
    MSIS_IDENT_NUM
), consolidated AS (
  SELECT
    h.*,
    CASE
      WHEN COALESCE(p.person_rank > h.rule_rank, FALSE)
      THEN p.person_rank
      ELSE h.rule_rank
    END AS rank_1,
    CASE
      WHEN COALESCE(p.person_rank > h.rule_rank, FALSE)
      THEN 'minshare:person-rows-disagree'
    END AS post_1
  FROM decided AS h
  LEFT JOIN person AS p
    ON h.SUBMTG_STATE_CD = p.SUBMTG_STATE_CD AND h.MSIS_IDENT_NUM = p.MSIS_IDENT_NUM
), reviewed AS (
  SELECT
    *,
    CASE
      WHEN rank_1 = 1 AND COALESCE(review_decision = 'withhold', FALSE)
      THEN 2
      WHEN rank_1 = 1 AND COALESCE(review_decision = 'release', FALSE)
      THEN 0
      ELSE rank_1
    END AS rank_2,
    CASE
      WHEN rank_1 = 1 AND COALESCE(review_decision = 'withhold', FALSE)
      THEN 'minshare:review-withheld'
      WHEN rank_1 = 1 AND COALESCE(review_decision = 'release', FALSE)
      THEN 'minshare:review-released'
    END AS post_2
  FROM consolidated
), collapsed AS (
  SELECT
    *,
    CASE
      WHEN rank_2 = 0 AND dup_conflict_out
      THEN 1
      WHEN rank_2 = 0 AND COALESCE(dup_rank > 1, FALSE)
      THEN 2
      ELSE rank_2
    END AS rank_3,
    CASE
      WHEN rank_2 = 0 AND dup_conflict_out
      THEN 'minshare:duplicate-rows-disagree'
      WHEN rank_2 = 0 AND COALESCE(dup_rank > 1, FALSE)
      THEN 'minshare:duplicate-collapsed'
    END AS post_3
  FROM reviewed
), deciding AS (
  SELECT
    *,
    CASE
      WHEN NOT COALESCE(post_3, post_2, post_1) IS NULL
      THEN ARRAY(
        CASE
          WHEN COALESCE(post_3, post_2, post_1) = 'minshare:person-rows-disagree'
          THEN 22
          WHEN COALESCE(post_3, post_2, post_1) = 'minshare:review-released'
          THEN 23
          WHEN COALESCE(post_3, post_2, post_1) = 'minshare:review-withheld'
          THEN 24
          WHEN COALESCE(post_3, post_2, post_1) = 'minshare:duplicate-rows-disagree'
          THEN 25
          WHEN COALESCE(post_3, post_2, post_1) = 'minshare:duplicate-collapsed'
          THEN 26
        END
      )
      ELSE CASE
        WHEN rule_rank = 2
        THEN FILTER(
          ARRAY(
            CASE WHEN hit_1 THEN 1 END,
            CASE WHEN hit_2 THEN 2 END,
            CASE WHEN hit_3 THEN 3 END,
            CASE WHEN hit_4 THEN 4 END,
            CASE WHEN hit_5 THEN 5 END,
            CASE WHEN hit_6 THEN 6 END,
            CASE WHEN hit_7 THEN 7 END,
            CASE WHEN hit_8 THEN 8 END,
            CASE WHEN hit_9 THEN 9 END,
            CASE WHEN hit_10 THEN 10 END,
            CASE WHEN hit_11 THEN 11 END,
            CASE WHEN hit_20 THEN 20 END,
            CASE WHEN hit_21 THEN 21 END
          ),
          x -> NOT x IS NULL
        )
        WHEN rule_rank = 1
        THEN FILTER(
          ARRAY(
            CASE WHEN hit_12 THEN 12 END,
            CASE WHEN hit_13 THEN 13 END,
            CASE WHEN hit_14 THEN 14 END,
            CASE WHEN hit_15 THEN 15 END,
            CASE WHEN hit_16 THEN 16 END,
            CASE WHEN hit_17 THEN 17 END,
            CASE WHEN hit_18 THEN 18 END
          ),
          x -> NOT x IS NULL
        )
        WHEN rule_rank = 0
        THEN FILTER(ARRAY(CASE WHEN hit_19 THEN 19 END), x -> NOT x IS NULL)
      END
    END AS reason_hits
  FROM collapsed
)
SELECT
  SUBMTG_STATE_CD,
  MSIS_IDENT_NUM,
  _MS_FILE,
  _MS_ROW,
  _MS_LINE,
  FILTER(ARRAY(CASE WHEN gov_1 THEN 'ca-v-hhs-2025-12-29' END), x -> NOT x IS NULL) AS orders,
  CASE
    WHEN rule_rank = 0
    THEN 'disclose'
    WHEN rule_rank = 1
    THEN 'review'
    WHEN rule_rank = 2
    THEN 'withhold'
  END AS rule_decision,
  FILTER(
    ARRAY(
      CASE WHEN hit_1 THEN 'minshare:state-not-requested' END,
      CASE WHEN hit_2 THEN 'minshare:no-order-in-force' END,
      CASE WHEN hit_3 THEN 'withhold-citizen-indicator' END,
      CASE WHEN hit_4 THEN 'withhold-citizen-status-code' END,
      CASE WHEN hit_5 THEN 'withhold-citizen-determination' END,
      CASE WHEN hit_6 THEN 'withhold-lawful-category' END,
      CASE WHEN hit_7 THEN 'withhold-lawful-status-code' END,
      CASE WHEN hit_8 THEN 'withhold-undefined-category' END,
      CASE WHEN hit_9 THEN 'withhold-no-determination' END,
      CASE WHEN hit_10 THEN 'withhold-unknown-determination' END,
      CASE WHEN hit_11 THEN 'withhold-unrecognized-determination' END,
      CASE WHEN hit_12 THEN 'review-self-attested' END,
      CASE WHEN hit_13 THEN 'review-stale-determination' END,
      CASE WHEN hit_14 THEN 'review-conflicting-determinations' END,
      CASE WHEN hit_15 THEN 'review-status-code-unknown' END,
      CASE WHEN hit_16 THEN 'review-medicaid-id-is-ssn' END,
      CASE WHEN hit_17 THEN 'review-guard-finding' END,
      CASE WHEN hit_18 THEN 'review-conflicting-duplicates' END,
      CASE WHEN hit_19 THEN 'disclose-unlawfully-present-verified' END,
      CASE WHEN hit_20 THEN 'minshare:default-deny' END,
      CASE WHEN hit_21 THEN 'minshare:row-unreadable' END,
      post_1,
      post_2,
      post_3
    ),
    x -> NOT x IS NULL
  ) AS rule_ids,
  CASE
    WHEN rank_3 = 0
    THEN 'disclose'
    WHEN rank_3 = 1
    THEN 'review'
    WHEN rank_3 = 2
    THEN 'withhold'
  END AS decision,
  TRANSFORM(
    reason_hits,
    i -> ELEMENT_AT(
      ARRAY(
        'minshare:state-not-requested',
        'minshare:no-order-in-force',
        'withhold-citizen-indicator',
        'withhold-citizen-status-code',
        'withhold-citizen-determination',
        'withhold-lawful-category',
        'withhold-lawful-status-code',
        'withhold-undefined-category',
        'withhold-no-determination',
        'withhold-unknown-determination',
        'withhold-unrecognized-determination',
        'review-self-attested',
        'review-stale-determination',
        'review-conflicting-determinations',
        'review-status-code-unknown',
        'review-medicaid-id-is-ssn',
        'review-guard-finding',
        'review-conflicting-duplicates',
        'disclose-unlawfully-present-verified',
        'minshare:default-deny',
        'minshare:row-unreadable',
        'minshare:person-rows-disagree',
        'minshare:review-released',
        'minshare:review-withheld',
        'minshare:duplicate-rows-disagree',
        'minshare:duplicate-collapsed'
      ),
      i
    )
  ) AS reason_ids,
  reason_hits,
  fact_determination_present,
  fact_determination_category,
  fact_determination_source,
  fact_determination_age_days,
  fact_determination_conflict,
  fact_msis_id_is_ssn,
  fact_guard_finding,
  fact_duplicate_conflict,
  CASE WHEN rank_3 IN (0, 1) THEN BIRTH_DT END AS BIRTH_DT,
  CASE WHEN rank_3 IN (0, 1) THEN CTZNSHP_IND END AS CTZNSHP_IND,
  CASE WHEN rank_3 IN (0, 1) THEN IMGRTN_STUS_CD END AS IMGRTN_STUS_CD,
  CASE WHEN rank_3 IN (0, 1) THEN ELGBL_LINE_1_ADR_HOME END AS ELGBL_LINE_1_ADR_HOME,
  CASE WHEN rank_3 IN (0, 1) THEN ELGBL_LINE_2_ADR_HOME END AS ELGBL_LINE_2_ADR_HOME,
  CASE WHEN rank_3 IN (0, 1) THEN ELGBL_LINE_3_ADR_HOME END AS ELGBL_LINE_3_ADR_HOME,
  CASE WHEN rank_3 IN (0, 1) THEN ELGBL_CITY_NAME_HOME END AS ELGBL_CITY_NAME_HOME,
  CASE WHEN rank_3 IN (0, 1) THEN ELGBL_STATE_CD_HOME END AS ELGBL_STATE_CD_HOME,
  CASE WHEN rank_3 IN (0, 1) THEN ELGBL_ZIP_CD_HOME END AS ELGBL_ZIP_CD_HOME,
  CASE WHEN rank_3 IN (0, 1) THEN ELGBL_CNTY_CD_HOME END AS ELGBL_CNTY_CD_HOME,
  CASE WHEN rank_3 IN (0, 1) THEN ELGBL_PHNE_NUM_HOME END AS ELGBL_PHNE_NUM_HOME
FROM deciding
