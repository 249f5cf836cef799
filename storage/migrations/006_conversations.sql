-- Channels and conversation state.
-- A person or chat of a channel other than Telegram gets an internal id of 2^53 + id here
-- (bot/core/messages.py); Telegram's own ids are used as they are.
CREATE TABLE identities (
    id          INTEGER PRIMARY KEY,
    channel     TEXT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('person', 'chat')),
    external    TEXT NOT NULL,
    private     INTEGER NOT NULL DEFAULT 0,     -- chats: a one-to-one chat
    UNIQUE (channel, kind, external)
);

-- What the bot waits for one person in one chat to do: a guided question, a numbered menu,
-- a ballot in progress. One row per (chat, person, slot); the chat id names the channel.
-- person_id 0: anyone in the chat (a numbered menu under a group card).
CREATE TABLE conversations (
    chat_id     INTEGER NOT NULL,
    person_id   INTEGER NOT NULL,
    slot        TEXT NOT NULL,                  -- 'question', 'menu', 'ballot:<poll>'
    kind        TEXT NOT NULL,                  -- the feature's own name for what it waits for
    payload     TEXT NOT NULL,                  -- JSON, or sealed bytes as hex for ballots
    message_id  INTEGER,                        -- the bot message asking (replies in groups)
    expires_at  TEXT NOT NULL,
    seq         INTEGER NOT NULL,
    PRIMARY KEY (chat_id, person_id, slot)
);
CREATE INDEX conversations_expiry ON conversations(expires_at);
