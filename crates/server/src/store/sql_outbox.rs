//! The statements of the mail outbox and the moderators' digests, written
//! once for SQLite and Postgres like those of `sql.rs`; the claim, which
//! locks its row on Postgres, is put together from the [`Backend`]'s piece.

use super::dialect::Backend;

/// The columns `OutboxRow` reads.
macro_rules! outbox_columns {
    () => {
        "id, created_at, kind, class, org_id, recipient, lang, subject, body_text, status, \
         attempts, next_attempt_at, last_error, sent_at"
    };
}

/// The assignments that empty a mail which holds what nobody but its
/// recipient may read: an edit link (`received`, `recovered`), or a
/// visitor's message and address (`relay`).
macro_rules! forget_private {
    () => {
        "body_text = case when kind in ('received', 'recovered', 'relay') then ''
                          else body_text end,
         body_html = case when kind in ('received', 'recovered', 'relay') then ''
                          else body_html end,
         reply_to = null"
    };
}

/// Queues mail `$1`, written `$2`, due at once: `$3` kind, `$4` class,
/// `$5` entry, `$6` recipient, `$7` language, `$8` subject, `$9` and `$10`
/// bodies (text, html), `$11` the List-Unsubscribe value, `$12` status,
/// `$13` the Reply-To address.
pub const INSERT_MAIL: &str = "insert into outbox (id, created_at, kind, class, org_id,
         recipient, lang, subject, body_text, body_html, unsubscribe, status, attempts,
         next_attempt_at, reply_to)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 0, $2, $13)";

/// Claims the oldest pending mail due at `$1` that no lease holds at `$1`,
/// until `$2`, and counts the try. On Postgres the chosen row is locked
/// and rows other workers hold are skipped, so two workers never claim one
/// mail; SQLite has one writer at a time.
pub fn claim_mail(backend: Backend) -> String {
    format!(
        "update outbox set claimed_until = $2, attempts = attempts + 1
         where id = (select id from outbox
                     where status = 'pending' and next_attempt_at <= $1
                       and (claimed_until is null or claimed_until <= $1)
                     order by next_attempt_at, created_at
                     limit 1{})
         returning id, recipient, subject, body_text, body_html, unsubscribe, attempts, reply_to",
        backend.skip_locked()
    )
}

/// Mail `$1` went out at `$2`. A received or recovered mail's text holds
/// the group's private edit link, which the database otherwise never holds
/// (only its hash), and a relayed one a visitor's message and address:
/// once sent, none of them is kept.
pub const MAIL_SENT: &str = concat!(
    "update outbox
     set status = 'sent', sent_at = $2, claimed_until = null, last_error = null, ",
    forget_private!(),
    " where id = $1"
);

/// Mail `$1` failed with `$2`; it is due again at `$3`.
pub const MAIL_FAILED: &str = "update outbox
     set last_error = $2, next_attempt_at = $3, claimed_until = null
     where id = $1 and status = 'pending'";

/// When the next pending mail is due.
pub const NEXT_MAIL_DUE: &str = "select min(next_attempt_at) from outbox where status = 'pending'";

/// Mail is disabled here: nothing pending is ever sent, so a received
/// mail's text, which may hold an edit link, is not kept either.
pub const HOLD_PENDING_MAIL: &str = concat!(
    "update outbox set status = 'held', ",
    forget_private!(),
    " where status = 'pending'"
);

/// The mail to entry `$1`, which is erased: its address and text go with it.
pub const DELETE_MAIL_OF: &str = "delete from outbox where org_id = $1";

/// Forgets the mail sent at `$1` or earlier: it holds private links.
pub const PRUNE_SENT_MAIL: &str = "delete from outbox where status = 'sent' and sent_at <= $1";

/// The newest `$1` mails.
pub const OUTBOX: &str = concat!(
    "select ",
    outbox_columns!(),
    " from outbox order by created_at desc, id limit $1"
);

// ---- moderators' mail

/// Moderator `$1`'s address becomes `$2` (null: none).
pub const SET_USER_EMAIL: &str = "update users set email = $2 where username = $1";

/// Moderator `$1` wants digests (`$2` = 1) or not (0).
pub const SET_USER_DIGEST: &str = "update users set digest = $2 where username = $1";

/// Moderator `$1`'s address and digest setting.
pub const USER_MAIL: &str = "select email, digest from users where username = $1";

/// The moderators who want a digest and got none since `$1`.
pub const DIGESTS_DUE: &str = "select id, email from users
     where email is not null and digest = 1
       and (digest_sent_at is null or digest_sent_at <= $1)
     order by username";

/// Notes that moderator `$1` got a digest at `$2`, unless another worker
/// did since `$3`: one row changed means this worker queues it.
pub const DIGEST_SENT: &str = "update users set digest_sent_at = $2
     where id = $1 and (digest_sent_at is null or digest_sent_at <= $3)";
