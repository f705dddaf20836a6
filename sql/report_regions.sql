-- report_regions: every current report under each region it lies in, one row per report and
-- level: a township's report counts for its township, county, prefecture and province. The
-- regional models (region_year_indicators, yearly_comparison, theme_counts, theme_shares) add
-- reports up through it. A level at which the report's region has no code is absent.
--
-- columns:
--   report_id    the document (current documents only: see stg_reports)
--   year         report year; NULL when unknown
--   admin_level  the body that reports: province, prefecture, county, township or department
--   level        the region's level: province, prefecture, county or township
--   region_code  code of the region (6 digits; 9 for a township)
--   region_name  name of the region as the report gives it
SELECT
    r.report_id,
    r.year,
    r.admin_level,
    lvl.level,
    lvl.region_code,
    lvl.region_name
FROM stg_reports AS r,
LATERAL (
    VALUES
        ('province', r.province_code, r.province),
        ('prefecture', r.prefecture_code, r.prefecture),
        ('county', r.county_code, r.county),
        ('township', r.township_code, r.township)
) AS lvl(level, region_code, region_name)
WHERE r.is_current AND lvl.region_code IS NOT NULL
