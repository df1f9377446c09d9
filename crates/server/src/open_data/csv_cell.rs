//! CSV cells that no spreadsheet runs.
//!
//! Excel and LibreOffice read a cell that starts with `=`, `+`, `-`, `@`, a
//! tab or a carriage return as a formula, so a group named
//! `=HYPERLINK("https://…?"&A1, "Click")` would run in the spreadsheet of
//! whoever opens the export. The export puts a `'` in front of such a text
//! cell (OWASP's advice against CSV injection), which spreadsheets show as
//! text. Numbers (a negative coordinate) are not text and keep their sign.
//!
//! The import takes the `'` away again, so an export reads back unchanged.
//! For that to be exact, a text that already starts with quotes and then
//! one of those characters gets one more quote too: the export adds one
//! `'` to every text that starts with `'`s and a formula's first
//! character, and the import takes one from every such cell, and from no
//! other.

use std::borrow::Cow;

/// The first characters that make a spreadsheet read a cell as a formula.
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// Whether `text` starts like a formula, after any quotes.
fn formula_like(text: &str) -> bool {
    text.trim_start_matches('\'').starts_with(FORMULA_STARTS)
}

/// A text cell for the export: with a `'` in front when it starts like a
/// formula (after any quotes).
pub fn escape(text: &str) -> Cow<'_, str> {
    if formula_like(text) {
        Cow::Owned(format!("'{text}"))
    } else {
        Cow::Borrowed(text)
    }
}

/// A cell as the import reads it: the quote the export added taken away.
pub fn unescape(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(text) if formula_like(text) => text,
        _ => cell,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_quoted_and_read_back() {
        for (text, cell) in [
            ("=1+1", "'=1+1"),
            ("+972 2 555", "'+972 2 555"),
            ("-minus", "'-minus"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\tTab", "'\tTab"),
            ("\rCR", "'\rCR"),
            ("'=quoted", "''=quoted"),
            ("''=twice", "'''=twice"),
            ("plain", "plain"),
            ("it's", "it's"),
            ("'plain", "'plain"),
            ("''plain", "''plain"),
            ("a=b", "a=b"),
            ("'", "'"),
            ("", ""),
        ] {
            assert_eq!(escape(text), cell, "{text:?}");
            assert_eq!(unescape(&escape(text)), text, "{text:?}");
        }
        // a cell another program wrote with a quote of its own is read as
        // the export's
        assert_eq!(unescape("'=1+1"), "=1+1");
        assert_eq!(unescape("'quoted"), "'quoted");
    }
}
