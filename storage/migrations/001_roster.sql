-- Blocs, units, people, roles, invites, chat settings.
CREATE TABLE chats (
    chat_id     INTEGER PRIMARY KEY,
    language    TEXT NOT NULL CHECK (language IN ('vi', 'en'))
);

CREATE TABLE people (
    user_id     INTEGER PRIMARY KEY,
    full_name   TEXT NOT NULL,
    username    TEXT,
    started     INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE blocs (
    id          INTEGER PRIMARY KEY,
    chat_id     INTEGER NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    language    TEXT NOT NULL DEFAULT 'vi',
    timezone    TEXT NOT NULL,
    created_by  INTEGER NOT NULL,
    created_at  TEXT NOT NULL,
    rules       TEXT NOT NULL DEFAULT ''
);

CREATE TABLE bloc_admins (
    bloc_id     INTEGER NOT NULL REFERENCES blocs(id) ON DELETE CASCADE,
    user_id     INTEGER NOT NULL,
    PRIMARY KEY (bloc_id, user_id)
);

CREATE TABLE units (
    id          INTEGER PRIMARY KEY,
    bloc_id     INTEGER NOT NULL REFERENCES blocs(id) ON DELETE CASCADE,
    position    INTEGER NOT NULL,
    name        TEXT NOT NULL,
    folded      TEXT NOT NULL,
    removed_at  TEXT
);
CREATE UNIQUE INDEX units_active_name ON units(bloc_id, folded) WHERE removed_at IS NULL;
CREATE INDEX units_bloc ON units(bloc_id, position);

CREATE TABLE representatives (
    unit_id     INTEGER NOT NULL REFERENCES units(id) ON DELETE CASCADE,
    user_id     INTEGER NOT NULL REFERENCES people(user_id),
    bloc_id     INTEGER NOT NULL REFERENCES blocs(id) ON DELETE CASCADE,
    is_voter    INTEGER NOT NULL DEFAULT 0,
    linked_at   TEXT NOT NULL,
    PRIMARY KEY (unit_id, user_id),
    UNIQUE (bloc_id, user_id)
);
CREATE INDEX representatives_user ON representatives(user_id);

CREATE TABLE roles (
    bloc_id     INTEGER NOT NULL REFERENCES blocs(id) ON DELETE CASCADE,
    year        INTEGER NOT NULL,
    role        TEXT NOT NULL CHECK (role IN ('chair', 'vice')),
    unit_id     INTEGER NOT NULL REFERENCES units(id),
    PRIMARY KEY (bloc_id, year, role)
);

-- Only a hash of each join code is stored: reading the database does not reveal usable links.
CREATE TABLE invites (
    code_hash   TEXT PRIMARY KEY,
    bloc_id     INTEGER NOT NULL REFERENCES blocs(id) ON DELETE CASCADE,
    unit_id     INTEGER NOT NULL REFERENCES units(id),
    created_by  INTEGER NOT NULL,
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    used_by     INTEGER,
    used_at     TEXT
);
