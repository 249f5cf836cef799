-- When the send of a claimed reminder started (NULL: claimed, still queued, surely not sent).
-- A process that dies leaves rows 'claimed'; at start-up only those with sending_at set may
-- have reached the group, so only they count as an uncertain delivery (bot/scheduler.py).
ALTER TABLE reminders ADD COLUMN sending_at TEXT;
