-- region_year_indicators: every indicator of report_indicators added up by region and year, at
-- every level the reports name: province, prefecture, county and township, keyed by region code
-- (names can be written several ways, codes cannot). A region holds every current report of a
-- body inside it: a county's figures include its townships and departments. Counts and yuan
-- are sums over the reports that give the figure; a share is the sum of its numerators over
-- the sum of its denominators (pooled), never an average of shares. Reports whose region has no
-- code at a level are not in that level.
--
-- columns:
--   year                 report year; NULL for reports whose year is unknown
--   level                province, prefecture, county or township
--   region_code          code of the region (6 digits; 9 for a township)
--   region_name          name of the region as the reports give it
--   indicator            a numeric column of report_indicators, e.g. applications_new
--   kind                 count, yuan (money) or share (a fraction between 0 and 1)
--   value                the sum (count, yuan) or pooled share; NULL when no report gives it
--   numerator            for a share, the summed numerators; else NULL
--   denominator          for a share, the summed denominators; else NULL
--   n_reports            reports behind this figure: those that give it (for a share: those
--                        that give both numerator and denominator)
--   n_reports_in_region  current reports of the region and year, with or without this figure
WITH placed AS (
    SELECT v.*, lvl.level, lvl.region_code, lvl.region_name
    FROM report_indicator_values AS v
    JOIN report_regions AS lvl USING (report_id)
)
SELECT
    year,
    level,
    region_code,
    mode(region_name) AS region_name,
    indicator,
    kind,
    CASE
        WHEN kind = 'share'
            THEN sum(numerator) FILTER (WHERE numerator IS NOT NULL AND denominator IS NOT NULL)
                 / nullif(sum(denominator) FILTER (WHERE numerator IS NOT NULL AND denominator IS NOT NULL), 0)
        ELSE sum(value)
    END AS value,
    CASE WHEN kind = 'share'
        THEN sum(numerator) FILTER (WHERE numerator IS NOT NULL AND denominator IS NOT NULL) END AS numerator,
    CASE WHEN kind = 'share'
        THEN sum(denominator) FILTER (WHERE numerator IS NOT NULL AND denominator IS NOT NULL) END AS denominator,
    CASE
        WHEN kind = 'share' THEN count(*) FILTER (WHERE numerator IS NOT NULL AND denominator IS NOT NULL)
        ELSE count(value)
    END AS n_reports,
    count(*) AS n_reports_in_region
FROM placed
GROUP BY year, level, region_code, indicator, kind
ORDER BY year, level, region_code, indicator
