//! A SAS URI to a VHD, checked from its text: https (plain http only on loopback, as for the
//! APIs), a blob in a container, a signature, read and list permissions, and a validity window
//! that is open now and stays open for at least the minimum (certification reads the VHD days
//! after the publish starts).

use chrono::{DateTime, NaiveDate, Utc};
use url::Url;

use super::{Failure, Rules};

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// A SAS time: `2027-01-31T00:00:00Z` (seconds optional, any offset) or a bare date (midnight
/// UTC, as Azure reads it).
fn sas_time(raw: &str) -> Option<DateTime<Utc>> {
    let raw = raw.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(raw) {
        return Some(t.with_timezone(&Utc));
    }
    if let Ok(t) = DateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M%#z") {
        return Some(t.with_timezone(&Utc));
    }
    NaiveDate::parse_from_str(raw, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc())
}

/// "in 6 days", "in 5 hours", "3 days ago": how far `t` is from `now`, roughly.
fn distance(t: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let secs = (t - now).num_seconds();
    let (n, unit) = match secs.unsigned_abs() {
        s if s >= 2 * 86_400 => (s / 86_400, "days"),
        s if s >= 2 * 3_600 => (s / 3_600, "hours"),
        s => (s.div_ceil(60).max(1), "minutes"),
    };
    if secs >= 0 {
        format!("in {n} {unit}")
    } else {
        format!("{n} {unit} ago")
    }
}

fn days(d: std::time::Duration) -> u64 {
    d.as_secs().div_ceil(86_400)
}

/// Every way the SAS URI fails, in words (the signature never among them).
pub fn check(uri: &str, rules: &Rules) -> Vec<Failure> {
    let Ok(url) = Url::parse(uri.trim()) else {
        // Only what comes before a query: the rest may hold a signature however it is spelled.
        let head = uri.trim().split(['?', ' ']).next().unwrap_or_default();
        let shown = crate::text::sanitize_line(head);
        return vec![Failure::new(
            "sas_uri",
            format!(
                "{shown:?}… is not a URL: give the SAS URI of the VHD blob, as the storage account mints it (https://ACCOUNT.blob.core.windows.net/CONTAINER/BLOB.vhd?sv=…&sig=…)"
            ),
        )];
    };
    let mut failures = Vec::new();
    match url.scheme() {
        "https" => {}
        "http" if is_loopback(&url) => {}
        other => failures.push(Failure::new(
            "https",
            format!("the SAS URI uses {other}: certification reads VHDs over https only"),
        )),
    }
    let segments: Vec<&str> = url
        .path_segments()
        .map(|s| s.filter(|p| !p.is_empty()).collect())
        .unwrap_or_default();
    if segments.len() < 2 {
        failures.push(Failure::new(
            "blob",
            "the SAS URI names no blob: it must lead to one VHD (…/CONTAINER/BLOB.vhd), not to a container or an account",
        ));
    }
    let query = |name: &str| {
        url.query_pairs()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.into_owned())
    };
    if query("sig").is_none_or(|s| s.is_empty()) {
        failures.push(Failure::new(
            "signature",
            "the URI has no SAS signature (sig=): certification cannot read a private blob without one; mint a SAS for it",
        ));
    }
    match query("sp") {
        None => failures.push(Failure::new(
            "permissions",
            "the SAS gives no permissions (sp=): certification needs read and list (sp=rl)",
        )),
        Some(sp) => {
            let missing: Vec<&str> = [('r', "read"), ('l', "list")]
                .into_iter()
                .filter(|(c, _)| !sp.contains(*c))
                .map(|(_, w)| w)
                .collect();
            if !missing.is_empty() {
                failures.push(Failure::new(
                    "permissions",
                    format!(
                        "the SAS gives {} but not {}: certification needs read and list (sp=rl)",
                        if sp.is_empty() { "nothing" } else { &sp },
                        missing.join(" or ")
                    ),
                ));
            }
        }
    }
    let need = days(rules.sas_min_validity);
    match query("se").map(|se| (sas_time(&se), se)) {
        None => failures.push(Failure::new(
            "expiry",
            format!("the SAS has no expiry (se=), so it is not a service SAS certification can use; mint one valid for at least {need} days"),
        )),
        Some((None, se)) => failures.push(Failure::new(
            "expiry",
            format!("the SAS expiry {se:?} is not a time offerdeck can read"),
        )),
        Some((Some(se), _)) if se <= rules.now => failures.push(Failure::new(
            "expiry",
            format!(
                "the SAS expired on {}, {}: mint a new one valid for at least {need} days",
                se.format("%-d %b %Y"),
                distance(se, rules.now)
            ),
        )),
        Some((Some(se), _)) if se - rules.now < chrono::Duration::from_std(rules.sas_min_validity).unwrap_or(chrono::Duration::MAX) => {
            failures.push(Failure::new(
                "expiry",
                format!(
                    "the SAS expires on {}, {}; certification can take longer: mint one valid for at least {need} days",
                    se.format("%-d %b %Y"),
                    distance(se, rules.now)
                ),
            ))
        }
        Some(_) => {}
    }
    if let Some(st) = query("st") {
        match sas_time(&st) {
            Some(st) if st > rules.now => failures.push(Failure::new(
                "start",
                format!(
                    "the SAS starts on {}, {}: nothing can read the VHD before then",
                    st.format("%-d %b %Y %H:%M UTC"),
                    distance(st, rules.now)
                ),
            )),
            Some(_) => {}
            None => failures.push(Failure::new(
                "start",
                format!("the SAS start {st:?} is not a time offerdeck can read"),
            )),
        }
    }
    failures
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules() -> Rules {
        Rules {
            sas_min_validity: super::super::DEFAULT_SAS_MIN_VALIDITY,
            now: DateTime::parse_from_rfc3339("2026-12-28T12:00:00Z")
                .unwrap()
                .with_timezone(&Utc),
        }
    }

    const GOOD: &str = "https://acct.blob.core.windows.net/vhds/os.vhd?sv=2022-11-02&sr=b&st=2026-12-28T00:00:00Z&se=2027-03-01T00:00:00Z&sp=rl&sig=c2lnbmF0dXJl";

    fn reasons(uri: &str) -> Vec<String> {
        check(uri, &rules()).into_iter().map(|f| f.reason).collect()
    }

    #[test]
    fn a_sas_certification_can_read_passes() {
        assert!(check(GOOD, &rules()).is_empty(), "{:?}", reasons(GOOD));
        assert!(
            check(
                "http://127.0.0.1:7878/blobs/vhds/os.vhd?sp=rl&se=2027-03-01&sig=x",
                &rules()
            )
            .is_empty()
        );
    }

    #[test]
    fn each_failure_says_what_to_do_in_a_publishers_words() {
        let soon = GOOD.replace("se=2027-03-01T00:00:00Z", "se=2027-01-03T00:00:00Z");
        let r = reasons(&soon);
        assert_eq!(
            r,
            [
                "the SAS expires on 3 Jan 2027, in 5 days; certification can take longer: mint one valid for at least 21 days"
            ]
        );
        let r = reasons(&GOOD.replace("sp=rl", "sp=r"));
        assert!(r[0].contains("not list"), "{r:?}");
        let r = reasons(&GOOD.replace("https://", "http://"));
        assert!(r[0].contains("https only"), "{r:?}");
        let r = reasons(&GOOD.replace("&sig=c2lnbmF0dXJl", ""));
        assert!(r[0].contains("no SAS signature"), "{r:?}");
        let r = reasons(&GOOD.replace("st=2026-12-28T00:00:00Z", "st=2026-12-29T06:00:00Z"));
        assert!(r[0].contains("in 18 hours"), "{r:?}");
        let r = reasons(&GOOD.replace("se=2027-03-01T00:00:00Z", "se=2026-12-01"));
        assert!(r[0].contains("expired on 1 Dec 2026, 27 days ago"), "{r:?}");
        let r = reasons("https://acct.blob.core.windows.net/vhds?sp=rl&se=2027-03-01&sig=x");
        assert!(r[0].contains("names no blob"), "{r:?}");
    }

    #[test]
    fn no_failure_shows_the_signature() {
        let bad = "ftp://acct/vhds/os.vhd?sp=w&se=2020-01-01&sig=TOPSECRET";
        for r in reasons(bad) {
            assert!(!r.contains("TOPSECRET"), "{r}");
        }
        for r in reasons("not a url sig=TOPSECRET") {
            assert!(!r.contains("TOPSECRET"), "{r}");
        }
    }
}
