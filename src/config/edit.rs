//! The one change offerdeck makes to the config file: an offer's notification e-mails. Done with
//! toml_edit so comments and layout survive, validated before writing, and written atomically
//! (temporary file, fsync, rename) with the original permissions.

use std::path::Path;

use toml_edit::{DocumentMut, Item, Value};

use super::{ConfigError, parse};
use crate::domain::OfferId;

/// Sets `notification_emails` of the `[[offers]]` entry for `publisher/offer`. Nothing is written
/// unless the result is a valid config.
pub fn set_notification_emails(
    path: &Path,
    offer: &OfferId,
    emails: &[String],
) -> Result<(), ConfigError> {
    let io = |e: std::io::Error| ConfigError::Io {
        path: path.to_path_buf(),
        message: e.to_string(),
    };
    for address in emails {
        crate::emails::validate(address).map_err(|e| ConfigError::Invalid {
            path: path.to_path_buf(),
            line: 0,
            column: 0,
            message: format!("{e}; nothing was saved"),
        })?;
    }
    // Write through symlinks to the real file.
    let target = std::fs::canonicalize(path).map_err(io)?;
    let text = std::fs::read_to_string(&target).map_err(io)?;
    let mut doc: DocumentMut = text.parse().map_err(|e: toml_edit::TomlError| {
        let offset = e.span().map(|s| s.start).unwrap_or(0);
        let (line, column) = super::line_col(&text, offset);
        ConfigError::Invalid {
            path: path.to_path_buf(),
            line,
            column,
            message: e.message().to_string(),
        }
    })?;

    let not_found = || ConfigError::Io {
        path: path.to_path_buf(),
        message: format!("no [[offers]] entry for {offer}; nothing was saved"),
    };
    let tables = doc
        .get_mut("offers")
        .and_then(Item::as_array_of_tables_mut)
        .ok_or_else(not_found)?;
    let table = tables
        .iter_mut()
        .find(|t| {
            let field = |k: &str| t.get(k).and_then(Item::as_str).unwrap_or("");
            OfferId::new(field("publisher"), field("offer")).is_ok_and(|id| &id == offer)
        })
        .ok_or_else(not_found)?;

    match table
        .get_mut("notification_emails")
        .and_then(Item::as_array_mut)
    {
        // Refill the array in place: each position keeps its decoration (the comments above it
        // and after it, its indentation); the comments of positions that go are kept at the end.
        Some(array) => {
            let old: Vec<toml_edit::Decor> = array.iter().map(|v| v.decor().clone()).collect();
            let trailing = array.trailing().as_str().unwrap_or("").to_string();
            let trailing_comma = array.trailing_comma();
            let multiline = old.iter().any(|d| {
                d.prefix()
                    .and_then(|p| p.as_str())
                    .is_some_and(|p| p.contains('\n'))
            });
            // New lines are indented like the last item that starts a line.
            let indent = old
                .iter()
                .rev()
                .filter_map(|d| d.prefix().and_then(|p| p.as_str()))
                .find_map(|p| p.rsplit_once('\n').map(|(_, i)| i.to_string()))
                .unwrap_or_else(|| "    ".into());
            array.clear();
            for (i, address) in emails.iter().enumerate() {
                let mut v = Value::from(address.as_str());
                match old.get(i) {
                    Some(decor) => *v.decor_mut() = decor.clone(),
                    None if multiline => v.decor_mut().set_prefix(format!("\n{indent}")),
                    None if i > 0 => v.decor_mut().set_prefix(" "),
                    None => {}
                }
                array.push_formatted(v);
            }
            let mut kept = String::new();
            for decor in old.iter().skip(emails.len()) {
                for part in [decor.prefix(), decor.suffix()] {
                    let text = part.and_then(|p| p.as_str()).unwrap_or("");
                    for line in text.lines().filter(|l| l.trim_start().starts_with('#')) {
                        kept.push_str(&format!("\n{indent}{}", line.trim_start()));
                    }
                }
            }
            array.set_trailing(format!("{kept}{trailing}"));
            array.set_trailing_comma(trailing_comma || (multiline && !emails.is_empty()));
        }
        None => {
            let array: toml_edit::Array = emails.iter().map(String::as_str).collect();
            table.insert("notification_emails", Item::Value(Value::Array(array)));
        }
    }
    let new_text = doc.to_string();
    // Never write a file offerdeck itself could not load back.
    parse(path, &new_text)?;
    crate::fsutil::write_atomically(&target, new_text.as_bytes()).map_err(io)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(p: &str, o: &str) -> OfferId {
        OfferId::new(p, o).unwrap()
    }

    #[test]
    fn comments_and_layout_survive_an_edit() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        let original = "# my offers\n[api]\npoll_interval = \"5s\" # fast\n\n[[offers]]\npublisher = \"contoso\" # us\noffer = \"vm\"\nnotification_emails = [\"a@contoso.com\"] # who hears\n\n[[offers]]\npublisher = \"contoso\"\noffer = \"app\"\n";
        std::fs::write(&path, original).unwrap();
        set_notification_emails(
            &path,
            &id("contoso", "vm"),
            &["b@contoso.com".into(), "c@contoso.com".into()],
        )
        .unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains("# my offers"));
        assert!(text.contains("\"5s\" # fast"));
        assert!(text.contains("publisher = \"contoso\" # us"));
        assert!(
            text.contains(
                "notification_emails = [\"b@contoso.com\", \"c@contoso.com\"] # who hears"
            ),
            "{text}"
        );
        set_notification_emails(&path, &id("contoso", "app"), &["d@contoso.com".into()]).unwrap();
        let c = super::super::load(&path, "test").unwrap();
        assert_eq!(
            c.offer(&id("contoso", "app")).unwrap().notification_emails,
            vec!["d@contoso.com"]
        );
    }

    #[test]
    fn comments_between_items_of_a_multi_line_list_survive() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        let original = "[[offers]]\npublisher = \"contoso\"\noffer = \"vm\"\nnotification_emails = [\n    # primary on-call\n    \"ops@contoso.com\",\n    # the release manager\n    \"release@contoso.com\", # until March\n]\nbackend = \"cpp\" # stays\n";
        std::fs::write(&path, original).unwrap();
        let id = id("contoso", "vm");
        set_notification_emails(
            &path,
            &id,
            &["new@contoso.com".into(), "release@contoso.com".into()],
        )
        .unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(
            text,
            original.replace("\"ops@contoso.com\"", "\"new@contoso.com\""),
            "only the address changed"
        );
        // Three addresses: the new one is indented like the others.
        let three = [
            "a@contoso.com".into(),
            "b@contoso.com".into(),
            "c@contoso.com".into(),
        ];
        set_notification_emails(&path, &id, &three).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            text.contains("    # primary on-call\n    \"a@contoso.com\","),
            "{text}"
        );
        assert!(
            text.contains("    # the release manager\n    \"b@contoso.com\","),
            "{text}"
        );
        // A comment at the end of the last line stays at the end of the last line.
        assert!(
            text.contains("\n    \"c@contoso.com\", # until March\n]"),
            "{text}"
        );
        // One address: the comments of the items that went are kept, at the end of the list.
        set_notification_emails(&path, &id, &["a@contoso.com".into()]).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        for comment in [
            "# primary on-call",
            "# the release manager",
            "# until March",
            "# stays",
        ] {
            assert!(text.contains(comment), "{comment} lost:\n{text}");
        }
        let c = super::super::load(&path, "test").unwrap();
        assert_eq!(c.offers[0].notification_emails, vec!["a@contoso.com"]);
    }

    #[test]
    fn invalid_addresses_and_unknown_offers_write_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        let original =
            "[[offers]]\npublisher = \"p\"\noffer = \"o\"\nnotification_emails = [\"a@x.com\"]\n";
        std::fs::write(&path, original).unwrap();
        let e =
            set_notification_emails(&path, &id("p", "o"), &["not-an-address".into()]).unwrap_err();
        assert!(e.to_string().contains("not-an-address"));
        assert!(set_notification_emails(&path, &id("p", "nope"), &["b@x.com".into()]).is_err());
        assert_eq!(std::fs::read_to_string(&path).unwrap(), original);
    }
}
