-- when an entry was first public (set with the change that published
-- it): the Atom feed lists the newest by it, and the public change feed
-- tells of an entry's removal only when it once was public, so nothing is
-- learnt of an entry that never was
alter table organizations add column published_at timestamptz;

-- entries already public: their creation is the best time known; a
-- withdrawn one was public when a moderator had approved it
update organizations set published_at = created_at
 where status = 'published'
    or (status = 'withdrawn'
        and exists (select 1 from audit_log a
                     where a.org_id = organizations.id and a.action = 'approved'));

-- the newest public entries first (the Atom feed)
create index organizations_published_at on organizations (published_at);
-- the entries one change to many wrote (an import), all at one time: the
-- change feed reads them by it, a page at a time
create index organizations_updated on organizations (updated_at, id);

-- whether the group is listed in the Murmurations network (1, the
-- default) or opted out on its edit page (0): its profile is then a 404
alter table organizations add column murmurations integer not null default 1;

-- how far into the change log the Murmurations index has been told
-- (--murmurations-index): moved only once the index has answered
create table murmurations_cursor (
    one integer primary key check (one = 1),
    seq bigint not null
);
insert into murmurations_cursor (one, seq) values (1, 0);
