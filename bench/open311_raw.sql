-- The raw-SQL cost of one Open311 POST requests.json (bench/open311_intake.py runs it with pgbench, 32 clients):
-- the same reads and writes the request makes, as plain statements in the same order — the client by its key's
-- digest, the category, the grid found for the point; then in one transaction the submission key's claim, the
-- day's number counter (an upsert whose row lock is held to commit), the incident, its history row, the audit
-- event, the command center's staff to tell, the claim completed; then the notifications. Variables come from
-- pgbench -D; run with -M prepared.
\set n random(1, 1000000000)
SELECT c.id, c.account_id, c.active, u.role, u.org_node_id FROM incidents_open311client c
  JOIN accounts_user u ON u.id = c.account_id WHERE c.key_digest = :digest;
SELECT id, code, name, lead_department_id, priority, default_tier FROM incidents_category
  WHERE code = 'SJ0102' AND active;
SELECT 1 FROM org_orgnode WHERE code = :grid AND level = 'grid' AND id = :gridid LIMIT 1;
BEGIN;
INSERT INTO core_idempotencykey (actor_id, key, kind, fingerprint, target_type, target_id, created_at)
  VALUES (:account, 'pgb-' || :n || '-' || :client_id || '-' || random(), 'incident.report', md5(random()::text) || md5(random()::text), '', '', now())
  RETURNING id \gset k_
INSERT INTO incidents_incidentnumbercounter (district, day, last) VALUES ('999999', CURRENT_DATE, 1)
  ON CONFLICT (district, day) DO UPDATE SET last = incidents_incidentnumbercounter.last + 1 RETURNING last \gset c_
INSERT INTO incidents_incident (number, kind, channel, category_id, description, address, latitude, longitude, grid_id,
    path, building_id, submitted_by_id, reporter_user_id, reporter_resident_id, caller_name, caller_phone,
    caller_phone_index, hide_identity, state, tier, priority, resolution, merged_into_id, dismiss_reason, reported_at,
    return_count, rework_count, reopen_count, extension_count, suggestion, sla_mark)
  VALUES ('PGB' || to_char(CURRENT_DATE, 'YYYYMMDD') || lpad(:c_last::text, 9, '0'), 'request', 'open311', :category,
    '路口垃圾桶满了，垃圾堆在地上，已经两天没人清理 ' || :n, '', :lat, :lon, :gridid, :grid, NULL, :account, NULL, NULL,
    '', NULL, '', false, 'reported', 'dispatch', 'normal', '', NULL, '', now(), 0, 0, 0, 0,
    '{"department": "城管", "category": "SJ0102", "confidence": 0.93}', '')
  RETURNING id \gset i_
INSERT INTO incidents_incidenthistory (incident_id, from_state, action, to_state, actor_id, order_id, at, note, data)
  VALUES (:i_id, '', 'report', 'reported', :account, NULL, now(), '', '{"channel": "open311"}');
INSERT INTO bench_auditevent (created_at, actor_id, actor_label, role, org_path, action, target_type, target_id,
    target_label, summary, reason, ip, result, nonce, mac)
  VALUES (now(), :account, 'bench', 'dispatcher', '430302', 'incident.report', 'incidents.incident', :i_id,
    'PGB', '{"channel": "open311", "path": "430302001001001", "category": "SJ0102", "photos": 0}', '', '127.0.0.1',
    'ok', substr(md5(random()::text), 1, 16), md5(random()::text) || md5(random()::text));
SELECT id FROM accounts_user WHERE role = 'dispatcher' AND is_active AND org_node_id IN
  (SELECT id FROM org_orgnode WHERE code IN ('430302', '430302001', '430302001001'));
UPDATE core_idempotencykey SET target_type = 'incidents.incident', target_id = :i_id WHERE id = :k_id;
COMMIT;
INSERT INTO notifications_notification (user_id, kind, title, body, link, created_at, read_at, words)
  SELECT id, 'incident.reported', '新的上报', '路口垃圾桶满了', '/incidents/' || :i_id || '/', now(), NULL, '{}'
  FROM accounts_user WHERE role = 'dispatcher' AND is_active AND org_node_id IN
  (SELECT id FROM org_orgnode WHERE code IN ('430302', '430302001', '430302001001'));
