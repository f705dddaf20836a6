-- stg_active_disclosure: table 2 (proactive disclosure) with the 2019 and 2021 templates put on
-- one scale. Money is converted to yuan. A 2019 measure gets the 2021 key only where the two
-- columns count the same thing: 本年新制作数量 (new_made) is the 2021 本年制发件数 (issued).
-- 2019's 本年新公开数量 and 对外公开总数量 (a running total of everything published) have no
-- 2021 twin and keep their own keys; 2021's 废止 and 现行有效 did not exist in 2019.
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
--                   for money without a printed unit (never guessed)
--   line            1-based line of the source text
SELECT
    a.report_id,
    r.year,
    r.is_current,
    r.table2_version AS table_version,
    a.item,
    a.measure,
    CASE a.measure WHEN 'new_made' THEN 'issued' ELSE a.measure END AS measure_std,
    CASE a.measure WHEN 'new_made' THEN a.measure END AS mapped_from,
    a.value,
    a.unit,
    a.measure IN ('fee_amount', 'procurement_amount') AS is_money,
    CASE
        WHEN a.measure NOT IN ('fee_amount', 'procurement_amount') THEN a.value
        WHEN a.unit = '万元' THEN round(a.value * 10000, 2)
        WHEN a.unit = '元' THEN a.value
    END AS value_std,
    a.line
FROM active_disclosure AS a
JOIN stg_reports AS r USING (report_id)
