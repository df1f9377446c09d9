-- a private edit link per organisation: only the sha-256 of its token is kept
alter table organizations add column edit_token_hash text;
create unique index organizations_edit_token on organizations (edit_token_hash);

-- every submission and every edit is a revision; the organizations row is
-- what the public sees, and changes only when a moderator approves
create table revisions (
    id text primary key,                 -- uuid
    org_id text not null references organizations (id),
    data text not null,                  -- json of the submitted organisation
    kind text not null check (kind in ('submission', 'edit')),
    status text not null check (status in ('pending', 'approved', 'rejected', 'superseded')),
    reason text,                         -- why it was rejected
    decided_by text,                     -- moderator's user name
    created_at text not null,
    decided_at text
);
create index revisions_pending on revisions (status, created_at);
create index revisions_org on revisions (org_id, created_at);

create table users (
    id text primary key,
    username text not null unique,
    password_hash text not null,         -- argon2id, phc string
    created_at text not null
);

-- a moderator's login; the cookie holds the token, the table its sha-256
create table sessions (
    token_hash text primary key,
    user_id text not null references users (id),
    csrf_token text not null,
    expires_at text not null
);

-- who decided what, when: never updated, never deleted
create table audit_log (
    id integer primary key autoincrement,
    at text not null,
    actor text not null,
    action text not null,
    org_id text,
    revision_id text,
    detail text
);
