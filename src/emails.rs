//! Notification e-mail addresses: parsing the comma-separated lists users type, and validating
//! each address with a reason a person can act on.

use std::str::FromStr;

use email_address::EmailAddress;

/// An address that was refused, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct EmailError {
    /// Empty when the list as a whole is refused.
    pub address: String,
    pub reason: String,
}

impl std::fmt::Display for EmailError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.address.is_empty() {
            f.write_str(&self.reason)
        } else {
            write!(
                f,
                "{:?} is not a valid e-mail address: {}",
                self.address, self.reason
            )
        }
    }
}

/// Checks one address. Beyond RFC syntax, the domain must contain a dot: `ops@localhost` is
/// valid syntax but cannot receive Marketplace mail.
pub fn validate(address: &str) -> Result<String, EmailError> {
    let trimmed = address.trim();
    let refuse = |reason: &str| EmailError {
        address: crate::text::sanitize_line(trimmed),
        reason: reason.to_string(),
    };
    if trimmed.is_empty() {
        return Err(refuse("it is empty"));
    }
    // Name the first character that cannot be in an address, and where it is.
    if let Some((i, c)) = trimmed.chars().enumerate().find(|(_, c)| {
        c.is_whitespace()
            || c.is_control()
            || !c.is_ascii()
            || matches!(
                c,
                '(' | ')' | '<' | '>' | '[' | ']' | '\\' | ',' | ';' | ':' | '"'
            )
    }) {
        let shown = if c.is_control() {
            format!("{:?}", c)
        } else {
            format!("'{c}'")
        };
        return Err(refuse(&format!(
            "{shown} at {} cannot be in an address",
            i + 1
        )));
    }
    let Some((local, domain)) = trimmed.rsplit_once('@') else {
        return Err(refuse("it has no @"));
    };
    if local.is_empty() {
        return Err(refuse("nothing before the @"));
    }
    if domain.is_empty() {
        return Err(refuse("nothing after the @"));
    }
    if !domain.contains('.')
        || domain.starts_with('.')
        || domain.ends_with('.')
        || domain.contains("..")
    {
        return Err(refuse("the domain after the @ must look like example.com"));
    }
    EmailAddress::from_str(trimmed).map_err(|e| refuse(&e.to_string()))?;
    Ok(trimmed.to_string())
}

/// Like `parse_list`, but an empty list is refused: a publish needs someone to tell.
pub fn parse_nonempty_list(input: &str) -> Result<Vec<String>, EmailError> {
    let list = parse_list(input)?;
    if list.is_empty() {
        return Err(EmailError {
            address: String::new(),
            reason: "the list is empty; give at least one address (comma-separated)".into(),
        });
    }
    Ok(list)
}

/// Parses `a@x.com, b@y.com` (commas, semicolons or spaces between addresses). Empty entries are
/// skipped, duplicates (ignoring case) dropped; the first invalid address is the error.
pub fn parse_list(input: &str) -> Result<Vec<String>, EmailError> {
    let mut out: Vec<String> = Vec::new();
    for part in input
        .split([',', ';', ' ', '\t', '\n'])
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        let address = validate(part)?;
        if !out.iter().any(|a| a.eq_ignore_ascii_case(&address)) {
            out.push(address);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_parse_and_dedupe() {
        assert_eq!(
            parse_list(" ops@contoso.com,lead@contoso.com; OPS@contoso.com ,, ").unwrap(),
            vec!["ops@contoso.com", "lead@contoso.com"]
        );
        assert_eq!(parse_list("").unwrap(), Vec::<String>::new());
    }

    #[test]
    fn bad_addresses_are_named() {
        let err = parse_list("ops@contoso.com, lead-at-contoso.com").unwrap_err();
        assert_eq!(err.address, "lead-at-contoso.com");
        assert!(err.to_string().contains("no @"));
        assert!(validate("ops@localhost").is_err());
        assert!(validate("a@b..com").is_err());
        assert!(validate("@x.com").is_err());
        let err = validate("josé@x.com").unwrap_err();
        assert_eq!(
            err.to_string(),
            "\"josé@x.com\" is not a valid e-mail address: 'é' at 4 cannot be in an address"
        );
        assert!(
            parse_nonempty_list(" , ")
                .unwrap_err()
                .to_string()
                .contains("empty")
        );
    }
}
