-- every change to what the public sees, in the order the changes
-- committed: each instance that serves this database replays it to keep
-- its clustering index in step, and catches up from it after a restart
create table changes (
    seq bigint primary key,
    -- the entry that changed; null when many did at once (an import),
    -- and an instance builds its index again
    org_id uuid,
    at timestamptz not null
);

-- the last number handed to a change: one row, which each change updates
-- last before it commits, so that a change holds it until it has
-- committed and numbers commit in order (a reader that sees number n has
-- seen every number below n)
create table change_head (
    one integer primary key check (one = 1),
    seq bigint not null
);
insert into change_head (one, seq) values (1, 0);
