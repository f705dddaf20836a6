-- ingest_log: what happened to every file the pipeline has seen, one row per file name. Look
-- here first when a report is not in report_indicators: a file that could not be read, that
-- is not a report, or whose bytes were already read under another name, says so and why.
--
-- columns:
--   path          the file's path, relative to the raw folder with the folder's name in front;
--                 bytes of a name that are not UTF-8, and control characters, written as \xNN
--   sha256        sha256 of its bytes; for an entry that was not read, a key made from its
--                 name (unread-…, skip-…, large-…)
--   report_id     the document's id (first 16 hex digits of sha256); in reports when parsed
--   status        parsed; parsed_with_issues (read, with quality issues listed in issues);
--                 not_a_report (readable text, but not an annual report of the template);
--                 unreadable (empty, binary, or in no encoding we read); crashed (the parser
--                 or the read failed unexpectedly: tried again on the next run); skipped (not
--                 a file to read: a named pipe, a socket, a link to nothing or out of the folder)
--   reason        why: the parser's one-line reason, the issue codes found, or the other file
--                 that holds the same bytes
--   same_as       for a copy, the path under which these bytes were first read; else NULL
--   n_issues      quality issues of the document (NULL when not parsed)
--   org           issuing body as parsed
--   year          report year as parsed
--   first_seen    first run that saw this file with these bytes (UTC)
--   last_seen     latest run that saw it (UTC)
WITH issue_counts AS (
    SELECT report_id, count(*) AS n_issues,
           string_agg(code || ' x' || n, ', ' ORDER BY code) AS codes
    FROM (SELECT report_id, code, count(*) AS n FROM issues GROUP BY report_id, code)
    GROUP BY report_id
)
SELECT
    p.path,
    p.sha256,
    f.report_id,
    CASE
        WHEN f.status = 'parsed' AND coalesce(i.n_issues, 0) > 0 THEN 'parsed_with_issues'
        ELSE f.status
    END AS status,
    CASE
        WHEN f.status <> 'parsed' THEN f.error
        WHEN p.path <> f.source_path THEN 'same bytes as ' || f.source_path || ': one document'
        WHEN i.n_issues > 0 THEN i.codes
    END AS reason,
    CASE WHEN p.path <> f.source_path THEN f.source_path END AS same_as,
    CASE WHEN f.status = 'parsed' THEN coalesce(i.n_issues, 0) END AS n_issues,
    f.org,
    f.year,
    p.first_seen,
    p.last_seen
FROM file_paths AS p
JOIN source_files AS f USING (sha256)
LEFT JOIN issue_counts AS i ON i.report_id = f.report_id
-- one row per path: a file whose bytes changed (a corrected report) is shown as it is now
QUALIFY row_number() OVER (PARTITION BY p.path ORDER BY p.last_seen DESC, p.first_seen DESC) = 1
ORDER BY p.path
