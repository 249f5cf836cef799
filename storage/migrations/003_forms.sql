-- Registration forms, the units' responses, every amendment, and answers in progress.
CREATE TABLE forms (
    id                  INTEGER PRIMARY KEY,
    bloc_id             INTEGER NOT NULL REFERENCES blocs(id) ON DELETE CASCADE,
    kind                TEXT NOT NULL CHECK (kind IN ('pledge', 'titles', 'attend', 'custom')),
    title               TEXT NOT NULL,
    fields              TEXT NOT NULL,          -- JSON list of field specs
    event_id            INTEGER,                -- attend: the meeting it registers for
    deadline_at         TEXT,                   -- UTC; NULL after a reopen without a new date
    deadline_event_id   INTEGER,                -- the schedule's deadline event
    status              TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
    created_by          INTEGER NOT NULL,
    created_at          TEXT NOT NULL,
    card_chat_id        INTEGER,                -- the status card edited in place
    card_message_id     INTEGER
);
CREATE INDEX forms_bloc ON forms(bloc_id, status);

-- One current response per unit; answered_by is the representative who sent the latest version.
CREATE TABLE form_responses (
    form_id     INTEGER NOT NULL REFERENCES forms(id) ON DELETE CASCADE,
    unit_id     INTEGER NOT NULL REFERENCES units(id),
    answers     TEXT NOT NULL,                  -- JSON {field key: value}
    answered_by INTEGER NOT NULL,
    answered_at TEXT NOT NULL,
    version     INTEGER NOT NULL,
    PRIMARY KEY (form_id, unit_id)
);

-- Every version ever sent (the first answer is version 1): who, when, what.
CREATE TABLE form_amendments (
    form_id     INTEGER NOT NULL REFERENCES forms(id) ON DELETE CASCADE,
    unit_id     INTEGER NOT NULL REFERENCES units(id),
    version     INTEGER NOT NULL,
    user_id     INTEGER NOT NULL,
    at          TEXT NOT NULL,
    answers     TEXT NOT NULL,
    PRIMARY KEY (form_id, unit_id, version)
);

-- A person's answers in progress in the private dialog; the newest draft receives typed text.
CREATE TABLE form_drafts (
    user_id     INTEGER NOT NULL,
    form_id     INTEGER NOT NULL REFERENCES forms(id) ON DELETE CASCADE,
    unit_id     INTEGER NOT NULL REFERENCES units(id),
    answers     TEXT NOT NULL DEFAULT '{}',
    picked      TEXT NOT NULL DEFAULT '[]',     -- multi-choice ticks not yet confirmed
    message_id  INTEGER,                        -- the question with buttons
    updated_at  TEXT NOT NULL,
    seq         INTEGER NOT NULL,               -- grows with every touch: the newest is current
    PRIMARY KEY (user_id, form_id)
);

-- Private nudges sent to the representatives of units that had not answered (config
-- [forms] nudge_privately): recorded so a timer run twice does not nudge twice.
CREATE TABLE form_nudges (
    form_id     INTEGER NOT NULL REFERENCES forms(id) ON DELETE CASCADE,
    user_id     INTEGER NOT NULL,
    due_at      TEXT NOT NULL,
    sent_at     TEXT NOT NULL,
    PRIMARY KEY (form_id, user_id, due_at)
);
