-- correction_status: every correction of data/corrections.csv (table corrections), and whether the
-- models apply it. A correction is applied only while it fits what it was made for: the document
-- (report_id, the hash of its bytes) is still the current one for its body and year, the cell is
-- in it, and the parser still reads the cell as it did then (parsed_value). Otherwise it is stale
-- and the parsed value stands: a changed document or a changed reading needs a person to look
-- again. stg_applications, stg_active_disclosure, stg_reviews_litigation and the check engine use
-- the applied ones (value_source = correction).
--
-- incremental: body_key (a report's rows depend only on the reports of its body: see models.py)
--
-- columns:
--   line               the correction's line in corrections.csv
--   report_id          the document it was made for
--   body_key           the body (see stg_reports); NULL when the document is not in the warehouse
--   org                issuing body as printed (from the CSV when the document is not here)
--   year               report year (likewise)
--   table_name         applications, active_disclosure or reviews_litigation
--   key                the cell: row/column (new_received/total)
--   row_key            the row part of key (outcome, item or proceeding)
--   col_key            the column part of key (applicant, measure or result)
--   value              the corrected value, in the cell's printed unit
--   parsed_value       what the parser read when the correction was made (NULL: nothing)
--   parsed_value_now   what the parser reads in the cell now (NULL: nothing, or no such cell)
--   status             applied; stale (the document changed, was superseded or is gone, or the
--                      parser reads the cell otherwise now); replaced (a later line corrects the
--                      same cell); invalid (the row cannot be used: see detail)
--   detail             one sentence: what is applied, or why not
--   current_report_id  the current document of the body and year (the one to correct again)
--   source_line        1-based line of the cell in the document's text
--   reason             why the printed value is wrong
--   evidence           where the right value is shown (URL, page of the official document)
--   author             who made the correction
--   created_at         when (UTC)
WITH parsed AS (
    SELECT report_id, 'applications' AS table_name, outcome || '/' || applicant AS key, value, line
    FROM applications WHERE report_id IN (SELECT report_id FROM corrections)
    UNION ALL
    SELECT report_id, 'active_disclosure', item || '/' || measure, value, line
    FROM active_disclosure WHERE report_id IN (SELECT report_id FROM corrections)
    UNION ALL
    SELECT report_id, 'reviews_litigation', proceeding || '/' || result, value, line
    FROM reviews_litigation WHERE report_id IN (SELECT report_id FROM corrections)
),
-- a key printed twice in one document (two tables 3) is no one cell to correct
cells AS (
    SELECT report_id, table_name, key, any_value(value) AS value, min(line) AS line, count(*) AS n
    FROM parsed
    GROUP BY report_id, table_name, key
),
ranked AS (
    SELECT
        *,
        row_number() OVER (PARTITION BY report_id, table_name, key ORDER BY line DESC) AS newer
    FROM corrections
),
judged AS (
    SELECT
        c.*,
        r.body_key,
        r.is_current,
        r.current_report_id,
        r.org AS report_org,
        r.year AS report_year,
        p.value AS parsed_value_now,
        p.line AS source_line,
        p.n AS n_cells,
        CASE
            WHEN c.problem IS NOT NULL THEN 'invalid'
            WHEN c.newer > 1 THEN 'replaced'
            WHEN r.report_id IS NULL THEN 'stale'
            WHEN p.key IS NULL OR p.n > 1 THEN 'invalid'
            WHEN NOT r.is_current THEN 'stale'
            WHEN p.value IS DISTINCT FROM c.parsed_value THEN 'stale'
            ELSE 'applied'
        END AS status
    FROM ranked AS c
    LEFT JOIN stg_reports AS r USING (report_id)
    LEFT JOIN cells AS p
        ON p.report_id = c.report_id AND p.table_name = c.table_name AND p.key = c.key
)
SELECT
    line,
    report_id,
    body_key,
    coalesce(report_org, org) AS org,
    coalesce(report_year, year) AS year,
    table_name,
    key,
    split_part(key, '/', 1) AS row_key,
    split_part(key, '/', 2) AS col_key,
    value,
    parsed_value,
    parsed_value_now,
    status,
    -- %.15g prints any DOUBLE: whole numbers as digits (as quality_issues prints them)
    CASE
        WHEN problem IS NOT NULL THEN 'cannot be used: ' || problem
        WHEN status = 'replaced' THEN 'a later line of corrections.csv corrects the same cell'
        WHEN body_key IS NULL THEN printf('the document %s is no longer in the warehouse (its file changed or '
                                          'was removed): look at the new one and correct it again', report_id)
        WHEN status = 'invalid' AND n_cells IS NULL
            THEN printf('%s has no cell %s in this document', table_name, key)
        WHEN status = 'invalid' THEN printf('%s %s is printed more than once in this document', table_name, key)
        WHEN NOT is_current THEN printf('made for %s, now superseded by %s for the same body and year: '
                                        'look at the new document and correct it again', report_id, current_report_id)
        WHEN status = 'stale' AND parsed_value_now IS NOT DISTINCT FROM value
            THEN printf('the parser now reads %s itself (it read %s when the correction was made): '
                        'the correction is no longer needed', printf('%.15g', value),
                        coalesce(printf('%.15g', parsed_value), 'nothing'))
        WHEN status = 'stale'
            THEN printf('made when the parser read %s; it now reads %s: look again before applying it',
                        coalesce(printf('%.15g', parsed_value), 'nothing'),
                        coalesce(printf('%.15g', parsed_value_now), 'nothing'))
        ELSE printf('%s read as %s, corrected to %s', key, coalesce(printf('%.15g', parsed_value_now), 'nothing'),
                    printf('%.15g', value))
    END AS detail,
    current_report_id,
    source_line,
    reason,
    evidence,
    author,
    created_at
FROM judged
ORDER BY line
