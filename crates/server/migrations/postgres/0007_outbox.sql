-- every mail the map sends, written in the transaction of the change that
-- causes it (a submission, a decision, a digest), so that no change is
-- stored without its mail nor a mail queued for a change that failed; a
-- worker in the server sends it and marks it sent
create table outbox (
    id uuid primary key,
    created_at timestamptz not null,
    -- what it says: received, published, rejected, edit_live, digest
    kind text not null,
    -- transactional (links and decisions) or notification (digests): the
    -- operator switches each off on its own
    class text not null check (class in ('transactional', 'notification')),
    -- the entry it is about, if any (no reference: an erased entry keeps
    -- its mail until it is sent)
    org_id uuid,
    recipient text not null,
    -- en, ar or he: the language it is written in
    lang text not null,
    subject text not null,
    body_text text not null,
    body_html text not null,
    -- the List-Unsubscribe header of a notification
    unsubscribe text,
    -- pending: to be sent; sent; held: never sent from here (mail is
    -- disabled, or its class is switched off), kept to be read
    status text not null check (status in ('pending', 'sent', 'held')),
    -- tries so far, counted when one is claimed, and when to try next
    attempts integer not null default 0,
    next_attempt_at timestamptz not null,
    -- the worker that claimed it sends it until then; after, another may
    -- (the first one stopped between claiming and marking it sent)
    claimed_until timestamptz,
    last_error text,
    sent_at timestamptz
);
-- the worker's question: which pending mail is due
create index outbox_due on outbox (status, next_attempt_at);
-- the moderators' list, newest first
create index outbox_created on outbox (created_at);

-- a moderator's address for the digest of the queue, whether they want
-- it (1) or not (0), and when the last one was queued
alter table users add column email text;
alter table users add column digest integer not null default 1;
alter table users add column digest_sent_at timestamptz;
