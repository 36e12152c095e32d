-- Accounts and the booking system's objects, each keyed by (account_id, the system's own id).
CREATE TABLE accounts (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    time_zone TEXT NOT NULL,
    locale TEXT NOT NULL,
    week_start INTEGER NOT NULL,
    uid_salt BLOB NOT NULL,
    data_version INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL
);

CREATE TABLE staff (
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    id TEXT NOT NULL,
    name TEXT NOT NULL,
    email TEXT,
    phone TEXT,
    PRIMARY KEY (account_id, id)
);

CREATE TABLE resources (
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    id TEXT NOT NULL,
    name TEXT NOT NULL,
    PRIMARY KEY (account_id, id)
);

CREATE TABLE locations (
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    id TEXT NOT NULL,
    name TEXT NOT NULL,
    address TEXT,
    PRIMARY KEY (account_id, id)
);

CREATE TABLE services (
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    id TEXT NOT NULL,
    name TEXT NOT NULL,
    description TEXT,
    PRIMARY KEY (account_id, id)
);

CREATE TABLE events (
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    id TEXT NOT NULL,
    name TEXT NOT NULL,
    description TEXT,
    capacity INTEGER,
    PRIMARY KEY (account_id, id)
);

CREATE TABLE customers (
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    id TEXT NOT NULL,
    name TEXT NOT NULL,
    email TEXT,
    phone TEXT,
    address TEXT,
    custom_fields TEXT NOT NULL DEFAULT '{}',
    PRIMARY KEY (account_id, id)
);

-- Times are UTC in one fixed-width text form (YYYY-MM-DDTHH:MM:SSZ), so text order is time order.
CREATE TABLE bookings (
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    id TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('appointment', 'event_session')),
    service_id TEXT,
    event_id TEXT,
    location_id TEXT,
    start_at TEXT NOT NULL,
    end_at TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('confirmed', 'tentative', 'cancelled')),
    notes TEXT,
    custom_fields TEXT NOT NULL DEFAULT '{}',
    sequence INTEGER NOT NULL DEFAULT 0,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (account_id, id),
    FOREIGN KEY (account_id, service_id) REFERENCES services(account_id, id),
    FOREIGN KEY (account_id, event_id) REFERENCES events(account_id, id),
    FOREIGN KEY (account_id, location_id) REFERENCES locations(account_id, id),
    CHECK (end_at > start_at)
);
CREATE INDEX bookings_by_start ON bookings (account_id, start_at);

CREATE TABLE booking_staff (
    account_id TEXT NOT NULL,
    booking_id TEXT NOT NULL,
    position INTEGER NOT NULL,
    staff_id TEXT NOT NULL,
    PRIMARY KEY (account_id, booking_id, position),
    FOREIGN KEY (account_id, booking_id) REFERENCES bookings(account_id, id) ON DELETE CASCADE,
    FOREIGN KEY (account_id, staff_id) REFERENCES staff(account_id, id)
);
CREATE INDEX booking_staff_by_staff ON booking_staff (account_id, staff_id);

CREATE TABLE booking_resources (
    account_id TEXT NOT NULL,
    booking_id TEXT NOT NULL,
    position INTEGER NOT NULL,
    resource_id TEXT NOT NULL,
    PRIMARY KEY (account_id, booking_id, position),
    FOREIGN KEY (account_id, booking_id) REFERENCES bookings(account_id, id) ON DELETE CASCADE,
    FOREIGN KEY (account_id, resource_id) REFERENCES resources(account_id, id)
);
CREATE INDEX booking_resources_by_resource ON booking_resources (account_id, resource_id);

CREATE TABLE booking_customers (
    account_id TEXT NOT NULL,
    booking_id TEXT NOT NULL,
    position INTEGER NOT NULL,
    customer_id TEXT NOT NULL,
    PRIMARY KEY (account_id, booking_id, position),
    FOREIGN KEY (account_id, booking_id) REFERENCES bookings(account_id, id) ON DELETE CASCADE,
    FOREIGN KEY (account_id, customer_id) REFERENCES customers(account_id, id)
);
CREATE INDEX booking_customers_by_customer ON booking_customers (account_id, customer_id);

-- Subscription calendars: a policy (JSON of backend.policy.Policy) and its secret links.
CREATE TABLE calendars (
    id INTEGER PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    policy TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    changed_at TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX calendars_by_account ON calendars (account_id);

-- A link keeps only the hash of its token (for lookup) and a nonce from which the server's
-- secret key derives the token again (for display): the database alone opens no feed.
CREATE TABLE links (
    id INTEGER PRIMARY KEY,
    calendar_id INTEGER NOT NULL REFERENCES calendars(id) ON DELETE CASCADE,
    label TEXT NOT NULL,
    nonce BLOB NOT NULL,
    token_hash BLOB NOT NULL UNIQUE,
    enabled INTEGER NOT NULL DEFAULT 1,
    disabled_at TEXT,
    created_at TEXT NOT NULL,
    last_fetched_at TEXT,
    last_client TEXT
);
CREATE INDEX links_by_calendar ON links (calendar_id);

-- Tokens that were regenerated away or deleted keep answering with an empty calendar for a while.
CREATE TABLE retired_tokens (
    token_hash BLOB PRIMARY KEY,
    calendar_name TEXT NOT NULL,
    time_zone TEXT NOT NULL,
    retired_at TEXT NOT NULL
);

CREATE TABLE link_fetches (
    link_id INTEGER NOT NULL REFERENCES links(id) ON DELETE CASCADE,
    day TEXT NOT NULL,
    client TEXT NOT NULL,
    count INTEGER NOT NULL,
    PRIMARY KEY (link_id, day, client)
);
