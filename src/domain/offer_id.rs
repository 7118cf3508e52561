//! `OfferId`: which offer, as `publisher/offer`. The service treats both parts without regard to
//! case, so equality, hashing and ordering do too; display keeps the spelling it was given.

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A publisher and one of its offers (for the ingestion API: the seller label and the product's
/// external id).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OfferId {
    publisher: String,
    offer: String,
}

/// Why a text is not an offer id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OfferIdError {
    #[error("expected PUBLISHER/OFFER (for example contoso/contoso-vm), got {0:?}")]
    Shape(String),
    #[error("{part} must not be empty")]
    Empty { part: &'static str },
    #[error("{part} = {value:?} may not contain '/', spaces at the ends or control characters")]
    Characters { part: &'static str, value: String },
    #[error("{part} = {value:?} is a path step ('.' or '..'), which cannot name an offer in a URL")]
    DotSegment { part: &'static str, value: String },
}

impl OfferId {
    /// An id from its two parts, each non-empty, trimmed, without '/' or control characters.
    pub fn new(publisher: &str, offer: &str) -> Result<OfferId, OfferIdError> {
        for (part, value) in [("publisher", publisher), ("offer", offer)] {
            if value.trim().is_empty() {
                return Err(OfferIdError::Empty { part });
            }
            if value == "." || value == ".." {
                return Err(OfferIdError::DotSegment {
                    part,
                    value: value.to_string(),
                });
            }
            if value.contains('/') || value.chars().any(char::is_control) || value.trim() != value {
                return Err(OfferIdError::Characters {
                    part,
                    value: value.to_string(),
                });
            }
        }
        Ok(OfferId {
            publisher: publisher.to_string(),
            offer: offer.to_string(),
        })
    }

    pub fn publisher(&self) -> &str {
        &self.publisher
    }

    pub fn offer(&self) -> &str {
        &self.offer
    }

    fn folded(&self) -> (String, String) {
        (
            self.publisher.to_ascii_lowercase(),
            self.offer.to_ascii_lowercase(),
        )
    }
}

impl FromStr for OfferId {
    type Err = OfferIdError;

    /// `publisher/offer`; spaces around either part are forgiven.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.split_once('/') {
            Some((p, o)) if !p.trim().is_empty() && !o.trim().is_empty() => {
                OfferId::new(p.trim(), o.trim())
            }
            _ => Err(OfferIdError::Shape(s.to_string())),
        }
    }
}

impl fmt::Display for OfferId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.publisher, self.offer)
    }
}

impl PartialEq for OfferId {
    fn eq(&self, other: &Self) -> bool {
        self.publisher.eq_ignore_ascii_case(&other.publisher)
            && self.offer.eq_ignore_ascii_case(&other.offer)
    }
}

impl Eq for OfferId {}

impl Hash for OfferId {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.folded().hash(state);
    }
}

impl PartialOrd for OfferId {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for OfferId {
    fn cmp(&self, other: &Self) -> Ordering {
        self.folded().cmp(&other.folded())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn parses_displays_and_compares_without_case() {
        let a: OfferId = " Contoso / Contoso-VM ".parse().unwrap();
        assert_eq!(a.to_string(), "Contoso/Contoso-VM");
        let b = OfferId::new("contoso", "contoso-vm").unwrap();
        assert_eq!(a, b);
        assert_eq!(a.cmp(&b), Ordering::Equal);
        assert_eq!(HashSet::from([a, b]).len(), 1);
        assert!(matches!(
            "contoso".parse::<OfferId>(),
            Err(OfferIdError::Shape(_))
        ));
        assert!("a/b/c".parse::<OfferId>().is_err());
        assert!(OfferId::new("a", "b\u{1b}").is_err());
        assert!(OfferId::new("", "b").is_err());
    }
}
