-- freshness: when a published entry was last confirmed as active (its
-- approval, an approved edit, or the group's answer to a "still active?"
-- mail), and where the question stands. null confirmed_at means the
-- entry's creation time (a new entry is confirmed when it is approved,
-- which writes it).
alter table organizations add column confirmed_at timestamptz;
-- when the "still active?" mail for the current confirmation was queued,
-- and its reminder: null while not asked
alter table organizations add column fresh_asked_at timestamptz;
alter table organizations add column fresh_reminded_at timestamptz;
-- since when the entry is stale (no answer; public, the map fades it):
-- null while it is not
alter table organizations add column stale_at timestamptz;
update organizations set confirmed_at = updated_at;

-- the keys that sign the links in mail (hmac-sha256), made once by the
-- first server that needs one; every instance on the database shares it
create table link_keys (
    name text primary key,
    key text not null,                    -- hex, 256 random bits
    created_at timestamptz not null
);
