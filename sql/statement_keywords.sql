-- statement_keywords: the top five terms of every statement of section 五 by tf * idf, the idf
-- learnt from the lake's own statements (statement_idf; pipeline/analyse/idf.py), so the words
-- every report writes (政务公开, 信息) weigh little and what this statement is about weighs most.
-- tf is the term's share of the statement's terms. A term the idf has not seen yet (learnt before
-- the statement came) counts as rare: ln(1 + n_docs) + 1, the idf of a term in no statement.
-- Ties are broken by the term, so the order is stable (pipeline/analyse/keywords.py does the same).
--
-- columns:
--   report_id   the document (reports.report_id)
--   kind        problem or measure
--   order       the statement's position among those of its kind in the report
--   rank        1 = the statement's strongest keyword, up to 5
--   term        the keyword
--   count       how often it occurs in the statement
--   tf          count over the statement's terms counted with repeats
--   idf         the term's idf from statement_idf (or the unseen-term idf)
--   tf_idf      tf * idf
WITH learnt AS (
    SELECT coalesce(max(n_docs), 0) AS n_docs FROM statement_idf
),
scored AS (
    SELECT
        t.report_id,
        t.kind,
        t."order",
        t.term,
        t."count",
        t."count" / sum(t."count") OVER statement AS tf,
        coalesce(i.idf, ln(1 + learnt.n_docs) + 1) AS idf
    FROM statement_terms AS t
    CROSS JOIN learnt
    LEFT JOIN statement_idf AS i ON i.term = t.term
    WINDOW statement AS (PARTITION BY t.report_id, t.kind, t."order")
),
ranked AS (
    SELECT
        *,
        tf * idf AS tf_idf,
        row_number() OVER (PARTITION BY report_id, kind, "order" ORDER BY tf * idf DESC, term) AS rank
    FROM scored
)
SELECT report_id, kind, "order", rank, term, "count", tf, idf, tf_idf
FROM ranked
WHERE rank <= 5
