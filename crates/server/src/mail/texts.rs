//! What the map's mail says, in each language it writes in: English,
//! Arabic and Hebrew, the languages of its pages.
//!
//! Each text is a key and a template whose `{name}`-like slots
//! [`fill`](super::compose) fills; every language has every key with the
//! same slots (a test fails otherwise), so no mail falls back to another
//! language half-way. A mail is written in one language: the group's.

/// The languages mail is written in; anything else gets English.
pub const LANGUAGES: [&str; 3] = ["en", "ar", "he"];

/// Whether `lang` is written right to left.
pub fn rtl(lang: &str) -> bool {
    matches!(lang, "ar" | "he")
}

const EN: &[(&str, &str)] = &[
    ("received.subject", "We received {name}"),
    (
        "received.body",
        "Thank you: {name} was received and waits for a moderator, who will publish it \
         on the map or tell you why not.",
    ),
    (
        "received.link",
        "Your private edit link, to change, withdraw or erase the entry at any time:",
    ),
    (
        "received.keep",
        "Keep this link to yourself: whoever holds it can change your entry. Nobody else \
         has it, not even the moderators.",
    ),
    (
        "received.link_shown",
        "Your private edit link was shown on screen when you joined; this map keeps no \
         copy of it, so keep yours safe.",
    ),
    ("recovered.subject", "A new edit link for {name}"),
    (
        "recovered.body",
        "A new private edit link for {name} was asked for with this address. Here it \
         is; the old link no longer works:",
    ),
    (
        "recovered.not_asked",
        "If you did not ask for it, nobody else got this link: it was sent to this \
         address only.",
    ),
    ("relay.subject", "{sender} wrote to {name} through the map"),
    (
        "relay.body",
        "{sender} sent {name} this message through the contact form of the map:",
    ),
    (
        "relay.reply",
        "To answer, reply to this mail: the answer goes to the address {sender} gave, \
         who then sees yours. If you do not reply, they never learn your address. The \
         map keeps no copy of this message.",
    ),
    (
        "relay.report",
        "If this message is abuse, block its sender: the map will pass on nothing more \
         from {sender} to you.",
    ),
    (
        "relay.switch_off",
        "You can stop messages through the map on the edit page of your entry.",
    ),
    ("published.subject", "{name} is on the map"),
    (
        "published.body",
        "A moderator approved {name}: it is on the map now. Its public page:",
    ),
    ("rejected.subject", "{name} was not published"),
    (
        "rejected.body",
        "A moderator did not publish what you sent for {name}. The reason they gave:",
    ),
    ("edit_live.subject", "Your change to {name} is live"),
    (
        "edit_live.body",
        "A moderator approved your change to {name}: the map shows it now. Its public page:",
    ),
    ("digest.subject", "{count} waiting for review on the map"),
    (
        "digest.body",
        "{count} submission(s) or change(s) wait for a moderator. The moderation page:",
    ),
    (
        "digest.stop",
        "You get this digest as a moderator; turn it off on the moderation page.",
    ),
    (
        "no_public_url",
        "(This map's public address is not configured, so the link above is only its \
         path: open it on the map's site.)",
    ),
    (
        "footer",
        "This mail was sent by the map because this address was given as the contact of \
         {name}.",
    ),
];

const AR: &[(&str, &str)] = &[
    ("received.subject", "تلقّينا {name}"),
    (
        "received.body",
        "شكرًا لكم: وصلنا طلب {name} وهو بانتظار مشرف سينشره على الخريطة أو يخبركم بسبب عدم نشره.",
    ),
    (
        "received.link",
        "رابط التعديل الخاص بكم، لتغيير الإدخال أو سحبه أو محوه في أي وقت:",
    ),
    (
        "received.keep",
        "احتفظوا بهذا الرابط لأنفسكم: من يملكه يستطيع تغيير إدخالكم. لا يملكه أحد غيركم، ولا حتى المشرفون.",
    ),
    (
        "received.link_shown",
        "عُرض رابط التعديل الخاص بكم على الشاشة عند التسجيل؛ لا تحتفظ هذه الخريطة بنسخة منه، فاحفظوه جيدًا.",
    ),
    ("recovered.subject", "رابط تعديل جديد لـ {name}"),
    (
        "recovered.body",
        "طُلب رابط تعديل خاص جديد لـ {name} بهذا العنوان. إليكم الرابط؛ الرابط القديم لم يعد يعمل:",
    ),
    (
        "recovered.not_asked",
        "إن لم تطلبوه، فلم يحصل أحد غيركم على هذا الرابط: أُرسل إلى هذا العنوان وحده.",
    ),
    ("relay.subject", "كتب {sender} إلى {name} عبر الخريطة"),
    (
        "relay.body",
        "أرسل {sender} إلى {name} هذه الرسالة عبر نموذج التواصل في الخريطة:",
    ),
    (
        "relay.reply",
        "للإجابة، ردّوا على هذه الرسالة: يصل الرد إلى العنوان الذي أعطاه {sender}، وعندها يرى عنوانكم. إن لم تردّوا فلن يعرف عنوانكم أبدًا. لا تحتفظ الخريطة بنسخة من هذه الرسالة.",
    ),
    (
        "relay.report",
        "إن كانت هذه الرسالة إساءة، فاحجبوا مرسلها: لن تنقل الخريطة إليكم شيئًا آخر من {sender}.",
    ),
    (
        "relay.switch_off",
        "يمكنكم إيقاف الرسائل عبر الخريطة من صفحة تعديل إدخالكم.",
    ),
    ("published.subject", "{name} على الخريطة الآن"),
    (
        "published.body",
        "وافق مشرف على {name}: إنه على الخريطة الآن. صفحته العامة:",
    ),
    ("rejected.subject", "لم يُنشر {name}"),
    (
        "rejected.body",
        "لم ينشر مشرف ما أرسلتموه بشأن {name}. السبب الذي ذكره:",
    ),
    ("edit_live.subject", "تعديلكم على {name} منشور الآن"),
    (
        "edit_live.body",
        "وافق مشرف على تعديلكم على {name}: الخريطة تعرضه الآن. صفحته العامة:",
    ),
    ("digest.subject", "{count} بانتظار المراجعة على الخريطة"),
    (
        "digest.body",
        "{count} من الطلبات أو التعديلات بانتظار مشرف. صفحة الإشراف:",
    ),
    (
        "digest.stop",
        "تصلك هذه الخلاصة بصفتك مشرفًا؛ يمكنك إيقافها من صفحة الإشراف.",
    ),
    (
        "no_public_url",
        "(لم يُضبط العنوان العام لهذه الخريطة، لذا فالرابط أعلاه مسار فقط: افتحوه على موقع الخريطة.)",
    ),
    (
        "footer",
        "أرسلت الخريطة هذه الرسالة لأن هذا العنوان أُعطي كعنوان تواصل لـ {name}.",
    ),
];

const HE: &[(&str, &str)] = &[
    ("received.subject", "קיבלנו את {name}"),
    (
        "received.body",
        "תודה: {name} התקבל וממתין למנחה, שיפרסם אותו במפה או יסביר לכם למה לא.",
    ),
    (
        "received.link",
        "קישור העריכה הפרטי שלכם, לשינוי, להסרה או למחיקה של הרשומה בכל עת:",
    ),
    (
        "received.keep",
        "שמרו את הקישור לעצמכם: מי שמחזיק בו יכול לשנות את הרשומה. לאף אחד אחר אין אותו, גם לא למנחים.",
    ),
    (
        "received.link_shown",
        "קישור העריכה הפרטי שלכם הוצג על המסך כשהצטרפתם; המפה הזאת לא שומרת עותק שלו, אז שמרו אותו היטב.",
    ),
    ("recovered.subject", "קישור עריכה חדש עבור {name}"),
    (
        "recovered.body",
        "התבקש קישור עריכה פרטי חדש עבור {name} עם הכתובת הזו. הנה הוא; הקישור הישן כבר לא עובד:",
    ),
    (
        "recovered.not_asked",
        "אם לא ביקשתם אותו, אף אחד אחר לא קיבל את הקישור: הוא נשלח רק לכתובת הזו.",
    ),
    ("relay.subject", "{sender} כתב/ה אל {name} דרך המפה"),
    (
        "relay.body",
        "{sender} שלח/ה אל {name} את ההודעה הזו דרך טופס יצירת הקשר של המפה:",
    ),
    (
        "relay.reply",
        "כדי לענות, השיבו להודעה הזו: התשובה תגיע לכתובת ש־{sender} נתן/ה, ואז הכתובת שלכם תיראה. אם לא תשיבו, הכתובת שלכם לא תיחשף. המפה לא שומרת עותק של ההודעה.",
    ),
    (
        "relay.report",
        "אם ההודעה הזו פוגענית, חסמו את השולח/ת: המפה לא תעביר אליכם עוד דבר מ־{sender}.",
    ),
    (
        "relay.switch_off",
        "אפשר להפסיק הודעות דרך המפה בדף העריכה של הרשומה שלכם.",
    ),
    ("published.subject", "{name} נמצא במפה"),
    (
        "published.body",
        "מנחה אישר את {name}: הוא מופיע במפה עכשיו. הדף הציבורי שלו:",
    ),
    ("rejected.subject", "{name} לא פורסם"),
    (
        "rejected.body",
        "מנחה לא פרסם את מה ששלחתם עבור {name}. הסיבה שנתן:",
    ),
    ("edit_live.subject", "השינוי שלכם ב־{name} פורסם"),
    (
        "edit_live.body",
        "מנחה אישר את השינוי שלכם ב־{name}: המפה מציגה אותו עכשיו. הדף הציבורי:",
    ),
    ("digest.subject", "{count} ממתינים לבדיקה במפה"),
    (
        "digest.body",
        "{count} הגשות או שינויים ממתינים למנחה. דף הניהול:",
    ),
    (
        "digest.stop",
        "הסיכום הזה נשלח אליך כמנחה; אפשר לכבות אותו בדף הניהול.",
    ),
    (
        "no_public_url",
        "(הכתובת הציבורית של המפה לא הוגדרה, ולכן הקישור למעלה הוא נתיב בלבד: פתחו אותו באתר המפה.)",
    ),
    (
        "footer",
        "המפה שלחה הודעה זו כי הכתובת הזו ניתנה ככתובת הקשר של {name}.",
    ),
];

/// Every language's table.
const TABLES: [(&str, &[(&str, &str)]); 3] = [("en", EN), ("ar", AR), ("he", HE)];

/// The text of `key` in `lang`, else in English; the key itself when no
/// language has it (a test makes sure that never happens).
pub fn text(lang: &str, key: &'static str) -> &'static str {
    let find =
        |table: &[(&str, &'static str)]| table.iter().find(|(k, _)| *k == key).map(|(_, t)| *t);
    TABLES
        .iter()
        .find(|(l, _)| *l == lang)
        .and_then(|(_, table)| find(table))
        .or_else(|| find(EN))
        .unwrap_or(key)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    /// The `{slot}`s of a template.
    fn slots(template: &str) -> BTreeSet<&str> {
        template
            .split('{')
            .skip(1)
            .filter_map(|rest| rest.split_once('}').map(|(slot, _)| slot))
            .collect()
    }

    #[test]
    fn every_language_has_every_key_with_the_same_slots() {
        let keys: BTreeSet<&str> = EN.iter().map(|(k, _)| *k).collect();
        assert_eq!(keys.len(), EN.len(), "a key twice in English");
        for (lang, table) in TABLES {
            let theirs: BTreeSet<&str> = table.iter().map(|(k, _)| *k).collect();
            assert_eq!(theirs.len(), table.len(), "a key twice in {lang}");
            let missing: Vec<_> = keys.difference(&theirs).collect();
            let extra: Vec<_> = theirs.difference(&keys).collect();
            assert!(missing.is_empty(), "{lang} lacks {missing:?}");
            assert!(extra.is_empty(), "{lang} has unknown {extra:?}");
            for (key, template) in table {
                assert!(!template.trim().is_empty(), "{lang} {key} is empty");
                assert_eq!(
                    slots(template),
                    slots(text("en", key)),
                    "{lang} {key} has other slots than English"
                );
            }
        }
        assert_eq!(LANGUAGES.to_vec(), TABLES.map(|(l, _)| l).to_vec());
    }

    #[test]
    fn arabic_and_hebrew_are_written_right_to_left() {
        assert!(rtl("ar") && rtl("he") && !rtl("en"));
        assert_eq!(
            text("fr", "received.subject"),
            text("en", "received.subject")
        );
    }
}
