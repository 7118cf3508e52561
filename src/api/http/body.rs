//! Response bodies read up to a cap, so a hostile or broken server cannot make offerdeck hold
//! more than it means to.

/// The most of a successful answer that is read (an offer document is a few hundred KiB).
pub const MAX_ANSWER: usize = 8 << 20;
/// The most of an error body, or of a token endpoint's answer, that is read.
pub const MAX_ERROR_BODY: usize = 64 << 10;

/// A body read up to a cap.
#[derive(Debug)]
pub enum Capped {
    Whole(Vec<u8>),
    /// The body went on past the cap (what was read is dropped).
    Over,
    /// Cut at the cap (for error bodies, where the start is what matters).
    Cut(Vec<u8>),
}

impl Capped {
    /// The text of what was kept (lossy: a cut may fall inside a character).
    pub fn text(self) -> String {
        match self {
            // Valid UTF-8 (every real answer) becomes the text without a copy.
            Capped::Whole(b) | Capped::Cut(b) => String::from_utf8(b)
                .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()),
            Capped::Over => String::new(),
        }
    }
}

/// Room reserved for a body before any of it arrives, at most: real answers are a few KiB.
const PRESIZE_MAX: usize = 256 * 1024;

/// Reads a response body as a stream, never holding more than `limit` bytes: a body announced
/// or found larger is `Over` for a success, or cut at the limit otherwise.
pub async fn read_capped(
    mut response: reqwest::Response,
    limit: usize,
) -> Result<Capped, reqwest::Error> {
    let keep_start = !response.status().is_success();
    if response.content_length().is_some_and(|n| n > limit as u64) && !keep_start {
        return Ok(Capped::Over);
    }
    // Sized once from the announced length, not grown chunk by chunk; a length announced
    // before any byte came reserves no more than an ordinary answer needs.
    let announced = response
        .content_length()
        .unwrap_or(0)
        .min(limit.min(PRESIZE_MAX) as u64);
    let mut body = Vec::with_capacity(usize::try_from(announced).unwrap_or(0));
    while let Some(chunk) = response.chunk().await? {
        if body.len() + chunk.len() > limit {
            if keep_start {
                let room = limit - body.len();
                body.extend_from_slice(&chunk[..room]);
                return Ok(Capped::Cut(body));
            }
            return Ok(Capped::Over);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Capped::Whole(body))
}
