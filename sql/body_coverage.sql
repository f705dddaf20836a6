-- body_coverage: every body expected to publish a report, for every year and province the
-- warehouse has reports for, and whether it did. Expected are every government in the gazetteer
-- (province, prefecture, county, township) and every department seen in any year ("as far as
-- the data shows": a department that reported once is expected in the other years too). A government
-- counts as reporting when a current report speaks for it (same body_key and level); reports
-- whose body could not be placed (quality_issues: region_unresolved, region_ambiguous) count for
-- no one. "Which townships of 宜春市 did not report in 2022": SELECT name FROM body_coverage
-- WHERE year = 2022 AND prefecture = '宜春市' AND body_level = 'township' AND NOT reported.
-- Reads gazetteer, report_indicators.
--
-- columns:
--   year             report year
--   body_key         the body (see stg_reports): a government's region code; code|department
--   body_level       province, prefecture, county, township (a government) or department
--   name             the gazetteer name of a government; the department's name
--   province_code    6-digit code of the province
--   province         province name
--   prefecture_code  6-digit code of the prefecture; NULL for municipality districts
--   prefecture       prefecture name
--   county_code      6-digit code of the county; NULL above county and for townships directly
--                    under a prefecture
--   county           county name
--   township_code    9-digit code of the township, for a township or a township's department
--   township         township name
--   reported         TRUE when the body has a current report for the year
--   report_id        that report; NULL when it did not report
--   org              issuing body as printed in that report
--   n_years_reported years (of those in the warehouse) in which the body has a report
WITH years AS (
    -- a province is expected to be covered in a year once the warehouse holds any report of it that
    -- year: a warehouse of one province's reports does not list every other body of China as missing
    SELECT DISTINCT year, province_code FROM report_indicators
    WHERE year IS NOT NULL AND province_code IS NOT NULL
),
governments AS (
    SELECT
        code AS body_key,
        level AS body_level,
        name,
        province_code,
        province,
        prefecture_code,
        prefecture,
        county_code,
        county,
        CASE WHEN level = 'township' THEN code END AS township_code,
        CASE WHEN level = 'township' THEN name END AS township
    FROM gazetteer
),
departments AS (
    -- where a department stands, from its latest report
    SELECT
        body_key,
        'department' AS body_level,
        department AS name,
        province_code,
        province,
        prefecture_code,
        prefecture,
        county_code,
        county,
        township_code,
        township
    FROM report_indicators
    WHERE admin_level = 'department' AND year IS NOT NULL
    QUALIFY row_number() OVER (PARTITION BY body_key ORDER BY year DESC, report_id) = 1
),
expected AS (
    SELECT * FROM governments
    UNION ALL
    SELECT * FROM departments
)
SELECT
    y.year,
    e.body_key,
    e.body_level,
    e.name,
    e.province_code,
    e.province,
    e.prefecture_code,
    e.prefecture,
    e.county_code,
    e.county,
    e.township_code,
    e.township,
    r.report_id IS NOT NULL AS reported,
    r.report_id,
    r.org,
    count(r.report_id) OVER (PARTITION BY e.body_key, e.body_level) AS n_years_reported
FROM expected AS e
JOIN years AS y ON y.province_code = e.province_code
LEFT JOIN report_indicators AS r
    ON r.body_key = e.body_key AND r.admin_level = e.body_level AND r.year = y.year
ORDER BY y.year, e.body_key
