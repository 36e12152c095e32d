-- Owners sign in to manage one account; only an argon2 hash of the password is kept.
CREATE TABLE owners (
    id INTEGER PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    email TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX owners_by_account ON owners (account_id);

-- A signed-in browser: the cookie carries a random token, the table only its SHA-256.
CREATE TABLE owner_sessions (
    token_hash BLOB PRIMARY KEY,
    owner_id INTEGER NOT NULL REFERENCES owners(id) ON DELETE CASCADE,
    flash TEXT,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE INDEX owner_sessions_by_owner ON owner_sessions (owner_id);

-- Failed sign-ins per key (a hash of the email address), to slow down guessing.
CREATE TABLE sign_in_failures (
    key TEXT PRIMARY KEY,
    failures INTEGER NOT NULL,
    last_failed_at TEXT NOT NULL
);
