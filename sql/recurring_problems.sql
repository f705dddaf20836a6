-- recurring_problems: a theme a body names as a problem in consecutive years (2021 and 2022,
-- or longer runs): the improvement it promised did not fix it, or the report was copied. One row
-- per body, theme and run of consecutive years, with the problem statements of every year of
-- the run. Current reports only (stg_reports.is_current); reports of unknown year are left out.
--
-- columns:
--   body_key     the body (stg_reports.body_key)
--   org          issuing body as printed in the latest report of the run
--   admin_level  province, prefecture, county, township or department
--   prefecture   prefecture-level city name
--   county       county-level name
--   theme        a theme of pipeline/analyse/data/themes.toml
--   first_year   first year of the run
--   last_year    last year of the run
--   n_years      years in the run (2 or more)
--   years        the years, in order
--   statements   the problem statements naming the theme, each as "year: text", by year and order
WITH named AS (
    SELECT DISTINCT r.body_key, r.year, th.theme, th.report_id, th."order"
    FROM statement_themes AS th
    JOIN stg_reports AS r ON r.report_id = th.report_id AND r.is_current
    WHERE th.kind = 'problem' AND r.year IS NOT NULL
),
years AS (
    SELECT body_key, theme, year,
           -- consecutive years share year - (its position): the gaps-and-islands trick
           year - dense_rank() OVER (PARTITION BY body_key, theme ORDER BY year) AS island
    FROM (SELECT DISTINCT body_key, theme, year FROM named)
),
runs AS (
    SELECT body_key, theme, island, min(year) AS first_year, max(year) AS last_year,
           count(*) AS n_years, list(year ORDER BY year) AS years
    FROM years
    GROUP BY body_key, theme, island
    HAVING count(*) >= 2
)
SELECT
    runs.body_key,
    arg_max(r.org, r.year) AS org,
    arg_max(r.admin_level, r.year) AS admin_level,
    arg_max(r.prefecture, r.year) AS prefecture,
    arg_max(r.county, r.year) AS county,
    runs.theme,
    runs.first_year,
    runs.last_year,
    runs.n_years,
    runs.years,
    list(n.year || ': ' || s.text ORDER BY n.year, n."order") AS statements
FROM runs
JOIN named AS n
    ON n.body_key = runs.body_key AND n.theme = runs.theme AND n.year BETWEEN runs.first_year AND runs.last_year
JOIN problem_statements AS s
    ON s.report_id = n.report_id AND s.kind = 'problem' AND s."order" = n."order"
JOIN stg_reports AS r ON r.report_id = n.report_id
GROUP BY runs.body_key, runs.theme, runs.first_year, runs.last_year, runs.n_years, runs.years
