-- Bookings that start and end in different UTC months, by end: the window read finds them
-- apart, so that it bounds every other booking's start on both sides (bookings_by_start).
CREATE INDEX bookings_spanning_months ON bookings (account_id, end_at)
    WHERE substr(end_at, 1, 7) <> substr(start_at, 1, 7);
