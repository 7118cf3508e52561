//! Lenient readers for JSON from the network: the services (and their documentation) send
//! numbers as strings, strings as numbers, nulls and odd shapes. A field that cannot be read
//! becomes empty rather than failing the whole body.
//!
//! Written here rather than with `serde_with`, whose adapters were weighed: it has no
//! string-or-number-to-`String` adapter (`DisplayFromStr` reads strings only), and its
//! `DefaultOnError<VecSkipError<_>>` buffers the whole array as serde's `Content`, as
//! `lenient_vec` buffers a `Value`, so it would add a proc-macro crate and `#[serde_as]` on every
//! wire type for no gain. The readers are bounded by the body limits before they run.

use serde::{Deserialize, Deserializer};

/// Accepts a string, a number or null where the service should send a string.
pub(crate) fn lenient_string<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    let value = serde_json::Value::deserialize(d)?;
    Ok(match value {
        serde_json::Value::String(s) => s,
        serde_json::Value::Null => String::new(),
        other => other.to_string(),
    })
}

/// Like `lenient_string`, for a field whose absence means something.
pub(crate) fn lenient_optional_string<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<String>, D::Error> {
    let value = serde_json::Value::deserialize(d)?;
    Ok(match value {
        serde_json::Value::String(s) => Some(s),
        serde_json::Value::Null => None,
        other => Some(other.to_string()),
    })
}

/// Accepts an integer, a float or a numeric string; anything else becomes `None`.
pub(crate) fn lenient_number<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    let value = serde_json::Value::deserialize(d)?;
    Ok(match value {
        serde_json::Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)),
        serde_json::Value::String(s) => s.trim().parse().ok(),
        _ => None,
    })
}

/// Accepts a boolean or `"true"`/`"false"`; anything else becomes `None`.
pub(crate) fn lenient_bool<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    let value = serde_json::Value::deserialize(d)?;
    Ok(match value {
        serde_json::Value::Bool(b) => Some(b),
        serde_json::Value::String(s) => s.trim().parse().ok(),
        _ => None,
    })
}

pub(crate) fn lenient_vec<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: serde::de::DeserializeOwned,
{
    let value = serde_json::Value::deserialize(d)?;
    Ok(match value {
        serde_json::Value::Array(items) => items
            .into_iter()
            .filter_map(|item| serde_json::from_value(item).ok())
            .collect(),
        _ => Vec::new(),
    })
}
