//! A storage account's blob endpoint, as far as the pre-flight checks and certification read
//! it: `HEAD` and ranged `GET` of `/blobs/{account}/{container}/{blob}?<SAS>`. The blobs are
//! virtual (30 GiB disks that take no memory): every `.vhd` is a good fixed-size VHD in a page
//! blob, unless its name says which fault it carries:
//!
//! | name starts with | the blob                                               |
//! |------------------|--------------------------------------------------------|
//! | `missing-`       | is not there (404 `BlobNotFound`)                      |
//! | `block-`         | is a block blob                                        |
//! | `dynamic-`       | is a dynamically sized VHD                             |
//! | `odd-size-`      | is not a whole number of MiB                           |
//! | `corrupt-`       | has a footer whose checksum is wrong                   |
//!
//! The SAS is checked as the storage service does: a signature, read permission, and an
//! expiry still ahead (else 403 `AuthenticationFailed` / `AuthorizationPermissionMismatch`).

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::header::{CONTENT_LENGTH, CONTENT_RANGE, CONTENT_TYPE, RANGE};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};

use super::Shared;
use crate::domain::image::blob::{DISK_DYNAMIC, DISK_FIXED, VHD_FOOTER, footer};

/// The disk a good demo VHD holds.
const DISK: u64 = 30 << 30;
/// The most one ranged read returns (the simulator holds no blob data).
const MAX_RANGE: u64 = 4 << 20;

/// What a blob name makes of the blob.
struct Blob {
    blob_type: &'static str,
    length: u64,
    footer: Vec<u8>,
}

fn blob_named(name: &str) -> Option<Blob> {
    let file = name.rsplit('/').next().unwrap_or(name).to_ascii_lowercase();
    if !file.ends_with(".vhd") || file.starts_with("missing-") {
        return None;
    }
    let good = |size: u64, disk: u32| Blob {
        blob_type: "PageBlob",
        length: size + VHD_FOOTER,
        footer: footer(size, disk),
    };
    Some(if file.starts_with("block-") {
        Blob {
            blob_type: "BlockBlob",
            ..good(DISK, DISK_FIXED)
        }
    } else if file.starts_with("dynamic-") {
        good(DISK, DISK_DYNAMIC)
    } else if file.starts_with("odd-size-") {
        good(DISK + 4096, DISK_FIXED)
    } else if file.starts_with("corrupt-") {
        let mut blob = good(DISK, DISK_FIXED);
        blob.footer[100] ^= 0xff;
        blob
    } else {
        good(DISK, DISK_FIXED)
    })
}

/// An answer of the storage service with no body, its error code in the header as it sends it.
fn refusal(status: StatusCode, code: &str) -> Response {
    (status, [("x-ms-error-code", code.to_string())]).into_response()
}

/// A SAS time: RFC 3339, or a bare date (midnight UTC).
fn sas_time(raw: &str) -> Option<chrono::DateTime<chrono::Utc>> {
    chrono::DateTime::parse_from_rfc3339(raw)
        .map(|t| t.with_timezone(&chrono::Utc))
        .ok()
        .or_else(|| {
            chrono::NaiveDate::parse_from_str(raw, "%Y-%m-%d")
                .ok()
                .and_then(|d| d.and_hms_opt(0, 0, 0))
                .map(|t| t.and_utc())
        })
}

/// `bytes=FIRST-LAST` of a blob of `length` bytes, when it is one range inside it.
fn range(headers: &HeaderMap, length: u64) -> Option<(u64, u64)> {
    let raw = headers
        .get("x-ms-range")
        .or_else(|| headers.get(RANGE))?
        .to_str()
        .ok()?;
    let (first, last) = raw.strip_prefix("bytes=")?.split_once('-')?;
    let first: u64 = first.trim().parse().ok()?;
    let last: u64 = last.trim().parse().ok()?;
    (first <= last && last < length).then_some((first, last))
}

pub(super) async fn blob(
    State(sh): State<Arc<Shared>>,
    method: Method,
    Path((_account, _container, name)): Path<(String, String, String)>,
    Query(sas): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let now = sh.clock.now();
    if sas.get("sig").is_none_or(|s| s.is_empty())
        || sas
            .get("se")
            .and_then(|se| sas_time(se))
            .is_none_or(|se| se <= now)
    {
        return refusal(StatusCode::FORBIDDEN, "AuthenticationFailed");
    }
    if sas.get("sp").is_none_or(|sp| !sp.contains('r')) {
        return refusal(StatusCode::FORBIDDEN, "AuthorizationPermissionMismatch");
    }
    let Some(blob) = blob_named(&name) else {
        return refusal(StatusCode::NOT_FOUND, "BlobNotFound");
    };
    let common = [
        ("x-ms-blob-type", blob.blob_type.to_string()),
        (
            CONTENT_TYPE.as_str(),
            "application/octet-stream".to_string(),
        ),
    ];
    if method == Method::HEAD {
        let mut response = (StatusCode::OK, common).into_response();
        if let Ok(length) = blob.length.to_string().parse() {
            response.headers_mut().insert(CONTENT_LENGTH, length);
        }
        return response;
    }
    let Some((first, last)) = range(&headers, blob.length) else {
        return refusal(StatusCode::RANGE_NOT_SATISFIABLE, "InvalidRange");
    };
    if last - first + 1 > MAX_RANGE {
        return refusal(StatusCode::RANGE_NOT_SATISFIABLE, "InvalidRange");
    }
    // Zeros up to the footer, the footer's bytes where the range meets it.
    let footer_at = blob.length - VHD_FOOTER;
    let bytes: Vec<u8> = (first..=last)
        .map(|at| {
            at.checked_sub(footer_at)
                .and_then(|i| usize::try_from(i).ok())
                .and_then(|i| blob.footer.get(i).copied())
                .unwrap_or(0)
        })
        .collect();
    let mut response = (StatusCode::PARTIAL_CONTENT, common, Body::from(bytes)).into_response();
    if let Ok(value) = format!("bytes {first}-{last}/{}", blob.length).parse() {
        response.headers_mut().insert(CONTENT_RANGE, value);
    }
    response
}
