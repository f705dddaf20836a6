-- stg_reviews_litigation: table 4 (administrative review and litigation), identical in both
-- templates (2019's 结果维护 is the same key as 2021's 结果维持). A total cell missing from the
-- text is the sum of its four results when all four are printed; value_source says so.
--
-- incremental: body_key (a report's rows depend only on the reports of its body: see models.py)
--
-- columns:
--   report_id     the document
--   year          report year
--   is_current    TRUE when this document is the one the indicators use (see stg_reports)
--   proceeding    review (行政复议), litigation_direct (诉讼 without review first),
--                 litigation_after_review (诉讼 after a review)
--   result        upheld, corrected, other, pending, total
--   value         number of cases as printed; NULL when not printed
--   value_std     value; the corrected value when value_source is correction; the derived total
--                 when it is sum_of_results
--   value_source  printed, correction (a value of corrections.csv: see correction_status) or
--                 sum_of_results
--   line          1-based line of the source text; NULL for derived rows
-- a correction that still fits its document replaces the printed value (value keeps the print)
WITH printed AS (
    SELECT
        r.report_id, r.proceeding, r.result, r.value,
        -- a count stays a whole number (corrections of counts are whole: see corrections.py)
        CASE WHEN c.report_id IS NOT NULL THEN CAST(c.value AS BIGINT) ELSE r.value END AS value_std,
        CASE WHEN c.report_id IS NOT NULL THEN 'correction' ELSE 'printed' END AS value_source,
        r.line
    FROM reviews_litigation AS r
    LEFT JOIN correction_status AS c
        ON c.status = 'applied' AND c.table_name = 'reviews_litigation' AND c.report_id = r.report_id
       AND c.row_key = r.proceeding AND c.col_key = r.result
),
parts AS (
    SELECT
        report_id,
        proceeding,
        CASE WHEN count(value_std) = 4 THEN sum(value_std) END AS parts_sum
    FROM printed
    WHERE result IN ('upheld', 'corrected', 'other', 'pending')
    GROUP BY report_id, proceeding
),
totals AS (
    SELECT
        coalesce(t.report_id, p.report_id) AS report_id,
        coalesce(t.proceeding, p.proceeding) AS proceeding,
        'total' AS result,
        t.value,
        coalesce(t.value_std, p.parts_sum) AS value_std,
        CASE WHEN t.value_std IS NULL AND p.parts_sum IS NOT NULL THEN 'sum_of_results'
             ELSE t.value_source END AS value_source,
        t.line
    FROM (SELECT * FROM printed WHERE result = 'total') AS t
    FULL JOIN parts AS p
        ON p.report_id = t.report_id AND p.proceeding = t.proceeding
    WHERE t.report_id IS NOT NULL OR p.parts_sum IS NOT NULL
),
harmonised AS (
    SELECT * FROM printed WHERE result <> 'total'
    UNION ALL
    SELECT * FROM totals
)
SELECT
    h.report_id,
    r.year,
    r.is_current,
    h.proceeding,
    h.result,
    h.value,
    h.value_std,
    h.value_source,
    h.line
FROM harmonised AS h
JOIN stg_reports AS r USING (report_id)
