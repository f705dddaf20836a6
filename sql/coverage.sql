-- coverage: how complete the collection is, per year, at every level (province, prefecture,
-- county, township) and per kind of body: of the bodies expected inside the region (see
-- body_coverage: governments from the gazetteer, departments as far as the data shows), how
-- many have a report that year, and which are missing. A region holds the bodies inside it: a
-- prefecture's township row counts all the townships of all its counties, its county row its
-- counties' governments, its prefecture row its own government. Only regions with at least one
-- current report that year (of any body inside them) are listed: the question is how complete
-- a region's collection is, not which of China's 2,845 counties were never collected. Names in
-- reporting and missing are written below the region, so they are unique in it: for 宜春市 a
-- township is 高安市八景镇, for 高安市 it is 八景镇. "Which townships of 宜春市 did not report in
-- 2022": SELECT n_missing, n_expected, missing FROM coverage WHERE year = 2022 AND level =
-- 'prefecture' AND region_name = '宜春市' AND body_level = 'township'.
-- Reads body_coverage, gazetteer, report_indicators.
--
-- columns:
--   year              report year
--   level             the region's level: province, prefecture, county or township
--   region_code       code of the region (6 digits; 9 for a township)
--   region_name       the region's gazetteer name
--   province_code     6-digit code of the region's province
--   province          province name
--   prefecture_code   6-digit code of the region's prefecture; NULL above prefecture level and
--                     for municipality districts
--   prefecture        prefecture name
--   county_code       6-digit code of the region's county; NULL above county level
--   county            county name
--   n_reports         current reports of any body inside the region that year
--   body_level        the kind of body counted: province, prefecture, county, township
--                     (governments) or department
--   n_expected        bodies of that kind expected inside the region
--   n_reporting       of those, bodies with a current report that year
--   n_missing         of those, bodies without one (n_expected - n_reporting)
--   share_reporting   n_reporting / n_expected
--   reporting         names of the bodies with a report, in code order
--   missing           names of the bodies without a report, in code order
WITH region_years AS (
    SELECT lvl.level, lvl.region_code, r.year, count(*) AS n_reports
    FROM report_indicators AS r,
    LATERAL (
        VALUES
            ('province', r.province_code),
            ('prefecture', r.prefecture_code),
            ('county', r.county_code),
            ('township', r.township_code)
    ) AS lvl(level, region_code)
    WHERE r.year IS NOT NULL AND lvl.region_code IS NOT NULL
    GROUP BY ALL
),
placed AS (
    -- every expected body under each region it lies in, named from just below that region
    SELECT
        b.year,
        b.body_key,
        b.body_level,
        b.reported,
        lvl.level,
        lvl.region_code,
        coalesce(nullif(concat_ws('', lvl.prefecture_part, lvl.county_part, lvl.township_part,
                                  CASE WHEN b.body_level = 'department' THEN b.name END), ''),
                 b.name) AS label
    FROM body_coverage AS b,
    LATERAL (
        VALUES
            ('province', b.province_code, b.prefecture, b.county, b.township),
            ('prefecture', b.prefecture_code, NULL, b.county, b.township),
            ('county', b.county_code, NULL, NULL, b.township),
            ('township', b.township_code, NULL, NULL, NULL)
    ) AS lvl(level, region_code, prefecture_part, county_part, township_part)
    WHERE lvl.region_code IS NOT NULL
)
SELECT
    ry.year,
    ry.level,
    ry.region_code,
    g.name AS region_name,
    g.province_code,
    g.province,
    g.prefecture_code,
    g.prefecture,
    g.county_code,
    g.county,
    ry.n_reports,
    p.body_level,
    count(*) AS n_expected,
    count(*) FILTER (WHERE p.reported) AS n_reporting,
    count(*) FILTER (WHERE NOT p.reported) AS n_missing,
    count(*) FILTER (WHERE p.reported) / count(*) AS share_reporting,
    coalesce(list(p.label ORDER BY p.body_key) FILTER (WHERE p.reported), []) AS reporting,
    coalesce(list(p.label ORDER BY p.body_key) FILTER (WHERE NOT p.reported), []) AS missing
FROM region_years AS ry
JOIN gazetteer AS g ON g.code = ry.region_code
JOIN placed AS p ON p.year = ry.year AND p.level = ry.level AND p.region_code = ry.region_code
GROUP BY ry.year, ry.level, ry.region_code, g.name, g.province_code, g.province, g.prefecture_code,
         g.prefecture, g.county_code, g.county, ry.n_reports, p.body_level
ORDER BY
    ry.year,
    CASE ry.level WHEN 'province' THEN 1 WHEN 'prefecture' THEN 2 WHEN 'county' THEN 3 ELSE 4 END,
    ry.region_code,
    CASE p.body_level WHEN 'province' THEN 1 WHEN 'prefecture' THEN 2 WHEN 'county' THEN 3
                      WHEN 'township' THEN 4 ELSE 5 END
