-- theme_shares: the share of current reports that name each theme as a problem, and as a
-- measure, by region at every level, kind of body and year: of a region's township reports
-- for 2022, how many say staffing is a problem. The denominator is every current report of the
-- region, kind of body and year, those whose section 五 names no theme included, so shares of
-- different themes can be set side by side. Combinations no report names are absent (share 0).
--
-- columns:
--   year                 report year; NULL when unknown
--   level                province, prefecture, county or township
--   region_code          code of the region (6 digits; 9 for a township)
--   region_name          name of the region as the reports give it
--   admin_level          the bodies counted: province, prefecture, county, township or department
--   theme                a theme of pipeline/analyse/data/themes.toml
--   kind                 problem or measure
--   n_reports            current reports naming the theme in a statement of that kind
--   n_reports_in_region  current reports of the region, kind of body and year
--   share                n_reports / n_reports_in_region
WITH current_reports AS (
    SELECT * FROM report_regions
),
totals AS (
    SELECT year, level, region_code, admin_level, mode(region_name) AS region_name,
           count(*) AS n_reports_in_region
    FROM current_reports
    GROUP BY year, level, region_code, admin_level
),
naming AS (
    SELECT c.year, c.level, c.region_code, c.admin_level, th.theme, th.kind,
           count(DISTINCT c.report_id) AS n_reports
    FROM current_reports AS c
    JOIN statement_themes AS th ON th.report_id = c.report_id
    GROUP BY c.year, c.level, c.region_code, c.admin_level, th.theme, th.kind
)
SELECT
    n.year,
    n.level,
    n.region_code,
    t.region_name,
    n.admin_level,
    n.theme,
    n.kind,
    n.n_reports,
    t.n_reports_in_region,
    n.n_reports / t.n_reports_in_region AS share
FROM naming AS n
JOIN totals AS t
    ON t.level = n.level AND t.region_code = n.region_code
   AND t.admin_level IS NOT DISTINCT FROM n.admin_level AND t.year IS NOT DISTINCT FROM n.year
