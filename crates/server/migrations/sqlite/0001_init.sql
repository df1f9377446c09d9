-- categories are data: seeded from data/categories.json and kept in step
-- with it on every start.
create table categories (
    slug text primary key,
    labels text not null,            -- json object: language code -> label
    colour text not null,            -- #rrggbb
    symbol text not null default '',
    position integer not null default 0
);

create table organizations (
    id text primary key,             -- uuid, hyphenated
    name text not null,              -- json object: language code -> text
    description text not null,       -- json object: language code -> text
    category text not null references categories (slug),
    city text not null,
    country text not null,           -- iso 3166-1 alpha-2
    -- the point as submitted: private unless precision is 'exact'
    lat real not null,
    lon real not null,
    precision text not null,
    -- the point rounded to its precision: the only one queries filter on,
    -- so a bbox probe cannot find the exact point either
    public_lat real not null,
    public_lon real not null,
    website text,
    links text not null default '[]',      -- json array of urls
    languages text not null default '[]',  -- json array of language codes
    tags text not null default '[]',       -- json array of strings
    contact_email text,                    -- private
    status text not null check (status in ('pending', 'published', 'rejected', 'withdrawn')),
    search_text text not null,       -- normalised by core::text::normalize_for_search
    sort_name text not null,
    created_at text not null,
    updated_at text not null
);

-- the public map asks for published entries in a box, in name order
create index organizations_status_position on organizations (status, public_lon, public_lat);
create index organizations_status_sort on organizations (status, sort_name, id);
create index organizations_category on organizations (category);
