//! The text form of the image events: a plan's versions under its offer and environment, and
//! what an add does to each plan.

use super::Event;
use super::text::Lines;

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
