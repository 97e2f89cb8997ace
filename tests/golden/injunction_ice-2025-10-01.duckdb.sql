WITH rules AS (
  SELECT
    [
      'minshare:state-not-requested',
      'minshare:no-order-in-force',
      'withhold-injunction',
      'minshare:default-deny',
      'minshare:row-unreadable'
    ] AS hit_id,
    [2, 2, 2, 2, 2] AS hit_rank,
    [1, 2, 3, 4, 5] AS hit_reason,
    [
      'the written request does not ask for records of this state',
      'no order in force authorizes this disclosure',
      'the preliminary injunction bars HHS from sharing plaintiff-state Medicaid data with DHS for immigration enforcement',
      'no rule of ca-v-hhs-2025-08-12 matched: withheld by default (default deny)',
      'another row with this person''s key could not be read (quarantined), so what is known about the person may be incomplete'
    ] AS reason_text,
    [1, 2, 3, 4, 5] AS hit_cite,
    [
      'written request (Privacy Act 5 U.S.C. 552a(b)(7)): the portion requested',
      'minshare default deny: no order governs the record''s state on 2025-10-01',
      'ECF 98 (Aug 12, 2025), extended through Jan 5, 2026; the-order.md §3',
      'ca-v-hhs-2025-08-12: no clause authorizes this record; minshare default deny',
      'minshare: unsure means withhold; the quarantined row is in quarantine.parquet'
    ] AS cite_text
), src AS NOT MATERIALIZED (
  SELECT
    SUBMTG_STATE_CD,
    MSIS_IDENT_NUM,
    _MS_FILE,
    _MS_ROW,
    _MS_LINE
  FROM enrollment
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
    s.MSIS_IDENT_NUM
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
    ROW_NUMBER() OVER (PARTITION BY s.SUBMTG_STATE_CD, s.MSIS_IDENT_NUM ORDER BY s._MS_FILE, s._MS_ROW) AS dup_rank
  FROM src AS s
  JOIN dup_people AS p
    ON s.SUBMTG_STATE_CD = p.SUBMTG_STATE_CD AND s.MSIS_IDENT_NUM = p.MSIS_IDENT_NUM
), unreadable_keys AS (
  SELECT DISTINCT
    SUBMTG_STATE_CD,
    MSIS_IDENT_NUM
  FROM unreadable
), facts AS (
  SELECT
    s.*,
    COALESCE(s.SUBMTG_STATE_CD IN ('06', '36'), FALSE) AS gov_1,
    COALESCE(s.SUBMTG_STATE_CD IN ('06', '36'), FALSE) AS requested,
    d.dup_rank,
    COALESCE((
      FALSE
    ), FALSE) AS dup_conflict_out,
    NOT u.SUBMTG_STATE_CD IS NULL AS unreadable_row,
    r.decision AS review_decision
  FROM src AS s
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
    f.gov_1 AND TRUE AS hit_3,
    f.unreadable_row AS hit_5
  FROM facts AS f
), hits_all AS (
  SELECT
    f.*,
    f.gov_1 AND NOT (
      f.hit_3
    ) AS hit_4
  FROM hits AS f
), decided AS (
  SELECT
    h.*,
    CASE
      WHEN h.hit_1 OR h.hit_2 OR h.hit_3 OR h.hit_4 OR h.hit_5
      THEN 2
      WHEN FALSE
      THEN 1
      WHEN FALSE
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
    COALESCE(s.SUBMTG_STATE_CD IN ('06', '36'), FALSE) AS gov_1,
    COALESCE(s.SUBMTG_STATE_CD IN ('06', '36'), FALSE) AS requested,
    d.dup_rank,
    COALESCE((
      FALSE
    ), FALSE) AS dup_conflict_out,
    NOT u.SUBMTG_STATE_CD IS NULL AS unreadable_row,
    r.decision AS review_decision
  FROM several_src AS s
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
    f.gov_1 AND TRUE AS hit_3,
    f.unreadable_row AS hit_5
  FROM several_facts AS f
), several_hits_all AS (
  SELECT
    f.*,
    f.gov_1 AND NOT (
      f.hit_3
    ) AS hit_4
  FROM several_hits AS f
), several_decided AS (
  SELECT
    h.*,
    CASE
      WHEN h.hit_1 OR h.hit_2 OR h.hit_3 OR h.hit_4 OR h.hit_5
      THEN 2
      WHEN FALSE
      THEN 1
      WHEN FALSE
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
      THEN [
        CASE
          WHEN COALESCE(post_3, post_2, post_1) = 'minshare:person-rows-disagree'
          THEN 6
          WHEN COALESCE(post_3, post_2, post_1) = 'minshare:review-released'
          THEN 7
          WHEN COALESCE(post_3, post_2, post_1) = 'minshare:review-withheld'
          THEN 8
          WHEN COALESCE(post_3, post_2, post_1) = 'minshare:duplicate-rows-disagree'
          THEN 9
          WHEN COALESCE(post_3, post_2, post_1) = 'minshare:duplicate-collapsed'
          THEN 10
        END
      ]
      ELSE CASE
        WHEN rule_rank = 2
        THEN LIST_FILTER(
          [
            CASE WHEN hit_1 THEN 1 END,
            CASE WHEN hit_2 THEN 2 END,
            CASE WHEN hit_3 THEN 3 END,
            CASE WHEN hit_4 THEN 4 END,
            CASE WHEN hit_5 THEN 5 END
          ],
          LAMBDA x : NOT x IS NULL
        )
        WHEN rule_rank = 1
        THEN LIST_FILTER([], LAMBDA x : NOT x IS NULL)
        WHEN rule_rank = 0
        THEN LIST_FILTER([], LAMBDA x : NOT x IS NULL)
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
  LIST_FILTER([CASE WHEN gov_1 THEN 'ca-v-hhs-2025-08-12' END], LAMBDA x : NOT x IS NULL) AS orders,
  CASE
    WHEN rule_rank = 0
    THEN 'disclose'
    WHEN rule_rank = 1
    THEN 'review'
    WHEN rule_rank = 2
    THEN 'withhold'
  END AS rule_decision,
  LIST_FILTER(
    [
      CASE WHEN hit_1 THEN 'minshare:state-not-requested' END,
      CASE WHEN hit_2 THEN 'minshare:no-order-in-force' END,
      CASE WHEN hit_3 THEN 'withhold-injunction' END,
      CASE WHEN hit_4 THEN 'minshare:default-deny' END,
      CASE WHEN hit_5 THEN 'minshare:row-unreadable' END,
      post_1,
      post_2,
      post_3
    ],
    LAMBDA x : NOT x IS NULL
  ) AS rule_ids,
  CASE
    WHEN rank_3 = 0
    THEN 'disclose'
    WHEN rank_3 = 1
    THEN 'review'
    WHEN rank_3 = 2
    THEN 'withhold'
  END AS decision,
  LIST_TRANSFORM(
    reason_hits,
    LAMBDA i : [
      'minshare:state-not-requested',
      'minshare:no-order-in-force',
      'withhold-injunction',
      'minshare:default-deny',
      'minshare:row-unreadable',
      'minshare:person-rows-disagree',
      'minshare:review-released',
      'minshare:review-withheld',
      'minshare:duplicate-rows-disagree',
      'minshare:duplicate-collapsed'
    ][i]
  ) AS reason_ids,
  reason_hits
FROM deciding
