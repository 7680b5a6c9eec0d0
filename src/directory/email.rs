//! Email address lists: one per line or separated by commas.

use super::error::{AddressProblem, BadAddress};
pub(crate) use crate::record::normalize;
use unicode_normalization::UnicodeNormalization;
use unicode_properties::{GeneralCategory, UnicodeGeneralCategory};

/// Splits on newlines, commas and semicolons, trims, drops empty entries and
/// duplicates (keeping the first). Duplicates are judged by the address as it
/// will be stored (`normalize`), so two spellings of one address never become
/// two invitations.
pub(crate) fn split(list: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for raw in list.split(['\n', '\r', ',', ';']) {
        let address = raw.trim();
        if address.is_empty() {
            continue;
        }
        if seen.insert(normalize(address)) {
            out.push(address.to_owned());
        }
    }
    out
}

/// A deliberately plain check: one `@`, a non-empty local part, a domain
/// with a dot and no empty label, no whitespace or control characters, at
/// most 254 bytes.
pub(crate) fn is_valid(address: &str) -> bool {
    if address.len() > 254 || address.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return false;
    }
    let Some((local, domain)) = address.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && local.len() <= 64
        && !domain.contains('@')
        && domain.contains('.')
        && domain
            .split('.')
            .all(|l| !l.is_empty() && l.chars().all(|c| c.is_alphanumeric() || c == '-'))
}

/// Characters that print nothing or reorder what is printed: format
/// characters (zero-width spaces and joiners, bidirectional controls, the
/// byte-order mark, soft hyphens), controls, private-use and unassigned code
/// points, and the letters and symbols that render blank (Hangul fillers, the
/// blank Braille pattern).
fn is_hidden(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_control();
    }
    matches!(
        c.general_category(),
        GeneralCategory::Format
            | GeneralCategory::Control
            | GeneralCategory::PrivateUse
            | GeneralCategory::Unassigned
            | GeneralCategory::Surrogate
    ) || is_ignorable_mark(c)
}

/// Default-ignorable code points that are not format characters —
/// combining grapheme joiner, Hangul fillers, Khmer inherent vowels,
/// Mongolian and other variation selectors — and the blank Braille pattern:
/// each renders as nothing.
fn is_ignorable_mark(c: char) -> bool {
    matches!(
        c,
        '\u{034F}'
            | '\u{115F}'..='\u{1160}'
            | '\u{17B4}'..='\u{17B5}'
            | '\u{180B}'..='\u{180F}'
            | '\u{2800}'
            | '\u{3164}'
            | '\u{FE00}'..='\u{FE0F}'
            | '\u{FFA0}'
            | '\u{E0000}'..='\u{E0FFF}'
    )
}

/// The Halfwidth and Fullwidth Forms block: letters and digits that imitate
/// their ASCII counterparts.
fn is_width_form(c: char) -> bool {
    ('\u{FF01}'..='\u{FFEF}').contains(&c)
}

/// The address in its stored form, or why it is refused.
pub(crate) fn check(address: &str) -> Result<String, BadAddress> {
    let given = address.trim();
    let refuse = |problem| BadAddress {
        address: given.to_owned(),
        problem,
    };
    if given.chars().any(is_hidden) {
        return Err(refuse(AddressProblem::HiddenCharacters));
    }
    if !given.is_ascii() && given.chars().any(is_width_form) {
        return Err(refuse(AddressProblem::WidthForms));
    }
    let normal = normalize(given);
    // Case folding that turns a character into others (ß into ss, ﬁ into
    // fi) would make the stored address, which is where an invitation is
    // sent, another mailbox than the one given.
    if !given.is_ascii() {
        let lower: String = given.nfc().collect::<String>().to_lowercase();
        if lower.nfc().collect::<String>() != normal {
            return Err(refuse(AddressProblem::CaseFolding));
        }
    }
    if is_valid(&normal) {
        Ok(normal)
    } else {
        Err(refuse(AddressProblem::Invalid))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_lines_and_commas_trims_and_dedups() {
        assert_eq!(
            split(" a@x.io,\nB@x.io \r\n, a@x.io ;\n\nc@y.org"),
            ["a@x.io", "B@x.io", "c@y.org"]
        );
        // Case beyond ASCII, as stored after folding; composed and
        // decomposed spellings.
        assert_eq!(split("ÄNNE@x.io\nänne@x.io"), ["ÄNNE@x.io"]);
        assert_eq!(
            split("caf\u{e9}@x.io\ncafe\u{301}@x.io"),
            ["caf\u{e9}@x.io"]
        );
    }

    #[test]
    fn normalizes_to_nfc_and_folds_case() {
        let composed = check("Caf\u{c9}@X.io").unwrap();
        assert_eq!(composed, "caf\u{e9}@x.io");
        assert_eq!(check("CAFE\u{301}@x.io").unwrap(), composed);
        // Where folding would give another mailbox than lowercasing (ß to
        // ss), the address is refused rather than sent elsewhere.
        for changed in ["straße@x.io", "\u{FB01}x@x.io", "\u{3C2}a@x.io"] {
            assert_eq!(
                check(changed).unwrap_err().problem,
                AddressProblem::CaseFolding,
                "{changed:?}"
            );
        }
        assert_eq!(check("\u{3A3}A@x.io").unwrap(), "\u{3C3}a@x.io");
    }

    #[test]
    fn refuses_hidden_characters_and_width_forms() {
        for hidden in [
            "a\u{200B}b@x.io",
            "\u{202E}ab@x.io",
            "ab@x\u{2066}.io",
            "a\u{FEFF}@x.io",
            "a\u{AD}b@x.io",
            "a\u{3164}@x.io",
            "a\u{E000}@x.io",
            "boss\u{FE0F}@x.io",
            "bo\u{34F}ss@x.io",
            "a\u{180B}@x.io",
            "a\u{E0100}@x.io",
        ] {
            assert_eq!(
                check(hidden).unwrap_err().problem,
                AddressProblem::HiddenCharacters,
                "{hidden:?}"
            );
        }
        assert_eq!(
            check("\u{FF41}dmin@x.io").unwrap_err().problem,
            AddressProblem::WidthForms
        );
    }

    #[test]
    fn validates_plainly() {
        for ok in ["a@b.co", "first.last+tag@mail.example.org"] {
            assert!(is_valid(ok), "{ok}");
        }
        for bad in [
            "", "a", "a@b", "@b.co", "a@@b.co", "a b@c.co", "a@b..co", "a@.co",
        ] {
            assert!(!is_valid(bad), "{bad}");
        }
    }
}
