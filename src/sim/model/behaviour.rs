//! How the scenario offers misbehave: throttling and server errors on requests, and the
//! synchronous validation of a publish (the 422).

use serde_json::{Value, json};

use super::error_body;
use crate::sim::catalogue::Behaviour;

/// An injected failure: the answer to send instead of the real one.
#[derive(Debug, Clone, PartialEq)]
pub struct Fault {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Value,
}

/// The fault an offer's `requests`-th request (`gets`-th GET) gets, if any.
pub(super) fn fault(
    behaviour: &Behaviour,
    requests: u64,
    gets: u64,
    is_get: bool,
) -> Option<Fault> {
    match behaviour {
        Behaviour::Throttled {
            every,
            retry_after_secs,
        } if *every > 0 && requests.is_multiple_of(*every) => Some(Fault {
            status: 429,
            headers: vec![("retry-after".into(), retry_after_secs.to_string())],
            body: error_body(
                "TooManyRequests",
                "Too many requests; retry after the interval in Retry-After. (Simulated: the service documents no throttling.)",
            ),
        }),
        Behaviour::Flaky { every, .. } if is_get && *every > 0 && gets.is_multiple_of(*every) => {
            Some(Fault {
                status: 500,
                headers: Vec::new(),
                body: shim_error(
                    "Variant",
                    "snapshot() resulted in an internal conflict! Retry is OK.\r\n   at Microsoft.Ingestion.Api (simulated)",
                ),
            })
        }
        _ => None,
    }
}

/// The Partner Center shim's error shape: `{"<Service>": {serviceName, error}}`.
pub fn shim_error(service: &str, error: &str) -> Value {
    json!({ service: { "serviceName": service, "error": error } })
}

/// Synchronous validation of a publish. The body of a 422 is undocumented; this one is invented
/// (`{"error":{"code":"ValidationFailed","message":…,"details":[{code,target,message}]}}`).
pub(super) fn validation_details(
    attempt: u32,
    behaviour: &Behaviour,
    emails: &str,
    offer: &str,
) -> Vec<Value> {
    let mut details = Vec::new();
    for address in emails.split(',').map(str::trim).filter(|a| !a.is_empty()) {
        let domain = address
            .rsplit_once('@')
            .map(|(_, d)| d.to_ascii_lowercase())
            .unwrap_or_default();
        if domain.is_empty() || domain.ends_with(".invalid") || domain.ends_with(".test") {
            details.push(json!({"code": "InvalidNotificationEmail", "target": "metadata.notification-emails", "message": format!("{address} cannot receive mail")}));
        }
    }
    if let Behaviour::RejectFirst(n) = behaviour
        && attempt <= *n
    {
        details.push(json!({"code": "MissingImage", "target": format!("plans[{offer}-byol].microsoft-azure-virtualmachines.vmImages"), "message": "Plan has no image version; add one with an osVhdUrl."}));
        details.push(json!({"code": "InvalidValue", "target": "microsoft-azure-marketplace.summary", "message": "Summary is longer than 100 characters."}));
        details.push(json!({"code": "RequiredField", "target": "microsoft-azure-marketplace.privacyURL", "message": "A privacy policy URL is required."}));
    }
    details
}

/// The 422 body listing the details.
pub(super) fn rejection(details: Vec<Value>) -> Value {
    json!({"error": {
        "code": "ValidationFailed",
        "message": "The offer failed validation. Fix the problems listed in details, then publish again.",
        "details": details,
    }})
}
