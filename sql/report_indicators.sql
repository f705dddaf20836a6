-- report_indicators: one row per current report (the newest document of each body and year),
-- with the figures analysts compare. Counts are numbers of items, applications or cases; money
-- is in yuan; shares are fractions between 0 and 1 of the applications processed (table 3 row
-- 三（七）总计), or of the cases for the review and litigation shares. A figure is NULL when the
-- report does not give it (a missing table gives NULLs, never zeros), and a share is NULL when
-- its denominator is 0 or NULL. Application figures use the 总计 (total) column. The counts of
-- tables 3 and 4 are whole numbers (BIGINT); table 2's and the prose's are DOUBLE as read, since
-- table 2 mixes counts with amounts of money.
--
-- incremental: body_key (a report's rows depend only on the reports of its body: see models.py)
--
-- columns:
--   report_id                      the document
--   body_key                       the body (see stg_reports)
--   org                            issuing body as printed
--   year                           report year; NULL when unknown
--   template_version               2019, 2021 or mixed
--   admin_level                    province, prefecture, county, township or department
--   province                       province name
--   province_code                  6-digit code of the province
--   prefecture                     prefecture-level city name
--   prefecture_code                6-digit code of the prefecture
--   county                         county-level name
--   county_code                    6-digit code of the county
--   township                       township / town / street name
--   township_code                  9-digit code of the township
--   department                     department name when the body is a department
--   source_path                    file the document was read from
--   n_versions                     documents for this body and year (more than 1: corrected report)
--   rules_issued                   规章 issued this year (2019: 本年新制作数量)
--   rules_repealed                 规章 repealed this year (2021 template only)
--   rules_in_force                 规章 in force at year end (2021 template only)
--   normative_documents_issued     行政规范性文件 issued this year (2019: 本年新制作数量)
--   normative_documents_repealed   行政规范性文件 repealed this year (2021 template only)
--   normative_documents_in_force   行政规范性文件 in force at year end (2021 template only)
--   licensing_decisions            行政许可 decisions this year
--   other_services_decisions       其他对外管理服务事项 decisions (2019 template only)
--   penalty_decisions              行政处罚 decisions this year
--   coercion_decisions             行政强制 decisions this year
--   fees_yuan                      行政事业性收费 collected, in yuan (2021 template only)
--   procurement_items              政府集中采购 projects (2019 template only)
--   procurement_yuan               政府集中采购 total amount, in yuan (2019 template only)
--   proactive_items_prose          items proactively published, as stated in the prose (主动公开
--                                  政府信息459条); NULL when the prose gives no total
--   proactive_items_prose_qualifier  exact, or at_least when the total is printed with 余 or 多
--                                  (主动公开信息100余条)
--   applications_received_prose    applications received, as stated in the prose
--   applications_new               new applications received this year (table 3 一)
--   applications_carried_over      applications carried over from last year (table 3 二)
--   applications_processed         applications processed this year (table 3 三（七）总计)
--   applications_carried_forward   applications carried forward to next year (table 3 四)
--   granted                        processed: fully disclosed (予以公开)
--   partially_granted              processed: partly disclosed (部分公开)
--   denied                         processed: not disclosed (不予公开), all eight reasons
--   denied_state_secret            not disclosed: state secret
--   denied_prohibited_by_law       not disclosed: other laws forbid it
--   denied_three_safeties          not disclosed: endangers the "three safeties and one stability"
--   denied_third_party             not disclosed: protects a third party
--   denied_internal_affairs        not disclosed: internal affairs
--   denied_process_info            not disclosed: process information
--   denied_enforcement_file        not disclosed: enforcement case file
--   denied_query_matter            not disclosed: an administrative query matter
--   unable_to_provide              processed: unable to provide (无法提供), all three reasons
--   rejected                       processed: not handled (不予处理), all five reasons
--   other_processing               processed: other (其他处理; 2021: the sum of its three rows)
--   share_granted                  granted / applications_processed
--   share_partially_granted        partially_granted / applications_processed
--   share_denied                   denied / applications_processed
--   share_denied_state_secret      denied_state_secret / applications_processed
--   share_denied_prohibited_by_law denied_prohibited_by_law / applications_processed
--   share_denied_three_safeties    denied_three_safeties / applications_processed
--   share_denied_third_party       denied_third_party / applications_processed
--   share_denied_internal_affairs  denied_internal_affairs / applications_processed
--   share_denied_process_info      denied_process_info / applications_processed
--   share_denied_enforcement_file  denied_enforcement_file / applications_processed
--   share_denied_query_matter      denied_query_matter / applications_processed
--   share_unable_to_provide        unable_to_provide / applications_processed
--   share_rejected                 rejected / applications_processed
--   share_other_processing         other_processing / applications_processed
--   review_cases                   administrative review cases (行政复议 总计)
--   review_corrected               review cases where the decision was corrected (结果纠正)
--   share_review_corrected         review_corrected / review_cases
--   litigation_cases               lawsuits, direct and after review (行政诉讼 总计, both columns)
--   litigation_corrected           lawsuits where the decision was corrected
--   share_litigation_corrected     litigation_corrected / litigation_cases
--   derived_values                 application figures computed rather than printed, e.g.
--                                  "applications_processed: sum_of_applicants"; NULL when all
--                                  were printed
--   n_quality_issues               rows of quality_issues for this document
WITH cur AS (
    SELECT * FROM stg_reports WHERE is_current
),
table2 AS (
    SELECT
        report_id,
        sum(value_std) FILTER (WHERE item = 'rules' AND measure_std = 'issued') AS rules_issued,
        sum(value_std) FILTER (WHERE item = 'rules' AND measure_std = 'repealed') AS rules_repealed,
        sum(value_std) FILTER (WHERE item = 'rules' AND measure_std = 'in_force') AS rules_in_force,
        sum(value_std) FILTER (WHERE item = 'normative_documents' AND measure_std = 'issued') AS normative_documents_issued,
        sum(value_std) FILTER (WHERE item = 'normative_documents' AND measure_std = 'repealed') AS normative_documents_repealed,
        sum(value_std) FILTER (WHERE item = 'normative_documents' AND measure_std = 'in_force') AS normative_documents_in_force,
        sum(value_std) FILTER (WHERE item = 'licensing' AND measure_std = 'decisions') AS licensing_decisions,
        sum(value_std) FILTER (WHERE item = 'other_services' AND measure_std = 'decisions') AS other_services_decisions,
        sum(value_std) FILTER (WHERE item = 'penalty' AND measure_std = 'decisions') AS penalty_decisions,
        sum(value_std) FILTER (WHERE item = 'coercion' AND measure_std = 'decisions') AS coercion_decisions,
        sum(value_std) FILTER (WHERE item = 'fees' AND measure_std = 'fee_amount') AS fees_yuan,
        sum(value_std) FILTER (WHERE item = 'procurement' AND measure_std = 'procurement_items') AS procurement_items,
        sum(value_std) FILTER (WHERE item = 'procurement' AND measure_std = 'procurement_amount') AS procurement_yuan
    FROM stg_active_disclosure
    GROUP BY report_id
),
prose AS (
    SELECT
        report_id,
        arg_min(value, line) FILTER (WHERE fact = 'proactive_total') AS proactive_items_prose,
        arg_min(qualifier, line) FILTER (WHERE fact = 'proactive_total') AS proactive_items_prose_qualifier,
        arg_min(value, line) FILTER (WHERE fact = 'applications_received') AS applications_received_prose
    FROM narrative_facts
    GROUP BY report_id
),
-- a group of rows (e.g. the eight denial reasons) adds up only when none of its cells is NULL
table3 AS (
    SELECT
        report_id,
        sum(value_std) FILTER (WHERE outcome = 'new_received') AS applications_new,
        sum(value_std) FILTER (WHERE outcome = 'carried_over') AS applications_carried_over,
        sum(value_std) FILTER (WHERE outcome = 'total_processed') AS applications_processed,
        sum(value_std) FILTER (WHERE outcome = 'carried_forward') AS applications_carried_forward,
        sum(value_std) FILTER (WHERE outcome = 'granted') AS granted,
        sum(value_std) FILTER (WHERE outcome = 'partially_granted') AS partially_granted,
        CASE WHEN count(*) FILTER (WHERE outcome_group = 'denied' AND value_std IS NULL) = 0
             THEN sum(value_std) FILTER (WHERE outcome_group = 'denied') END AS denied,
        sum(value_std) FILTER (WHERE outcome = 'denied_state_secret') AS denied_state_secret,
        sum(value_std) FILTER (WHERE outcome = 'denied_prohibited_by_law') AS denied_prohibited_by_law,
        sum(value_std) FILTER (WHERE outcome = 'denied_three_safeties') AS denied_three_safeties,
        sum(value_std) FILTER (WHERE outcome = 'denied_third_party') AS denied_third_party,
        sum(value_std) FILTER (WHERE outcome = 'denied_internal_affairs') AS denied_internal_affairs,
        sum(value_std) FILTER (WHERE outcome = 'denied_process_info') AS denied_process_info,
        sum(value_std) FILTER (WHERE outcome = 'denied_enforcement_file') AS denied_enforcement_file,
        sum(value_std) FILTER (WHERE outcome = 'denied_query_matter') AS denied_query_matter,
        CASE WHEN count(*) FILTER (WHERE outcome_group = 'unable' AND value_std IS NULL) = 0
             THEN sum(value_std) FILTER (WHERE outcome_group = 'unable') END AS unable_to_provide,
        CASE WHEN count(*) FILTER (WHERE outcome_group = 'rejected' AND value_std IS NULL) = 0
             THEN sum(value_std) FILTER (WHERE outcome_group = 'rejected') END AS rejected,
        sum(value_std) FILTER (WHERE outcome = 'other_processing') AS other_processing,
        string_agg(outcome || ': ' || value_source, '; ' ORDER BY outcome)
            FILTER (WHERE value_source <> 'printed') AS derived_values
    FROM stg_applications
    WHERE applicant = 'total'
    GROUP BY report_id
),
table4 AS (
    SELECT
        report_id,
        sum(value_std) FILTER (WHERE proceeding = 'review' AND result = 'total') AS review_cases,
        sum(value_std) FILTER (WHERE proceeding = 'review' AND result = 'corrected') AS review_corrected,
        CASE WHEN count(value_std) FILTER (WHERE proceeding <> 'review' AND result = 'total') = 2
             THEN sum(value_std) FILTER (WHERE proceeding <> 'review' AND result = 'total') END AS litigation_cases,
        CASE WHEN count(value_std) FILTER (WHERE proceeding <> 'review' AND result = 'corrected') = 2
             THEN sum(value_std) FILTER (WHERE proceeding <> 'review' AND result = 'corrected') END AS litigation_corrected
    FROM stg_reviews_litigation
    GROUP BY report_id
),
issue_counts AS (
    SELECT report_id, count(*) AS n_quality_issues
    FROM quality_issues
    GROUP BY report_id
)
SELECT
    c.report_id,
    c.body_key,
    c.org,
    c.year,
    c.template_version,
    c.admin_level,
    c.province,
    c.province_code,
    c.prefecture,
    c.prefecture_code,
    c.county,
    c.county_code,
    c.township,
    c.township_code,
    c.department,
    c.source_path,
    c.n_versions,
    t2.rules_issued,
    t2.rules_repealed,
    t2.rules_in_force,
    t2.normative_documents_issued,
    t2.normative_documents_repealed,
    t2.normative_documents_in_force,
    t2.licensing_decisions,
    t2.other_services_decisions,
    t2.penalty_decisions,
    t2.coercion_decisions,
    t2.fees_yuan,
    t2.procurement_items,
    t2.procurement_yuan,
    p.proactive_items_prose,
    p.proactive_items_prose_qualifier,
    p.applications_received_prose,
    CAST(t3.applications_new AS BIGINT) AS applications_new,
    CAST(t3.applications_carried_over AS BIGINT) AS applications_carried_over,
    CAST(t3.applications_processed AS BIGINT) AS applications_processed,
    CAST(t3.applications_carried_forward AS BIGINT) AS applications_carried_forward,
    CAST(t3.granted AS BIGINT) AS granted,
    CAST(t3.partially_granted AS BIGINT) AS partially_granted,
    CAST(t3.denied AS BIGINT) AS denied,
    CAST(t3.denied_state_secret AS BIGINT) AS denied_state_secret,
    CAST(t3.denied_prohibited_by_law AS BIGINT) AS denied_prohibited_by_law,
    CAST(t3.denied_three_safeties AS BIGINT) AS denied_three_safeties,
    CAST(t3.denied_third_party AS BIGINT) AS denied_third_party,
    CAST(t3.denied_internal_affairs AS BIGINT) AS denied_internal_affairs,
    CAST(t3.denied_process_info AS BIGINT) AS denied_process_info,
    CAST(t3.denied_enforcement_file AS BIGINT) AS denied_enforcement_file,
    CAST(t3.denied_query_matter AS BIGINT) AS denied_query_matter,
    CAST(t3.unable_to_provide AS BIGINT) AS unable_to_provide,
    CAST(t3.rejected AS BIGINT) AS rejected,
    CAST(t3.other_processing AS BIGINT) AS other_processing,
    t3.granted / nullif(t3.applications_processed, 0) AS share_granted,
    t3.partially_granted / nullif(t3.applications_processed, 0) AS share_partially_granted,
    t3.denied / nullif(t3.applications_processed, 0) AS share_denied,
    t3.denied_state_secret / nullif(t3.applications_processed, 0) AS share_denied_state_secret,
    t3.denied_prohibited_by_law / nullif(t3.applications_processed, 0) AS share_denied_prohibited_by_law,
    t3.denied_three_safeties / nullif(t3.applications_processed, 0) AS share_denied_three_safeties,
    t3.denied_third_party / nullif(t3.applications_processed, 0) AS share_denied_third_party,
    t3.denied_internal_affairs / nullif(t3.applications_processed, 0) AS share_denied_internal_affairs,
    t3.denied_process_info / nullif(t3.applications_processed, 0) AS share_denied_process_info,
    t3.denied_enforcement_file / nullif(t3.applications_processed, 0) AS share_denied_enforcement_file,
    t3.denied_query_matter / nullif(t3.applications_processed, 0) AS share_denied_query_matter,
    t3.unable_to_provide / nullif(t3.applications_processed, 0) AS share_unable_to_provide,
    t3.rejected / nullif(t3.applications_processed, 0) AS share_rejected,
    t3.other_processing / nullif(t3.applications_processed, 0) AS share_other_processing,
    CAST(t4.review_cases AS BIGINT) AS review_cases,
    CAST(t4.review_corrected AS BIGINT) AS review_corrected,
    t4.review_corrected / nullif(t4.review_cases, 0) AS share_review_corrected,
    CAST(t4.litigation_cases AS BIGINT) AS litigation_cases,
    CAST(t4.litigation_corrected AS BIGINT) AS litigation_corrected,
    t4.litigation_corrected / nullif(t4.litigation_cases, 0) AS share_litigation_corrected,
    t3.derived_values,
    coalesce(q.n_quality_issues, 0) AS n_quality_issues
FROM cur AS c
LEFT JOIN table2 AS t2 USING (report_id)
LEFT JOIN prose AS p USING (report_id)
LEFT JOIN table3 AS t3 USING (report_id)
LEFT JOIN table4 AS t4 USING (report_id)
LEFT JOIN issue_counts AS q USING (report_id)
ORDER BY c.year, c.province_code, c.prefecture_code, c.county_code, c.township_code, c.body_key
