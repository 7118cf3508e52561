//! The fake Azure AD's tokens: issued by the token endpoint for a lifetime, or static (given to
//! the demo principal), and checked on every API request.

use std::collections::HashMap;
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::clock::span;

/// Which API a token was issued for (its `resource`, or a v2 `scope` ending in `/.default`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    CloudPartner,
    Graph,
    /// Any other resource: neither API accepts it.
    Other,
}

impl Audience {
    /// The audience a token request asks for; `None` when it names none (accepted by both
    /// APIs, as for the clients that never sent one).
    pub fn requested(resource: &str, scope: &str) -> Option<Audience> {
        let raw = if resource.trim().is_empty() {
            scope.trim().trim_end_matches("/.default")
        } else {
            resource.trim()
        };
        match raw.trim_end_matches('/').to_ascii_lowercase().as_str() {
            "" => None,
            "https://cloudpartner.azure.com" => Some(Audience::CloudPartner),
            "https://graph.microsoft.com" => Some(Audience::Graph),
            _ => Some(Audience::Other),
        }
    }
}

/// Why a bearer token is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Missing, unknown or expired.
    Invalid,
    /// Valid, but issued for another API.
    WrongAudience,
}

#[derive(Debug, Default)]
pub struct Tokens {
    /// token → (client id, expiry, audience).
    issued: HashMap<String, (String, DateTime<Utc>, Option<Audience>)>,
    /// Tokens accepted without the token endpoint.
    fixed: HashMap<String, String>,
}

impl Tokens {
    pub fn issue(
        &mut self,
        client_id: &str,
        audience: Option<Audience>,
        lifetime: Duration,
        now: DateTime<Utc>,
    ) -> String {
        let token = format!("sim-{}", uuid::Uuid::new_v4().simple());
        self.issued.insert(
            token.clone(),
            (client_id.to_string(), now + span(lifetime), audience),
        );
        token
    }

    pub fn add_static(&mut self, token: &str, client_id: &str) {
        self.fixed.insert(token.to_string(), client_id.to_string());
    }

    /// The client a bearer token belongs to, if it is valid at `now` for the API of `audience`.
    /// Static tokens are valid for both APIs.
    pub fn principal(
        &self,
        token: &str,
        audience: Audience,
        now: DateTime<Utc>,
    ) -> Result<String, Refusal> {
        if let Some(client) = self.fixed.get(token) {
            return Ok(client.clone());
        }
        match self.issued.get(token) {
            Some((client, expiry, aud)) if now < *expiry => match aud {
                Some(aud) if *aud != audience => Err(Refusal::WrongAudience),
                _ => Ok(client.clone()),
            },
            _ => Err(Refusal::Invalid),
        }
    }

    pub fn issued(&self) -> Vec<String> {
        self.issued.keys().cloned().collect()
    }

    pub fn expire_all(&mut self) {
        self.issued.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_is_for_the_api_its_request_named_in_v1_or_v2_spelling() {
        let graph = Some(Audience::Graph);
        assert_eq!(
            Audience::requested("https://graph.microsoft.com/", ""),
            graph
        );
        assert_eq!(
            Audience::requested("", "https://graph.microsoft.com/.default"),
            graph
        );
        assert_eq!(
            Audience::requested("https://cloudpartner.azure.com", ""),
            Some(Audience::CloudPartner)
        );
        assert_eq!(
            Audience::requested("https://api.partner.microsoft.com", ""),
            Some(Audience::Other)
        );
        assert_eq!(Audience::requested("", ""), None);
        let mut tokens = Tokens::default();
        let now = Utc::now();
        let token = tokens.issue("c", graph, Duration::from_secs(60), now);
        assert!(tokens.principal(&token, Audience::Graph, now).is_ok());
        assert_eq!(
            tokens.principal(&token, Audience::CloudPartner, now),
            Err(Refusal::WrongAudience)
        );
    }
}
