-- report_indicator_values: report_indicators in long form, one row per current report and
-- indicator, so that every indicator can be rolled up and compared the same way. A share keeps
-- its numerator and denominator, so that regions add numerators and denominators rather than
-- averaging shares. NULL figures are kept (a report without table 3 has NULL application rows).
--
-- incremental: body_key (a report's rows depend only on the reports of its body: see models.py)
--
-- columns:
--   report_id        the document
--   body_key         the body (see stg_reports)
--   org              issuing body as printed
--   year             report year
--   province         province name
--   province_code    6-digit code of the province
--   prefecture       prefecture-level city name
--   prefecture_code  6-digit code of the prefecture
--   county           county-level name
--   county_code      6-digit code of the county
--   township         township / town / street name
--   township_code    9-digit code of the township
--   indicator        a numeric column of report_indicators, e.g. applications_new, share_granted
--   kind             count, yuan (money) or share (a fraction between 0 and 1)
--   value            the figure; NULL when the report does not give it
--   numerator        for a share, the count it divides (e.g. granted); else NULL
--   denominator      for a share, the count it divides by (e.g. applications_processed); else NULL
WITH numeric_columns AS (
    SELECT
        report_id,
        CAST(COLUMNS(* EXCLUDE (
            report_id, body_key, org, year, template_version, admin_level,
            province, province_code, prefecture, prefecture_code, county, county_code,
            township, township_code, department, source_path, n_versions,
            proactive_items_prose_qualifier, derived_values
        )) AS DOUBLE)
    FROM report_indicators
),
long_values AS (
    SELECT *
    FROM numeric_columns
    UNPIVOT INCLUDE NULLS (value FOR indicator IN (COLUMNS(* EXCLUDE (report_id))))
),
share_parts(indicator, numerator_indicator, denominator_indicator) AS (
    VALUES
        ('share_granted', 'granted', 'applications_processed'),
        ('share_partially_granted', 'partially_granted', 'applications_processed'),
        ('share_denied', 'denied', 'applications_processed'),
        ('share_denied_state_secret', 'denied_state_secret', 'applications_processed'),
        ('share_denied_prohibited_by_law', 'denied_prohibited_by_law', 'applications_processed'),
        ('share_denied_three_safeties', 'denied_three_safeties', 'applications_processed'),
        ('share_denied_third_party', 'denied_third_party', 'applications_processed'),
        ('share_denied_internal_affairs', 'denied_internal_affairs', 'applications_processed'),
        ('share_denied_process_info', 'denied_process_info', 'applications_processed'),
        ('share_denied_enforcement_file', 'denied_enforcement_file', 'applications_processed'),
        ('share_denied_query_matter', 'denied_query_matter', 'applications_processed'),
        ('share_unable_to_provide', 'unable_to_provide', 'applications_processed'),
        ('share_rejected', 'rejected', 'applications_processed'),
        ('share_other_processing', 'other_processing', 'applications_processed'),
        ('share_review_corrected', 'review_corrected', 'review_cases'),
        ('share_litigation_corrected', 'litigation_corrected', 'litigation_cases')
)
SELECT
    l.report_id,
    r.body_key,
    r.org,
    r.year,
    r.province,
    r.province_code,
    r.prefecture,
    r.prefecture_code,
    r.county,
    r.county_code,
    r.township,
    r.township_code,
    l.indicator,
    CASE
        WHEN sp.indicator IS NOT NULL THEN 'share'
        WHEN l.indicator LIKE '%\_yuan' ESCAPE '\' THEN 'yuan'
        ELSE 'count'
    END AS kind,
    l.value,
    num.value AS numerator,
    den.value AS denominator
FROM long_values AS l
JOIN report_indicators AS r USING (report_id)
LEFT JOIN share_parts AS sp
    ON sp.indicator = l.indicator
LEFT JOIN long_values AS num
    ON num.report_id = l.report_id AND num.indicator = sp.numerator_indicator
LEFT JOIN long_values AS den
    ON den.report_id = l.report_id AND den.indicator = sp.denominator_indicator
ORDER BY r.year, r.body_key, l.indicator
