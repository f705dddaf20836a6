-- yearly_comparison: each indicator of a body or a region in one year next to the previous year
-- that has reports, compared like with like. previous_value and value add up the same bodies in
-- both years: those that reported in both years and give the figure in both (a balanced panel,
-- n_bodies of them), so a region does not "grow" because another township happened to report.
-- Bodies that appear (a report this year, none in previous_year) or drop out (the reverse) are
-- counted apart with their own figure. The totals over every reporting body, whoever they are,
-- are kept in the all_bodies_* columns. A body is its body_key (region code, plus the department
-- for a department; see stg_reports), so a body is the same body across years whatever its
-- title calls it. Counts and yuan are sums; a share is pooled (summed numerators over summed
-- denominators), never an average of shares. years_apart is 1 for consecutive years; a larger
-- gap means the years in between have no report in the region. Reads report_indicator_values
-- and report_regions.
--
-- columns:
--   scope                          body, or the region level: province, prefecture, county, township
--   key                            body_key for a body, region_code for a region
--   name                           issuing body (as printed that year) or region name
--   indicator                      a numeric column of report_indicators, e.g. applications_new
--   kind                           count, yuan (money) or share (a fraction between 0 and 1)
--   previous_year                  the earlier year compared
--   year                           the later year compared
--   years_apart                    year - previous_year (1 = consecutive years)
--   n_bodies                       bodies the comparison rests on: a report in both years and the
--                                  figure in both (for a body: 1, or 0 when a year lacks it)
--   previous_value                 those bodies' figure in previous_year; NULL when n_bodies is 0
--   value                          the same bodies' figure in year; NULL when n_bodies is 0
--   change                         value - previous_value (for shares, in fraction points)
--   change_ratio                   change / previous_value; NULL when previous_value is 0 or NULL
--   n_bodies_in_both_years         bodies with a report in both years, with or without this figure
--   n_bodies_entered               bodies with a report in year and none in previous_year
--   entered_value                  their figure in year (of those that give it); NULL when none does
--   n_bodies_dropped               bodies with a report in previous_year and none in year
--   dropped_value                  their figure in previous_year (of those that give it); NULL when
--                                  none does
--   all_bodies_previous_value      the figure over every body reporting in previous_year (not like
--                                  with like: the bodies may differ between the years)
--   all_bodies_value               the figure over every body reporting in year
--   all_bodies_change              all_bodies_value - all_bodies_previous_value
--   all_bodies_previous_n_reports  reports behind all_bodies_previous_value (those that give it)
--   all_bodies_n_reports           reports behind all_bodies_value (those that give it)
WITH body_series AS (
    -- each figure of a body next to the same figure in the body's previous and next report
    SELECT
        report_id, body_key, org, year,
        indicator,
        kind,
        -- counts and yuan add their value; a share adds its numerator and denominator
        CASE WHEN kind = 'share' THEN numerator ELSE value END AS num,
        CASE WHEN kind = 'share' THEN denominator END AS den,
        CASE WHEN kind = 'share' THEN numerator IS NOT NULL AND denominator IS NOT NULL
             ELSE value IS NOT NULL END AS gives
    FROM report_indicator_values
    WHERE year IS NOT NULL
),
with_neighbours AS (
    SELECT
        *,
        lag(year) OVER w AS body_previous_year,
        lag(num) OVER w AS body_previous_num,
        lag(den) OVER w AS body_previous_den,
        coalesce(lag(gives) OVER w, FALSE) AS body_previous_gives,
        lead(year) OVER w AS body_next_year
    FROM body_series
    WINDOW w AS (PARTITION BY body_key, indicator ORDER BY year)
),
members AS (
    -- every current report under each region it lies in
    SELECT level AS scope, region_code AS key, region_name AS name, year
    FROM report_regions
    WHERE year IS NOT NULL
),
region_years AS (
    -- each year a region has reports, with the years before and after it that have reports, and
    -- the region's name as that year's reports mostly write it
    SELECT
        scope, key, year, name,
        lag(year) OVER (PARTITION BY scope, key ORDER BY year) AS previous_year,
        lead(year) OVER (PARTITION BY scope, key ORDER BY year) AS next_year
    FROM (SELECT scope, key, year, mode(name) AS name FROM members GROUP BY scope, key, year)
),
placed AS (
    -- a body is in a region's comparison of previous_year with year when its own previous report
    -- is of previous_year: it cannot have one in between, those years would be the region's too
    SELECT
        ry.scope, ry.key, s.year, s.indicator, s.kind, ry.previous_year, ry.next_year,
        s.num, s.den, s.gives,
        s.body_previous_year IS NOT DISTINCT FROM ry.previous_year AS in_previous,
        s.body_next_year IS NOT DISTINCT FROM ry.next_year AS in_next,
        s.body_previous_num, s.body_previous_den, s.body_previous_gives
    FROM with_neighbours AS s
    JOIN report_regions AS lvl USING (report_id)
    JOIN region_years AS ry ON ry.scope = lvl.level AND ry.key = lvl.region_code AND ry.year = s.year
),
sums AS (
    -- per region, year and indicator: what the year's bodies add up to as the later year of the
    -- comparison with previous_year, and as the earlier year of the comparison with next_year
    SELECT
        scope, key, year, indicator,
        any_value(kind) AS kind,
        any_value(previous_year) AS previous_year,
        count(*) FILTER (WHERE in_previous AND body_previous_gives AND gives) AS n_bodies,
        sum(body_previous_num) FILTER (WHERE in_previous AND body_previous_gives AND gives) AS panel_previous_num,
        sum(body_previous_den) FILTER (WHERE in_previous AND body_previous_gives AND gives) AS panel_previous_den,
        sum(num) FILTER (WHERE in_previous AND body_previous_gives AND gives) AS panel_num,
        sum(den) FILTER (WHERE in_previous AND body_previous_gives AND gives) AS panel_den,
        count(*) FILTER (WHERE in_previous) AS n_bodies_in_both_years,
        count(*) FILTER (WHERE NOT in_previous) AS n_bodies_entered,
        sum(num) FILTER (WHERE NOT in_previous AND gives) AS entered_num,
        sum(den) FILTER (WHERE NOT in_previous AND gives) AS entered_den,
        count(*) FILTER (WHERE NOT in_next) AS n_bodies_leaving,
        sum(num) FILTER (WHERE NOT in_next AND gives) AS leaving_num,
        sum(den) FILTER (WHERE NOT in_next AND gives) AS leaving_den,
        sum(num) FILTER (WHERE gives) AS all_num,
        sum(den) FILTER (WHERE gives) AS all_den,
        count(*) FILTER (WHERE gives) AS all_n_reports
    FROM placed
    GROUP BY scope, key, year, indicator
),
compared AS (
    -- a region: its year against its previous year
    SELECT
        cur.scope, cur.key, ry.name, cur.indicator, cur.kind, cur.previous_year, cur.year,
        cur.n_bodies,
        cur.panel_previous_num AS previous_num, cur.panel_previous_den AS previous_den,
        cur.panel_num AS num, cur.panel_den AS den,
        cur.n_bodies_in_both_years,
        cur.n_bodies_entered, cur.entered_num, cur.entered_den,
        prev.n_bodies_leaving AS n_bodies_dropped, prev.leaving_num AS dropped_num, prev.leaving_den AS dropped_den,
        prev.all_num AS all_previous_num, prev.all_den AS all_previous_den, cur.all_num, cur.all_den,
        prev.all_n_reports AS all_bodies_previous_n_reports,
        cur.all_n_reports AS all_bodies_n_reports
    FROM sums AS cur
    JOIN sums AS prev
        ON prev.scope = cur.scope AND prev.key = cur.key AND prev.indicator = cur.indicator
        AND prev.year = cur.previous_year
    JOIN region_years AS ry ON ry.scope = cur.scope AND ry.key = cur.key AND ry.year = cur.year
    UNION ALL
    -- a body: its report against its previous report; no other body comes or goes
    SELECT
        'body', body_key, org, indicator, kind, body_previous_year, year,
        CASE WHEN body_previous_gives AND gives THEN 1 ELSE 0 END,
        CASE WHEN body_previous_gives AND gives THEN body_previous_num END,
        CASE WHEN body_previous_gives AND gives THEN body_previous_den END,
        CASE WHEN body_previous_gives AND gives THEN num END,
        CASE WHEN body_previous_gives AND gives THEN den END,
        1,
        0, NULL, NULL,
        0, NULL, NULL,
        CASE WHEN body_previous_gives THEN body_previous_num END,
        CASE WHEN body_previous_gives THEN body_previous_den END,
        CASE WHEN gives THEN num END,
        CASE WHEN gives THEN den END,
        CASE WHEN body_previous_gives THEN 1 ELSE 0 END,
        CASE WHEN gives THEN 1 ELSE 0 END
    FROM with_neighbours
    WHERE body_previous_year IS NOT NULL
),
figures AS (
    -- a share is its summed numerators over its summed denominators; a count or yuan its sum
    SELECT
        *,
        CASE WHEN kind = 'share' THEN previous_num / nullif(previous_den, 0) ELSE previous_num END AS previous_value,
        CASE WHEN kind = 'share' THEN num / nullif(den, 0) ELSE num END AS value,
        CASE WHEN kind = 'share' THEN entered_num / nullif(entered_den, 0) ELSE entered_num END AS entered_value,
        CASE WHEN kind = 'share' THEN dropped_num / nullif(dropped_den, 0) ELSE dropped_num END AS dropped_value,
        CASE WHEN kind = 'share' THEN all_previous_num / nullif(all_previous_den, 0)
             ELSE all_previous_num END AS all_bodies_previous_value,
        CASE WHEN kind = 'share' THEN all_num / nullif(all_den, 0) ELSE all_num END AS all_bodies_value
    FROM compared
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
    n_bodies,
    previous_value,
    value,
    value - previous_value AS change,
    (value - previous_value) / nullif(abs(previous_value), 0) AS change_ratio,
    n_bodies_in_both_years,
    n_bodies_entered,
    entered_value,
    n_bodies_dropped,
    dropped_value,
    all_bodies_previous_value,
    all_bodies_value,
    all_bodies_value - all_bodies_previous_value AS all_bodies_change,
    all_bodies_previous_n_reports,
    all_bodies_n_reports
FROM figures
ORDER BY
    CASE scope WHEN 'province' THEN 1 WHEN 'prefecture' THEN 2 WHEN 'county' THEN 3
               WHEN 'township' THEN 4 ELSE 5 END,
    key, indicator, year
