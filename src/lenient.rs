//! Lenient readers for JSON from the network: the services (and their documentation) send
//! numbers as strings, strings as numbers, nulls and odd shapes. A field that cannot be read
//! becomes empty rather than failing the whole body.
//!
//! Written here rather than with `serde_with`, whose adapters were weighed: it has no
//! string-or-number-to-`String` adapter (`DisplayFromStr` reads strings only), and its
//! `DefaultOnError<VecSkipError<_>>` buffers the whole array as serde's `Content` (`lenient_vec`
//! buffers one element at a time), so it would add a proc-macro crate and `#[serde_as]` on every
//! wire type for no gain. The readers are bounded by the body limits before they run.

use serde::de::{IgnoredAny, MapAccess, SeqAccess, Visitor};
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

/// Accepts an array, keeping the elements that read as `T`; anything else becomes empty. The
/// array is read one element at a time (each element buffered alone, then dropped), so a long
/// list never exists twice in memory.
pub(crate) fn lenient_vec<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: serde::de::DeserializeOwned,
{
    d.deserialize_any(LenientVec(std::marker::PhantomData))
}

struct LenientVec<T>(std::marker::PhantomData<T>);

impl<'de, T: serde::de::DeserializeOwned> Visitor<'de> for LenientVec<T> {
    type Value = Vec<T>;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a list")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<T>, A::Error> {
        // Not sized from the hint: the hint is the sender's word.
        let mut kept = Vec::new();
        while let Some(item) = seq.next_element::<serde_json::Value>()? {
            if let Ok(t) = serde_json::from_value(item) {
                kept.push(t);
            }
        }
        Ok(kept)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Vec<T>, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Vec::new())
    }

    fn visit_str<E: serde::de::Error>(self, _: &str) -> Result<Vec<T>, E> {
        Ok(Vec::new())
    }

    fn visit_bool<E: serde::de::Error>(self, _: bool) -> Result<Vec<T>, E> {
        Ok(Vec::new())
    }

    fn visit_i64<E: serde::de::Error>(self, _: i64) -> Result<Vec<T>, E> {
        Ok(Vec::new())
    }

    fn visit_u64<E: serde::de::Error>(self, _: u64) -> Result<Vec<T>, E> {
        Ok(Vec::new())
    }

    fn visit_f64<E: serde::de::Error>(self, _: f64) -> Result<Vec<T>, E> {
        Ok(Vec::new())
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<Vec<T>, E> {
        Ok(Vec::new())
    }

    fn visit_none<E: serde::de::Error>(self) -> Result<Vec<T>, E> {
        Ok(Vec::new())
    }
}
