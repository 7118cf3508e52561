//! `offerdeck image list` and `offerdeck image add`: an offer's plans with their image versions
//! per environment, and a new build added to plans' drafts. Everything an add needs is checked
//! before anything is sent (the sources' pre-flight checks, then every plan's rules, on a fresh
//! read); `--dry-run` stops there.

use super::args::EnvArg;
use super::commands::{api_of, configured, usage};
use super::exit::{Exit, exit_for};
use super::output::{Event, Reporter, VersionOut};
use crate::api::ApiError;
use crate::api::blob::BlobReader;
use crate::backend::images::{JobWaits, LifecycleChange, PlanChange};
use crate::domain::image::{DataDisk, ImageSource, ImageType, NewVersion, VersionNumber};
use crate::domain::{Environment, OfferId, OpKind};
use crate::engine::wiring::Context;

/// What `image add` was asked, as typed.
#[derive(Debug, Clone, Default)]
pub struct AddRequest {
    pub plans: Vec<String>,
    pub version: String,
    pub vhd: Vec<String>,
    pub data_disks: Vec<String>,
    pub gallery: Option<String>,
    pub gallery_tenant: Option<String>,
    pub image_type: Option<String>,
    pub skip_blob_check: bool,
    pub dry_run: bool,
    pub publish: bool,
    pub wait: bool,
}

/// `image list`.
pub async fn list(
    ctx: &Context,
    out: &Reporter,
    offer: &OfferId,
    plan: Option<&str>,
    env: Option<EnvArg>,
) -> Exit {
    if let Err(exit) = configured(ctx, out, offer) {
        return exit;
    }
    let kind = api_of(ctx, offer);
    let backend = match ctx.backends.require(kind) {
        Ok(b) => b,
        Err(e) => return failed(out, offer, &e),
    };
    let envs = match env {
        Some(EnvArg::Draft) => vec![Environment::Draft],
        Some(EnvArg::Preview) => vec![Environment::Preview],
        Some(EnvArg::Live) => vec![Environment::Live],
        None => vec![Environment::Draft, Environment::Preview, Environment::Live],
    };
    let mut exit = Exit::Ok;
    for env in envs {
        let plans = match backend.images(offer, &env).await {
            Ok(plans) => plans,
            Err(ApiError::NotFound(_)) if env != Environment::Draft => {
                out.emit(&Event::NothingIn {
                    offer: offer.to_string(),
                    environment: env.as_str().to_string(),
                    reason: match env {
                        Environment::Preview => "nothing yet: never published to preview".into(),
                        _ => "nothing yet: never live".into(),
                    },
                });
                continue;
            }
            Err(e) => {
                exit = failed(out, offer, &e);
                if env == Environment::Draft {
                    return exit;
                }
                continue;
            }
        };
        let shown: Vec<_> = plans
            .iter()
            .filter(|p| plan.is_none_or(|name| p.plan.eq_ignore_ascii_case(name)))
            .collect();
        if let Some(name) = plan
            && shown.is_empty()
            && env == Environment::Draft
        {
            let known: Vec<&str> = plans.iter().map(|p| p.plan.as_str()).collect();
            return usage(
                out,
                &format!(
                    "{offer} has no plan {name}; its plans: {}",
                    if known.is_empty() {
                        "none".to_string()
                    } else {
                        known.join(", ")
                    }
                ),
            );
        }
        for p in shown {
            out.emit(&Event::Plan {
                offer: offer.to_string(),
                backend: kind.as_str().to_string(),
                environment: env.as_str().to_string(),
                plan: p.plan.clone(),
                image_types: p.image_types.iter().map(|t| t.word().to_string()).collect(),
                versions: p.versions.iter().map(VersionOut::from).collect(),
            });
        }
    }
    exit
}

fn failed(out: &Reporter, offer: &OfferId, e: &ApiError) -> Exit {
    out.emit(&Event::error("image", Some(offer.to_string()), e));
    exit_for(e)
}

/// An image type as typed, or why not.
fn image_type(raw: &str) -> Result<ImageType, String> {
    ImageType::parse(raw).ok_or_else(|| {
        format!(
            "{:?} is not an image type: give {}",
            crate::text::sanitize_line(raw),
            ImageType::SPELLINGS
        )
    })
}

/// `[TYPE=]URI`: a type before `=` when what precedes it is a word, not part of a URL.
fn typed_vhd(raw: &str) -> Result<(Option<ImageType>, String), String> {
    match raw.split_once('=') {
        Some((head, uri)) if !head.contains(['/', ':', '?']) => {
            Ok((Some(image_type(head)?), uri.trim().to_string()))
        }
        _ => Ok((None, raw.trim().to_string())),
    }
}

/// The version to add, from what was typed; a usage error says what is wrong.
pub fn new_version(request: &AddRequest) -> Result<NewVersion, String> {
    let number = VersionNumber::parse(&request.version)?;
    let default_type = request.image_type.as_deref().map(image_type).transpose()?;
    let mut data_disks = Vec::new();
    for raw in &request.data_disks {
        let Some((lun, uri)) = raw.split_once('=') else {
            return Err(format!(
                "--data-disk takes LUN=URI (e.g. 0=https://…), not {:?}",
                crate::redact::hide_sas_signatures(&crate::text::sanitize_line(raw))
            ));
        };
        let lun: u32 = lun.trim().parse().map_err(|_| {
            format!(
                "the LUN {:?} of a --data-disk is not a whole number",
                crate::text::sanitize_line(lun)
            )
        })?;
        if data_disks.iter().any(|d: &DataDisk| d.lun == lun) {
            return Err(format!("--data-disk gives LUN {lun} twice"));
        }
        data_disks.push(DataDisk {
            lun,
            uri: uri.trim().to_string(),
        });
    }
    let mut images = Vec::new();
    for raw in &request.vhd {
        let (t, uri) = typed_vhd(raw)?;
        let t = t.or(default_type);
        if images.iter().any(|(have, _)| *have == t) {
            return Err(match t {
                Some(t) => format!("--vhd gives {t} twice"),
                None => "several --vhd without a type: give each as TYPE=URI".into(),
            });
        }
        images.push((
            t,
            ImageSource::Vhd {
                os_disk: uri,
                data_disks: data_disks.clone(),
            },
        ));
    }
    if let Some(id) = &request.gallery {
        images.push((
            default_type,
            ImageSource::Gallery {
                resource_id: id.trim().to_string(),
                tenant_id: request
                    .gallery_tenant
                    .as_ref()
                    .map(|t| t.trim().to_string()),
            },
        ));
    }
    if images.is_empty() {
        return Err("give the image: --vhd [TYPE=]URI (a SAS URI) or --gallery RESOURCE_ID".into());
    }
    Ok(NewVersion { number, images })
}

/// `image add`.
pub async fn add(ctx: &Context, out: &Reporter, offer: &OfferId, request: &AddRequest) -> Exit {
    if let Err(exit) = configured(ctx, out, offer) {
        return exit;
    }
    let new = match new_version(request) {
        Ok(new) => new,
        Err(why) => return usage(out, &why),
    };
    // The sources first: a SAS that certification cannot read fails every plan alike.
    let blobs = !request.skip_blob_check;
    let failures = check_sources(ctx, out, &new.images, (false, blobs)).await;
    if failures > 0 {
        out.note(&format!(
            "error: {failures} check(s) failed; nothing was sent to {offer}"
        ));
        return Exit::Usage;
    }
    let kind = api_of(ctx, offer);
    let backend = match ctx.backends.require(kind) {
        Ok(b) => b,
        Err(e) => return failed(out, offer, &e),
    };
    let outcome = match backend
        .add_version(
            offer,
            &request.plans,
            &new,
            request.dry_run,
            &JobWaits::default(),
        )
        .await
    {
        Ok(outcome) => outcome,
        Err(e) => return failed(out, offer, &e),
    };
    if outcome.reread {
        out.progress(&format!(
            "{offer}'s draft changed after offerdeck read it (the portal, a colleague?): the add was decided again on a fresh read, and nothing of their change was lost"
        ));
    }
    let refused_by: Vec<&str> = outcome
        .plans
        .iter()
        .filter(|p| matches!(p.change, PlanChange::Refused { .. }))
        .map(|p| p.plan.as_str())
        .collect();
    for p in &outcome.plans {
        let (change, reason, warnings) = match &p.change {
            PlanChange::Add { warnings } if outcome.written => ("added", None, warnings.clone()),
            PlanChange::Add { warnings } if refused_by.is_empty() => {
                ("would_add", None, warnings.clone())
            }
            PlanChange::Add { .. } => (
                "would_add",
                Some(format!(
                    "nothing sent: plan {} refused it",
                    refused_by.join(", ")
                )),
                Vec::new(),
            ),
            PlanChange::AlreadyThere => ("already_there", None, Vec::new()),
            PlanChange::Refused { reason } => ("refused", Some(reason.clone()), Vec::new()),
        };
        out.emit(&Event::ImageAdd {
            offer: offer.to_string(),
            plan: p.plan.clone(),
            version: new.number.to_string(),
            change: change.to_string(),
            reason,
            warnings,
        });
    }
    if !refused_by.is_empty() {
        out.note(&format!("error: nothing was sent to {offer}"));
        return Exit::Usage;
    }
    if request.publish {
        return super::commands::start(ctx, out, OpKind::Publish, offer, None, request.wait).await;
    }
    Exit::Ok
}

/// `image deprecate` and `image restore`.
pub async fn lifecycle(
    ctx: &Context,
    out: &Reporter,
    target: &super::args::VersionOnPlan,
    change: LifecycleChange,
) -> Exit {
    let offer = &target.offer;
    if let Err(exit) = configured(ctx, out, offer) {
        return exit;
    }
    let version = match VersionNumber::parse(&target.version) {
        Ok(v) => v,
        Err(why) => return usage(out, &why),
    };
    if let LifecycleChange::Deprecate { on: Some(on) } = change
        && on < chrono::Local::now().date_naive()
    {
        return usage(
            out,
            &format!(
                "--on {on} is in the past: give today or a later day, or leave it out to deprecate with the next publish"
            ),
        );
    }
    let kind = api_of(ctx, offer);
    let backend = match ctx.backends.require(kind) {
        Ok(b) => b,
        Err(e) => return failed(out, offer, &e),
    };
    let outcome = match backend
        .set_lifecycle(
            offer,
            &target.plan,
            &version,
            change,
            target.dry_run,
            &JobWaits::default(),
        )
        .await
    {
        Ok(o) => o,
        Err(ApiError::Refused(e)) if e.code.is_none() => return usage(out, &e.message),
        Err(e) => return failed(out, offer, &e),
    };
    let (word, on) = match change {
        LifecycleChange::Deprecate { on } => ("deprecate", on.map(|d| d.to_string())),
        LifecycleChange::Restore => ("restore", None),
    };
    let change = match (outcome.unchanged, outcome.written) {
        (true, _) => "unchanged".to_string(),
        (false, true) if word == "deprecate" => "deprecated".into(),
        (false, true) => "restored".into(),
        (false, false) => format!("would_{word}"),
    };
    out.emit(&Event::ImageLifecycle {
        offer: offer.to_string(),
        plan: outcome.plan,
        version: outcome.version,
        change,
        was: outcome.was,
        deprecated_on: on,
        warnings: outcome.warnings,
    });
    Exit::Ok
}

/// Runs every check of each source (with `blobs`, the storage account is asked about each VHD
/// whose SAS URI passes); reports failures (and, with `passes`, the sources that pass); returns
/// how many checks failed.
async fn check_sources(
    ctx: &Context,
    out: &Reporter,
    images: &[(Option<ImageType>, ImageSource)],
    (passes, blobs): (bool, bool),
) -> usize {
    let rules = crate::preflight::Rules::now(ctx.config.images.sas_min_validity);
    let reader = match blobs {
        true => match BlobReader::new(
            ctx.config.api.connect_timeout,
            ctx.config.api.request_timeout,
        ) {
            Ok(r) => Some(r),
            Err(why) => {
                out.note(&format!("error: {why}"));
                return 1;
            }
        },
        false => None,
    };
    let mut failures = 0;
    for (t, source) in images {
        let mut failed = crate::preflight::check_source(source, &rules);
        if failed.is_empty()
            && let Some(reader) = &reader
        {
            failed = blob_checks(reader, source).await;
        }
        if failed.is_empty() && passes {
            out.emit(&Event::CheckPassed {
                source: source.describe(),
                image_type: t.map(|t| t.word().to_string()),
            });
        }
        for f in failed {
            failures += 1;
            out.emit(&Event::CheckFailed {
                source: source.describe(),
                image_type: t.map(|t| t.word().to_string()),
                check: f.check.to_string(),
                reason: f.reason,
            });
        }
    }
    failures
}

/// What the storage account says of each disk of a VHD source, judged (nothing for a gallery
/// image). Each disk is asked once; a data disk's failures name its LUN.
async fn blob_checks(reader: &BlobReader, source: &ImageSource) -> Vec<crate::preflight::Failure> {
    let ImageSource::Vhd {
        os_disk,
        data_disks,
    } = source
    else {
        return Vec::new();
    };
    let disks = std::iter::once((None, os_disk.as_str()))
        .chain(data_disks.iter().map(|d| (Some(d.lun), d.uri.as_str())));
    let mut failed = Vec::new();
    for (lun, uri) in disks {
        // The text checks passed: the URI parses.
        let Ok(url) = url::Url::parse(uri.trim()) else {
            continue;
        };
        let judged = match reader.facts(&url).await {
            Ok(facts) => crate::preflight::vhd::check(&facts),
            Err(e) => vec![crate::preflight::Failure::new(
                "blob",
                format!(
                    "{e}; the check reads the blob's type, size and footer (--skip-blob-check adds the version without it)"
                ),
            )],
        };
        failed.extend(judged.into_iter().map(|mut f| {
            if let Some(lun) = lun {
                f.reason = format!("data disk {lun}: {}", f.reason);
            }
            f
        }));
    }
    failed
}

/// What `check` was asked.
#[derive(Debug, Clone, Default)]
pub struct CheckRequest {
    pub on_plan: Option<(OfferId, Option<String>, Option<String>)>,
    pub vhd: Vec<String>,
    pub gallery: Option<String>,
    pub gallery_tenant: Option<String>,
}

/// `check`: the pre-flight checks alone; exit 0 when all pass, 2 when any fails.
pub async fn check(ctx: &Context, out: &Reporter, request: CheckRequest) -> Exit {
    let images = match &request.on_plan {
        Some((offer, plan, version)) => {
            let (Some(plan), Some(version)) = (plan, version) else {
                return usage(out, "check P/O needs --plan PLAN and --version X.Y.Z");
            };
            match version_sources(ctx, out, offer, plan, version).await {
                Ok(images) => images,
                Err(exit) => return exit,
            }
        }
        None => {
            let asked = AddRequest {
                version: "0.0.0".into(),
                vhd: request.vhd.clone(),
                gallery: request.gallery.clone(),
                gallery_tenant: request.gallery_tenant.clone(),
                ..AddRequest::default()
            };
            match new_version(&asked) {
                Ok(new) => new.images,
                Err(why) => return usage(out, &why),
            }
        }
    };
    let failures = check_sources(ctx, out, &images, (true, true)).await;
    if failures > 0 {
        out.note(&format!("error: {failures} check(s) failed"));
        return Exit::Usage;
    }
    Exit::Ok
}

/// The sources of a version already on a plan's draft.
async fn version_sources(
    ctx: &Context,
    out: &Reporter,
    offer: &OfferId,
    plan: &str,
    version: &str,
) -> Result<Vec<(Option<ImageType>, ImageSource)>, Exit> {
    configured(ctx, out, offer)?;
    let number = VersionNumber::parse(version).map_err(|why| usage(out, &why))?;
    let backend = ctx
        .backends
        .require(api_of(ctx, offer))
        .map_err(|e| failed(out, offer, &e))?;
    let plans = backend
        .images(offer, &Environment::Draft)
        .await
        .map_err(|e| failed(out, offer, &e))?;
    let Some(p) = plans.iter().find(|p| p.plan.eq_ignore_ascii_case(plan)) else {
        let known: Vec<&str> = plans.iter().map(|p| p.plan.as_str()).collect();
        return Err(usage(
            out,
            &format!(
                "{offer} has no plan {plan}; its plans: {}",
                known.join(", ")
            ),
        ));
    };
    let Some(v) = p.version(&number) else {
        return Err(usage(
            out,
            &format!("plan {} has no version {number}", p.plan),
        ));
    };
    Ok(v.images
        .iter()
        .map(|i| (ImageType::parse(&i.image_type), i.source.clone()))
        .collect())
}
