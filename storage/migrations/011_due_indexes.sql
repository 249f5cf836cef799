-- The scheduler re-arms its one wake-up after every change (bot/schedule/scheduler.py): the
-- earliest time a pending reminder or timer becomes due, its retry time if later. As one
-- MIN(MAX(due_at, COALESCE(retry_at, due_at))) that read every pending row: 68 ms on the loop at
-- national scale (50,000 pending reminders), after every event made, moved or cancelled and
-- every poll opened or closed. Now the rows without a retry give MIN(due_at) from the
-- (status, due_at) index at once, and the few waiting for a retry are found through these.
CREATE INDEX reminders_retry ON reminders(retry_at) WHERE status = 'pending' AND retry_at IS NOT NULL;
CREATE INDEX timers_retry ON timers(retry_at) WHERE status = 'pending' AND retry_at IS NOT NULL;
