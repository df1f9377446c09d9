-- the contact relay and the recovery of a lost edit link

-- a group that switched the relay off (1) takes no message through the map
alter table organizations add column relay_off integer not null default 0;

-- a lost edit link is asked for by the entry's contact address, compared
-- in lower case
create index organizations_contact on organizations (lower(contact_email));

-- where the answer to a relayed message goes (its Reply-To), kept only
-- until the mail is sent
alter table outbox add column reply_to text;

-- a sender a group blocked through the "report abuse" link of a message:
-- the SHA-256 of the sender's address in lower case, never the address
create table relay_blocks (
    id uuid primary key,
    org_id uuid not null references organizations (id),
    sender text not null,
    created_at timestamptz not null,
    unique (org_id, sender)
);

-- the "report abuse" link of each relayed message: the SHA-256 of its
-- token, the group it was sent to and the sender (hashed as above); the
-- link is forgotten after a while
create table relay_reports (
    token_hash text primary key,
    org_id uuid not null references organizations (id),
    sender text not null,
    created_at timestamptz not null
);
create index relay_reports_created on relay_reports (created_at);
