//! Writing XML by hand, safely: every text is escaped as for HTML (whose
//! escapes XML reads the same), and characters XML 1.0 cannot hold at all
//! are left out rather than breaking the document.

use solidarity_map_core::text::escape_html;

/// Text for XML content or a quoted attribute value.
pub fn escape(text: &str) -> String {
    let allowed = |c: &char| {
        matches!(c, '\t' | '\n' | '\r')
            || (u32::from(*c) >= 0x20 && !matches!(c, '\u{FFFE}' | '\u{FFFF}'))
    };
    escape_html(&text.chars().filter(allowed).collect::<String>())
}

#[cfg(test)]
mod tests {
    #[test]
    fn markup_and_forbidden_characters_never_pass() {
        assert_eq!(
            super::escape("<a href='x'>&\"\u{1}\u{FFFF}ok\n"),
            "&lt;a href=&#39;x&#39;&gt;&amp;&quot;ok\n"
        );
    }
}
