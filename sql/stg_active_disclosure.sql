-- stg_active_disclosure: table 2 (proactive disclosure) with the 2019 and 2021 templates put on
-- one scale. Money is converted to yuan. A 2019 measure gets the 2021 key only where the two
-- columns count the same thing: 本年新制作数量 (new_made) is the 2021 本年制发件数 (issued).
-- 2019's 本年新公开数量 and 对外公开总数量 (a running total of everything published) have no
-- 2021 twin and keep their own keys; 2021's 废止 and 现行有效 did not exist in 2019.
--
-- A 2021 row whose digits ran together in crawled text (行政规范性文件693665) and stayed open
-- keeps its readings (active_disclosure.readings). The body's reports of the neighbouring years
-- choose among them, never beyond them: the in-force count rolls forward, last year's 现行有效 +
-- this year's 制发 - 废止 = this year's 现行有效 (and likewise into next year). When exactly one
-- reading fits every neighbour that prints the counts, its cells fill value_std and value_source
-- names the neighbouring report; otherwise the cells stay NULL.
--
-- incremental: body_key (a report's rows depend only on the reports of its body: see models.py)
--
-- columns:
--   report_id       the document
--   year            report year
--   is_current      TRUE when this document is the one the indicators use (see stg_reports)
--   table_version   template version of this report's table 2: 2019 or 2021
--   item            rules, normative_documents, licensing, other_services, penalty, coercion,
--                   fees, procurement
--   measure         the column as printed in this template (see the active_disclosure table)
--   measure_std     the column on the common scale: measure, except new_made -> issued
--   mapped_from     the 2019 key when measure_std was renamed, else NULL
--   value           the number as printed, in the printed unit; NULL when not in the text
--   unit            unit printed for money (万元 or 元); NULL for counts
--   is_money        TRUE for fee_amount and procurement_amount
--   value_std       counts as printed; money in yuan (万元 x 10000, rounded to the fen); NULL
--                   for money without a printed unit (never guessed); for an open row, the
--                   reading the neighbouring years decide
--   value_source    printed; correction (a value of corrections.csv, in the printed unit: see
--                   correction_status); or "rolled forward from <report_id> (<year>)" / "rolled back from
--                   <report_id> (<year>)" when a neighbouring report chose among the readings;
--                   NULL when the cell has no value
--   line            1-based line of the source text
-- a correction that still fits its document replaces the printed value, for the neighbouring
-- years' rolls too (printed_value keeps the print)
WITH ad AS (
    SELECT
        a.* REPLACE (CASE WHEN c.report_id IS NOT NULL THEN c.value ELSE a.value END AS value),
        a.value AS printed_value,
        c.report_id IS NOT NULL AS corrected
    FROM active_disclosure AS a
    LEFT JOIN correction_status AS c
        ON c.status = 'applied' AND c.table_name = 'active_disclosure' AND c.report_id = a.report_id
       AND c.row_key = a.item AND c.col_key = a.measure
),
open_rows AS (
    SELECT DISTINCT a.report_id, a.item, a.readings, r.body_key, r.year
    FROM ad AS a
    JOIN stg_reports AS r USING (report_id)
    WHERE a.readings IS NOT NULL AND r.table2_version = '2021'
),
readings AS (
    SELECT o.*, reading, string_split(reading, '|') AS cells
    FROM open_rows AS o, unnest(string_split(o.readings, ';')) AS t(reading)
),
-- each body's printed 2021 counts per year (current documents only)
printed AS (
    SELECT
        r.body_key, r.year, a.report_id, a.item,
        max(a.value) FILTER (WHERE a.measure = 'issued') AS issued,
        max(a.value) FILTER (WHERE a.measure = 'repealed') AS repealed,
        max(a.value) FILTER (WHERE a.measure = 'in_force') AS in_force
    FROM ad AS a
    JOIN stg_reports AS r USING (report_id)
    WHERE r.is_current AND r.table2_version = '2021'
    GROUP BY ALL
),
-- TRY_CAST: a reading is text from the lake; one that is no number leaves its cell NULL (it then
-- fits no neighbour) instead of failing the model, and with it every later run
checked AS (
    SELECT
        x.report_id, x.item, x.reading,
        TRY_CAST(x.cells[1] AS DOUBLE) AS issued,
        TRY_CAST(x.cells[2] AS DOUBLE) AS repealed,
        TRY_CAST(x.cells[3] AS DOUBLE) AS in_force,
        p.report_id AS prev_report_id, p.year AS prev_year,
        n.report_id AS next_report_id, n.year AS next_year,
        -- a neighbour speaks only when it prints the counts the rule needs
        p.in_force IS NOT NULL AS prev_speaks,
        n.issued IS NOT NULL AND n.repealed IS NOT NULL AND n.in_force IS NOT NULL AS next_speaks,
        p.in_force + TRY_CAST(x.cells[1] AS DOUBLE) - TRY_CAST(x.cells[2] AS DOUBLE) = TRY_CAST(x.cells[3] AS DOUBLE) AS prev_fits,
        TRY_CAST(x.cells[3] AS DOUBLE) + n.issued - n.repealed = n.in_force AS next_fits
    FROM readings AS x
    LEFT JOIN printed AS p ON p.body_key = x.body_key AND p.year = x.year - 1 AND p.item = x.item
    LEFT JOIN printed AS n ON n.body_key = x.body_key AND n.year = x.year + 1 AND n.item = x.item
),
decided AS (
    SELECT
        report_id, item,
        any_value(issued) AS issued, any_value(repealed) AS repealed, any_value(in_force) AS in_force,
        any_value(CASE
            WHEN prev_speaks THEN 'rolled forward from ' || prev_report_id || ' (' || prev_year || ')'
            ELSE 'rolled back from ' || next_report_id || ' (' || next_year || ')'
        END) AS value_source
    FROM checked
    WHERE (prev_speaks OR next_speaks)
      AND (NOT prev_speaks OR prev_fits)
      AND (NOT next_speaks OR next_fits)
    GROUP BY report_id, item
    HAVING count(*) = 1
)
SELECT
    a.report_id,
    r.year,
    r.is_current,
    r.table2_version AS table_version,
    a.item,
    a.measure,
    CASE a.measure WHEN 'new_made' THEN 'issued' ELSE a.measure END AS measure_std,
    CASE a.measure WHEN 'new_made' THEN a.measure END AS mapped_from,
    a.printed_value AS value,
    a.unit,
    a.measure IN ('fee_amount', 'procurement_amount') AS is_money,
    CASE
        WHEN a.value IS NULL AND d.report_id IS NOT NULL THEN
            CASE a.measure WHEN 'issued' THEN d.issued WHEN 'repealed' THEN d.repealed WHEN 'in_force' THEN d.in_force END
        WHEN a.measure NOT IN ('fee_amount', 'procurement_amount') THEN a.value
        WHEN a.unit = '万元' THEN round(a.value * 10000, 2)
        WHEN a.unit = '元' THEN a.value
    END AS value_std,
    CASE
        WHEN a.corrected THEN 'correction'
        WHEN a.value IS NOT NULL THEN 'printed'
        WHEN d.report_id IS NOT NULL AND a.measure IN ('issued', 'repealed', 'in_force') THEN d.value_source
    END AS value_source,
    a.line
FROM ad AS a
JOIN stg_reports AS r USING (report_id)
LEFT JOIN decided AS d ON d.report_id = a.report_id AND d.item = a.item
