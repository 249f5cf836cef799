-- Zalo: where to write to each chat, who has had the first-contact notice, the OA's OAuth
-- tokens and their refreshes, the OA's message quota and the messages kept until it allows,
-- updates already handled, and the files served by signed link.

-- A Zalo chat (a person's private chat or a group), by internal id (identities table).
CREATE TABLE zalo_chats (
    chat_id         INTEGER PRIMARY KEY,
    channel         TEXT NOT NULL CHECK (channel IN ('zalo', 'zalo_oa')),
    address         TEXT NOT NULL,              -- the platform's id to write to
    is_group        INTEGER NOT NULL DEFAULT 0,
    noticed_at      TEXT,                       -- the "automated assistant" notice went out
    last_inbound_at TEXT                        -- the person's latest message (OA: 48-hour window)
);

-- OAuth v4 token pairs of the OA. At most one current pair (retired_at IS NULL): a refresh
-- inserts the new pair and retires the old one in one transaction.
CREATE TABLE zalo_oa_tokens (
    id              INTEGER PRIMARY KEY,
    access_token    TEXT NOT NULL,
    refresh_token   TEXT NOT NULL,
    expires_at      TEXT NOT NULL,              -- of the access token
    obtained_at     TEXT NOT NULL,
    retired_at      TEXT
);
CREATE UNIQUE INDEX zalo_oa_tokens_current ON zalo_oa_tokens((retired_at IS NULL)) WHERE retired_at IS NULL;

-- Each refresh attempt, written before its request leaves (bot/channels/zalo/courier.py).
CREATE TABLE zalo_oa_refreshes (
    id              INTEGER PRIMARY KEY,
    token_id        INTEGER NOT NULL REFERENCES zalo_oa_tokens(id),
    started_at      TEXT NOT NULL,
    courier_pid     INTEGER,
    finished_at     TEXT,
    outcome         TEXT,                       -- done | refused | failed
    note            TEXT NOT NULL DEFAULT ''
);

-- The OA's message budget per month (Vietnam time), as counted here and as Zalo reported it.
CREATE TABLE zalo_oa_quota (
    month           TEXT PRIMARY KEY,           -- 'YYYY-MM'
    free_sent       INTEGER NOT NULL DEFAULT 0, -- replies within a person's free window
    counted_sent    INTEGER NOT NULL DEFAULT 0, -- messages counted against the monthly quota
    group_sent      INTEGER NOT NULL DEFAULT 0,
    remain          INTEGER,                    -- Zalo's latest "remain" of the monthly quota
    total           INTEGER,
    reported_at     TEXT,
    exceeded_at     TEXT,                       -- Zalo refused for quota; cleared by a success
    told_at         TEXT                        -- the operators were told of this refusal
);

-- Messages Zalo would not take yet (quota, no usable token): kept, sent in order later.
CREATE TABLE zalo_oa_kept (
    id              INTEGER PRIMARY KEY,
    chat_id         INTEGER NOT NULL,
    text            TEXT NOT NULL,
    reason          TEXT NOT NULL,
    kept_at         TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_try_at     TEXT NOT NULL,
    sent_at         TEXT
);
CREATE INDEX zalo_oa_kept_waiting ON zalo_oa_kept(chat_id, id) WHERE sent_at IS NULL;

-- Platform message ids already handled (a webhook delivered twice is handled once).
CREATE TABLE zalo_seen (
    channel         TEXT NOT NULL,
    message_id      TEXT NOT NULL,
    seen_at         TEXT NOT NULL,
    PRIMARY KEY (channel, message_id)
);
CREATE INDEX zalo_seen_age ON zalo_seen(seen_at);

-- Files sent as signed links (bot/web/links.py); the bytes are kept until the link expires.
CREATE TABLE file_links (
    id              TEXT PRIMARY KEY,           -- 128 random bits, URL-safe
    filename        TEXT NOT NULL,
    content_type    TEXT NOT NULL,
    data            BLOB NOT NULL,
    created_at      TEXT NOT NULL,
    expires_at      TEXT NOT NULL
);
CREATE INDEX file_links_expiry ON file_links(expires_at);

-- Keys the bot makes for itself (the link-signing key), so no operator has to.
CREATE TABLE secret_keys (
    name            TEXT PRIMARY KEY,
    secret          BLOB NOT NULL,
    created_at      TEXT NOT NULL
);
