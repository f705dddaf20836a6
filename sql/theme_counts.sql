-- theme_counts: how many statements of section 五 name each theme, and in how many reports, by
-- region at every level (province, prefecture, county, township, keyed by code), the kind of
-- body (admin_level: a prefecture's townships apart from its departments) and year; problems
-- and measures apart. Current reports only (stg_reports.is_current): a corrected report counts
-- once. A region holds every body inside it: a prefecture's figures include its townships.
--
-- columns:
--   year           report year; NULL when unknown
--   level          province, prefecture, county or township
--   region_code    code of the region (6 digits; 9 for a township)
--   region_name    name of the region as the reports give it
--   admin_level    the bodies counted: province, prefecture, county, township or department
--   theme          a theme of pipeline/analyse/data/themes.toml (staffing, timeliness, ...)
--   kind           problem or measure
--   n_statements   statements of that kind naming the theme
--   n_reports      reports with at least one such statement
WITH placed AS (
    SELECT r.report_id, r.year, r.admin_level, r.level, r.region_code, r.region_name, th.theme, th.kind
    FROM statement_themes AS th
    JOIN report_regions AS r USING (report_id)
)
SELECT
    year,
    level,
    region_code,
    mode(region_name) AS region_name,
    admin_level,
    theme,
    kind,
    count(*) AS n_statements,
    count(DISTINCT report_id) AS n_reports
FROM placed
GROUP BY year, level, region_code, admin_level, theme, kind
