//! The headless commands, for scripts and CI pipelines. Everything they print goes through the
//! reporter (`output.rs`): results on stdout (text, or JSON lines with `--json`), progress and
//! errors on stderr.

use futures::StreamExt;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::exit::{Exit, exit_for};
use super::output::{Event, Reporter};
use crate::api::ApiError;
use crate::config::OfferConfig;
use crate::domain::{OfferId, OpKind, Operation};
use crate::ops::{self, FollowEvent, StartOutcome};
use crate::setup::Context;

pub(super) fn usage(out: &Reporter, message: &str) -> Exit {
    out.note(&format!("error: {message}"));
    Exit::Usage
}

/// Reports an API error with everything a support ticket needs and returns its exit code.
pub(super) fn failed(
    out: &Reporter,
    context: &str,
    offer: Option<&OfferId>,
    error: &ApiError,
) -> Exit {
    out.emit(&Event::error(context, offer.map(OfferId::to_string), error));
    exit_for(error)
}

/// The configured offer, or a usage error listing the configured ones.
fn configured<'a>(
    ctx: &'a Context,
    out: &Reporter,
    offer: &OfferId,
) -> Result<&'a OfferConfig, Exit> {
    ctx.config.offer(offer).ok_or_else(|| {
        let known: Vec<String> = ctx.config.offers.iter().map(|o| o.id.to_string()).collect();
        usage(
            out,
            &format!(
                "{offer} is not configured in {}; configured offers: {}",
                ctx.config.path.display(),
                if known.is_empty() {
                    "none".to_string()
                } else {
                    known.join(", ")
                }
            ),
        )
    })
}

/// `offerdeck offers`: every configured offer with its status, fetched concurrently.
pub async fn offers(ctx: &Context, out: &Reporter) -> Exit {
    if ctx.config.offers.is_empty() {
        return usage(
            out,
            &format!(
                "no [[offers]] in {}; add one (see the README)",
                ctx.config.path.display()
            ),
        );
    }
    // The client's bound paces the requests (it adapts up to `max_concurrency`); the stream
    // only keeps that many asked for.
    let limit = ctx.config.api.max_concurrency.max(1);
    let results: Vec<_> = futures::stream::iter(ctx.config.offers.iter())
        .map(|o| async move {
            let seen = match ctx.backend(o) {
                Ok(backend) => backend.status(&o.id).await,
                Err(e) => Err(e),
            };
            (o, seen)
        })
        .buffered(limit)
        .collect()
        .await;
    let mut worst = Exit::Ok;
    for (offer, result) in results {
        match result {
            Ok(seen) => out.emit(&Event::offer(offer, &seen)),
            Err(e) => {
                let code = failed(out, "status", Some(&offer.id), &e);
                worst = worse(worst, code);
            }
        }
    }
    worst
}

/// `offerdeck status P/O`: the status with every step. Any offer, configured or not.
pub async fn status(ctx: &Context, out: &Reporter, offer: &OfferId) -> Exit {
    let backend_kind = ctx
        .config
        .offer(offer)
        .map(|o| o.backend)
        .unwrap_or_default();
    let seen = match ctx.backends.require(backend_kind) {
        Ok(backend) => backend.status(offer).await,
        Err(e) => Err(e),
    };
    match seen {
        Ok(seen) => {
            out.emit(&Event::status(
                &offer.to_string(),
                backend_kind.as_str(),
                &seen,
            ));
            Exit::Ok
        }
        Err(e) => failed(out, &format!("status of {offer}"), Some(offer), &e),
    }
}

/// `offerdeck publish|golive|cancel P/O [--wait]`.
pub async fn start(
    ctx: &Context,
    out: &Reporter,
    kind: OpKind,
    offer: &OfferId,
    emails: Option<&str>,
    wait: bool,
) -> Exit {
    let configured = match configured(ctx, out, offer) {
        Ok(c) => c,
        Err(exit) => return exit,
    };
    let id = &configured.id;
    let emails = match emails {
        Some(list) => match crate::emails::parse_nonempty_list(list) {
            Ok(list) => list,
            Err(e) => return usage(out, &format!("--emails: {e}; nothing was sent")),
        },
        None => configured.notification_emails.clone(),
    };
    let backend = match ctx.backend(configured) {
        Ok(backend) => backend,
        Err(e) => return failed(out, &format!("{kind} of {id}"), Some(id), &e),
    };
    let now = ctx.clock.now();
    let started = if kind == OpKind::Cancel {
        match ops::cancel(backend, &ctx.store, id, now).await {
            Ok(Some(started)) => Ok(started),
            Ok(None) => {
                out.emit(&Event::NothingToCancel {
                    offer: id.to_string(),
                });
                return Exit::Ok;
            }
            Err(e) => Err(e),
        }
    } else {
        ops::start(backend, &ctx.store, kind, id, &emails, now).await
    };
    let StartOutcome {
        operation,
        adopted,
        not_recorded,
        store_notices,
    } = match started {
        Ok(started) => started,
        Err(e) => return failed(out, &format!("{kind} of {id}"), Some(id), &e),
    };
    out.emit(&Event::Accepted {
        offer: id.to_string(),
        kind: kind.as_str().to_string(),
        operation_url: operation.pointer.to_string(),
        adopted,
        notification_emails: operation.notification_emails.clone(),
    });
    for message in store_notices {
        out.emit(&Event::StoreProblem {
            offer: Some(id.to_string()),
            message,
        });
    }
    // Accepted but not recorded: said loudly, with what to follow it by, and exit 7.
    let recorded = match &not_recorded {
        Some(e) => {
            out.emit(&Event::NotRecorded {
                offer: id.to_string(),
                kind: kind.as_str().to_string(),
                operation_url: operation.pointer.to_string(),
                message: e.to_string(),
                exit_code: Exit::NotRecorded as u8,
            });
            Exit::NotRecorded
        }
        None => Exit::Ok,
    };
    if !wait {
        out.result_text(operation.pointer.as_str());
        return recorded;
    }
    worse(recorded, follow_all(ctx, out, vec![operation]).await)
}

/// `offerdeck watch [P/O] --url URL`: one operation, followed by hand (one the store does not
/// know). The offer's API reads the URL; without an offer, the API the URL is on.
pub async fn watch_url(ctx: &Context, out: &Reporter, url: &str, offer: Option<&OfferId>) -> Exit {
    let backend = match offer {
        Some(offer) => match configured(ctx, out, offer) {
            Ok(c) => ctx.backends.require(c.backend),
            Err(exit) => return exit,
        },
        None => ctx.backends.owning(url),
    };
    let backend = match backend {
        Ok(backend) => backend,
        Err(e) => return failed(out, &format!("following {url}"), None, &e),
    };
    let operation = match backend.operation_at(url, offer, ctx.clock.now()).await {
        Ok(op) => op,
        Err(e) => return failed(out, &format!("following {url}"), None, &e),
    };
    out.progress(&format!(
        "following the {} of {} at {}",
        operation.kind, operation.offer, operation.pointer
    ));
    follow_all(ctx, out, vec![operation]).await
}

/// `offerdeck watch [P/O...]`: every unfinished operation in the state store (of these offers),
/// to its end. A named offer with nothing recorded is looked up at the service: a publish
/// started from the portal or another machine is found, recorded and followed.
pub async fn watch(ctx: &Context, out: &Reporter, offers: &[OfferId]) -> Exit {
    let mut exit = Exit::Ok;
    for offer in offers {
        if let Err(e) = configured(ctx, out, offer) {
            return e;
        }
    }
    let operations = match ctx.store.unfinished() {
        Ok(r) => r,
        Err(e) => {
            out.emit(&Event::StoreProblem {
                offer: None,
                message: e.to_string(),
            });
            return Exit::Failed;
        }
    };
    for message in ctx.store.take_notices() {
        out.emit(&Event::StoreProblem {
            offer: None,
            message,
        });
    }
    let mut operations: Vec<Operation> = operations
        .into_iter()
        .filter(|o| offers.is_empty() || offers.contains(&o.offer))
        .collect();
    for offer in offers {
        if operations.iter().any(|o| &o.offer == offer) {
            continue;
        }
        let backend = ctx.backends.require(
            ctx.config
                .offer(offer)
                .map(|o| o.backend)
                .unwrap_or_default(),
        );
        let found = match backend {
            Ok(backend) => ops::discover(backend, &ctx.store, offer, ctx.clock.now()).await,
            Err(e) => Err(e),
        };
        match found {
            Ok(Some(found)) => {
                out.progress(&format!(
                    "{offer}: a {} started elsewhere is running; following it at {}",
                    found.kind, found.pointer
                ));
                operations.push(found);
            }
            Ok(None) => out.progress(&format!("{offer}: nothing runs on it")),
            Err(e) => {
                exit = worse(
                    exit,
                    failed(out, &format!("looking up {offer}"), Some(offer), &e),
                )
            }
        }
    }
    if operations.is_empty() {
        if offers.is_empty() {
            out.progress(&format!(
                "no unfinished operations in {}",
                ctx.store.path().display()
            ));
        }
        return exit;
    }
    out.progress(&format!(
        "following {} unfinished operation(s)",
        operations.len()
    ));
    worse(exit, follow_all(ctx, out, operations).await)
}

/// Follows operations concurrently, reporting each change, and returns the combined exit code.
async fn follow_all(ctx: &Context, out: &Reporter, operations: Vec<Operation>) -> Exit {
    let (tx, mut rx) = mpsc::channel::<FollowEvent>(64);
    let cancel = CancellationToken::new();
    let policies = crate::ops::FollowPolicies::from_config(&ctx.config);
    // One webhook client for every operation's notice.
    let notifier = crate::notify::Notifier::from_config(&ctx.config.notify);
    let mut remaining = operations.len();
    let mut followers = tokio::task::JoinSet::new();
    for operation in operations {
        let policy = policies.of(operation.backend);
        let backend = match ctx.backends.require(operation.backend) {
            Ok(backend) => backend.clone(),
            // Its API is not configured: stopped with that error, left unfinished in the store.
            Err(e) => {
                let tx = tx.clone();
                followers.spawn(async move {
                    let error = Some(e);
                    let _ = tx.send(FollowEvent::Stopped { operation, error }).await;
                });
                continue;
            }
        };
        followers.spawn(ops::follow(
            backend,
            Some(ctx.store.clone()),
            operation,
            policy,
            ctx.clock.clone(),
            cancel.child_token(),
            tx.clone(),
            |e| e,
        ));
    }
    drop(tx);
    let mut exit = Exit::Ok;
    let interrupted = tokio::signal::ctrl_c();
    tokio::pin!(interrupted);
    while remaining > 0 {
        let event = tokio::select! {
            e = rx.recv() => e,
            // A follower that ends without saying how (a panic) ends the command in failure.
            Some(Err(e)) = followers.join_next() => {
                cancel.cancel();
                out.note(&format!("error: a follower stopped abnormally ({e}); the operations go on at the service; `{} watch` resumes them", out.command()));
                return Exit::Failed;
            }
            _ = &mut interrupted => {
                cancel.cancel();
                out.note(&format!("interrupted: the operations go on at the service; `{} watch` resumes them", out.command()));
                return Exit::Failed;
            }
        };
        let Some(event) = event else {
            // Every sender is gone with operations unreported: never a silent success.
            out.note(&format!(
                "error: {remaining} operation(s) stopped being followed without an outcome; `{} watch` resumes them",
                out.command()
            ));
            return worse(exit, Exit::Failed);
        };
        match event {
            FollowEvent::Changed { operation, .. } => out.emit(&Event::changed(&operation)),
            FollowEvent::Polled { .. } => {}
            FollowEvent::Retrying {
                operation,
                attempt,
                error,
                wait,
                ..
            } => out.emit(&Event::Retrying {
                offer: operation.offer.to_string(),
                kind: operation.kind.as_str().to_string(),
                attempt,
                error,
                wait_seconds: wait.as_secs(),
            }),
            FollowEvent::StoreProblem { operation, message } => out.emit(&Event::StoreProblem {
                offer: Some(operation.offer.to_string()),
                message,
            }),
            FollowEvent::Stopped {
                mut operation,
                error,
            } => {
                remaining -= 1;
                // A cancel asked for by another process meanwhile is in the store.
                if let Ok(Some(stored)) = ctx.store.find(&operation.pointer) {
                    operation.cancel_requested_at =
                        operation.cancel_requested_at.or(stored.cancel_requested_at);
                }
                if let Some(e) = &error {
                    let context = format!("following {} {}", operation.offer, operation.kind);
                    exit = worse(exit, failed(out, &context, Some(&operation.offer), e));
                } else if !operation.succeeded() {
                    exit = worse(exit, Exit::Failed);
                }
                out.emit(&Event::final_of(&operation));
                if error.is_none()
                    && let Some(notice) = crate::notify::Notice::of(&operation)
                {
                    notify(ctx, out, notifier.as_ref(), &notice).await;
                }
            }
        }
    }
    exit
}

/// What the dashboard does when an operation ends, for `--wait` and `watch`: the desktop
/// notification when stderr is a terminal, the webhook and the command of `[notify]`.
async fn notify(
    ctx: &Context,
    out: &Reporter,
    notifier: Option<&crate::notify::Notifier>,
    notice: &crate::notify::Notice,
) {
    use std::io::{IsTerminal, Write};
    if ctx.config.notify.desktop && std::io::stderr().is_terminal() {
        let mut err = std::io::stderr();
        let _ = err
            .write_all(notice.desktop_escapes().as_bytes())
            .and_then(|()| err.flush());
    }
    if let Some(notifier) = notifier {
        for problem in notifier.send(notice).await {
            out.note(&format!("warning: {problem}"));
        }
    }
}

pub(super) fn worse(a: Exit, b: Exit) -> Exit {
    if a == Exit::Ok { b } else { a }
}

/// `offerdeck history [P/O] [--since 30d]`: past operations from the state store, newest first.
/// It reads the store only: no credentials needed.
pub fn history(
    store: &crate::store::StateStore,
    out: &Reporter,
    offer: Option<&OfferId>,
    since: std::time::Duration,
) -> Exit {
    let now = chrono::Utc::now();
    let since = chrono::Duration::from_std(since)
        .ok()
        .and_then(|d| now.checked_sub_signed(d))
        .unwrap_or(chrono::DateTime::<chrono::Utc>::MIN_UTC);
    match store.history(offer, since) {
        Ok(operations) => {
            for message in store.take_notices() {
                out.emit(&Event::StoreProblem {
                    offer: None,
                    message,
                });
            }
            if operations.is_empty() {
                out.progress("no operations in that time");
            }
            for op in &operations {
                out.emit(&Event::history(op));
            }
            Exit::Ok
        }
        Err(e) => {
            out.emit(&Event::StoreProblem {
                offer: None,
                message: e.to_string(),
            });
            Exit::Failed
        }
    }
}
