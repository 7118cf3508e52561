//! `y` (copy) and `o` (open in Partner Center): what of the selected offer can be copied, and
//! where its page is. The copying and the opening themselves are effects.

use super::super::keys::Action;
use super::super::msg::Effect;
use super::super::overlay::{CopyMenu, Overlay, Reply};
use super::super::state::{App, ToastLevel};
use crate::engine::Command;

impl App {
    pub(super) fn open_copy_menu(&mut self) -> Vec<Effect> {
        if !self.clipboard {
            self.toast(
                "copying is off ([ui] clipboard = false)".into(),
                ToastLevel::Info,
            );
            return Vec::new();
        }
        let Some(r) = self
            .table
            .selected_row()
            .and_then(|i| self.table.rows.get(i))
        else {
            return Vec::new();
        };
        let mut items = vec![("offer id".to_string(), r.id.to_string())];
        if let Some(op) = r.truth.shown_op() {
            let caps = r.backend.caps();
            // What a user pastes into `watch`: a job id names a Product Ingestion operation,
            // a URL a CPP one.
            let text = if caps.operation_is_url {
                op.pointer.to_string()
            } else {
                op.operation_id()
            };
            items.push((caps.operation_label.to_string(), text));
        }
        let correlation = r
            .problem()
            .and_then(|e| e.correlation_id.clone())
            .or_else(|| {
                r.truth
                    .failed_start
                    .as_ref()
                    .and_then(|f| f.correlation_id.clone())
            });
        if let Some(id) = correlation {
            items.push(("correlation id".into(), id));
        }
        let error = r
            .failure()
            .map(str::to_string)
            .or_else(|| {
                r.truth.failed_start.as_ref().map(|f| {
                    std::iter::once(f.message.clone())
                        .chain(f.details.iter().cloned())
                        .collect::<Vec<_>>()
                        .join("\n")
                })
            })
            .or_else(|| r.problem().map(|e| e.message.clone()));
        if let Some(text) = error {
            items.push(("last error".into(), text));
        }
        self.overlay = Overlay::Copy(CopyMenu { items, selected: 0 });
        Vec::new()
    }

    pub(super) fn on_copy_menu(&mut self, action: Action) -> Vec<Effect> {
        let Overlay::Copy(menu) = &mut self.overlay else {
            return Vec::new();
        };
        match menu.on_action(action) {
            Reply::Stay => Vec::new(),
            Reply::Close => {
                self.overlay = Overlay::None;
                Vec::new()
            }
            Reply::Chosen((label, text)) => {
                self.overlay = Overlay::None;
                self.toast(format!("copied the {label}"), ToastLevel::Success);
                vec![Effect::Copy(text)]
            }
        }
    }

    /// The offer's page, which the engine finds (Partner Center's for a product or a migrated
    /// offer, else the Cloud Partner Portal).
    pub(super) fn open_portal(&mut self) -> Vec<Effect> {
        let Some(offer) = self.table.selected_offer().cloned() else {
            return Vec::new();
        };
        self.toast(format!("{offer}: finding its page"), ToastLevel::Info);
        vec![Effect::Engine(Command::PortalPage(offer))]
    }

    /// No desktop to open a page on: the URL is shown, and copied.
    pub(super) fn on_open_failed(&mut self, url: String, why: String) -> Vec<Effect> {
        let copied = if self.clipboard { " (copied)" } else { "" };
        self.toast(
            format!("could not open a browser ({why}): {url}{copied}"),
            ToastLevel::Error,
        );
        if self.clipboard {
            vec![Effect::Copy(url)]
        } else {
            Vec::new()
        }
    }
}
