-- stg_reports: every parsed document, one row each, with the body it speaks for and whether it
-- is the version the other models use. A body that publishes a corrected report for a year has
-- two documents here; the newest (latest ingested, then latest file time) is current and the
-- other is superseded (quality_issues says duplicate_report for both).
--
-- incremental: body_key (a report's rows depend only on the reports of its body: see models.py)
--
-- columns:
--   report_id          the document (first 16 hex digits of the sha256 of its bytes)
--   body_key           the body the report speaks for: its most precise region code, plus
--                      "|department" for a department; "org:<name>" when no region code is
--                      known (name without spaces and without a trailing 人民政府)
--   org                issuing body as printed in the title
--   title              report title as printed
--   year               report year; NULL when unknown
--   template_version   2019, 2021 or mixed
--   table2_version     template version of table 2 (proactive disclosure)
--   table3_version     template version of table 3 (applications)
--   admin_level        province, prefecture, county, township or department
--   province           province name
--   province_code      6-digit code of the province
--   prefecture         prefecture-level city name
--   prefecture_code    6-digit code of the prefecture
--   county             county-level name
--   county_code        6-digit code of the county
--   township           township / town / street name
--   township_code      9-digit code of the township
--   department         department name when the body is a department
--   source_path        file the document was read from
--   ingested_at        when the pipeline first saw these bytes (UTC)
--   file_mtime         file modification time when first seen (UTC)
--   n_versions         documents for the same body and year (1 = no duplicate)
--   version_rank       1 = newest document for the body and year, 2 = the one before, ...
--   is_current         TRUE for the document the indicators use (version_rank = 1)
--   current_report_id  report_id of the current document for the same body and year
WITH keyed AS (
    SELECT
        r.*,
        f.ingested_at,
        f.file_mtime,
        CASE
            WHEN coalesce(r.township_code, r.county_code, r.prefecture_code, r.province_code) IS NOT NULL
                THEN coalesce(r.township_code, r.county_code, r.prefecture_code, r.province_code)
                     || CASE WHEN r.department IS NOT NULL THEN '|' || r.department ELSE '' END
            WHEN r.org IS NOT NULL
                THEN 'org:' || regexp_replace(regexp_replace(r.org, '\s+', '', 'g'), '人民政府$', '')
            ELSE 'report:' || r.report_id
        END AS body_key
    FROM reports AS r
    LEFT JOIN source_files AS f
        ON f.report_id = r.report_id AND f.status = 'parsed'
),
ranked AS (
    SELECT
        *,
        -- a report of unknown year cannot duplicate another: it gets a group of its own
        coalesce(CAST(year AS VARCHAR), 'unknown:' || report_id) AS year_group
    FROM keyed
)
SELECT
    report_id,
    body_key,
    org,
    title,
    year,
    template_version,
    table2_version,
    table3_version,
    admin_level,
    province,
    province_code,
    prefecture,
    prefecture_code,
    county,
    county_code,
    township,
    township_code,
    department,
    source_path,
    ingested_at,
    file_mtime,
    count(*) OVER body_year AS n_versions,
    row_number() OVER newest_first AS version_rank,
    row_number() OVER newest_first = 1 AS is_current,
    first_value(report_id) OVER newest_first AS current_report_id
FROM ranked
WINDOW
    body_year AS (PARTITION BY body_key, year_group),
    newest_first AS (
        PARTITION BY body_key, year_group
        ORDER BY ingested_at DESC NULLS LAST, file_mtime DESC NULLS LAST, report_id DESC
    )
