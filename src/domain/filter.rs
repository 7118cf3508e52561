//! The filter language of the dashboard's `/` and of `[views]`: words match anywhere (offer,
//! status, e-mails); `status:`, `publisher:` and `backend:` match one field; `!` before any
//! term keeps what does not match it. Every term must hold.

/// What a row offers to a filter.
#[derive(Debug, Clone, Copy)]
pub struct Subject<'a> {
    pub offer: &'a str,
    pub publisher: &'a str,
    /// The status as the table words it (`ready for go-live`).
    pub status: &'a str,
    /// `cpp` or `ingestion`.
    pub backend: &'a str,
    pub emails: &'a [String],
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Field {
    Anywhere,
    Status,
    Publisher,
    Backend,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Term {
    field: Field,
    negated: bool,
    /// Lower case.
    text: String,
}

/// A parsed filter.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    terms: Vec<Term>,
}

impl Filter {
    /// Parses a filter; an unknown `field:` is an error naming the known ones.
    pub fn parse(text: &str) -> Result<Filter, String> {
        let mut terms = Vec::new();
        for word in text.split_whitespace() {
            let (negated, rest) = match word.strip_prefix('!') {
                Some(rest) => (true, rest),
                None => (false, word),
            };
            let (field, value) = match rest.split_once(':') {
                Some((name, value)) => {
                    let field = match name.to_ascii_lowercase().as_str() {
                        "status" => Field::Status,
                        "publisher" => Field::Publisher,
                        "backend" | "api" => Field::Backend,
                        other => {
                            return Err(format!(
                                "{other}: is not a filter field; use status:, publisher: or backend: (or a plain word)"
                            ));
                        }
                    };
                    (field, value)
                }
                None => (Field::Anywhere, rest),
            };
            if value.is_empty() {
                continue;
            }
            terms.push(Term {
                field,
                negated,
                text: value.to_lowercase(),
            });
        }
        Ok(Filter { terms })
    }

    /// A filter as typed: what does not parse is taken word for word.
    pub fn lenient(text: &str) -> Filter {
        Filter::parse(text).unwrap_or_else(|_| Filter {
            terms: text
                .split_whitespace()
                .map(|w| Term {
                    field: Field::Anywhere,
                    negated: false,
                    text: w.to_lowercase(),
                })
                .collect(),
        })
    }

    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }

    pub fn matches(&self, s: &Subject) -> bool {
        self.terms.iter().all(|t| {
            let found = match t.field {
                Field::Anywhere => format!("{} {} {}", s.offer, s.status, s.emails.join(" "))
                    .to_lowercase()
                    .contains(&t.text),
                Field::Status => s.status.to_lowercase().contains(&t.text),
                Field::Publisher => s.publisher.to_lowercase().contains(&t.text),
                // `pc` is how the table names the Product Ingestion API.
                Field::Backend => {
                    let backend = s.backend.to_lowercase();
                    backend.contains(&t.text) || (t.text == "pc" && backend == "ingestion")
                }
            };
            found != t.negated
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn subject<'a>(offer: &'a str, status: &'a str, backend: &'a str) -> Subject<'a> {
        Subject {
            offer,
            publisher: offer.split('/').next().unwrap(),
            status,
            backend,
            emails: &[],
        }
    }

    #[test]
    fn fields_words_and_negation() {
        let ready = subject("contoso/vm", "ready for go-live", "cpp");
        let alpha = subject("fabrikam/alpha", "publishing", "ingestion");
        let f = |t: &str| Filter::parse(t).unwrap();
        assert!(f("status:ready").matches(&ready) && !f("status:ready").matches(&alpha));
        assert!(f("publisher:contoso").matches(&ready));
        assert!(f("backend:pc").matches(&alpha) && !f("backend:pc").matches(&ready));
        assert!(f("!contoso").matches(&alpha) && !f("!contoso").matches(&ready));
        assert!(f("!status:live publisher:fab").matches(&alpha));
        assert!(f("").matches(&ready));
        let error = Filter::parse("state:ready").unwrap_err();
        assert!(error.contains("status:"), "{error}");
        // As typed in the table, a half-written field is a word.
        assert!(!Filter::lenient("state:x").is_empty());
    }
}
