-- yearly_comparison: each indicator of a body or a region next to the same indicator in the
-- previous year that has data, with the change. Bodies come from report_indicator_values,
-- regions from region_year_indicators. years_apart is 1 for consecutive years; a larger gap
-- means the years in between have no report. For regions, compare n_reports too: a region
-- whose figure rose may simply have more reports that year.
--
-- columns:
--   scope               body, or the region level: province, prefecture, county, township
--   key                 body_key for a body, region_code for a region
--   name                issuing body (as printed that year) or region name
--   indicator           a numeric column of report_indicators, e.g. applications_new
--   kind                count, yuan (money) or share (a fraction between 0 and 1)
--   previous_year       the earlier year compared
--   year                the later year compared
--   years_apart         year - previous_year (1 = consecutive years)
--   previous_value      the figure in previous_year; NULL when not given
--   value               the figure in year; NULL when not given
--   change              value - previous_value (for shares, in fraction points)
--   change_ratio        change / previous_value; NULL when previous_value is 0 or NULL
--   previous_n_reports  reports behind previous_value (always 1 or 0 for a body)
--   n_reports           reports behind value
WITH series AS (
    SELECT
        'body' AS scope,
        body_key AS key,
        org AS name,
        indicator,
        kind,
        year,
        value,
        CASE WHEN value IS NULL THEN 0 ELSE 1 END AS n_reports
    FROM report_indicator_values
    WHERE year IS NOT NULL
    UNION ALL
    SELECT
        level AS scope,
        region_code AS key,
        region_name AS name,
        indicator,
        kind,
        year,
        value,
        n_reports
    FROM region_year_indicators
    WHERE year IS NOT NULL
),
paired AS (
    SELECT
        *,
        lag(year) OVER w AS previous_year,
        lag(value) OVER w AS previous_value,
        lag(n_reports) OVER w AS previous_n_reports
    FROM series
    WINDOW w AS (PARTITION BY scope, key, indicator ORDER BY year)
)
SELECT
    scope,
    key,
    name,
    indicator,
    kind,
    previous_year,
    year,
    year - previous_year AS years_apart,
    previous_value,
    value,
    value - previous_value AS change,
    (value - previous_value) / nullif(abs(previous_value), 0) AS change_ratio,
    previous_n_reports,
    n_reports
FROM paired
WHERE previous_year IS NOT NULL
ORDER BY
    CASE scope WHEN 'province' THEN 1 WHEN 'prefecture' THEN 2 WHEN 'county' THEN 3
               WHEN 'township' THEN 4 ELSE 5 END,
    key, indicator, year
