//! The storage account's side of a SAS URI: a HEAD for the blob's type and size, then a ranged
//! read of its last 512 bytes (a VHD's footer). No bearer token goes with these requests (the
//! SAS is the credential, and the URI is the publisher's, not a Microsoft API's); nothing past
//! the footer is read, and no error says the URI (its query holds the signature).

use std::time::Duration;

use reqwest::header::{CONTENT_LENGTH, HeaderMap, RANGE};
use url::Url;

use super::http::body::{Capped, read_capped};
use super::http::error::reqwest_reason;
use crate::domain::image::blob::{BlobFacts, VHD_FOOTER};

/// Reads what a storage account says of blobs.
#[derive(Debug, Clone)]
pub struct BlobReader {
    client: reqwest::Client,
}

/// Why the blob's answers could not be had.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BlobError {
    #[error("the storage account did not answer: {0}")]
    Unreachable(String),
    #[error("the storage account's answer could not be read: {0}")]
    Unreadable(String),
}

fn header(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(|v| crate::text::sanitize_line(v.trim()))
        .filter(|v| !v.is_empty())
}

impl BlobReader {
    pub fn new(connect_timeout: Duration, request_timeout: Duration) -> Result<BlobReader, String> {
        super::http::settings::http_client(connect_timeout, request_timeout)
            .map(|client| BlobReader { client })
            .map_err(|e| e.to_string())
    }

    /// The HEAD's answer, and the footer when the blob is there and large enough to have one.
    pub async fn facts(&self, uri: &Url) -> Result<BlobFacts, BlobError> {
        let head = self
            .client
            .head(uri.clone())
            .send()
            .await
            .map_err(|e| BlobError::Unreachable(reqwest_reason(e)))?;
        let headers = head.headers();
        let mut facts = BlobFacts {
            status: head.status().as_u16(),
            error_code: header(headers, "x-ms-error-code"),
            blob_type: header(headers, "x-ms-blob-type"),
            // A HEAD's length is the header's (reqwest's own reading is the body's: none).
            length: header(headers, CONTENT_LENGTH.as_str()).and_then(|n| n.parse().ok()),
            footer: None,
        };
        let Some(length) = facts.length.filter(|n| *n >= VHD_FOOTER) else {
            return Ok(facts);
        };
        if facts.status != 200 {
            return Ok(facts);
        }
        let range = format!("bytes={}-{}", length - VHD_FOOTER, length - 1);
        let tail = self
            .client
            .get(uri.clone())
            .header(RANGE, range)
            .header("x-ms-version", "2021-08-06")
            .send()
            .await
            .map_err(|e| BlobError::Unreachable(reqwest_reason(e)))?;
        if !tail.status().is_success() {
            return Err(BlobError::Unreadable(format!(
                "the read of the VHD's last 512 bytes answered HTTP {}",
                tail.status().as_u16()
            )));
        }
        // A server that ignores the range and sends the whole blob is cut off at once.
        match read_capped(tail, VHD_FOOTER as usize)
            .await
            .map_err(|e| BlobError::Unreachable(reqwest_reason(e)))?
        {
            Capped::Whole(bytes) if bytes.len() == VHD_FOOTER as usize => {
                facts.footer = Some(bytes)
            }
            Capped::Whole(bytes) => {
                return Err(BlobError::Unreadable(format!(
                    "the VHD's last 512 bytes came as {} bytes",
                    bytes.len()
                )));
            }
            Capped::Over | Capped::Cut(_) => {
                return Err(BlobError::Unreadable(
                    "the storage account sent more than the 512 bytes asked for".into(),
                ));
            }
        }
        Ok(facts)
    }
}
