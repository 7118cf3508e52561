//! `offerdeck discover`: the offers an account can see on each API, which of them the config
//! has, and with `--add`, the others appended to the config (comments kept).

use super::commands::{failed, usage, worse};
use super::exit::Exit;
use super::output::{Event, Reporter};
use crate::backend::{Backend, IngestionBackend, ListedOffer};
use crate::config::NewOffer;
use crate::domain::{BackendKind, OfferId};
use crate::engine::wiring::Context;

/// What the user asked `discover` for.
pub(super) struct Request {
    pub backend: Option<BackendKind>,
    pub publishers: Vec<String>,
    pub all_types: bool,
    /// `--add`: the offers to add (every one found and not configured, when empty).
    pub add: Option<Vec<OfferId>>,
}

/// The APIs to list: the one asked for, else those the config has offers on, else CPP.
fn kinds(ctx: &Context, asked: Option<BackendKind>) -> Vec<BackendKind> {
    if let Some(kind) = asked {
        return vec![kind];
    }
    let used: Vec<BackendKind> = BackendKind::ALL
        .into_iter()
        .filter(|k| ctx.config.offers.iter().any(|o| o.backend == *k))
        .collect();
    if used.is_empty() {
        vec![BackendKind::Cpp]
    } else {
        used
    }
}

/// The backend of a kind: the context's, or one built now (the config may have no offer on
/// that API yet, so its credentials were not needed until now).
fn backend_for(ctx: &Context, out: &Reporter, kind: BackendKind) -> Result<Backend, Exit> {
    if let Some(existing) = ctx.backends.get(kind) {
        return Ok(existing.clone());
    }
    let built = match kind {
        BackendKind::Cpp => crate::engine::wiring::client(&ctx.config)
            .map(|c| Backend::Cpp(crate::backend::CppBackend::new(c))),
        BackendKind::Ingestion => crate::engine::wiring::ingestion_client(&ctx.config)
            .map(|c| Backend::Ingestion(IngestionBackend::new(c))),
    };
    built.map_err(|e| {
        out.note(&format!("error: {e}"));
        super::exit::exit_for_setup(&e)
    })
}

pub(super) async fn run(ctx: &Context, out: &Reporter, request: Request) -> Exit {
    let mut exit = Exit::Ok;
    let mut found: Vec<(BackendKind, ListedOffer)> = Vec::new();
    for kind in kinds(ctx, request.backend) {
        let publishers = if request.publishers.is_empty() {
            crate::engine::start::configured_publishers(&ctx.config, kind)
        } else {
            request.publishers.clone()
        };
        if publishers.is_empty() {
            let what = match kind {
                BackendKind::Cpp => "the publisher id to list in the Cloud Partner Portal",
                BackendKind::Ingestion => {
                    "the seller label to give the Product Ingestion offers found (offers are named LABEL/EXTERNAL-ID)"
                }
            };
            exit = worse(
                exit,
                usage(
                    out,
                    &format!("no {kind} offer is configured: give --publisher NAME, {what}"),
                ),
            );
            continue;
        }
        let backend = match backend_for(ctx, out, kind) {
            Ok(b) => b,
            Err(e) => {
                exit = worse(exit, e);
                continue;
            }
        };
        match crate::engine::start::available(&backend, &publishers, request.all_types).await {
            Ok(offers) => found.extend(offers.into_iter().map(|o| (kind, o))),
            Err(e) => {
                exit = worse(
                    exit,
                    failed(
                        out,
                        &format!("listing {kind} offers"),
                        None,
                        &crate::engine::Problem::from(&e),
                    ),
                )
            }
        }
    }
    for (kind, offer) in &found {
        out.emit(&Event::Discovered {
            offer: offer.id.to_string(),
            backend: kind.to_string(),
            name: offer.name.clone(),
            offer_type: offer.offer_type.word.clone(),
            configured: ctx.config.offer(&offer.id).is_some(),
            unusable: offer.unusable.clone(),
        });
    }
    if found.is_empty() && exit == Exit::Ok {
        out.progress(if request.all_types {
            "no offers found"
        } else {
            "no virtual machine offers found (--all-types lists every type)"
        });
    }
    match request.add {
        Some(named) => worse(exit, add(ctx, out, &found, &named)),
        None => exit,
    }
}

/// Appends the chosen offers to the config: those named, or every one found and not configured.
fn add(
    ctx: &Context,
    out: &Reporter,
    found: &[(BackendKind, ListedOffer)],
    named: &[OfferId],
) -> Exit {
    if let Some(missing) = named
        .iter()
        .find(|n| !found.iter().any(|(_, o)| &o.id == *n))
    {
        out.note(&format!(
            "error: {missing} is not among the offers found; nothing was added"
        ));
        return Exit::NotFound;
    }
    if let Some((_, o)) = found
        .iter()
        .find(|(_, o)| o.unusable.is_some() && named.contains(&o.id))
    {
        out.note(&format!(
            "error: {} cannot be added: {}; nothing was added",
            o.id,
            o.unusable.as_deref().unwrap_or_default()
        ));
        return Exit::Usage;
    }
    let chosen: Vec<NewOffer> = found
        .iter()
        .filter(|(_, o)| o.unusable.is_none())
        .filter(|(_, o)| {
            if named.is_empty() {
                ctx.config.offer(&o.id).is_none()
            } else {
                named.contains(&o.id)
            }
        })
        .map(|(kind, o)| NewOffer {
            id: o.id.clone(),
            backend: *kind,
            name: o.name.clone(),
        })
        .collect();
    match crate::config::append_offers(&ctx.config.path, &chosen) {
        Ok(added) => {
            for id in &added {
                let backend = chosen
                    .iter()
                    .find(|c| &c.id == id)
                    .map_or(BackendKind::Cpp, |c| c.backend);
                out.emit(&Event::Added {
                    offer: id.to_string(),
                    backend: backend.to_string(),
                    config: ctx.config.path.display().to_string(),
                });
            }
            if added.is_empty() {
                out.progress("nothing to add: every offer found is configured already");
            }
            Exit::Ok
        }
        Err(e) => {
            out.note(&format!("error: {e}"));
            Exit::Failed
        }
    }
}
