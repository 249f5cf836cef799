-- Schedule: events (meetings, deadlines), RSVPs, reminders, generic timers, drafts, host rotation.
-- Every time is UTC ISO 8601 text (bot.clock.to_db).
CREATE TABLE events (
    id              INTEGER PRIMARY KEY,
    bloc_id         INTEGER NOT NULL REFERENCES blocs(id) ON DELETE CASCADE,
    kind            TEXT NOT NULL CHECK (kind IN ('meeting', 'deadline')),
    title           TEXT NOT NULL,
    starts_at       TEXT NOT NULL,
    place           TEXT NOT NULL DEFAULT '',
    host_unit_id    INTEGER REFERENCES units(id),
    host_proposed   INTEGER NOT NULL DEFAULT 0,     -- 1: host suggested by rotation, not chosen
    agenda          TEXT NOT NULL DEFAULT '',       -- one item per line
    source          TEXT,                           -- owner outside the schedule: 'form:12', 'cycle:2027:midyear'
    offsets         TEXT,                           -- reminder offsets in seconds ('604800,86400'); NULL = defaults
    status          TEXT NOT NULL DEFAULT 'scheduled' CHECK (status IN ('scheduled', 'cancelled')),
    card_chat_id    INTEGER,                        -- the card edited in place
    card_message_id INTEGER,
    created_by      INTEGER NOT NULL,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
);
CREATE INDEX events_bloc_time ON events(bloc_id, status, starts_at);
CREATE INDEX events_source ON events(source) WHERE source IS NOT NULL;

-- One answer per unit; any representative of the unit may give or change it.
CREATE TABLE rsvps (
    event_id    INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    unit_id     INTEGER NOT NULL REFERENCES units(id),
    answer      TEXT NOT NULL CHECK (answer IN ('yes', 'no')),
    user_id     INTEGER NOT NULL,
    answered_at TEXT NOT NULL,
    PRIMARY KEY (event_id, unit_id)
);

-- The source of truth for reminders; the in-memory timer is only a cache of MIN(due_at).
-- pending -> claimed -> sent, or skipped / failed / cancelled. `uncertain` counts deliveries
-- that may have reached Telegram without being recorded (crash, timeout): at 2 we stop trying.
CREATE TABLE reminders (
    id          INTEGER PRIMARY KEY,
    event_id    INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    offset_s    INTEGER NOT NULL,
    due_at      TEXT NOT NULL,
    status      TEXT NOT NULL DEFAULT 'pending'
                CHECK (status IN ('pending', 'claimed', 'sent', 'skipped', 'failed', 'cancelled')),
    retry_at    TEXT,
    attempts    INTEGER NOT NULL DEFAULT 0,
    uncertain   INTEGER NOT NULL DEFAULT 0,
    late        INTEGER NOT NULL DEFAULT 0,
    claimed_at  TEXT,
    sent_at     TEXT,
    message_id  INTEGER,
    note        TEXT NOT NULL DEFAULT ''
);
CREATE INDEX reminders_due ON reminders(status, due_at);
CREATE INDEX reminders_event ON reminders(event_id);

-- Generic "at time T run job <kind> for <ref>" (e.g. a poll closing at its deadline).
CREATE TABLE timers (
    id          INTEGER PRIMARY KEY,
    kind        TEXT NOT NULL,
    ref         TEXT NOT NULL,
    due_at      TEXT NOT NULL,
    status      TEXT NOT NULL DEFAULT 'pending'
                CHECK (status IN ('pending', 'running', 'done', 'failed', 'cancelled')),
    retry_at    TEXT,
    attempts    INTEGER NOT NULL DEFAULT 0,
    started_at  TEXT,
    done_at     TEXT,
    note        TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX timers_pending ON timers(kind, ref) WHERE status = 'pending';
CREATE INDEX timers_due ON timers(status, due_at);

-- Proposals waiting for a button: /cycle plans and guided /meeting drafts (JSON payload).
CREATE TABLE schedule_drafts (
    id          INTEGER PRIMARY KEY,
    bloc_id     INTEGER NOT NULL REFERENCES blocs(id) ON DELETE CASCADE,
    user_id     INTEGER NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('cycle', 'meeting')),
    payload     TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    used_at     TEXT
);

-- The bloc's host rotation order; units not listed follow in roster order.
CREATE TABLE host_rotation (
    bloc_id     INTEGER NOT NULL REFERENCES blocs(id) ON DELETE CASCADE,
    unit_id     INTEGER NOT NULL REFERENCES units(id),
    position    INTEGER NOT NULL,
    PRIMARY KEY (bloc_id, unit_id)
);
