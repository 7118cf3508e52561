//! What went wrong, as the front ends see it: one typed `Problem`, built from the API layer's
//! errors here and nowhere else, so neither front end needs to know HTTP.

use serde::Serialize;

use crate::api::ApiError;
use crate::text::sanitize_line;

/// The kind of a problem: what a user can do about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ProblemKind {
    /// The service's validation refused the offer (HTTP 422): fix the offer, then retry.
    Rejected,
    /// The service does not know the offer or the operation.
    NotFound,
    /// The credentials were refused, or no token could be had.
    Auth,
    /// The service asked to slow down (HTTP 429), and kept asking past the retries.
    Throttled,
    /// The service answered with an error of its own (5xx).
    ServerError,
    /// No answer: the connection failed or timed out.
    Unreachable,
    /// An answer came but could not be read (or was larger than offerdeck reads).
    Unreadable,
    /// The service refused the request for another reason (409, another 4xx).
    Refused,
    /// An address the token must not go to.
    Untrusted,
    /// The offer is not in a state the request needs; nothing was sent.
    NotReady,
    /// The state store could not record or read something.
    Store,
    /// Anything else on this side (a client that could not be built, a task that died).
    Local,
}

impl ProblemKind {
    /// Problems that may cure themselves: worth a retry later.
    pub fn is_transient(self) -> bool {
        matches!(
            self,
            ProblemKind::ServerError | ProblemKind::Unreachable | ProblemKind::Unreadable
        )
    }
}

/// One problem, in plain text (sanitised when made), with what a support ticket needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    pub kind: ProblemKind,
    /// One plain line.
    pub message: String,
    /// The service's own words for a rejection (what a publisher fixes); the whole line
    /// otherwise.
    pub headline: String,
    /// Every detail the service sent (validation problems, one per line).
    pub details: Vec<String>,
    /// The service's correlation id, for support tickets.
    pub correlation_id: Option<String>,
    /// The HTTP status the service answered with, when it answered.
    pub http_status: Option<u16>,
    /// The service's error code, when it sent one.
    pub code: Option<String>,
}

impl Problem {
    /// A problem of this side, not the service's.
    pub fn local(kind: ProblemKind, message: impl AsRef<str>) -> Problem {
        let message = sanitize_line(message.as_ref());
        Problem {
            kind,
            headline: message.clone(),
            message,
            details: Vec::new(),
            correlation_id: None,
            http_status: None,
            code: None,
        }
    }

    /// True for a refusal by the service's validation (HTTP 422).
    pub fn is_rejection(&self) -> bool {
        self.kind == ProblemKind::Rejected
    }
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl From<&ApiError> for Problem {
    fn from(error: &ApiError) -> Problem {
        let se = error.service_error();
        let kind = match error {
            ApiError::Validation(_) => ProblemKind::Rejected,
            ApiError::NotFound(_) => ProblemKind::NotFound,
            ApiError::Auth(_) | ApiError::Token(_) => ProblemKind::Auth,
            ApiError::Server(e) if e.status == 429 => ProblemKind::Throttled,
            ApiError::Server(_) => ProblemKind::ServerError,
            ApiError::Unreachable { .. } => ProblemKind::Unreachable,
            ApiError::Decode { .. } | ApiError::TooLarge { .. } => ProblemKind::Unreadable,
            ApiError::Conflict(_) | ApiError::Refused(_) | ApiError::NoOperation(_) => {
                ProblemKind::Refused
            }
            ApiError::UntrustedUrl { .. } => ProblemKind::Untrusted,
            ApiError::NotReady(_) | ApiError::Unconfigured(_) => ProblemKind::NotReady,
            ApiError::Client(_) => ProblemKind::Local,
        };
        let message = sanitize_line(&error.to_string());
        Problem {
            kind,
            headline: match (error, se) {
                (ApiError::Validation(_), Some(se)) => sanitize_line(&se.message),
                _ => message.clone(),
            },
            message,
            details: se.map(|e| e.details.clone()).unwrap_or_default(),
            correlation_id: se.and_then(|e| e.correlation_id.clone()),
            http_status: se.map(|e| e.status),
            code: se.and_then(|e| e.code.clone()),
        }
    }
}

impl From<ApiError> for Problem {
    fn from(error: ApiError) -> Problem {
        Problem::from(&error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::ServiceError;

    fn service(status: u16) -> Box<ServiceError> {
        Box::new(ServiceError {
            status,
            message: "busy\u{1b}[31m".into(),
            details: vec!["plans[0]: no image".into()],
            correlation_id: Some("c-1".into()),
            ..ServiceError::default()
        })
    }

    #[test]
    fn throttling_and_server_errors_are_told_apart_and_nothing_raw_survives() {
        let throttled = Problem::from(ApiError::Server(service(429)));
        assert_eq!(throttled.kind, ProblemKind::Throttled);
        assert_eq!(throttled.http_status, Some(429));
        assert!(
            !throttled.message.contains('\u{1b}'),
            "{}",
            throttled.message
        );
        assert_eq!(
            Problem::from(ApiError::Server(service(503))).kind,
            ProblemKind::ServerError
        );
        let rejected = Problem::from(ApiError::Validation(service(422)));
        assert!(rejected.is_rejection());
        assert_eq!(rejected.details, vec!["plans[0]: no image".to_string()]);
        assert_eq!(rejected.correlation_id.as_deref(), Some("c-1"));
        let gone = Problem::from(ApiError::Unreachable {
            url: "http://127.0.0.1:1/x".into(),
            attempts: 3,
            reason: "connection refused".into(),
        });
        assert_eq!(gone.kind, ProblemKind::Unreachable);
        assert!(gone.kind.is_transient());
        assert_eq!(gone.http_status, None);
    }
}
