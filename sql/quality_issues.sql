-- quality_issues: every problem found in the data, one row per finding, for every document
-- (superseded versions included). The parser's findings about one document, plus the checks
-- that need two documents of the same body: carryover_mismatch and
-- in_force_rollforward_mismatch compare a year with the year before (current documents only),
-- duplicate_report marks every document of a body and year that has more than one.
--
-- incremental: body_key (a report's rows depend only on the reports of its body: see models.py)
--
-- columns:
--   report_id          the document the finding is about
--   body_key           the body (see stg_reports)
--   org                issuing body as printed
--   year               report year
--   is_current         TRUE when the document is the one the indicators use
--   origin             parser (found in the document itself) or cross_document (found by
--                      comparing documents in the warehouse)
--   code               table_missing, cell_missing, cell_blank, cell_not_numeric,
--                      balance_mismatch, row_total_mismatch, review_total_mismatch,
--                      narrative_table_mismatch, year_unresolved, region_unresolved,
--                      region_ambiguous, multiple_reports, carryover_mismatch,
--                      in_force_rollforward_mismatch, duplicate_report
--   table_name         tidy table concerned, NULL when the finding is about the whole document
--   field              cell or column concerned, e.g. natural_person, carried_over/total,
--                      normative_documents/in_force
--   detail             one sentence for a person
--   line               1-based line of the source text where it shows
--   related_report_id  the other document of a cross-document finding (last year's report, or
--                      the current version of a duplicate)
WITH cur AS (
    SELECT * FROM stg_reports WHERE is_current AND year IS NOT NULL
),
parser AS (
    SELECT
        i.report_id,
        'parser' AS origin,
        i.code,
        i."table" AS table_name,
        i.field,
        i.detail,
        i.line,
        NULL::VARCHAR AS related_report_id
    FROM issues AS i
),
-- last year's 结转下年度继续办理 should be this year's 上年结转, column by column
carryover AS (
    SELECT
        c.report_id,
        'cross_document' AS origin,
        'carryover_mismatch' AS code,
        'applications' AS table_name,
        'carried_over/' || this_year.applicant AS field,
        -- %.15g prints any DOUBLE: whole numbers as digits, others as printed, 1e+19 or inf
        -- beyond (a CAST to BIGINT fails on one cell over 9.2 x 10^18 and takes every run down)
        printf('%.15g carried over from %d, but the %d report carried forward %.15g (%s)',
               this_year.value, prev.year, prev.year,
               last_year.value, this_year.applicant) AS detail,
        this_year.line,
        prev.report_id AS related_report_id
    FROM cur AS c
    JOIN cur AS prev
        ON prev.body_key = c.body_key AND prev.year = c.year - 1
    JOIN stg_applications AS this_year
        ON this_year.report_id = c.report_id AND this_year.outcome = 'carried_over'
    JOIN stg_applications AS last_year
        ON last_year.report_id = prev.report_id AND last_year.outcome = 'carried_forward'
       AND last_year.applicant = this_year.applicant
    WHERE this_year.value <> last_year.value
),
stock AS (
    SELECT
        report_id,
        item,
        sum(value) FILTER (WHERE measure = 'issued') AS issued,
        sum(value) FILTER (WHERE measure = 'repealed') AS repealed,
        sum(value) FILTER (WHERE measure = 'in_force') AS in_force,
        min(line) FILTER (WHERE measure = 'in_force') AS in_force_line
    FROM stg_active_disclosure
    WHERE item IN ('rules', 'normative_documents')
    GROUP BY report_id, item
),
-- documents in force: last year's 现行有效 + this year's 制发 - 废止 = this year's 现行有效
rollforward AS (
    SELECT
        c.report_id,
        'cross_document' AS origin,
        'in_force_rollforward_mismatch' AS code,
        'active_disclosure' AS table_name,
        s.item || '/in_force' AS field,
        printf('%.15g in force at the end of %d + %.15g issued - %.15g repealed = %.15g, but the report says %.15g in force',
               p.in_force, prev.year, s.issued, s.repealed,
               p.in_force + s.issued - s.repealed, s.in_force) AS detail,
        s.in_force_line AS line,
        prev.report_id AS related_report_id
    FROM cur AS c
    JOIN cur AS prev
        ON prev.body_key = c.body_key AND prev.year = c.year - 1
    JOIN stock AS s
        ON s.report_id = c.report_id
    JOIN stock AS p
        ON p.report_id = prev.report_id AND p.item = s.item
    WHERE p.in_force + s.issued - s.repealed <> s.in_force
),
duplicates AS (
    SELECT
        d.report_id,
        'cross_document' AS origin,
        'duplicate_report' AS code,
        NULL::VARCHAR AS table_name,
        NULL::VARCHAR AS field,
        CASE
            WHEN d.is_current THEN printf('%d documents claim %s %d; this one, the newest, is used',
                                          d.n_versions, d.org, d.year)
            ELSE printf('%d documents claim %s %d; this one is superseded by %s (%s)',
                        d.n_versions, d.org, d.year, d.current_report_id, c.source_path)
        END AS detail,
        NULL::BIGINT AS line,
        CASE WHEN NOT d.is_current THEN d.current_report_id END AS related_report_id
    FROM stg_reports AS d
    JOIN stg_reports AS c
        ON c.report_id = d.current_report_id
    WHERE d.n_versions > 1
),
findings AS (
    SELECT * FROM parser
    UNION ALL SELECT * FROM carryover
    UNION ALL SELECT * FROM rollforward
    UNION ALL SELECT * FROM duplicates
)
SELECT
    f.report_id,
    r.body_key,
    r.org,
    r.year,
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
ORDER BY r.year, r.body_key, f.report_id, f.code, f.field
