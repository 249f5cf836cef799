-- Award polls (bình xét) and elections of next year's chair and vice chair, by secret ballot.
-- Who voted (poll_turnout) is kept apart from what was voted (poll_ballots). A ballot row has
-- no unit, no person, no time and a random key; both tables are WITHOUT ROWID, and after each
-- ballot the file is vacuumed and the WAL truncated (storage/polls.py), so neither ids, order
-- nor timestamps link a unit to its ballot.
CREATE TABLE polls (
    id              INTEGER PRIMARY KEY,
    bloc_id         INTEGER NOT NULL REFERENCES blocs(id) ON DELETE CASCADE,
    kind            TEXT NOT NULL CHECK (kind IN ('award', 'election')),
    title           TEXT NOT NULL,
    year            INTEGER NOT NULL,               -- review year; the elected year for elections
    status          TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'open', 'closed')),
    round           INTEGER NOT NULL DEFAULT 1 CHECK (round IN (1, 2)),
    threshold       TEXT NOT NULL CHECK (threshold IN ('majority', 'two_thirds', 'eighty')),
    base            TEXT NOT NULL CHECK (base IN ('members', 'ballots')),
    quorum          TEXT NOT NULL,                  -- a fraction, '2/3'
    self_vote       INTEGER NOT NULL,
    exclusive       INTEGER NOT NULL,
    deadline        TEXT,                           -- UTC; of the round being voted
    card_message_id INTEGER,                        -- the group's turnout card of this round
    created_by      INTEGER NOT NULL,
    created_at      TEXT NOT NULL,
    confirmed_by    INTEGER,                        -- election: who made the winners chair/vice
    confirmed_at    TEXT,
    suggest_chair   INTEGER REFERENCES units(id),   -- election: the rotation's suggestion
    suggest_vice    INTEGER REFERENCES units(id)
);
CREATE INDEX polls_bloc ON polls(bloc_id, status);

CREATE TABLE poll_categories (
    poll_id     INTEGER NOT NULL REFERENCES polls(id) ON DELETE CASCADE,
    idx         INTEGER NOT NULL,                   -- rank: 0 is the highest award
    name        TEXT NOT NULL,
    quota       INTEGER NOT NULL CHECK (quota >= 1),
    kind        TEXT NOT NULL CHECK (kind IN ('pick', 'confirm')),
    threshold   TEXT CHECK (threshold IN ('majority', 'two_thirds', 'eighty')),
    PRIMARY KEY (poll_id, idx)
);

-- Candidates per round and category, in ballot order (numbers on the ballot are positions).
CREATE TABLE poll_candidates (
    poll_id     INTEGER NOT NULL REFERENCES polls(id) ON DELETE CASCADE,
    round       INTEGER NOT NULL,
    idx         INTEGER NOT NULL,
    position    INTEGER NOT NULL,
    unit_id     INTEGER NOT NULL REFERENCES units(id),
    PRIMARY KEY (poll_id, round, idx, position),
    UNIQUE (poll_id, round, idx, unit_id)
);

CREATE TABLE poll_rounds (
    poll_id     INTEGER NOT NULL REFERENCES polls(id) ON DELETE CASCADE,
    round       INTEGER NOT NULL,
    opened_at   TEXT NOT NULL,
    opened_by   INTEGER NOT NULL,
    closed_at   TEXT,
    closed_by   INTEGER,                            -- NULL: closed by its deadline
    PRIMARY KEY (poll_id, round)
);

-- The member units when the poll opened: one ballot each.
CREATE TABLE poll_electorate (
    poll_id     INTEGER NOT NULL REFERENCES polls(id) ON DELETE CASCADE,
    unit_id     INTEGER NOT NULL REFERENCES units(id),
    PRIMARY KEY (poll_id, unit_id)
) WITHOUT ROWID;

-- Who voted, per round: no time, no ballot id.
CREATE TABLE poll_turnout (
    poll_id     INTEGER NOT NULL REFERENCES polls(id) ON DELETE CASCADE,
    round       INTEGER NOT NULL,
    unit_id     INTEGER NOT NULL REFERENCES units(id),
    PRIMARY KEY (poll_id, round, unit_id)
) WITHOUT ROWID;

-- What was voted: a random key, the choices, nothing else.
CREATE TABLE poll_ballots (
    poll_id     INTEGER NOT NULL REFERENCES polls(id) ON DELETE CASCADE,
    round       INTEGER NOT NULL,
    id          TEXT NOT NULL,
    body        TEXT NOT NULL,                      -- bot.polls.encode_ballot
    PRIMARY KEY (poll_id, round, id)
) WITHOUT ROWID;

-- After round 2, what the chair and vice chair decided (recorded for the minutes).
CREATE TABLE poll_decisions (
    poll_id     INTEGER NOT NULL REFERENCES polls(id) ON DELETE CASCADE,
    idx         INTEGER NOT NULL,
    position    INTEGER NOT NULL,
    unit_id     INTEGER NOT NULL REFERENCES units(id),
    decided_by  INTEGER NOT NULL,
    decided_at  TEXT NOT NULL,
    PRIMARY KEY (poll_id, idx, position)
);
