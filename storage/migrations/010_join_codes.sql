-- Typed join codes (Zalo and the console have no deep links): an invite's code is 8 characters
-- a person types; its row in invites is keyed by a slow hash of the code ("scrypt:..."), the
-- 24-character codes of older links keep their sha256. Wrong codes are counted per person here,
-- so a restart does not give a guesser a fresh allowance.
CREATE TABLE join_attempts (
    id              INTEGER PRIMARY KEY,
    user_id         INTEGER NOT NULL,
    attempted_at    TEXT NOT NULL,
    outcome         TEXT NOT NULL CHECK (outcome IN ('unknown', 'expired', 'used'))
);
CREATE INDEX join_attempts_person ON join_attempts(user_id, attempted_at);
