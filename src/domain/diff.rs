//! What differs between two versions of an offer (preview against live): the fields that
//! changed, each with its path and its value before and after, as short plain text.

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

/// The fields of `after` (the preview) that differ from `before` (live).
pub fn diff(before: &Value, after: &Value) -> Vec<FieldChange> {
    let mut changes = Vec::new();
    walk("", Some(before), Some(after), &mut changes);
    changes.truncate(MOST);
    changes
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

fn walk(path: &str, before: Option<&Value>, after: Option<&Value>, out: &mut Vec<FieldChange>) {
    if out.len() >= MOST {
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
            let ids = |list: &[Value]| -> Vec<String> {
                list.iter()
                    .enumerate()
                    .map(|(i, v)| identity(v, i))
                    .collect()
            };
            let (ia, ib) = (ids(a), ids(b));
            let mut all: Vec<&String> = ia.iter().chain(ib.iter()).collect();
            all.dedup();
            let mut seen = Vec::new();
            for id in all {
                if seen.contains(&id) {
                    continue;
                }
                seen.push(id);
                let find = |ids: &[String], list: &[Value]| {
                    ids.iter()
                        .position(|x| x == id)
                        .and_then(|i| list.get(i).cloned())
                };
                walk(
                    &format!("{path}[{id}]"),
                    find(&ia, a).as_ref(),
                    find(&ib, b).as_ref(),
                    out,
                );
            }
        }
        (a, b) if a == b => {}
        (a, b) => out.push(FieldChange {
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
        let changes = diff(&live, &preview);
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
        assert!(diff(&live, &live).is_empty());
    }
}
