//! The fake Azure AD's tokens: issued by the token endpoint for a lifetime, or static (given to
//! the demo principal), and checked on every API request.

use std::collections::HashMap;
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::clock::span;

#[derive(Debug, Default)]
pub struct Tokens {
    /// token → (client id, expiry).
    issued: HashMap<String, (String, DateTime<Utc>)>,
    /// Tokens accepted without the token endpoint.
    fixed: HashMap<String, String>,
}

impl Tokens {
    pub fn issue(&mut self, client_id: &str, lifetime: Duration, now: DateTime<Utc>) -> String {
        let token = format!("sim-{}", uuid::Uuid::new_v4().simple());
        self.issued
            .insert(token.clone(), (client_id.to_string(), now + span(lifetime)));
        token
    }

    pub fn add_static(&mut self, token: &str, client_id: &str) {
        self.fixed.insert(token.to_string(), client_id.to_string());
    }

    /// The client a bearer token belongs to, if it is valid at `now`.
    pub fn principal(&self, token: &str, now: DateTime<Utc>) -> Option<String> {
        if let Some(client) = self.fixed.get(token) {
            return Some(client.clone());
        }
        self.issued
            .get(token)
            .filter(|(_, expiry)| now < *expiry)
            .map(|(client, _)| client.clone())
    }

    pub fn issued(&self) -> Vec<String> {
        self.issued.keys().cloned().collect()
    }

    pub fn expire_all(&mut self) {
        self.issued.clear();
    }
}
