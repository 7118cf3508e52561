//! `publish --dry-run` and `publish --if-changed`: what a publish would send (the draft against
//! the preview), shown before anything is sent, and a publish skipped when it would send
//! nothing new.

use super::commands::{api_of, configured};
use super::exit::{Exit, exit_for};
use super::output::{ChangeOut, Event, Reporter};
use crate::domain::OfferId;
use crate::engine::wiring::Context;

/// The comparison, reported; `Ok(true)` when the draft equals the preview.
async fn report(ctx: &Context, out: &Reporter, offer: &OfferId) -> Result<bool, Exit> {
    configured(ctx, out, offer)?;
    let backend = ctx.backends.require(api_of(ctx, offer)).map_err(|e| {
        out.emit(&Event::error("publish", Some(offer.to_string()), &e));
        exit_for(&e)
    })?;
    let sends = backend.what_publish_sends(offer).await.map_err(|e| {
        out.emit(&Event::error(
            "what the publish would send",
            Some(offer.to_string()),
            &e,
        ));
        exit_for(&e)
    })?;
    out.emit(&Event::DraftChanges {
        offer: offer.to_string(),
        no_preview: sends.no_preview,
        changes: sends
            .fields
            .iter()
            .map(|f| ChangeOut {
                path: f.path.clone(),
                before: f.before.clone(),
                after: f.after.clone(),
            })
            .collect(),
        left_out: sends.left_out.clone(),
    });
    Ok(sends.unchanged())
}

/// `publish --dry-run`: the comparison, and nothing sent.
pub(super) async fn dry_run(ctx: &Context, out: &Reporter, offer: &OfferId) -> Exit {
    match report(ctx, out, offer).await {
        Ok(_) => {
            out.progress(&format!("dry run: nothing was sent to {offer}"));
            Exit::Ok
        }
        Err(exit) => exit,
    }
}

/// `publish --if-changed`: `None` when the publish should go ahead, else the exit of a
/// publish skipped (the draft equals the preview) or of a comparison that failed.
pub(super) async fn skip_unless_changed(
    ctx: &Context,
    out: &Reporter,
    offer: &OfferId,
) -> Option<Exit> {
    match report(ctx, out, offer).await {
        Ok(true) => {
            out.progress(&format!(
                "{offer}: the draft is the preview already; nothing new to publish, so no publish was sent"
            ));
            Some(Exit::Ok)
        }
        Ok(false) => None,
        Err(exit) => Some(exit),
    }
}
