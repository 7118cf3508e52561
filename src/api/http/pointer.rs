//! Where a long-running operation can be followed, and where a bearer token may be sent.
//!
//! The service answers `202` with `Location` (2020+) or `Operation-Location` (2018), relative or
//! absolute, in two path shapes: `/api/publishers/{p}/offers/{o}/operations/{guid}` and the legacy
//! `/api/operations/{p}${o}$2$preview` (the `$` are literal). All of them are resolved here with a
//! real URL join, and refused when they lead off the configured API origin.

use reqwest::header::HeaderMap;
use url::{Host, Url};

use super::error::ApiError;

/// Header names carrying the operation pointer, in the order they are trusted.
pub const POINTER_HEADERS: [&str; 2] = ["location", "operation-location"];

/// True when an id can be one segment of a URL path as it is: not empty, and not `.` or `..`,
/// which a URL takes as "this folder" and "the folder above" (the url crate drops them, so
/// `…/offers/../publish` would become `…/offers/publish`). An id that is not is refused.
pub fn is_path_segment(id: &str) -> bool {
    !id.is_empty() && id != "." && id != ".."
}

/// True for `localhost` and loopback addresses (127.0.0.0/8, ::1).
pub fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(Host::Ipv4(ip)) => ip.is_loopback(),
        Some(Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// Refuses endpoints a token must not travel to in clear: `http://` is allowed for loopback only.
pub fn check_endpoint_scheme(url: &Url) -> Result<(), String> {
    match url.scheme() {
        "https" => Ok(()),
        "http" if is_loopback(url) => Ok(()),
        "http" => Err(format!(
            "{url} uses plain http; only https is allowed (http only for loopback addresses such as 127.0.0.1)"
        )),
        other => Err(format!("{url} has scheme {other:?}; use https")),
    }
}

/// The first non-empty pointer header of a response, with the header's name.
pub fn pointer_header(headers: &HeaderMap) -> Option<(&'static str, String)> {
    POINTER_HEADERS.iter().find_map(|name| {
        headers
            .get(*name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(|v| (*name, v.to_string()))
    })
}

/// Resolves a pointer against the API base, adds the `api-version` when absent, and refuses
/// any URL on another origin than the base (so the token is never sent there).
pub fn resolve(base: &Url, value: &str, api_version: &str) -> Result<Url, ApiError> {
    let value = value.trim();
    let mut url = base.join(value).map_err(|e| ApiError::UntrustedUrl {
        url: crate::text::truncate(&crate::text::sanitize_line(value), 200),
        reason: format!("not a valid URL ({e})"),
    })?;
    ensure_same_origin(base, &url)?;
    if !url.query_pairs().any(|(k, _)| k == "api-version") {
        url.query_pairs_mut()
            .append_pair("api-version", api_version);
    }
    Ok(url)
}

/// Refuses a URL whose origin (scheme, host, port) differs from the API base.
pub fn ensure_same_origin(base: &Url, url: &Url) -> Result<(), ApiError> {
    if url.origin() != base.origin() {
        return Err(ApiError::UntrustedUrl {
            url: url.as_str().to_string(),
            reason: format!(
                "it is not on the configured API origin {}; the token is only sent there",
                base.origin().ascii_serialization()
            ),
        });
    }
    Ok(())
}

/// The publisher and offer a CPP URL is about: `/api/publishers/{p}/offers/{o}[/…]`, or the
/// legacy `/api/operations/{p}${o}${version}${slot}`.
pub fn offer_of(url: &Url) -> Option<(String, String)> {
    let segments: Vec<String> = url
        .path_segments()?
        .map(|p| {
            percent_encoding::percent_decode_str(p)
                .decode_utf8_lossy()
                .into_owned()
        })
        .collect();
    let parts: Vec<&str> = segments.iter().map(String::as_str).collect();
    let publishers = parts
        .iter()
        .position(|s| s.eq_ignore_ascii_case("publishers"));
    if let Some(i) = publishers
        && let (Some(p), Some(kw), Some(o)) = (parts.get(i + 1), parts.get(i + 2), parts.get(i + 3))
        && kw.eq_ignore_ascii_case("offers")
    {
        return Some((p.to_string(), o.to_string()));
    }
    match parts.as_slice() {
        [.., ops, legacy] if ops.eq_ignore_ascii_case("operations") => {
            let mut fields = legacy.split('$');
            match (fields.next(), fields.next()) {
                (Some(p), Some(o)) if !p.is_empty() && !o.is_empty() => {
                    Some((p.to_string(), o.to_string()))
                }
                _ => None,
            }
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> Url {
        Url::parse("https://cloudpartner.azure.com").unwrap()
    }

    #[test]
    fn every_documented_form_resolves() {
        let u = resolve(
            &base(),
            "/api/operations/contoso$contoso-offer$2$preview?api-version=2017-10-31",
            "2017-10-31",
        )
        .unwrap();
        assert_eq!(
            u.as_str(),
            "https://cloudpartner.azure.com/api/operations/contoso$contoso-offer$2$preview?api-version=2017-10-31"
        );
        let u = resolve(
            &base(),
            "https://cloudpartner.azure.com/api/publishers/contoso/offers/o/operations/56615b67-2185-49fe-80d2-c4ddf77bb2e8",
            "2017-10-31",
        )
        .unwrap();
        assert_eq!(u.query(), Some("api-version=2017-10-31"));
    }

    #[test]
    fn the_offer_of_every_url_shape() {
        let of = |u: &str| offer_of(&Url::parse(u).unwrap());
        assert_eq!(
            of("https://h/api/publishers/contoso/offers/vm/operations/1?api-version=1"),
            Some(("contoso".into(), "vm".into()))
        );
        assert_eq!(
            of("https://h/api/publishers/contoso/offers/vm/status"),
            Some(("contoso".into(), "vm".into()))
        );
        assert_eq!(
            of("https://h/api/operations/contoso$vm$2$preview"),
            Some(("contoso".into(), "vm".into()))
        );
        assert_eq!(of("https://h/api/publishers/contoso/offers"), None);
    }

    #[test]
    fn other_origins_and_plain_http_are_refused() {
        assert!(matches!(
            resolve(&base(), "https://evil.example/api/operations/x", "v"),
            Err(ApiError::UntrustedUrl { .. })
        ));
        assert!(resolve(&base(), "//evil.example/api", "v").is_err());
        assert!(resolve(&base(), "http://cloudpartner.azure.com/api/x", "v").is_err());
        assert!(check_endpoint_scheme(&Url::parse("http://127.0.0.1:9/").unwrap()).is_ok());
        assert!(check_endpoint_scheme(&Url::parse("http://[::1]:9/").unwrap()).is_ok());
        assert!(check_endpoint_scheme(&Url::parse("http://10.0.0.1/").unwrap()).is_err());
    }
}
