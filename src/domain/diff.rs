//! What differs between two versions of an offer (preview against live): the fields that
//! changed, each with its path and its value before and after, as short plain text.

use std::collections::{HashMap, HashSet};

use serde_json::Value;

/// Fields that change on every save and say nothing about the offer.
const VOLATILE: [&str; 3] = ["changedTime", "$schema", "etag"];
/// At most this many changes are listed.
const MOST: usize = 200;

/// One changed field: `plans[contoso-byol].vmImages.1.0.4` added, or a value that differs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldChange {
    pub path: String,
    /// The live value (`None`: not there).
    pub before: Option<String>,
    /// The preview's value (`None`: removed).
    pub after: Option<String>,
}

/// What a comparison found: the fields that changed, and what it left out as noise.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Compared {
    pub fields: Vec<FieldChange>,
    /// Addresses that differ only in their SAS signature (the service signs asset URLs anew on
    /// every read): the same file, so not a change.
    pub resigned_urls: usize,
}

/// The fields of `after` (the preview) that differ from `before` (live).
pub fn diff(before: &Value, after: &Value) -> Compared {
    let mut compared = Compared::default();
    walk("", Some(before), Some(after), &mut compared);
    compared.fields.truncate(MOST);
    compared
}

/// True when two strings are one URL whose query differs only in what a SAS signs it with
/// (`sig`, `se`, `st`, `sp`, `sv`, `spr`, `skoid`…): the rest of the URL and of its query must
/// be equal.
fn same_but_resigned(a: &str, b: &str) -> bool {
    let (Ok(a), Ok(b)) = (url::Url::parse(a), url::Url::parse(b)) else {
        return false;
    };
    let signed = |u: &url::Url| u.query_pairs().any(|(k, _)| k == "sig");
    if !signed(&a) || !signed(&b) {
        return false;
    }
    let kept = |u: &url::Url| {
        let mut pairs: Vec<(String, String)> = u
            .query_pairs()
            .filter(|(k, _)| !is_sas_parameter(k))
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        pairs.sort();
        (
            u.scheme().to_string(),
            u.host_str().map(str::to_string),
            u.path().to_string(),
            pairs,
        )
    };
    kept(&a) == kept(&b)
}

/// The query parameters of a shared access signature that change when it is signed again.
fn is_sas_parameter(key: &str) -> bool {
    matches!(
        key,
        "sig" | "se" | "st" | "sp" | "sv" | "spr" | "sr" | "ss" | "srt" | "sip" | "si"
    ) || key.starts_with("sk")
}

/// How an element of a list is known across versions: its id, else its place.
fn identity(v: &Value, i: usize) -> String {
    ["id", "planId", "resourceId"]
        .iter()
        .find_map(|k| v.get(*k).and_then(Value::as_str))
        .map_or_else(|| i.to_string(), str::to_string)
}

fn short(v: &Value) -> String {
    let text = match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    crate::text::truncate(&crate::text::sanitize_line(&text), 80)
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

fn walk(path: &str, before: Option<&Value>, after: Option<&Value>, out: &mut Compared) {
    if out.fields.len() >= MOST {
        return;
    }
    match (before, after) {
        (Some(Value::Object(a)), Some(Value::Object(b))) => {
            let mut keys: Vec<&String> = a.keys().chain(b.keys()).collect();
            keys.sort();
            keys.dedup();
            for k in keys.into_iter().filter(|k| !VOLATILE.contains(&k.as_str())) {
                walk(&join(path, k), a.get(k), b.get(k), out);
            }
        }
        (Some(Value::Array(a)), Some(Value::Array(b))) => {
            // Linear in the lists' lengths: an element is found by its identity in a map, not
            // by a search, and compared in place, not copied.
            let ids = |list: &[Value]| -> Vec<String> {
                list.iter()
                    .enumerate()
                    .map(|(i, v)| identity(v, i))
                    .collect()
            };
            let (ia, ib) = (ids(a), ids(b));
            let index = |ids: &[String]| -> HashMap<String, usize> {
                let mut at = HashMap::with_capacity(ids.len());
                for (i, id) in ids.iter().enumerate() {
                    at.entry(id.clone()).or_insert(i);
                }
                at
            };
            let (at_a, at_b) = (index(&ia), index(&ib));
            let mut seen = HashSet::with_capacity(ia.len().max(ib.len()));
            for id in ia.iter().chain(ib.iter()) {
                if out.fields.len() >= MOST {
                    return;
                }
                if !seen.insert(id.as_str()) {
                    continue;
                }
                walk(
                    &format!("{path}[{id}]"),
                    at_a.get(id).and_then(|&i| a.get(i)),
                    at_b.get(id).and_then(|&i| b.get(i)),
                    out,
                );
            }
        }
        (a, b) if a == b => {}
        (Some(Value::String(a)), Some(Value::String(b))) if same_but_resigned(a, b) => {
            out.resigned_urls += 1;
        }
        (a, b) => out.fields.push(FieldChange {
            path: if path.is_empty() {
                "(all)".into()
            } else {
                crate::text::sanitize_line(path)
            },
            before: a.map(short),
            after: b.map(short),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn changed_added_and_removed_fields_with_lists_matched_by_id() {
        let live = json!({"version": 3, "changedTime": "a", "plans": [
            {"planId": "byol", "images": {"1.0.3": {}}, "regions": ["US"]},
            {"planId": "old", "title": "Old"}]});
        let preview = json!({"version": 4, "changedTime": "b", "plans": [
            {"planId": "byol", "images": {"1.0.4": {}}, "regions": ["US"]}]});
        let changes = diff(&live, &preview).fields;
        let paths: Vec<&str> = changes.iter().map(|c| c.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "plans[byol].images.1.0.3",
                "plans[byol].images.1.0.4",
                "plans[old]",
                "version"
            ]
        );
        let version = changes.last().unwrap();
        assert_eq!(
            (version.before.as_deref(), version.after.as_deref()),
            (Some("3"), Some("4"))
        );
        assert!(diff(&live, &live).fields.is_empty());
    }

    /// cloudpub learned it on the real service: asset URLs come back signed anew on each read.
    #[test]
    fn a_url_signed_again_is_not_a_change_but_a_new_file_or_parameter_is() {
        let at = |path: &str, sig: &str, extra: &str| {
            format!(
                "https://store.blob.core.windows.net/vhds/{path}?sv=2024-11-04&se=2026-12-0{sig}T00%3A00%3A00Z&sp=r&sig=abc{sig}%3D{extra}"
            )
        };
        let live = json!({"osDisk": {"uri": at("os-1.vhd", "1", "")}});
        let resigned = json!({"osDisk": {"uri": at("os-1.vhd", "2", "")}});
        let compared = diff(&live, &resigned);
        assert!(compared.fields.is_empty(), "{compared:?}");
        assert_eq!(compared.resigned_urls, 1);

        let other_file = json!({"osDisk": {"uri": at("os-2.vhd", "2", "")}});
        assert_eq!(diff(&live, &other_file).fields.len(), 1);
        let other_parameter = json!({"osDisk": {"uri": at("os-1.vhd", "2", "&version=2")}});
        assert_eq!(diff(&live, &other_parameter).fields.len(), 1);
        // Unsigned addresses are compared as they are.
        assert_eq!(
            diff(
                &json!({"u": "https://x/a?v=1"}),
                &json!({"u": "https://x/a?v=2"})
            )
            .fields
            .len(),
            1
        );
    }
}
