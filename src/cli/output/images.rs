//! The text form of the image events: a plan's versions under its offer and environment, and
//! what an add does to each plan.

use serde::Serialize;

use super::Event;
use super::text::Lines;

/// One field a publish would change: its path, and its value in the preview and in the draft
/// (`None`: not there).
#[derive(Debug, Clone, Serialize)]
pub struct ChangeOut {
    pub path: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

/// One image version in a `plan` event.
#[derive(Debug, Clone, Serialize)]
pub struct VersionOut {
    pub version: String,
    /// `available`, `deprecated`, `deleted` or the service's word.
    pub state: String,
    pub deprecated_on: Option<String>,
    pub images: Vec<ImageOut>,
}

/// One image of a version: its type, its source's kind (`vhd`, `gallery`) and the source (a
/// SAS URI without its signature, or a gallery id).
#[derive(Debug, Clone, Serialize)]
pub struct ImageOut {
    pub image_type: String,
    pub source_kind: String,
    pub source: String,
}

impl From<&crate::domain::image::ImageVersion> for VersionOut {
    fn from(v: &crate::domain::image::ImageVersion) -> Self {
        use crate::domain::image::Lifecycle;
        let (state, deprecated_on) = match &v.lifecycle {
            Lifecycle::GenerallyAvailable => ("available".to_string(), None),
            Lifecycle::Deprecated { on } => ("deprecated".to_string(), on.map(|d| d.to_string())),
            Lifecycle::Deleted => ("deleted".to_string(), None),
            Lifecycle::Other { word } => (word.clone(), None),
        };
        VersionOut {
            version: v.number.clone(),
            state,
            deprecated_on,
            images: v
                .images
                .iter()
                .map(|i| ImageOut {
                    image_type: i.image_type.clone(),
                    source_kind: i.source.kind().to_string(),
                    source: i.source.describe(),
                })
                .collect(),
        }
    }
}

/// The lines of an image event (`json`: results are left to the JSON line; problems and
/// warnings still go to stderr).
pub(super) fn lines(event: &Event, json: bool, lines: &mut Lines) {
    match event {
        Event::Plan { .. } | Event::NothingIn { .. } if json => {}
        Event::Plan {
            offer,
            environment,
            plan,
            image_types,
            versions,
            ..
        } => {
            lines.out(format!(
                "{offer} {environment}: plan {plan} ({})",
                if image_types.is_empty() {
                    "no image type declared".to_string()
                } else {
                    image_types.join(", ")
                }
            ));
            if versions.is_empty() {
                lines.out("  no image version");
            }
            for v in versions {
                let state = match &v.deprecated_on {
                    Some(on) => format!("{} on {on}", v.state),
                    None => v.state.clone(),
                };
                lines.out(format!("  {}  {state}", v.version));
                for image in &v.images {
                    lines.out(format!(
                        "    {:<9} {:<7} {}",
                        image.image_type, image.source_kind, image.source
                    ));
                }
            }
        }
        Event::NothingIn {
            offer,
            environment,
            reason,
        } => lines.out(format!("{offer} {environment}: {reason}")),
        Event::ImageAdd {
            offer,
            plan,
            version,
            change,
            reason,
            warnings,
        } => {
            for w in warnings {
                lines.err(format!("warning: {offer} plan {plan}: {w}"));
            }
            let said = match change.as_str() {
                "added" => format!("{offer} plan {plan}: {version} added to the draft"),
                "would_add" => format!(
                    "{offer} plan {plan}: {version} would be added to the draft (dry run: nothing sent)"
                ),
                "already_there" => format!(
                    "{offer} plan {plan}: {version} is already on the plan with these images; nothing to send"
                ),
                _ => format!(
                    "error: {offer} plan {plan}: {version} not added: {}",
                    reason.as_deref().unwrap_or("refused")
                ),
            };
            if change == "refused" {
                lines.err(said);
            } else if !json {
                lines.out(said);
            }
        }
        Event::ImageLifecycle {
            offer,
            plan,
            version,
            change,
            was,
            deprecated_on,
            warnings,
        } => {
            for w in warnings {
                lines.err(format!("warning: {offer} plan {plan}: {w}"));
            }
            let on = deprecated_on
                .as_deref()
                .map(|d| format!(" on {d}"))
                .unwrap_or_default();
            let said = match change.as_str() {
                "deprecated" => format!(
                    "{offer} plan {plan}: {version} deprecated{on} in the draft (customers see it with the next publish)"
                ),
                "restored" => format!(
                    "{offer} plan {plan}: {version} generally available again in the draft (with the next publish)"
                ),
                "would_deprecate" => format!(
                    "{offer} plan {plan}: {version} ({was}) would be deprecated{on} (dry run: nothing sent)"
                ),
                "would_restore" => format!(
                    "{offer} plan {plan}: {version} ({was}) would be available again (dry run: nothing sent)"
                ),
                _ => format!("{offer} plan {plan}: {version} is {was} already; nothing to send"),
            };
            if !json {
                lines.out(said);
            }
        }
        Event::DraftChanges { .. } if json => {}
        Event::DraftChanges {
            offer,
            no_preview,
            changes,
            left_out,
        } => {
            if *no_preview {
                lines.out(format!(
                    "{offer}: never published to preview: a publish sends the whole draft"
                ));
            } else if changes.is_empty() {
                lines.out(format!("{offer}: the draft is the same as the preview"));
            } else {
                lines.out(format!(
                    "{offer}: a publish sends {} change(s), the draft against the preview:",
                    changes.len()
                ));
            }
            for c in changes {
                lines.out(format!("  {}", c.path));
                lines.out(format!(
                    "    {} → {}",
                    c.before.as_deref().unwrap_or("(none)"),
                    c.after.as_deref().unwrap_or("(removed)")
                ));
            }
            for l in left_out {
                lines.out(format!("  left out: {l}"));
            }
        }
        Event::CheckPassed { source, image_type } if !json => {
            let on = image_type
                .as_deref()
                .map(|t| format!(" ({t})"))
                .unwrap_or_default();
            lines.out(format!("passed{on}: {source}"));
        }
        Event::CheckFailed {
            source,
            image_type,
            check,
            reason,
        } => {
            let on = image_type
                .as_deref()
                .map(|t| format!(" ({t})"))
                .unwrap_or_default();
            lines.err(format!("check failed: {check}{on}: {reason}"));
            lines.err(format!("  source: {source}"));
        }
        _ => {}
    }
}
