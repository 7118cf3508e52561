//! A token command (such as `az account get-access-token`), run on a short leash: a minimal
//! environment (no secret of offerdeck's), capped output, a time limit, and its whole process
//! group ended with it.

use std::time::Duration;

use chrono::{DateTime, Utc};

use super::error::ApiError;
use super::token::{Secret, check_token, parse_token_json};

/// The most of a token command's output that is kept, per stream.
const MAX_COMMAND_OUTPUT: usize = 64 << 10;
/// How long a token command may run.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(60);
/// The environment a token command gets: what `az` and shells need, and no secret of ours.
const COMMAND_ENV: [&str; 12] = [
    "PATH",
    "HOME",
    "USER",
    "LOGNAME",
    "SHELL",
    "LANG",
    "LC_ALL",
    "TMPDIR",
    "XDG_CONFIG_HOME",
    "XDG_RUNTIME_DIR",
    "AZURE_CONFIG_DIR",
    "REQUESTS_CA_BUNDLE",
];

/// How long a command's pipes may stay open once it exited (something it started in the
/// background holds them): then its process group is ended and what it printed is used.
const PIPES_GRACE: Duration = Duration::from_secs(2);

/// What a pipe gave so far, shared with the task reading it.
type Kept = std::sync::Arc<std::sync::Mutex<Vec<u8>>>;

/// Reads a child's pipe to its end into `kept`, keeping at most `limit` bytes.
async fn read_pipe(pipe: Option<impl tokio::io::AsyncRead + Unpin>, limit: usize, kept: Kept) {
    use tokio::io::AsyncReadExt;
    let Some(mut pipe) = pipe else { return };
    let mut buf = [0u8; 8192];
    while let Ok(n) = pipe.read(&mut buf).await {
        if n == 0 {
            break;
        }
        let mut kept = kept.lock().unwrap_or_else(|p| p.into_inner());
        let room = limit.saturating_sub(kept.len());
        kept.extend_from_slice(&buf[..n.min(room)]);
    }
}

fn taken(kept: &Kept) -> Vec<u8> {
    std::mem::take(&mut *kept.lock().unwrap_or_else(|p| p.into_inner()))
}

/// The variable that marks every process a leashed command starts (inherited, unless one
/// clears its environment): how one that left the process group (`setsid`) is still found.
const LEASH_MARK: &str = "OFFERDECK_LEASH";

/// A shell command on a short leash: `sh -c`, the minimal environment (no token, no secret
/// variable), its own process group, a mark in its environment, killed if dropped. Token and
/// notification commands run this way; `Leash::end` ends all it started.
pub fn leashed(command: &str) -> (tokio::process::Command, Leash) {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let leash = Leash {
        mark: format!(
            "{}-{}-{:08x}",
            std::process::id(),
            NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
            fastrand::u32(..)
        ),
    };
    let mut cmd = tokio::process::Command::new("sh");
    cmd.arg("-c")
        .arg(command)
        .stdin(std::process::Stdio::null())
        .kill_on_drop(true)
        .env_clear();
    for name in COMMAND_ENV {
        if let Some(value) = std::env::var_os(name) {
            cmd.env(name, value);
        }
    }
    cmd.env(LEASH_MARK, &leash.mark);
    #[cfg(unix)]
    cmd.process_group(0);
    (cmd, leash)
}

/// What a leashed command is known by, to end it and everything it started.
#[derive(Debug, Clone)]
pub struct Leash {
    mark: String,
}

impl Leash {
    /// Ends the command's process group (`pid` leads it), and on Linux every process still
    /// carrying this command's mark (one that called `setsid` left the group, not the mark).
    pub fn end(&self, pid: Option<u32>) {
        #[cfg(unix)]
        if let Some(pid) = pid.and_then(|p| i32::try_from(p).ok()) {
            // SAFETY: kill(2) with a negative pid signals the group the child leads (it was
            // started with process_group(0)); no memory is involved.
            unsafe {
                libc::kill(-pid, libc::SIGKILL);
            }
        }
        #[cfg(not(unix))]
        let _ = pid;
        #[cfg(target_os = "linux")]
        for marked in self.marked() {
            // SAFETY: as above, one process this command started; no memory is involved.
            unsafe {
                libc::kill(marked, libc::SIGKILL);
            }
        }
    }

    /// The processes whose environment carries this mark (this user's: others' cannot be
    /// read). Each environment is read up to 256 KiB.
    #[cfg(target_os = "linux")]
    fn marked(&self) -> Vec<i32> {
        use std::io::Read;
        let needle = format!("{LEASH_MARK}={}\0", self.mark).into_bytes();
        let own = std::process::id() as i32;
        let Ok(entries) = std::fs::read_dir("/proc") else {
            return Vec::new();
        };
        let mut found = Vec::new();
        let mut environ = Vec::new();
        for entry in entries.flatten() {
            let Some(pid) = entry
                .file_name()
                .to_str()
                .and_then(|n| n.parse::<i32>().ok())
            else {
                continue;
            };
            environ.clear();
            let read = std::fs::File::open(entry.path().join("environ"))
                .and_then(|f| f.take(256 << 10).read_to_end(&mut environ));
            if pid != own
                && read.is_ok()
                && environ
                    .windows(needle.len())
                    .any(|w| w == needle.as_slice())
            {
                found.push(pid);
            }
        }
        found
    }
}

/// Runs `command` for a token; `describe` names it in errors (the caller's `TokenSource`).
pub(super) async fn run(
    command: &str,
    describe: &str,
    now: DateTime<Utc>,
) -> Result<(Secret, Option<DateTime<Utc>>), ApiError> {
    let (mut cmd, leash) = leashed(command);
    cmd.stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let mut child = cmd
        .spawn()
        .map_err(|e| ApiError::Token(format!("{describe} could not start: {e}")))?;
    let pid = child.id();
    let (out, err): (Kept, Kept) = (Default::default(), Default::default());
    let mut readers = [
        tokio::spawn(read_pipe(
            child.stdout.take(),
            MAX_COMMAND_OUTPUT,
            out.clone(),
        )),
        tokio::spawn(read_pipe(
            child.stderr.take(),
            MAX_COMMAND_OUTPUT,
            err.clone(),
        )),
    ];
    let outcome = tokio::time::timeout(COMMAND_TIMEOUT, child.wait()).await;
    if outcome.is_ok() {
        // Done; what it started in the background may hold its pipes a while (`sleep 90 &`):
        // a moment for them to close, not the whole time limit.
        let closed = async {
            for reader in readers.iter_mut() {
                let _ = reader.await;
            }
        };
        let _ = tokio::time::timeout(PIPES_GRACE, closed).await;
    }
    // Whatever the command left running (a grandchild, one that left the group) goes with
    // it; a reader still held by one that cleared its environment is not waited for.
    leash.end(pid);
    for reader in readers {
        reader.abort();
    }
    let status = outcome.map_err(|_| {
        ApiError::Token(format!(
            "{describe} did not finish within {} s",
            COMMAND_TIMEOUT.as_secs()
        ))
    })?;
    let (stdout, stderr) = (taken(&out), taken(&err));
    let status =
        status.map_err(|e| ApiError::Token(format!("{describe} could not be waited for: {e}")))?;
    if !status.success() {
        let stderr = String::from_utf8_lossy(&stderr);
        let first = stderr
            .lines()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("no message");
        return Err(ApiError::Token(format!(
            "{describe} failed ({status}): {}",
            // Its message may hold a token offerdeck was never given: hidden by its shape.
            crate::text::truncate(
                &crate::redact::hide_token_shaped(&crate::text::sanitize_line(first)),
                200
            )
        )));
    }
    let stdout = String::from_utf8_lossy(&stdout);
    let trimmed = stdout.trim();
    let (token, expiry) = if trimmed.starts_with('{') {
        parse_token_json(trimmed, now).ok_or_else(|| {
            ApiError::Token(format!("{describe} printed JSON without accessToken"))
        })?
    } else if trimmed.is_empty() {
        return Err(ApiError::Token(format!(
            "{describe} printed no token (expected a bare token or JSON with accessToken)"
        )));
    } else {
        (Secret::new(trimmed), None)
    };
    check_token(token.expose())
        .map_err(|why| ApiError::Token(format!("{describe} printed no usable token: {why}")))?;
    Ok((token, expiry))
}
