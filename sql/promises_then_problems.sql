-- promises_then_problems: the measures a body promised in one year beside the problems it names
-- the next year, joined on theme: did the promise (say, training) fix the problem, or is the
-- same theme a problem again? One row per body, theme and pair of years; the measures of year N
-- and the problems of year N + 1 that name the theme, each by its order. Current reports only.
--
-- columns:
--   body_key      the body (stg_reports.body_key)
--   org           issuing body as printed in the later report
--   admin_level   province, prefecture, county, township or department
--   prefecture    prefecture-level city name
--   county        county-level name
--   theme         a theme of pipeline/analyse/data/themes.toml
--   promise_year  the year whose report promised the measures
--   problem_year  the next year, whose report names the problems
--   measures      the measure statements of promise_year naming the theme, in order
--   problems      the problem statements of problem_year naming the theme, in order
WITH named AS (
    SELECT DISTINCT r.body_key, r.year, r.org, r.admin_level, r.prefecture, r.county,
                    th.theme, th.kind, th."order", s.text
    FROM statement_themes AS th
    JOIN stg_reports AS r ON r.report_id = th.report_id AND r.is_current
    JOIN problem_statements AS s
        ON s.report_id = th.report_id AND s.kind = th.kind AND s."order" = th."order"
    WHERE r.year IS NOT NULL
),
measures AS (
    SELECT body_key, theme, year, list(text ORDER BY "order") AS measures
    FROM named WHERE kind = 'measure'
    GROUP BY body_key, theme, year
),
problems AS (
    SELECT body_key, theme, year, any_value(org) AS org, any_value(admin_level) AS admin_level,
           any_value(prefecture) AS prefecture, any_value(county) AS county,
           list(text ORDER BY "order") AS problems
    FROM named WHERE kind = 'problem'
    GROUP BY body_key, theme, year
)
SELECT
    p.body_key,
    p.org,
    p.admin_level,
    p.prefecture,
    p.county,
    p.theme,
    m.year AS promise_year,
    p.year AS problem_year,
    m.measures,
    p.problems
FROM measures AS m
JOIN problems AS p ON p.body_key = m.body_key AND p.theme = m.theme AND p.year = m.year + 1
