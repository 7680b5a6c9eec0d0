//! Text fields (names, codes, profile fields): checked once, here, so that
//! every store keeps the same values and none refuses what another accepts.

/// The longest text field the directory stores, in characters (Unicode
/// scalar values). Email addresses have their own limit of 254 bytes.
pub const MAX_TEXT_CHARS: usize = 256;

/// Why a text field is refused.
pub(crate) const CONTROL: &str = "it contains a control character";
/// Why a text field is refused.
pub(crate) const TOO_LONG: &str = "it is longer than 256 characters";

/// A text field as stored: trimmed, `None` when empty; refused when it holds
/// a control character (NUL, line breaks, tabs, escapes, …) or is longer
/// than [`MAX_TEXT_CHARS`].
pub(crate) fn check(value: &str) -> Result<Option<String>, &'static str> {
    let value = value.trim();
    if value.chars().any(char::is_control) {
        Err(CONTROL)
    } else if value.chars().count() > MAX_TEXT_CHARS {
        Err(TOO_LONG)
    } else if value.is_empty() {
        Ok(None)
    } else {
        Ok(Some(value.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trims_and_refuses_controls_and_overlong_text() {
        assert_eq!(check("  Sales  "), Ok(Some("Sales".to_owned())));
        assert_eq!(check("   "), Ok(None));
        for bad in ["a\0b", "a\nb", "a\tb", "\u{1b}[31m", "a\u{85}b"] {
            assert_eq!(check(bad), Err(CONTROL), "{bad:?}");
        }
        let longest = "é".repeat(MAX_TEXT_CHARS);
        assert_eq!(check(&longest), Ok(Some(longest.clone())));
        assert_eq!(check(&format!("{longest}x")), Err(TOO_LONG));
    }
}
