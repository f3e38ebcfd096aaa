-- The raw-SQL cost of one case acceptance (bench/accept_api.py runs it with pgbench, 32 clients).
-- The same reads and writes the API request makes, as plain statements, in the same order: token, catalog,
-- resident and household, service center; then in one transaction the day's number counter (one upsert whose row
-- lock is held to commit, as in the service), the case, its history row and the audit event.
-- Variables come from pgbench -D; run with -M prepared.
\set rid random(:minid, :maxid)
SELECT t.id, u.id, u.role, u.org_node_id FROM accounts_apitoken t JOIN accounts_user u ON u.id = t.user_id
  WHERE t.digest = :digest AND NOT t.revoked AND u.is_active;
SELECT id, code, kind, approval_level, promised_days, eligibility_rules FROM catalog_serviceitem WHERE id = :item;
SELECT id, name, shared_data FROM catalog_materialrequirement WHERE item_id = :item ORDER BY "order";
SELECT id, household_id, path, name, birth_date, id_number_enc FROM registry_resident
  WHERE id >= :rid AND path >= '430302' AND path < '430302~' ORDER BY id LIMIT 1 \gset r_
SELECT id, name, relation FROM registry_resident WHERE household_id = :r_household_id ORDER BY id;
SELECT id, name FROM org_servicecenter WHERE org_node_id = :node ORDER BY id LIMIT 1 \gset s_
BEGIN;
INSERT INTO cases_casenumbercounter (district, day, last) VALUES ('999999', CURRENT_DATE, 1)
  ON CONFLICT (district, day) DO UPDATE SET last = cases_casenumbercounter.last + 1 RETURNING last \gset c_
INSERT INTO cases_case (number, item_id, applicant_id, applicant_path, channel, state, review_level, review_node_id,
    center_id, first_contact_id, created_at, accepted_at, due_date, decision_reason, public_code,
    paused_working_days, consent_at, shared_checks, eligibility, missing_materials, delivery, delivery_address,
    sla_mark)
  VALUES ('PGB' || to_char(CURRENT_DATE, 'YYYYMMDD') || lpad(:c_last::text, 7, '0'), :item, :r_id, :r_path,
    'window', 'accepted', 'street', :node, :s_id, :clerk,
    now(), now(), CURRENT_DATE, '', substr(md5(random()::text), 1, 12), 0, now(),
    '[{"kind": "identity", "ok": true, "data": "4303**********0011"}]', '{}', '[]', 'pickup', '', '')
  RETURNING id \gset k_
INSERT INTO cases_casehistory (case_id, from_state, action, to_state, actor_id, at, note)
  VALUES (:k_id, 'draft', 'accept', 'accepted', :clerk, now(), '');
INSERT INTO bench_auditevent (created_at, actor_id, actor_label, role, org_path, action, target_type, target_id,
    target_label, summary, reason, ip, result)
  VALUES (now(), :clerk, '窗口人员', 'clerk', '430302001', 'case.accept', 'cases.case', :k_id::text,
    'PGB', '{"from": "draft", "to": "accepted", "shared_checks": 1, "channel": "window"}', '', '127.0.0.1', 'ok');
END;
