//! `watch` and following operations to their ends through the engine, for `watch` and
//! `publish --wait`: each change reported as it comes, one exit code for all.

use std::collections::HashMap;

use super::commands::{api_of, configured, engine_for, failed, worse};
use super::exit::Exit;
use super::output::{Event, Reporter};
use crate::domain::{BackendKind, OfferId};
use crate::engine::wiring::Context;
use crate::engine::{
    self, Activity, Command as EngineCommand, EngineEvent, News, OfferState, Problem,
};

/// `offerdeck watch [P/O] --url URL`: one operation, followed by hand (one the store does not
/// know). The offer's API reads the URL; without an offer, the API the URL is on.
pub(super) async fn watch_url(
    ctx: &Context,
    out: &Reporter,
    url: &str,
    offer: Option<&OfferId>,
) -> Exit {
    let backend = match offer {
        Some(offer) => match configured(ctx, out, offer) {
            Ok(c) => match ctx.backends.require(c.backend) {
                Ok(b) => b,
                Err(e) => return failed(out, "watch", Some(offer), &Problem::from(e)),
            },
            Err(exit) => return exit,
        },
        None => match ctx.backends.owning(url) {
            Ok(b) => b,
            Err(e) => return failed(out, &format!("following {url}"), None, &Problem::from(e)),
        },
    };
    let operation = match backend.operation_at(url, offer, ctx.clock.now()).await {
        Ok(op) => op,
        Err(e) => return failed(out, &format!("following {url}"), None, &Problem::from(e)),
    };
    out.progress(&format!(
        "following the {} of {} at {}",
        operation.kind, operation.offer, operation.pointer
    ));
    let id = operation.offer.clone();
    let started = match engine_for(ctx, out, vec![(id.clone(), operation.backend)], true, false) {
        Ok(s) => s,
        Err(exit) => return exit,
    };
    started
        .engine
        .send(EngineCommand::Follow(Box::new(operation)));
    follow_all(out, started, vec![id]).await
}

/// `offerdeck watch [P/O...]`: every unfinished operation in the state store (of these offers),
/// to its end. A named offer with nothing recorded is looked up at the service: a publish
/// started from the portal or another machine is found, recorded and followed; one with
/// nothing running says what state it is in.
pub(super) async fn watch(ctx: &Context, out: &Reporter, offers: &[OfferId]) -> Exit {
    for offer in offers {
        if let Err(e) = configured(ctx, out, offer) {
            return e;
        }
    }
    let tracked: Vec<(OfferId, BackendKind)> =
        offers.iter().map(|o| (o.clone(), api_of(ctx, o))).collect();
    let mut started = match engine_for(ctx, out, tracked, !offers.is_empty(), true) {
        Ok(s) => s,
        Err(exit) => return exit,
    };
    for message in std::mem::take(&mut started.notices) {
        out.emit(&Event::StoreProblem {
            offer: None,
            message,
        });
    }
    let followed: Vec<OfferId> = started
        .offers
        .iter()
        .filter(|s| s.activity == Activity::Following)
        .map(|s| s.id.clone())
        .collect();
    let mut exit = Exit::Ok;
    let mut watched = followed.clone();
    let missing: Vec<OfferId> = offers
        .iter()
        .filter(|o| !followed.contains(o))
        .cloned()
        .collect();
    for offer in &missing {
        started.engine.send(EngineCommand::Discover(offer.clone()));
    }
    let mut pending = missing.clone();
    while !pending.is_empty() {
        let Some(event) = started.recv().await else {
            break;
        };
        let EngineEvent::News {
            offer: Some(offer),
            news,
        } = event
        else {
            continue;
        };
        if !pending.contains(&offer) {
            continue;
        }
        match news {
            News::FoundRunning { kind } => {
                let url = started
                    .last
                    .get(&offer)
                    .and_then(|s| s.op.as_ref())
                    .map(|o| o.pointer.to_string())
                    .unwrap_or_default();
                out.progress(&format!(
                    "{offer}: a {kind} started elsewhere is running; following it at {url}"
                ));
                watched.push(offer.clone());
            }
            News::NothingRuns { standing } => out.progress(&format!(
                "{offer}: nothing runs on it; it is {standing}{}",
                if standing == "ready for go-live" {
                    format!(" ({} golive {offer})", out.command())
                } else {
                    String::new()
                }
            )),
            News::StoppedFollowing { problem } => {
                exit = worse(
                    exit,
                    failed(out, &format!("looking up {offer}"), Some(&offer), &problem),
                )
            }
            _ => continue,
        }
        pending.retain(|o| *o != offer);
    }
    if watched.is_empty() {
        started.engine.shutdown();
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
        watched.len()
    ));
    worse(exit, follow_all(out, started, watched).await)
}

/// Follows the operations of `offers` through the engine to their ends, reporting each change,
/// and returns the combined exit code.
pub(super) async fn follow_all(
    out: &Reporter,
    mut started: engine::Started,
    offers: Vec<OfferId>,
) -> Exit {
    use std::io::Write;
    let mut remaining: Vec<OfferId> = offers;
    let mut exit = Exit::Ok;
    // What was last said of each operation, so only changes are printed.
    let mut said: HashMap<OfferId, String> = HashMap::new();
    let mut retries: HashMap<OfferId, u32> = HashMap::new();
    let interrupted = tokio::signal::ctrl_c();
    tokio::pin!(interrupted);
    while !remaining.is_empty() {
        let event = tokio::select! {
            e = started.recv() => e,
            _ = &mut interrupted => {
                started.engine.shutdown();
                out.note(&format!("interrupted: the operations go on at the service; `{} watch` resumes them", out.command()));
                return Exit::Failed;
            }
        };
        let Some(event) = event else {
            // The engine is gone with operations unreported: never a silent success.
            out.note(&format!(
                "error: {} operation(s) stopped being followed without an outcome; `{} watch` resumes them",
                remaining.len(),
                out.command()
            ));
            return worse(exit, Exit::Failed);
        };
        match event {
            EngineEvent::Offer(state) if remaining.contains(&state.id) => {
                let Some(op) = &state.op else { continue };
                if let Some(retry) = &state.retrying
                    && retries.get(&state.id) != Some(&retry.attempt)
                {
                    retries.insert(state.id.clone(), retry.attempt);
                    let wait = retry
                        .until
                        .map(|u| (u - started_now(&state)).num_seconds().max(0) as u64)
                        .unwrap_or_default();
                    out.emit(&Event::Retrying {
                        offer: op.offer.to_string(),
                        kind: op.kind.as_str().to_string(),
                        attempt: retry.attempt,
                        error: retry.reason.clone(),
                        wait_seconds: wait,
                    });
                }
                if op.seen.status != crate::domain::Status::NotStarted || op.finished {
                    let changed = Event::changed(op);
                    let key = serde_json::to_string(&changed).unwrap_or_default();
                    if said.get(&state.id) != Some(&key) {
                        out.emit(&changed);
                        said.insert(state.id.clone(), key);
                    }
                }
                let ended = op.finished && state.activity != Activity::Following;
                if ended && state.problem.is_none() {
                    if !op.succeeded() {
                        exit = worse(exit, Exit::Failed);
                    }
                    out.emit(&Event::final_of(op));
                    remaining.retain(|o| *o != state.id);
                }
            }
            EngineEvent::News {
                offer: Some(offer),
                news: News::StoppedFollowing { problem },
            } if remaining.contains(&offer) => {
                let context = format!("following {offer}");
                exit = worse(exit, failed(out, &context, Some(&offer), &problem));
                if let Some(op) = started.last.get(&offer).and_then(|s| s.op.as_ref()) {
                    out.emit(&Event::final_of(op));
                }
                remaining.retain(|o| *o != offer);
            }
            EngineEvent::News {
                offer,
                news: News::StoreProblem(message),
            } => out.emit(&Event::StoreProblem {
                offer: offer.map(|o| o.to_string()),
                message,
            }),
            EngineEvent::News {
                news: News::NotifyProblem(problem),
                ..
            } => out.note(&format!("warning: {problem}")),
            EngineEvent::Desktop(notice) => {
                let mut err = std::io::stderr();
                let _ = err
                    .write_all(notice.desktop_escapes().as_bytes())
                    .and_then(|()| err.flush());
            }
            _ => {}
        }
    }
    // Notifications of the last end are sent before the process goes, and what failed of
    // them is said.
    started.engine.settle().await;
    started.engine.shutdown();
    while let Ok(event) = started.try_recv() {
        if let EngineEvent::News {
            news: News::NotifyProblem(problem),
            ..
        } = event
        {
            out.note(&format!("warning: {problem}"));
        }
    }
    exit
}

/// When the engine last spoke of the offer (the wait before a retry counts from then).
fn started_now(state: &OfferState) -> chrono::DateTime<chrono::Utc> {
    state.last_poll.unwrap_or_else(chrono::Utc::now)
}
