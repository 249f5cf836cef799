-- The sealed ballot box (bot/polls/box.py): each poll round's ballots are stored sealed to the
-- round's public key, and only the counting committee (Ban kiểm phiếu), k of its n members
-- together, can open them, after voting ends. Nothing here reads without k share codes, and
-- the codes are never stored: each was given privately to its holder when the round opened.

-- A ballot row holds either a sealed ballot (while the box is closed) or, once the round is
-- counted, the opened ballot (bot.polls.encode_ballot), written in random order in the count's
-- one transaction. Rounds counted before this migration keep their plain ballots.
CREATE TABLE poll_ballots_v7 (
    poll_id     INTEGER NOT NULL REFERENCES polls(id) ON DELETE CASCADE,
    round       INTEGER NOT NULL,
    id          TEXT NOT NULL,                  -- random: unrelated to who voted when
    sealed      BLOB,                           -- box.seal(): always box.SEALED_SIZE bytes
    body        TEXT,                           -- opened at the count
    PRIMARY KEY (poll_id, round, id),
    CHECK ((sealed IS NULL) <> (body IS NULL))
) WITHOUT ROWID;
INSERT INTO poll_ballots_v7(poll_id, round, id, body) SELECT poll_id, round, id, body FROM poll_ballots;
DROP TABLE poll_ballots;
ALTER TABLE poll_ballots_v7 RENAME TO poll_ballots;

-- How many members of the counting committee hold a code, and how many open the box.
ALTER TABLE polls ADD COLUMN committee_k INTEGER NOT NULL DEFAULT 2;
ALTER TABLE polls ADD COLUMN committee_n INTEGER NOT NULL DEFAULT 3;

-- The members the chair named, besides the chair and vice chair units (in order).
CREATE TABLE poll_committee (
    poll_id     INTEGER NOT NULL REFERENCES polls(id) ON DELETE CASCADE,
    position    INTEGER NOT NULL,
    unit_id     INTEGER NOT NULL REFERENCES units(id),
    PRIMARY KEY (poll_id, position),
    UNIQUE (poll_id, unit_id)
);

-- A round's box while it is closed: the public key, and the private key wrapped under a key
-- that exists only as the holders' shares. Deleted at the count (the key is forgotten).
CREATE TABLE poll_boxes (
    poll_id     INTEGER NOT NULL REFERENCES polls(id) ON DELETE CASCADE,
    round       INTEGER NOT NULL,
    box_id      TEXT NOT NULL,                  -- shown at the head of each share code
    public_key  BLOB NOT NULL,
    wrapped_key BLOB NOT NULL,
    k           INTEGER NOT NULL,
    n           INTEGER NOT NULL,
    asked_at    TEXT,                           -- UTC: when the holders were last asked to open it
    reached     INTEGER,                        -- how many holders that ask reached
    asked_in    TEXT,                           -- which run of the bot asked (a restart asks again)
    PRIMARY KEY (poll_id, round)
);
CREATE UNIQUE INDEX poll_boxes_id ON poll_boxes(box_id);

-- Who holds which share of a round's box (kept after the count, for the minutes).
CREATE TABLE poll_box_holders (
    poll_id     INTEGER NOT NULL REFERENCES polls(id) ON DELETE CASCADE,
    round       INTEGER NOT NULL,
    share       INTEGER NOT NULL,               -- the share's index, 1..n
    person_id   INTEGER NOT NULL,
    unit_id     INTEGER NOT NULL REFERENCES units(id),
    message_id  INTEGER,                        -- the private message that gave the code
    opened      INTEGER NOT NULL DEFAULT 0,     -- whether this share opened the box
    PRIMARY KEY (poll_id, round, share),
    UNIQUE (poll_id, round, person_id)
);

-- A counted round: how many ballots came back, and whether its counts were withheld
-- (bot.polls.tally.withheld_reason: the round is not valid, its ballots destroyed unopened).
CREATE TABLE poll_counts (
    poll_id     INTEGER NOT NULL REFERENCES polls(id) ON DELETE CASCADE,
    round       INTEGER NOT NULL,
    returned    INTEGER NOT NULL,
    valid       INTEGER NOT NULL,
    invalid     INTEGER NOT NULL,
    withheld    TEXT CHECK (withheld IN ('quorum', 'single')),
    counted_at  TEXT NOT NULL,
    PRIMARY KEY (poll_id, round)
);
