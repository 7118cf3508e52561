//! Telling people a watched operation ended (finished, failed, or waits for go-live): a desktop
//! notification through the terminal (OSC 9 and OSC 777: most modern terminals show them, over
//! SSH too), an incoming webhook (Teams, Slack and Mattermost take `{"text": …}`), and a
//! command run with the offer and its status in its environment. The dashboard and `watch`
//! send the same.

use std::time::Duration;

use url::Url;

use crate::config::NotifyConfig;
use crate::domain::{OpKind, Operation, Status};
use crate::text::sanitize_line;

/// How long a webhook or a command gets before it is given up (or killed).
const DEADLINE: Duration = Duration::from_secs(15);

/// What happened, in one plain line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub offer: String,
    pub kind: OpKind,
    pub status: Status,
    pub message: String,
}

impl Notice {
    /// The notice an operation deserves now: when it failed, waits for go-live or ended well.
    pub fn of(op: &Operation) -> Option<Notice> {
        let what = match &op.seen.status {
            Status::Failed => format!(
                "{} failed: {}",
                op.kind,
                op.seen.failure.as_deref().unwrap_or("no reason given")
            ),
            Status::WaitingForPublisherReview if op.kind == OpKind::Publish => {
                "publish is ready for go-live (review the preview, then go live)".to_string()
            }
            Status::Succeeded => format!("{} succeeded", op.kind),
            _ => return None,
        };
        Some(Notice {
            offer: op.offer.to_string(),
            kind: op.kind,
            status: op.seen.status.clone(),
            message: sanitize_line(&format!("{}: {what}", op.offer)),
        })
    }

    /// The escapes that ask the terminal for a desktop notification: OSC 9 (iTerm2, Windows
    /// Terminal, kitty, WezTerm…) and OSC 777 (VTE terminals, urxvt). Plain text only, and no
    /// `;` where OSC 777 separates its fields.
    pub fn desktop_escapes(&self) -> String {
        let body = self.message.replace(';', ",");
        format!("\x1b]9;{body}\x07\x1b]777;notify;offerdeck;{body}\x07")
    }
}

/// Sends notices to the webhook and the command the config names.
#[derive(Debug, Clone)]
pub struct Notifier {
    webhook: Option<Url>,
    command: Option<String>,
    http: reqwest::Client,
}

impl Notifier {
    /// `None` when the config names neither a webhook nor a command; an error (never a
    /// silent "no notifier") when the HTTP client cannot be built.
    pub fn from_config(config: &NotifyConfig) -> Result<Option<Notifier>, String> {
        if config.webhook_url.is_none() && config.command.is_none() {
            return Ok(None);
        }
        let http = reqwest::Client::builder()
            .timeout(DEADLINE)
            // The webhook's address is its credential: it goes nowhere else.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| format!("the notifications' HTTP client could not be built: {e}"))?;
        Ok(Some(Notifier {
            webhook: config.webhook_url.clone(),
            command: config.command.clone(),
            http,
        }))
    }

    /// Sends `notice` everywhere configured; gives back what failed, one line each (never the
    /// webhook's address).
    pub async fn send(&self, notice: &Notice) -> Vec<String> {
        let mut problems = Vec::new();
        if let Some(url) = &self.webhook
            && let Err(why) = self.post(url, notice).await
        {
            problems.push(
                crate::redact::scrub(&format!("the notification webhook failed: {why}"))
                    .into_owned(),
            );
        }
        if let Some(command) = &self.command
            && let Err(why) = run(command, notice).await
        {
            problems.push(
                crate::redact::scrub(&format!("the notification command failed: {why}"))
                    .into_owned(),
            );
        }
        problems
    }

    async fn post(&self, url: &Url, notice: &Notice) -> Result<(), String> {
        let answer = self
            .http
            .post(url.clone())
            .json(&serde_json::json!({ "text": notice.message }))
            .send()
            .await
            .map_err(|e| e.without_url().to_string())?;
        // The body is not read: only whether it was taken.
        if answer.status().is_success() {
            Ok(())
        } else {
            Err(format!("HTTP {}", answer.status().as_u16()))
        }
    }
}

/// Runs the notification command through the shell, with the notice in its environment; it
/// gets `DEADLINE` to finish, then is killed.
async fn run(command: &str, notice: &Notice) -> Result<(), String> {
    run_within(command, notice, DEADLINE).await
}

async fn run_within(command: &str, notice: &Notice, deadline: Duration) -> Result<(), String> {
    use crate::api::http::token_command::leashed;
    // The token command's leash: no token or secret in its environment, and all it started
    // ended when it overstays.
    let (mut command, leash) = leashed(command);
    let mut child = command
        .env("OFFERDECK_OFFER", &notice.offer)
        .env("OFFERDECK_KIND", notice.kind.as_str())
        .env("OFFERDECK_STATUS", notice.status.as_str())
        .env("OFFERDECK_MESSAGE", &notice.message)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .map_err(|e| e.to_string())?;
    let pid = child.id();
    match tokio::time::timeout(deadline, child.wait()).await {
        Ok(Ok(status)) if status.success() => Ok(()),
        Ok(Ok(status)) => Err(format!("it ended with {status}")),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => {
            leash.end(pid);
            let _ = child.kill().await;
            Err(format!(
                "it did not end within {} s; stopped",
                deadline.as_secs()
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{BackendKind, OfferId};

    /// The command gets no more of offerdeck's environment than a token command does, and
    /// when it overstays, it and everything it started are ended.
    #[tokio::test]
    async fn a_command_that_overstays_is_ended_with_all_it_started_and_sees_no_secrets() {
        let dir = tempfile::tempdir().unwrap();
        let env_file = dir.path().join("env");
        let child_pid = dir.path().join("child.pid");
        let command = format!(
            "env > '{}'; sleep 100 & echo $! > '{}'; yes > /dev/null",
            env_file.display(),
            child_pid.display()
        );
        let notice = Notice {
            offer: "contoso/vm".into(),
            kind: OpKind::Publish,
            status: Status::Succeeded,
            message: "live".into(),
        };
        let ran = run_within(&command, &notice, Duration::from_millis(500)).await;
        assert!(ran.is_err_and(|why| why.contains("stopped")));
        let env = std::fs::read_to_string(&env_file).unwrap();
        assert!(env.contains("OFFERDECK_OFFER=contoso/vm"), "{env}");
        // The test process has cargo's variables; the command must not.
        assert!(!env.contains("CARGO"), "{env}");
        let pid: i32 = std::fs::read_to_string(&child_pid)
            .unwrap()
            .trim()
            .parse()
            .unwrap();
        // Alive: it exists and is not a zombie waiting to be reaped (a container's first
        // process may never reap it).
        let alive = || {
            std::fs::read_to_string(format!("/proc/{pid}/stat"))
                .ok()
                .and_then(|stat| {
                    let state = stat
                        .rsplit(')')
                        .next()?
                        .split_whitespace()
                        .next()?
                        .to_string();
                    Some(state != "Z" && state != "X")
                })
                .unwrap_or(false)
        };
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        while alive() {
            assert!(
                std::time::Instant::now() < deadline,
                "the command's child {pid} outlived it"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    #[test]
    fn a_notice_is_for_an_end_and_its_escapes_carry_plain_text() {
        let mut op = Operation::new(
            OfferId::new("contoso", "vm").unwrap(),
            BackendKind::Cpp,
            OpKind::Publish,
            url::Url::parse("https://h/op").unwrap(),
            &[],
            chrono::Utc::now(),
        );
        op.seen.status = Status::Running;
        assert_eq!(Notice::of(&op), None);
        op.seen.status = Status::Failed;
        op.seen.failure = Some("bad\u{1b}]0;x\u{7} image; fix it".into());
        let notice = Notice::of(&op).unwrap();
        assert!(
            notice
                .message
                .starts_with("contoso/vm: publish failed: bad")
        );
        let escapes = notice.desktop_escapes();
        assert!(escapes.starts_with("\u{1b}]9;contoso/vm"));
        assert!(escapes.contains("\u{1b}]777;notify;offerdeck;contoso/vm"));
        // Two escapes, each ended by BEL, and nothing else that a terminal acts on.
        assert_eq!(escapes.matches('\u{1b}').count(), 2);
        assert_eq!(escapes.matches('\u{7}').count(), 2);
        assert!(!escapes.contains("image; fix"), "{escapes}");
    }
}
