//! The one form in which addresses are compared and stored.

use caseless::default_case_fold_str;
use unicode_normalization::UnicodeNormalization;

/// The form an address is compared and stored in: trimmed, NFC, Unicode
/// default case folding, NFC again (folding may decompose). Two spellings of
/// one address — composed or decomposed, any case — are one address.
pub(crate) fn normalize(address: &str) -> String {
    let address = address.trim();
    if address.is_ascii() {
        // ASCII is its own NFC, and folds to its lowercase.
        return address.to_ascii_lowercase();
    }
    let composed: String = address.nfc().collect();
    default_case_fold_str(&composed).nfc().collect()
}
