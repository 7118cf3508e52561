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

/// Reads a child's pipe to its end, keeping at most `limit` bytes.
async fn read_pipe(pipe: Option<impl tokio::io::AsyncRead + Unpin>, limit: usize) -> Vec<u8> {
    use tokio::io::AsyncReadExt;
    let mut kept = Vec::new();
    let Some(mut pipe) = pipe else { return kept };
    let mut buf = [0u8; 8192];
    while let Ok(n) = pipe.read(&mut buf).await {
        if n == 0 {
            break;
        }
        let room = limit.saturating_sub(kept.len());
        kept.extend_from_slice(&buf[..n.min(room)]);
    }
    kept
}

/// A shell command on the same leash as a token command: `sh -c`, the minimal environment (no
/// token, no secret variable), its own process group (so `kill_group` ends all it started),
/// killed if dropped. The notification command runs this way too.
pub fn leashed(command: &str) -> tokio::process::Command {
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
    #[cfg(unix)]
    cmd.process_group(0);
    cmd
}

/// Ends a process group (the command and whatever it started).
pub fn kill_group(pid: Option<u32>) {
    #[cfg(unix)]
    if let Some(pid) = pid.and_then(|p| i32::try_from(p).ok()) {
        // SAFETY: kill(2) with a negative pid signals the group the child leads (it was started
        // with process_group(0)); no memory is involved.
        unsafe {
            libc::kill(-pid, libc::SIGKILL);
        }
    }
    #[cfg(not(unix))]
    let _ = pid;
}

/// Runs `command` for a token; `describe` names it in errors (the caller's `TokenSource`).
pub(super) async fn run(
    command: &str,
    describe: &str,
    now: DateTime<Utc>,
) -> Result<(Secret, Option<DateTime<Utc>>), ApiError> {
    let mut cmd = leashed(command);
    cmd.stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let mut child = cmd
        .spawn()
        .map_err(|e| ApiError::Token(format!("{describe} could not start: {e}")))?;
    let pid = child.id();
    let (stdout, stderr) = (child.stdout.take(), child.stderr.take());
    let run = async {
        tokio::join!(
            read_pipe(stdout, MAX_COMMAND_OUTPUT),
            read_pipe(stderr, MAX_COMMAND_OUTPUT),
            child.wait()
        )
    };
    let outcome = tokio::time::timeout(COMMAND_TIMEOUT, run).await;
    // Whatever the command left running (a grandchild) goes with it.
    kill_group(pid);
    let (stdout, stderr, status) = outcome.map_err(|_| {
        ApiError::Token(format!(
            "{describe} did not finish within {} s",
            COMMAND_TIMEOUT.as_secs()
        ))
    })?;
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
