-- quality_issues: every problem found in the data, one row per finding, for every document
-- (superseded versions included). The parser's findings about one document; the findings of the
-- check engine's rules that need two documents (check_results, the rules marked in_quality_issues:
-- carryover_mismatch and in_force_rollforward_mismatch compare a year with the year before, on
-- current documents; duplicate_report marks every document of a body and year that has more than
-- one), when they fail or are uncertain; and the corrections of corrections.csv: value_corrected
-- where one is applied, correction_stale or correction_invalid where it is not.
--
-- incremental: body_key (a report's rows depend only on the reports of its body: see models.py)
--
-- columns:
--   report_id          the document the finding is about
--   body_key           the body (see stg_reports)
--   org                issuing body as printed
--   year               report year
--   is_current         TRUE when the document is the one the indicators use
--   origin             parser (found in the document itself), cross_document (found by
--                      comparing documents in the warehouse: check_results) or correction
--                      (corrections.csv: correction_status)
--   code               table_missing, cell_missing, cell_blank, cell_not_numeric,
--                      balance_mismatch, row_total_mismatch, review_total_mismatch,
--                      narrative_table_mismatch, year_unresolved, region_unresolved,
--                      region_ambiguous, multiple_reports, carryover_mismatch,
--                      in_force_rollforward_mismatch, duplicate_report, value_corrected,
--                      correction_stale, correction_invalid
--   table_name         tidy table concerned, NULL when the finding is about the whole document
--   field              cell or column concerned, e.g. natural_person, carried_over/total,
--                      normative_documents/in_force
--   detail             one sentence for a person
--   line               1-based line of the source text where it shows
--   related_report_id  the other document of a cross-document finding (last year's report, or
--                      the current version of a duplicate; for a correction, the current
--                      document of the body and year)
WITH parser AS (
    SELECT
        i.report_id,
        'parser' AS origin,
        i.code,
        i."table" AS table_name,
        i.field,
        i.detail,
        i.line,
        NULL::VARCHAR AS related_report_id,
        NULL::VARCHAR AS org,
        NULL::BIGINT AS year
    FROM issues AS i
),
-- the engine decides; an uncertain result (an approximate or ambiguous value) is listed too
cross_document AS (
    SELECT
        report_id,
        'cross_document' AS origin,
        code,
        table_name,
        CASE WHEN table_name IS NOT NULL THEN subject END AS field,
        detail,
        line,
        related_report_id,
        NULL::VARCHAR AS org,
        NULL::BIGINT AS year
    FROM check_results
    WHERE in_quality_issues AND status IN ('fail', 'uncertain')
),
corrected AS (
    SELECT
        report_id,
        'correction' AS origin,
        CASE status WHEN 'applied' THEN 'value_corrected' WHEN 'invalid' THEN 'correction_invalid'
                    ELSE 'correction_stale' END AS code,
        table_name,
        key AS field,
        printf('corrections.csv line %d: %s%s', line, detail,
               CASE WHEN status = 'applied' THEN coalesce(' (' || reason || ')', '') ELSE '' END) AS detail,
        source_line AS line,
        CASE WHEN current_report_id IS DISTINCT FROM report_id THEN current_report_id END AS related_report_id,
        -- a document no longer in the warehouse: the body and year the CSV names
        org,
        year
    FROM correction_status
    WHERE status <> 'replaced'
),
findings AS (
    SELECT * FROM parser
    UNION ALL SELECT * FROM cross_document
    UNION ALL SELECT * FROM corrected
)
SELECT
    f.report_id,
    r.body_key,
    coalesce(r.org, f.org) AS org,
    coalesce(r.year, f.year) AS year,
    r.is_current,
    f.origin,
    f.code,
    f.table_name,
    f.field,
    f.detail,
    f.line,
    f.related_report_id
FROM findings AS f
LEFT JOIN stg_reports AS r USING (report_id)
ORDER BY year, r.body_key, f.report_id, f.code, f.field
