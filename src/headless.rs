//! The headless commands: for scripts and CI pipelines. Results go to stdout (a table, or JSON
//! with `--json`); progress and errors go to stderr as readable lines.

use std::io::Write;

use futures::StreamExt;
use serde_json::json;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::api::{ApiError, OpKind, OperationDetail, Status};
use crate::cli::OfferRef;
use crate::exit::{Exit, exit_for};
use crate::ops::{self, FollowEvent, FollowPolicy};
use crate::setup::Context;
use crate::store::OperationRecord;
use crate::text::sanitize_line;

fn stdout_line(line: &str) {
    let mut out = std::io::stdout().lock();
    // A closed pipe (`| head`) is not an error worth a panic.
    let _ = writeln!(out, "{line}");
}

/// Prints an API error with everything a support ticket needs: status, code, message, every
/// validation detail, correlation id.
pub fn report_error(context: &str, error: &ApiError, json_mode: bool) {
    eprintln!("error: {context}: {error}");
    if let Some(se) = error.service_error() {
        for detail in &se.details {
            eprintln!("  - {detail}");
        }
    }
    if let ApiError::Token(_) | ApiError::Auth(_) = error {
        eprintln!("  hint: check [auth] in the config, or set $OFFERDECK_TOKEN to a fresh token");
    }
    if json_mode {
        let se = error.service_error();
        stdout_line(
            &json!({
                "event": "error",
                "context": context,
                "message": error.to_string(),
                "http_status": se.map(|e| e.status),
                "code": se.and_then(|e| e.code.clone()),
                "details": se.map(|e| e.details.clone()).unwrap_or_default(),
                "correlation_id": se.and_then(|e| e.correlation_id.clone()),
                "exit_code": exit_for(error) as u8,
            })
            .to_string(),
        );
    }
}

fn usage(message: &str) -> Exit {
    eprintln!("error: {message}");
    Exit::Usage
}

/// `offerdeck offers`: every configured offer with its status, fetched concurrently.
pub async fn offers(ctx: &Context, json_mode: bool) -> Exit {
    if ctx.config.offers.is_empty() {
        return usage(&format!(
            "no [[offers]] in {}; add one (see the README)",
            ctx.config.path.display()
        ));
    }
    let limit = ctx.config.api.concurrency.max(1);
    let results: Vec<_> = futures::stream::iter(ctx.config.offers.iter())
        .map(|o| async move { (o, ctx.client.offer_status(&o.publisher, &o.offer).await) })
        .buffered(limit)
        .collect()
        .await;
    let mut worst = Exit::Ok;
    if !json_mode {
        stdout_line(&format!(
            "{:<34} {:<20} {:<30} {:>4}  E-MAILS",
            "OFFER", "STATUS", "STEP", "%"
        ));
    }
    for (offer, result) in results {
        match result {
            Ok(detail) => {
                let status = detail.effective_status();
                let step = detail
                    .current_step(None)
                    .map(|s| sanitize_line(s.name()))
                    .unwrap_or_default();
                let progress = detail.progress(None);
                if json_mode {
                    stdout_line(
                        &json!({
                            "offer": offer.key(), "status": status.as_str(), "step": step,
                            "progress": progress, "failure": detail.failure_reason(),
                            "notification_emails": offer.notification_emails,
                        })
                        .to_string(),
                    );
                } else {
                    let mut label = status.label().to_string();
                    if let Some(reason) =
                        detail.failure_reason().filter(|_| status == Status::Failed)
                    {
                        label = format!("failed: {}", crate::text::truncate(&reason, 60));
                    }
                    stdout_line(&format!(
                        "{:<34} {:<20} {:<30} {:>3}%  {}",
                        offer.key(),
                        crate::text::truncate(&sanitize_line(&label), 20),
                        crate::text::truncate(&step, 30),
                        progress,
                        offer.notification_emails.join(", ")
                    ));
                }
            }
            Err(e) => {
                let code = exit_for(&e);
                if worst == Exit::Ok {
                    worst = code;
                }
                if json_mode {
                    stdout_line(&json!({"offer": offer.key(), "error": e.to_string(), "exit_code": code as u8}).to_string());
                } else {
                    stdout_line(&format!(
                        "{:<34} error: {}",
                        offer.key(),
                        crate::text::truncate(&e.to_string(), 120)
                    ));
                }
            }
        }
    }
    worst
}

/// `offerdeck status P/O`: the status with every step.
pub async fn status(ctx: &Context, offer: &OfferRef, json_mode: bool) -> Exit {
    match ctx
        .client
        .offer_status(&offer.publisher, &offer.offer)
        .await
    {
        Ok(detail) => {
            if json_mode {
                stdout_line(
                    &serde_json::to_string(&detail_json(offer, &detail)).unwrap_or_default(),
                );
            } else {
                print_detail(offer, &detail);
            }
            Exit::Ok
        }
        Err(e) => {
            report_error(&format!("status of {offer}"), &e, json_mode);
            exit_for(&e)
        }
    }
}

fn detail_json(offer: &OfferRef, d: &OperationDetail) -> serde_json::Value {
    json!({
        "offer": offer.to_string(),
        "status": d.effective_status().as_str(),
        "raw_status": d.status.as_str(),
        "progress": d.progress(None),
        "failure": d.failure_reason(),
        "steps": d.steps.iter().map(|s| json!({
            "id": s.id, "name": sanitize_line(s.name()), "status": s.status.as_str(),
            "progress": s.progress(), "estimated_time_frame": sanitize_line(&s.estimated_time_frame),
            "messages": s.messages.iter().map(|m| json!({"level": sanitize_line(&m.level), "text": crate::text::html_to_text(&m.message_html)})).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
    })
}

fn print_detail(offer: &OfferRef, d: &OperationDetail) {
    let status = d.effective_status();
    stdout_line(&format!(
        "{offer}: {} ({}%)",
        status.label(),
        d.progress(None)
    ));
    if let Some(reason) = d.failure_reason() {
        stdout_line(&format!("  reason: {reason}"));
    }
    for s in &d.steps {
        stdout_line(&format!(
            "  {:<44} {:<26} {:>3}%  {}",
            crate::text::truncate(&sanitize_line(s.name()), 44),
            s.status.as_str(),
            s.progress(),
            sanitize_line(&s.estimated_time_frame)
        ));
        for m in &s.messages {
            stdout_line(&format!(
                "      [{}] {}",
                sanitize_line(&m.level),
                crate::text::html_to_text(&m.message_html)
            ));
        }
    }
}

/// `offerdeck publish|golive|cancel P/O [--wait]`.
pub async fn start(
    ctx: &Context,
    kind: OpKind,
    offer: &OfferRef,
    emails: Option<&str>,
    wait: bool,
    json_mode: bool,
) -> Exit {
    let Some(configured) = ctx.config.offer(&offer.publisher, &offer.offer) else {
        let known: Vec<String> = ctx.config.offers.iter().map(|o| o.key()).collect();
        return usage(&format!(
            "{offer} is not configured in {}; configured offers: {}",
            ctx.config.path.display(),
            if known.is_empty() {
                "none".to_string()
            } else {
                known.join(", ")
            }
        ));
    };
    let (publisher, offer_id) = (configured.publisher.clone(), configured.offer.clone());
    let emails = match emails {
        Some(list) => match crate::emails::parse_list(list) {
            Ok(list) => list,
            Err(e) => return usage(&format!("--emails: {e}; nothing was sent")),
        },
        None => configured.notification_emails.clone(),
    };
    if kind == OpKind::Cancel {
        match ctx.client.running_submission(&publisher, &offer_id).await {
            Ok(None) => {
                eprintln!("nothing is running on {offer}; nothing to cancel");
                if json_mode {
                    stdout_line(&json!({"event": "final", "offer": offer.to_string(), "kind": "cancel", "status": "nothing-running", "success": true}).to_string());
                }
                return Exit::Ok;
            }
            Ok(Some(_)) => {}
            Err(e) => {
                report_error(&format!("checking what runs on {offer}"), &e, json_mode);
                return exit_for(&e);
            }
        }
    }
    let (record, adopted) = match ops::start(
        &ctx.client,
        &ctx.store,
        kind,
        &publisher,
        &offer_id,
        &emails,
    )
    .await
    {
        Ok(started) => started,
        Err(e) => {
            report_error(&format!("{kind} of {offer}"), &e, json_mode);
            return exit_for(&e);
        }
    };
    if adopted {
        eprintln!(
            "{kind} of {offer}: the service answered unclearly, but an operation is running; following it (not sent twice)"
        );
    } else {
        eprintln!(
            "{kind} of {offer} accepted; operation {}",
            record.operation_url
        );
    }
    if json_mode {
        stdout_line(&json!({"event": "accepted", "offer": offer.to_string(), "kind": kind.as_str(), "operation_url": record.operation_url, "adopted": adopted, "notification_emails": emails}).to_string());
    }
    if !wait {
        if !json_mode {
            stdout_line(&record.operation_url);
        }
        return Exit::Ok;
    }
    follow_all(ctx, vec![record], json_mode).await
}

/// `offerdeck watch`: every unfinished operation in the state store, to its end.
pub async fn watch(ctx: &Context, json_mode: bool) -> Exit {
    let records = match ctx.store.unfinished() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            return Exit::Failed;
        }
    };
    if records.is_empty() {
        eprintln!("no unfinished operations in {}", ctx.store.path().display());
        return Exit::Ok;
    }
    eprintln!("following {} unfinished operation(s)", records.len());
    follow_all(ctx, records, json_mode).await
}

/// Follows operations concurrently, printing each change, and returns the combined exit code.
async fn follow_all(ctx: &Context, records: Vec<OperationRecord>, json_mode: bool) -> Exit {
    let (tx, mut rx) = mpsc::channel::<FollowEvent>(64);
    let cancel = CancellationToken::new();
    let policy = FollowPolicy::every(ctx.config.api.poll_interval);
    let mut remaining = records.len();
    for record in records {
        tokio::spawn(ops::follow(
            ctx.client.clone(),
            Some(ctx.store.clone()),
            record,
            policy,
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
            _ = &mut interrupted => {
                cancel.cancel();
                eprintln!("interrupted: the operations go on at the service; `offerdeck watch` resumes them");
                return Exit::Failed;
            }
        };
        let Some(event) = event else { break };
        match event {
            FollowEvent::Changed(r) => print_change(&r, json_mode),
            FollowEvent::Retrying {
                record,
                attempt,
                error,
                wait,
            } => {
                eprintln!(
                    "{} {}: poll failed ({error}); retry {attempt} in {}s",
                    record.key(),
                    record.kind,
                    wait.as_secs()
                );
            }
            FollowEvent::Stopped { record, error } => {
                remaining -= 1;
                let success = error.is_none() && ops::succeeded(record.kind, &record.last_status);
                if let Some(e) = &error {
                    report_error(
                        &format!("following {} {}", record.key(), record.kind),
                        e,
                        json_mode,
                    );
                    exit = worse(exit, exit_for(e));
                } else if !success {
                    exit = worse(exit, Exit::Failed);
                }
                let verdict = final_line(&record, success);
                eprintln!("{verdict}");
                if json_mode {
                    stdout_line(&json!({
                        "event": "final", "offer": record.key(), "kind": record.kind.as_str(),
                        "status": record.last_status.as_str(), "success": success, "failure": record.failure,
                        "operation_url": record.operation_url, "progress": record.progress,
                    }).to_string());
                }
            }
        }
    }
    exit
}

fn worse(a: Exit, b: Exit) -> Exit {
    if a == Exit::Ok { b } else { a }
}

fn final_line(r: &OperationRecord, success: bool) -> String {
    let what = format!("{} {}", r.key(), r.kind);
    match (&r.last_status, success) {
        (Status::WaitingForPublisherReview, true) => format!(
            "{what}: ready for go-live (publisher sign-off): run `offerdeck golive {}`",
            r.key()
        ),
        (_, true) => format!("{what}: {}", r.last_status.label()),
        (Status::Failed, _) => format!(
            "{what}: failed: {}",
            r.failure
                .clone()
                .unwrap_or_else(|| "no reason given".into())
        ),
        (status, _) => format!("{what}: ended {}", status.label()),
    }
}

fn print_change(r: &OperationRecord, json_mode: bool) {
    let step = r.current_step.as_ref();
    let time = chrono::Local::now().format("%H:%M:%S");
    let mut line = format!("[{time}] {} {}: {}", r.key(), r.kind, r.last_status.label());
    if let Some(s) = step {
        line.push_str(&format!(" — {} {} {}%", s.name, s.status, s.progress));
    }
    line.push_str(&format!(" (overall {}%)", r.progress));
    if let Some(f) = &r.failure {
        line.push_str(&format!(" — {f}"));
    }
    eprintln!("{line}");
    if json_mode {
        stdout_line(&json!({
            "event": "changed", "offer": r.key(), "kind": r.kind.as_str(), "status": r.last_status.as_str(),
            "step": step.map(|s| s.name.clone()), "step_status": step.map(|s| s.status.clone()),
            "progress": r.progress, "failure": r.failure, "operation_url": r.operation_url,
        }).to_string());
    }
}
