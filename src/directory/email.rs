//! Email address lists: one per line or separated by commas.

use super::error::{AddressProblem, BadAddress};

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

pub(crate) fn normalize(address: &str) -> String {
    address.trim().to_lowercase()
}

pub(crate) fn check(address: &str) -> Result<String, BadAddress> {
    if is_valid(address) {
        Ok(normalize(address))
    } else {
        Err(BadAddress {
            address: address.to_owned(),
            problem: AddressProblem::Invalid,
        })
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
        // Case beyond ASCII, as stored after lowercasing.
        assert_eq!(split("ÄNNE@x.io\nänne@x.io"), ["ÄNNE@x.io"]);
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
