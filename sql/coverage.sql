-- coverage: per county and year, how many of the county's townships (from the gazetteer) have a
-- report in the warehouse, and which are missing. Only counties with at least one current report
-- that year (of the county itself, one of its departments or one of its townships) are listed:
-- the question is how complete a county's collection is, not which of China's 2,845 counties
-- were never collected. Townships that sit directly under a prefecture (东莞市, 中山市, ...)
-- belong to no county and are not counted here.
--
-- columns:
--   year                      report year
--   province_code             6-digit code of the province
--   province                  province name
--   prefecture_code           6-digit code of the prefecture; NULL for municipality districts
--   prefecture                prefecture name
--   county_code               6-digit code of the county
--   county                    county name
--   n_reports                 current reports placed in this county that year (any level)
--   n_townships               townships of the county in the gazetteer
--   n_townships_reporting     of those, townships with a current report that year
--   share_townships_reporting n_townships_reporting / n_townships
--   reporting_townships       names of the townships with a report, in code order
--   missing_townships         names of the townships without a report, in code order
WITH townships AS (
    SELECT code AS township_code, name AS township, county_code
    FROM gazetteer
    WHERE level = 'township' AND county_code IS NOT NULL
),
counties AS (
    SELECT code AS county_code, name AS county, province_code, province, prefecture_code, prefecture
    FROM gazetteer
    WHERE level = 'county'
),
county_years AS (
    SELECT county_code, year, count(*) AS n_reports
    FROM report_indicators
    WHERE county_code IS NOT NULL AND year IS NOT NULL
    GROUP BY county_code, year
),
reported AS (
    SELECT DISTINCT township_code, year
    FROM report_indicators
    WHERE township_code IS NOT NULL AND year IS NOT NULL
)
SELECT
    cy.year,
    c.province_code,
    c.province,
    c.prefecture_code,
    c.prefecture,
    c.county_code,
    c.county,
    cy.n_reports,
    count(t.township_code) AS n_townships,
    count(r.township_code) AS n_townships_reporting,
    count(r.township_code) / nullif(count(t.township_code), 0) AS share_townships_reporting,
    coalesce(list(t.township ORDER BY t.township_code) FILTER (WHERE r.township_code IS NOT NULL), []) AS reporting_townships,
    coalesce(list(t.township ORDER BY t.township_code) FILTER (WHERE r.township_code IS NULL), []) AS missing_townships
FROM county_years AS cy
JOIN counties AS c ON c.county_code = cy.county_code
LEFT JOIN townships AS t ON t.county_code = cy.county_code
LEFT JOIN reported AS r ON r.township_code = t.township_code AND r.year = cy.year
GROUP BY ALL
ORDER BY cy.year, c.county_code
