//! A bearer token as offerdeck holds it: kept out of every printout, checked before it goes
//! into a header, and read from the JSON that token endpoints and `az` print.

use std::fmt;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::clock::span;

/// A string that must stay secret: it has no `Display`, `Debug` prints `***`, and its memory is
/// wiped when it is dropped (`secrecy`). Compared in full only where the tests need it.
#[derive(Clone)]
pub struct Secret(secrecy::SecretString);

impl Secret {
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(secrecy::SecretString::from(value.into()))
    }

    /// The value, for the one place that needs it (an `Authorization` header or a token form).
    pub fn expose(&self) -> &str {
        secrecy::ExposeSecret::expose_secret(&self.0)
    }
}

impl PartialEq for Secret {
    fn eq(&self, other: &Secret) -> bool {
        self.expose() == other.expose()
    }
}

impl Eq for Secret {}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// The longest token accepted (real ones are 1–4 KiB).
pub const MAX_TOKEN: usize = 16 << 10;
/// A token is one printable word of reasonable size: anything else would break the request's
/// header (or carry something that is not a token).
pub fn check_token(token: &str) -> Result<(), String> {
    if token.is_empty() {
        return Err("the token is empty".into());
    }
    if token.len() > MAX_TOKEN {
        return Err(format!(
            "the token is {} KiB long; at most {} KiB is accepted",
            token.len() >> 10,
            MAX_TOKEN >> 10
        ));
    }
    if token.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err("the token holds control characters or spaces".into());
    }
    Ok(())
}

/// Reads `access_token`/`accessToken` and the expiry from AAD or `az` JSON: `expires_on` or
/// `expires_in` (seconds, number or string), or `expiresOn` (`2026-11-24 07:14:18.000000`, local
/// time, as az prints it). `now` turns a relative `expires_in` into a time.
pub fn parse_token_json(body: &str, now: DateTime<Utc>) -> Option<(Secret, Option<DateTime<Utc>>)> {
    let v: Value = serde_json::from_str(body).ok()?;
    let token = v
        .get("access_token")
        .or_else(|| v.get("accessToken"))
        .and_then(Value::as_str)
        .filter(|t| !t.is_empty())?;
    let number = |key: &str| -> Option<u64> {
        match v.get(key)? {
            Value::Number(n) => n.as_u64(),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        }
    };
    // A lifetime past a day is not one Azure AD gives: it is held to a day (fetching again
    // early is harmless, and no date arithmetic can overflow on a bogus `10^13`).
    let latest = now + span(LONGEST_LIFETIME);
    let expiry = number("expires_on")
        .map(|secs| {
            i64::try_from(secs)
                .ok()
                .and_then(|secs| DateTime::from_timestamp(secs, 0))
                .unwrap_or(latest)
        })
        .or_else(|| {
            number("expires_in")
                .map(|secs| now + span(Duration::from_secs(secs).min(LONGEST_LIFETIME)))
        })
        .or_else(|| {
            let raw = v.get("expiresOn")?.as_str()?;
            let naive = chrono::NaiveDateTime::parse_from_str(raw, "%Y-%m-%d %H:%M:%S%.f").ok()?;
            let local = naive.and_local_timezone(chrono::Local).earliest()?;
            Some(local.with_timezone(&Utc))
        });
    Some((Secret::new(token), expiry.map(|at| at.min(latest))))
}

/// The longest a token is taken to live.
const LONGEST_LIFETIME: Duration = Duration::from_secs(86_400);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_absurd_lifetime_is_held_to_a_day_instead_of_overflowing() {
        let now = Utc::now();
        let day = now + chrono::Duration::days(1);
        for body in [
            r#"{"access_token":"abc","expires_in":10000000000000}"#,
            r#"{"access_token":"abc","expires_in":"18446744073709551615"}"#,
            r#"{"access_token":"abc","expires_on":9999999999999}"#,
            r#"{"access_token":"abc","expires_on":"253402300799"}"#,
        ] {
            let (_, exp) = parse_token_json(body, now).unwrap();
            assert_eq!(exp, Some(day), "{body}");
        }
    }

    #[test]
    fn token_json_variants() {
        let now = Utc::now();
        let (t, exp) =
            parse_token_json(r#"{"access_token":"abc","expires_in":"3599"}"#, now).unwrap();
        assert_eq!(t.expose(), "abc");
        assert_eq!((exp.unwrap() - now).num_seconds(), 3599);
        let (t, exp) = parse_token_json(
            r#"{"accessToken":"xyz","expiresOn":"2099-01-01 10:00:00.000000"}"#,
            now,
        )
        .unwrap();
        assert_eq!(t.expose(), "xyz");
        assert!(exp.is_some());
        assert!(parse_token_json(r#"{"token_type":"Bearer"}"#, now).is_none());
    }
}
