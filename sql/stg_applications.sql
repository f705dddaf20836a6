-- stg_applications: table 3 (applications) with the 2019 and 2021 templates harmonised.
-- 2019 prints one row （六）其他处理 (other_processing); 2021 splits it into three rows
-- (other_no_correction, other_no_fee, other_other). Every report gets an other_processing row:
-- printed in 2019, the sum of the three rows in 2021 (value_source says so). A total cell that
-- is missing from the text is the sum of the six applicant cells when all six are printed.
-- Nothing else is filled in: a missing table has no rows, a missing cell stays NULL.
--
-- incremental: body_key (a report's rows depend only on the reports of its body: see models.py)
--
-- columns:
--   report_id       the document
--   year            report year
--   is_current      TRUE when this document is the one the indicators use (see stg_reports)
--   table_version   template version of this report's table 3: 2019 or 2021
--   outcome         table row (see the applications table), plus other_processing for 2021
--   outcome_group   new_received, carried_over, granted, partially_granted, denied, unable,
--                   rejected, other, total_processed, carried_forward; the three 2021 rows
--                   that other_processing sums are other_detail, so that summing value_std
--                   by outcome_group never counts them twice
--   applicant       natural_person, commercial, research, social_welfare, legal_service,
--                   other_org, total (org_subtotal where printed)
--   value           number as printed; NULL when not printed (and for derived rows)
--   value_std       value, or the derived number when value_source is not printed
--   value_source    printed, correction (a value of corrections.csv: see correction_status),
--                   sum_of_other_rows (2021 other_processing) or sum_of_applicants (a total
--                   cell missing from the text)
--   line            1-based line of the source text; NULL for derived rows
-- a correction that still fits its document replaces the printed value (value keeps the print)
WITH printed AS (
    SELECT
        a.report_id, a.outcome, a.applicant, a.value,
        -- a count stays a whole number (corrections of counts are whole: see corrections.py)
        CASE WHEN c.report_id IS NOT NULL THEN CAST(c.value AS BIGINT) ELSE a.value END AS value_std,
        CASE WHEN c.report_id IS NOT NULL THEN 'correction' ELSE 'printed' END AS value_source,
        a.line
    FROM applications AS a
    LEFT JOIN correction_status AS c
        ON c.status = 'applied' AND c.table_name = 'applications' AND c.report_id = a.report_id
       AND c.row_key = a.outcome AND c.col_key = a.applicant
),
-- 2021: （六） = 1 逾期不补正 + 2 逾期未缴费 + 3 其他; NULL unless all three cells are printed
other_sum AS (
    SELECT
        p.report_id,
        'other_processing' AS outcome,
        p.applicant,
        NULL::DOUBLE AS value,
        CASE WHEN count(p.value_std) = 3 THEN sum(p.value_std) END AS value_std,
        'sum_of_other_rows' AS value_source,
        NULL::BIGINT AS line
    FROM printed AS p
    WHERE p.outcome IN ('other_no_correction', 'other_no_fee', 'other_other')
      AND NOT EXISTS (
          SELECT 1 FROM printed AS q WHERE q.report_id = p.report_id AND q.outcome = 'other_processing'
      )
    GROUP BY p.report_id, p.applicant
),
all_rows AS (
    SELECT * FROM printed
    UNION ALL
    SELECT * FROM other_sum
),
six AS (
    SELECT
        report_id,
        outcome,
        CASE WHEN count(value_std) = 6 THEN sum(value_std) END AS six_sum
    FROM all_rows
    WHERE applicant IN ('natural_person', 'commercial', 'research', 'social_welfare', 'legal_service', 'other_org')
    GROUP BY report_id, outcome
),
totals AS (
    SELECT
        coalesce(t.report_id, s.report_id) AS report_id,
        coalesce(t.outcome, s.outcome) AS outcome,
        'total' AS applicant,
        t.value,
        coalesce(t.value_std, s.six_sum) AS value_std,
        CASE WHEN t.value_std IS NULL AND s.six_sum IS NOT NULL THEN 'sum_of_applicants'
             ELSE t.value_source END AS value_source,
        t.line
    FROM (SELECT * FROM all_rows WHERE applicant = 'total') AS t
    FULL JOIN six AS s
        ON s.report_id = t.report_id AND s.outcome = t.outcome
    WHERE t.report_id IS NOT NULL OR s.six_sum IS NOT NULL
),
harmonised AS (
    SELECT * FROM all_rows WHERE applicant <> 'total'
    UNION ALL
    SELECT * FROM totals
)
SELECT
    h.report_id,
    r.year,
    r.is_current,
    r.table3_version AS table_version,
    h.outcome,
    CASE
        WHEN h.outcome LIKE 'denied\_%' ESCAPE '\' THEN 'denied'
        WHEN h.outcome LIKE 'unable\_%' ESCAPE '\' THEN 'unable'
        WHEN h.outcome LIKE 'rejected\_%' ESCAPE '\' THEN 'rejected'
        WHEN h.outcome = 'other_processing' THEN 'other'
        WHEN h.outcome IN ('other_no_correction', 'other_no_fee', 'other_other') THEN 'other_detail'
        ELSE h.outcome
    END AS outcome_group,
    h.applicant,
    h.value,
    h.value_std,
    h.value_source,
    h.line
FROM harmonised AS h
JOIN stg_reports AS r USING (report_id)
