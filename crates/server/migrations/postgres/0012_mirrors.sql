-- mirroring: another map's entries, followed through its public change
-- feed (`solidarity-map mirror add`)

-- one map followed: where it is, what of it is taken, and where in its
-- change feed this map is
create table mirrors (
    id bigserial primary key,
    -- its address, no trailing slash
    url text not null unique,
    -- its name, as the operator called it: shown on the cards
    name text not null,
    -- the licence its feed names
    license text not null default '',
    license_url text,
    -- the categories taken (a json array; all when empty) and the box
    -- (minLon,minLat,maxLon,maxLat; the world when null)
    categories text not null default '[]',
    bbox text,
    -- new entries are published at once (1) or wait for a moderator (0)
    publish integer not null,
    -- the cursor of its feed after what was applied here; null until the
    -- first full read
    cursor text,
    -- following, or stopped on an answer it could not use (error says why)
    state text not null default 'following',
    error text,
    last_read timestamptz,
    created_at timestamptz not null
);

-- the mirror that keeps an entry (null: it is kept here), the source its
-- card names (a json object: name, url, licence), and whether a
-- moderator hid it (1: off this map whatever its source does)
alter table organizations add column mirror_id bigint references mirrors (id);
alter table organizations add column source text;
alter table organizations add column hidden integer not null default 0;
create index organizations_mirror on organizations (mirror_id);
