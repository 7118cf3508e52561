//! Errors of the API client, and the parser of the three error-body shapes the service sends.

use std::fmt;

use serde_json::Value;

use crate::text::{sanitize_line, truncate};

/// What the service said when it refused a request, whatever shape the body had.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize)]
pub struct ServiceError {
    pub status: u16,
    /// `error.code`, or the shim's `exceptionCode`.
    pub code: Option<String>,
    /// One readable line (stack traces cut off).
    pub message: String,
    /// Every validation detail the service sent.
    pub details: Vec<String>,
    /// The `x-ms-correlation-request-id` response header, for support tickets.
    pub correlation_id: Option<String>,
    /// The shim's service name (`Product`, `Variant`...), when that shape was used.
    pub service: Option<String>,
}

impl ServiceError {
    /// Reads an error body: `{"error":{code,message,details}}`, the Partner Center shim's
    /// `{"<Service>":{serviceName,error,exceptionCode,httpStatusCode}}`, or text/HTML.
    pub fn from_body(status: u16, body: &str, correlation_id: Option<String>) -> ServiceError {
        let mut err = ServiceError {
            status,
            correlation_id,
            ..ServiceError::default()
        };
        match serde_json::from_str::<Value>(body) {
            Ok(Value::Object(map)) => {
                if let Some(Value::Object(inner)) = map.get("error") {
                    err.code = inner.get("code").and_then(value_text);
                    err.message = inner
                        .get("message")
                        .and_then(value_text)
                        .unwrap_or_default();
                    err.details = inner.get("details").map(details_of).unwrap_or_default();
                    if let Some(inner_error) = inner.get("innererror").and_then(value_text) {
                        err.details.push(inner_error);
                    }
                } else if let Some(Value::String(message)) = map.get("error") {
                    err.message = message.clone();
                } else if let Some((name, Value::Object(inner))) = map.iter().find(|(_, v)| {
                    v.get("serviceName").is_some() || v.get("exceptionCode").is_some()
                }) {
                    err.service = Some(name.clone());
                    err.code = inner.get("exceptionCode").and_then(value_text);
                    err.message = inner.get("error").and_then(value_text).unwrap_or_default();
                } else {
                    err.code = map.get("code").and_then(value_text);
                    err.message = map.get("message").and_then(value_text).unwrap_or_default();
                    err.details = map.get("details").map(details_of).unwrap_or_default();
                }
            }
            Ok(Value::String(text)) => err.message = text,
            _ => err.message = crate::text::html_to_text(body),
        }
        // Everything kept is plain text: the code and service name come from the network too.
        err.code = err.code.map(|c| truncate(&sanitize_line(&c), 100));
        err.service = err.service.map(|c| truncate(&sanitize_line(&c), 100));
        err.message = first_line(&err.message);
        if err.message.is_empty() {
            err.message = default_reason(status).to_string();
        }
        err.details = err
            .details
            .iter()
            .map(|d| sanitize_line(d))
            .filter(|d| !d.is_empty())
            .collect();
        err
    }
}

/// The first meaningful line of a message: .NET stack traces (`\r\n   at …`) are cut off.
fn first_line(message: &str) -> String {
    let head = message
        .split(['\r', '\n'])
        .find(|l| !l.trim().is_empty())
        .unwrap_or("");
    truncate(&sanitize_line(head), 500)
}

fn value_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Null => None,
        other => Some(other.to_string()),
    }
}

/// Validation details may be strings or objects (`{code, message, target}`); each becomes one
/// line such as `plans[0].vmImages: no image version (MissingImage)`.
fn details_of(v: &Value) -> Vec<String> {
    let items: Vec<&Value> = match v {
        Value::Array(items) => items.iter().collect(),
        Value::Null => Vec::new(),
        other => vec![other],
    };
    items
        .into_iter()
        .map(|item| match item {
            Value::Object(obj) => {
                let message = obj.get("message").and_then(value_text).unwrap_or_default();
                let target = obj.get("target").and_then(value_text);
                let code = obj.get("code").and_then(value_text);
                let mut line = match target {
                    Some(t) if !t.is_empty() => format!("{t}: {message}"),
                    _ => message,
                };
                if let Some(code) = code {
                    line.push_str(&format!(" ({code})"));
                }
                line
            }
            other => value_text(other).unwrap_or_default(),
        })
        .collect()
}

fn default_reason(status: u16) -> &'static str {
    match status {
        400 => "bad request",
        401 => "unauthorized",
        403 => "forbidden",
        404 => "not found",
        409 => "conflict",
        412 => "precondition failed",
        422 => "the offer failed validation",
        429 => "too many requests",
        500 => "internal server error",
        502 => "bad gateway",
        503 => "service unavailable",
        504 => "gateway timeout",
        _ => "request failed",
    }
}

impl fmt::Display for ServiceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HTTP {}", self.status)?;
        if let Some(code) = &self.code {
            write!(f, " {code}")?;
        }
        write!(f, ": {}", self.message)?;
        if let Some(id) = &self.correlation_id {
            write!(f, " (correlation id {id})")?;
        }
        Ok(())
    }
}

/// Every way a call to the API can fail. Messages never contain a token or a secret.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ApiError {
    /// 422: the service's validation rejected the offer; every detail is kept.
    #[error("rejected by validation: {0}")]
    Validation(Box<ServiceError>),
    #[error("not found: {0}")]
    NotFound(Box<ServiceError>),
    /// 401 after one token refresh, or 403.
    #[error("not authorised: {0}")]
    Auth(Box<ServiceError>),
    /// 409 or 412.
    #[error("conflict: {0}")]
    Conflict(Box<ServiceError>),
    /// Any other 4xx.
    #[error("request refused: {0}")]
    Refused(Box<ServiceError>),
    /// 5xx or 429 still failing after the retries allowed.
    #[error("service error: {0}")]
    Server(Box<ServiceError>),
    /// No answer (connection refused, reset, timed out) after the retries allowed.
    #[error("service unreachable at {url} after {attempts} attempt(s): {reason}")]
    Unreachable {
        url: String,
        attempts: u32,
        reason: String,
    },
    /// An operation pointer (or redirect) leads somewhere the token must not go.
    #[error("refused to follow {url}: {reason}")]
    UntrustedUrl { url: String, reason: String },
    /// A 2xx answer whose body could not be read.
    #[error("unreadable response from {url}: {reason}")]
    Decode { url: String, reason: String },
    /// A successful answer larger than offerdeck reads, or that would expand past what it
    /// holds (nesting, values, a string, pages, items).
    #[error("the answer from {url} goes past {limit}; nothing of it was used")]
    TooLarge {
        url: String,
        limit: super::shape::AnswerLimit,
    },
    /// The token could not be obtained.
    #[error("authentication failed: {0}")]
    Token(String),
    /// The HTTP client could not be built (nothing was sent).
    #[error("{0}")]
    Client(String),
    /// The service accepted an operation but said nowhere where to follow it.
    #[error("{0}")]
    NoOperation(String),
    /// The offer is not in a state the request needs (nothing sent), e.g. a go-live with no
    /// successful preview waiting for it.
    #[error("{0}")]
    NotReady(String),
    /// The offer's API has no client: no offer of the config is on it (nothing was sent).
    #[error("{0}")]
    Unconfigured(String),
}

impl ApiError {
    /// The service's own error, when it answered.
    pub fn service_error(&self) -> Option<&ServiceError> {
        match self {
            ApiError::Validation(e)
            | ApiError::NotFound(e)
            | ApiError::Auth(e)
            | ApiError::Conflict(e)
            | ApiError::Refused(e)
            | ApiError::Server(e) => Some(e.as_ref()),
            _ => None,
        }
    }

    /// Errors worth trying again later (the service may recover by itself).
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            ApiError::Server(_) | ApiError::Unreachable { .. } | ApiError::Decode { .. }
        )
    }

    /// Errors that following an operation again cannot cure: the service no longer knows it,
    /// or it is somewhere the token must not go.
    pub fn is_permanent(&self) -> bool {
        matches!(self, ApiError::NotFound(_) | ApiError::UntrustedUrl { .. })
    }

    /// For POSTs: an answer that does not tell whether the service acted on the request (the
    /// same errors that are worth trying again).
    pub fn is_unclear(&self) -> bool {
        self.is_transient()
    }

    /// Classifies a non-success HTTP answer.
    pub fn from_status(err: ServiceError) -> ApiError {
        let err = Box::new(err);
        match err.status {
            // A 400 that lists what is wrong (the Product Ingestion API's schema validation)
            // is a rejection by validation too: the details say what to fix.
            422 => ApiError::Validation(err),
            400 if !err.details.is_empty() => ApiError::Validation(err),
            404 | 410 => ApiError::NotFound(err),
            401 | 403 => ApiError::Auth(err),
            409 | 412 => ApiError::Conflict(err),
            429 | 500..=599 => ApiError::Server(err),
            _ => ApiError::Refused(err),
        }
    }
}

/// Reasons from reqwest without any URL query (which could in principle carry a secret).
pub(crate) fn reqwest_reason(e: reqwest::Error) -> String {
    let e = e.without_url();
    let mut reason = e.to_string();
    let mut source = std::error::Error::source(&e);
    while let Some(s) = source {
        reason.push_str(": ");
        reason.push_str(&s.to_string());
        source = s.source();
    }
    reason
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classic_body_with_details() {
        let body = r#"{"error":{"code":"ValidationFailed","message":"Offer is invalid","details":[
            {"code":"MissingImage","target":"plans[0].vmImages","message":"no image"},"plain detail"]}}"#;
        let e = ServiceError::from_body(422, body, Some("abc".into()));
        assert_eq!(e.code.as_deref(), Some("ValidationFailed"));
        assert_eq!(e.message, "Offer is invalid");
        assert_eq!(
            e.details,
            vec!["plans[0].vmImages: no image (MissingImage)", "plain detail"]
        );
        assert!(e.to_string().contains("correlation id abc"));
    }

    #[test]
    fn html_and_text_bodies() {
        let e =
            ServiceError::from_body(502, "<html><body><h1>Bad Gateway</h1></body></html>", None);
        assert_eq!(e.message, "Bad Gateway");
        let e = ServiceError::from_body(500, "", None);
        assert_eq!(e.message, "internal server error");
    }
}
