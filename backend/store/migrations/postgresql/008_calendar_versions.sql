-- Each calendar's own data version: a write moves it only for the calendars whose scope could
-- show what changed, so every other calendar of the account stays cached. The scope is kept
-- beside the policy's JSON so that a write can pick the calendars in the same UPDATE.
ALTER TABLE calendars ADD COLUMN data_version BIGINT NOT NULL DEFAULT 0;
ALTER TABLE calendars ADD COLUMN scope TEXT NOT NULL DEFAULT 'account';
ALTER TABLE calendars ADD COLUMN scope_id TEXT;
UPDATE calendars SET
    scope = COALESCE(policy::json ->> 'scope', 'account'),
    scope_id = policy::json ->> 'scope_id',
    data_version = (SELECT data_version FROM accounts WHERE accounts.id = calendars.account_id);

-- The account's data version at each booking's last write, and at the last change that is not
-- a booking's own (objects, settings; deletions): a cached feed reads only what changed since.
ALTER TABLE bookings ADD COLUMN changed_in BIGINT NOT NULL DEFAULT 0;
CREATE INDEX bookings_by_change ON bookings (account_id, changed_in);
ALTER TABLE accounts ADD COLUMN objects_version BIGINT NOT NULL DEFAULT 0;
ALTER TABLE accounts ADD COLUMN deleted_version BIGINT NOT NULL DEFAULT 0;
