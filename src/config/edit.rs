//! The changes offerdeck makes to the config file: an offer's notification e-mails, and offers
//! found by `discover` appended. Done with toml_edit so comments and layout survive, validated
//! before writing, and written atomically (temporary file, fsync, rename) with the original
//! permissions.

use std::path::Path;

use toml_edit::{DocumentMut, Item, Value};

use super::{ConfigError, parse};
use crate::domain::{BackendKind, OfferId};

fn io_error(path: &Path) -> impl Fn(std::io::Error) -> ConfigError + '_ {
    move |e| ConfigError::Io {
        path: path.to_path_buf(),
        message: e.to_string(),
    }
}

/// The file behind `path` (symlinks followed: the real file is written) and its document.
fn load_document(path: &Path) -> Result<(std::path::PathBuf, DocumentMut), ConfigError> {
    let target = std::fs::canonicalize(path).map_err(io_error(path))?;
    let text = super::text_of(path, std::fs::read(&target).map_err(io_error(path))?)?;
    let doc = text.parse().map_err(|e: toml_edit::TomlError| {
        let offset = e.span().map(|s| s.start).unwrap_or(0);
        let (line, column) = super::line_col(&text, offset);
        ConfigError::Invalid {
            path: path.to_path_buf(),
            line,
            column,
            message: e.message().to_string(),
        }
    })?;
    Ok((target, doc))
}

/// Writes the document, unless offerdeck itself could not load it back.
fn save_document(path: &Path, target: &Path, doc: &DocumentMut) -> Result<(), ConfigError> {
    let new_text = doc.to_string();
    parse(path, &new_text)?;
    crate::fsutil::write_atomically(target, new_text.as_bytes()).map_err(io_error(path))
}

/// An offer to add to the config.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewOffer {
    pub id: OfferId,
    pub backend: BackendKind,
    /// Its display name, written as a comment above it.
    pub name: String,
}

/// Appends `[[offers]]` entries for the offers not configured yet; returns those added. The
/// rest of the file (comments included) is kept as it is.
pub fn append_offers(path: &Path, offers: &[NewOffer]) -> Result<Vec<OfferId>, ConfigError> {
    let (target, mut doc) = load_document(path)?;
    if doc.get("offers").is_none() {
        doc.insert(
            "offers",
            Item::ArrayOfTables(toml_edit::ArrayOfTables::new()),
        );
    }
    let tables = doc
        .get_mut("offers")
        .and_then(Item::as_array_of_tables_mut)
        .ok_or_else(|| ConfigError::Io {
            path: path.to_path_buf(),
            message: "`offers` is not a list of [[offers]] tables; nothing was added".into(),
        })?;
    let configured = |tables: &toml_edit::ArrayOfTables, id: &OfferId| {
        tables.iter().any(|t| {
            let field = |k: &str| t.get(k).and_then(Item::as_str).unwrap_or("");
            OfferId::new(field("publisher"), field("offer")).is_ok_and(|known| &known == id)
        })
    };
    let mut added = Vec::new();
    for offer in offers {
        if configured(tables, &offer.id) || added.contains(&offer.id) {
            continue;
        }
        let mut table = toml_edit::Table::new();
        let name = crate::text::sanitize_line(&offer.name);
        let comment = if name.is_empty() {
            "# added by offerdeck".to_string()
        } else {
            format!("# {name} (added by offerdeck)")
        };
        table.decor_mut().set_prefix(format!("\n{comment}\n"));
        table.insert("publisher", toml_edit::value(offer.id.publisher()));
        table.insert("offer", toml_edit::value(offer.id.offer()));
        if offer.backend != BackendKind::Cpp {
            table.insert("backend", toml_edit::value(offer.backend.as_str()));
        }
        tables.push(table);
        added.push(offer.id.clone());
    }
    if !added.is_empty() {
        save_document(path, &target, &doc)?;
    }
    Ok(added)
}

/// Sets `notification_emails` of the `[[offers]]` entry for `publisher/offer`. Nothing is written
/// unless the result is a valid config.
pub fn set_notification_emails(
    path: &Path,
    offer: &OfferId,
    emails: &[String],
) -> Result<(), ConfigError> {
    for address in emails {
        crate::emails::validate(address).map_err(|e| ConfigError::Invalid {
            path: path.to_path_buf(),
            line: 0,
            column: 0,
            message: format!("{e}; nothing was saved"),
        })?;
    }
    let (target, mut doc) = load_document(path)?;

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
    save_document(path, &target, &doc)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn discovered_offers_are_appended_once_and_every_comment_stays() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        let original = "# my offers\n[api]\npoll_interval = \"30s\" # fast\n\n[[offers]]\npublisher = \"contoso\"\noffer = \"vm\" # the old one\n";
        std::fs::write(&path, original).unwrap();
        let new = |p: &str, o: &str, backend| NewOffer {
            id: id(p, o),
            backend,
            name: format!("{o} \u{1b}[31mname"),
        };
        let added = append_offers(
            &path,
            &[
                new("contoso", "VM", BackendKind::Cpp),
                new("fabrikam", "gamma", BackendKind::Ingestion),
                new("contoso", "db", BackendKind::Cpp),
            ],
        )
        .unwrap();
        assert_eq!(added, vec![id("fabrikam", "gamma"), id("contoso", "db")]);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.starts_with(original), "{text}");
        assert!(text.contains("# gamma name (added by offerdeck)\n[[offers]]\npublisher = \"fabrikam\"\noffer = \"gamma\"\nbackend = \"ingestion\"\n"), "{text}");
        assert!(!text.contains('\u{1b}'), "{text}");
        let config = parse(&path, &text).unwrap();
        assert_eq!(config.offers.len(), 3);
        // Nothing new: nothing written.
        assert!(
            append_offers(&path, &[new("fabrikam", "GAMMA", BackendKind::Ingestion)])
                .unwrap()
                .is_empty()
        );
        assert_eq!(std::fs::read_to_string(&path).unwrap(), text);
    }

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
