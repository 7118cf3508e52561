//! The headless commands, for scripts and CI pipelines. Everything they print goes through the
//! reporter (`output.rs`): results on stdout (text, or JSON lines with `--json`), progress and
//! errors on stderr.

use std::collections::HashMap;

use super::exit::{Exit, exit_for_problem};
use super::output::{Event, Reporter};
use crate::config::OfferConfig;
use crate::domain::{BackendKind, OfferId, OpKind, Operation};
use crate::engine::wiring::Context;
use crate::engine::{
    self, Activity, Command as EngineCommand, EngineEvent, FollowPolicies, News, OfferState,
    Problem,
};

pub(super) fn usage(out: &Reporter, message: &str) -> Exit {
    out.note(&format!("error: {message}"));
    Exit::Usage
}

/// Reports a problem with everything a support ticket needs and returns its exit code.
pub(super) fn failed(
    out: &Reporter,
    context: &str,
    offer: Option<&OfferId>,
    problem: &Problem,
) -> Exit {
    out.emit(&Event::problem(
        context,
        offer.map(OfferId::to_string),
        problem,
    ));
    exit_for_problem(problem)
}

/// The configured offer, or a usage error listing the configured ones.
pub(super) fn configured<'a>(
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

/// An engine for a headless command about `offers`: only they are tracked; `resume` follows
/// the unfinished operations the store has of them. Waits before retries are said on stderr.
pub(super) fn engine_for(
    ctx: &Context,
    out: &Reporter,
    offers: Vec<(OfferId, BackendKind)>,
    only_tracked: bool,
    resume: bool,
) -> Result<engine::Started, Exit> {
    engine_following(ctx, out, offers, only_tracked, resume, true)
}

/// `engine_for`, saying whether what the service accepts is followed.
fn engine_following(
    ctx: &Context,
    out: &Reporter,
    offers: Vec<(OfferId, BackendKind)>,
    only_tracked: bool,
    resume: bool,
    follow_starts: bool,
) -> Result<engine::Started, Exit> {
    use std::io::IsTerminal;
    let notifier = match engine::notify::Notifier::from_config(&ctx.config.notify) {
        Ok(n) => n,
        Err(e) => {
            out.note(&format!("error: {e}"));
            return Err(Exit::Failed);
        }
    };
    let setup = engine::Setup {
        backends: ctx.backends.clone(),
        store: ctx.store.clone(),
        clock: ctx.clock.clone(),
        policies: FollowPolicies::from_config(&ctx.config),
        notifier,
        desktop: ctx.config.notify.desktop && std::io::stderr().is_terminal(),
        read_only: false,
        only_tracked,
        resume,
        on_wait: out.wait_listener(),
        follow_starts,
    };
    let mut started = engine::Engine::start(setup, offers).map_err(|e| {
        out.emit(&Event::StoreProblem {
            offer: None,
            message: e.to_string(),
        });
        Exit::Failed
    })?;
    for message in std::mem::take(&mut started.notices) {
        out.emit(&Event::StoreProblem {
            offer: None,
            message,
        });
    }
    Ok(started)
}

/// The API a named offer is on: the config's, else CPP's.
pub(super) fn api_of(ctx: &Context, offer: &OfferId) -> BackendKind {
    ctx.config
        .offer(offer)
        .map(|o| o.backend)
        .unwrap_or_default()
}

/// Reads the status of `offers` through the engine and gives back each one's truth once its
/// read answered (in the order asked).
async fn read_all(
    started: &mut engine::Started,
    out: &Reporter,
    offers: &[OfferId],
) -> Vec<OfferState> {
    let mut done: HashMap<OfferId, OfferState> = HashMap::new();
    for offer in offers {
        started.engine.send(EngineCommand::Refresh(offer.clone()));
    }
    while done.len() < offers.len() {
        let Some(event) = started.recv().await else {
            break;
        };
        match event {
            EngineEvent::Offer(state)
                if state.activity != Activity::Loading && offers.contains(&state.id) =>
            {
                let answered = state.service_at.is_some() || state.problem.is_some();
                if answered {
                    done.insert(state.id.clone(), *state);
                }
            }
            EngineEvent::News {
                offer,
                news: News::StoreProblem(message),
            } => out.emit(&Event::StoreProblem {
                offer: offer.map(|o| o.to_string()),
                message,
            }),
            _ => {}
        }
    }
    offers.iter().filter_map(|o| done.remove(o)).collect()
}

/// `offerdeck offers`: every configured offer with its status, read concurrently (the client's
/// bound paces the requests).
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
    let ids: Vec<(OfferId, BackendKind)> = ctx
        .config
        .offers
        .iter()
        .map(|o| (o.id.clone(), o.backend))
        .collect();
    let mut started = match engine_for(ctx, out, ids.clone(), true, false) {
        Ok(s) => s,
        Err(exit) => return exit,
    };
    let names: Vec<OfferId> = ids.into_iter().map(|(id, _)| id).collect();
    let states = read_all(&mut started, out, &names).await;
    started.engine.shutdown();
    let mut worst = Exit::Ok;
    for (offer, state) in ctx.config.offers.iter().zip(states) {
        match (&state.service, &state.problem) {
            (Some(_), None) => out.emit(&Event::offer(offer, &state)),
            (_, Some((_, problem))) => {
                let code = failed(
                    out,
                    &format!("status of {}", offer.id),
                    Some(&offer.id),
                    problem,
                );
                worst = worse(worst, code);
            }
            (None, None) => {}
        }
    }
    worst
}

/// `offerdeck status P/O`: the status with every step. Any offer, configured or not; a failed
/// one gives the reason the state store kept of its last operation when the service gives none.
pub async fn status(ctx: &Context, out: &Reporter, offer: &OfferId) -> Exit {
    let kind = api_of(ctx, offer);
    let mut started = match engine_for(ctx, out, vec![(offer.clone(), kind)], true, false) {
        Ok(s) => s,
        Err(exit) => return exit,
    };
    let state = read_all(&mut started, out, std::slice::from_ref(offer)).await;
    started.engine.shutdown();
    let Some(state) = state.into_iter().next() else {
        return Exit::Failed;
    };
    match (&state.service, &state.problem) {
        (Some(_), None) => {
            out.emit(&Event::status(&state));
            Exit::Ok
        }
        (_, Some((_, problem))) => failed(out, &format!("status of {offer}"), Some(offer), problem),
        (None, None) => Exit::Failed,
    }
}

/// `offerdeck publish|golive|cancel P/O [--wait]`: the offer's status is read, the engine's
/// rules decide whether it may go (nothing is sent otherwise), then it is sent and recorded.
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
    let id = configured.id.clone();
    let emails = match emails {
        Some(list) => match crate::emails::parse_nonempty_list(list) {
            Ok(list) => list,
            Err(e) => return usage(out, &format!("--emails: {e}; nothing was sent")),
        },
        None => configured.notification_emails.clone(),
    };
    let mut started = match engine_for(
        ctx,
        out,
        vec![(id.clone(), configured.backend)],
        true,
        false,
    ) {
        Ok(s) => s,
        Err(exit) => return exit,
    };
    if kind == OpKind::Publish && configured.backend.caps().takes_emails {
        // One listing first: whether the offer moved to Partner Center (its e-mails then go to
        // the seller contact, which the user is told). A listing that fails says nothing.
        started.engine.send(EngineCommand::ReadListings);
        while let Some(event) = started.recv().await {
            if matches!(event, EngineEvent::ListingsRead) {
                break;
            }
        }
    }
    let read = read_all(&mut started, out, std::slice::from_ref(&id)).await;
    if let Some((_, problem)) = read.first().and_then(|s| s.problem.as_ref()) {
        started.engine.shutdown();
        return failed(out, &format!("{kind} of {id}"), Some(&id), problem);
    }
    if let Some(warning) = read
        .first()
        .and_then(|s| engine::rules::warning_before(kind, s))
    {
        out.progress(&format!("note: {warning}"));
    }
    started.engine.send(EngineCommand::Start {
        offer: id.clone(),
        kind,
        emails,
        retry: false,
    });
    let mut recorded = Exit::Ok;
    let operation = loop {
        let Some(event) = started.recv().await else {
            out.note(&format!(
                "error: the {kind} of {id} got no answer from the engine; `{} watch {id}` looks for it at the service",
                out.command()
            ));
            return Exit::Failed;
        };
        let EngineEvent::News {
            offer: Some(o),
            news,
        } = event
        else {
            continue;
        };
        if o != id {
            continue;
        }
        match news {
            News::Refused(engine::Refusal::NothingRunning) => {
                started.engine.shutdown();
                out.emit(&Event::NothingToCancel {
                    offer: id.to_string(),
                });
                return Exit::Ok;
            }
            News::Refused(refusal) => {
                started.engine.shutdown();
                // An error event like any other (JSON too), with the exit code of a request
                // the offer's state does not allow.
                let problem = Problem::local(
                    engine::ProblemKind::NotReady,
                    format!("{}; nothing was sent", refusal.message(&id)),
                );
                return failed(out, &format!("{kind} of {id}"), Some(&id), &problem);
            }
            News::NothingToCancel => {
                started.engine.shutdown();
                out.emit(&Event::NothingToCancel {
                    offer: id.to_string(),
                });
                return Exit::Ok;
            }
            News::StartFailed { problem, .. } => {
                started.engine.shutdown();
                return failed(out, &format!("{kind} of {id}"), Some(&id), &problem);
            }
            News::StoreProblem(message) => out.emit(&Event::StoreProblem {
                offer: Some(id.to_string()),
                message,
            }),
            News::NotRecorded {
                operation_url,
                message,
                ..
            } => {
                // Accepted but not recorded: said loudly, with what to follow it by, and exit 7.
                out.emit(&Event::NotRecorded {
                    offer: id.to_string(),
                    kind: kind.as_str().to_string(),
                    operation_url,
                    message,
                    exit_code: Exit::NotRecorded as u8,
                });
                recorded = Exit::NotRecorded;
            }
            News::Accepted { adopted, .. } => {
                let op = accepted(&mut started, &id).await;
                if let Some(op) = &op {
                    out.emit(&Event::Accepted {
                        offer: id.to_string(),
                        kind: kind.as_str().to_string(),
                        operation_url: op.pointer.to_string(),
                        adopted,
                        notification_emails: op.notification_emails.clone(),
                    });
                    if started.last.get(&id).and_then(|s| s.migrated) == Some(true) {
                        out.progress(&format!(
                            "note: {id} moved to Partner Center: the API no longer sends the e-mails given; the offer's seller contact in Partner Center gets them"
                        ));
                    }
                }
                break op;
            }
            News::CancelRequested => {
                let op = accepted(&mut started, &id).await;
                if let Some(op) = &op {
                    out.emit(&Event::Accepted {
                        offer: id.to_string(),
                        kind: kind.as_str().to_string(),
                        operation_url: op.pointer.to_string(),
                        adopted: false,
                        notification_emails: op.notification_emails.clone(),
                    });
                }
                break op;
            }
            _ => {}
        }
    };
    let Some(operation) = operation else {
        out.note(&format!(
            "error: the service accepted the {kind} of {id}, but its operation is not known here; `{} watch {id}` follows it",
            out.command()
        ));
        return Exit::Failed;
    };
    if !wait {
        started.engine.shutdown();
        out.result_text(operation.pointer.as_str());
        return recorded;
    }
    worse(
        recorded,
        super::watch::follow_all(out, started, vec![id]).await,
    )
}

/// The operation the engine holds for an offer right after the service accepted it (its
/// snapshot came just before the news).
async fn accepted(started: &mut engine::Started, offer: &OfferId) -> Option<Operation> {
    started.last.get(offer).and_then(|s| s.op.clone())
}

pub(super) fn worse(a: Exit, b: Exit) -> Exit {
    if a == Exit::Ok { b } else { a }
}

/// "30 days", "1 hour", "90 seconds": a `--since` span in words.
fn span_words(span: std::time::Duration) -> String {
    let secs = span.as_secs();
    let (n, unit) = match secs {
        s if s >= 86_400 && s % 86_400 == 0 => (s / 86_400, "day"),
        s if s >= 3_600 && s % 3_600 == 0 => (s / 3_600, "hour"),
        s if s >= 60 && s % 60 == 0 => (s / 60, "minute"),
        s => (s, "second"),
    };
    format!("{n} {unit}{}", if n == 1 { "" } else { "s" })
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
    let asked = since;
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
                // Says what was asked, and where it looked.
                let of = offer.map(|o| format!(" of {o}")).unwrap_or_default();
                out.progress(&format!(
                    "no operations{of} in the last {} in {}",
                    span_words(asked),
                    crate::paths::display(store.path())
                ));
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
