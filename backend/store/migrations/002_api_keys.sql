-- Keys a booking system presents to reach one account's API. Only a hash of each key is kept,
-- with a short prefix that lets an owner tell keys apart without revealing them.
CREATE TABLE api_keys (
    id INTEGER PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    prefix TEXT NOT NULL UNIQUE,
    key_hash BLOB NOT NULL UNIQUE,
    label TEXT NOT NULL,
    created_at TEXT NOT NULL,
    last_used_at TEXT,
    revoked_at TEXT
);
CREATE INDEX api_keys_by_account ON api_keys (account_id);
