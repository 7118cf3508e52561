//! The offer picker (`a`): asks each API the dashboard uses for the offers of its publishers,
//! lists those not in the table, and appends the chosen ones to the config (then they are rows).

use super::super::keys::Action;
use super::super::msg::Effect;
use super::super::overlay::{Overlay, PickItem, Picker, Reply};
use super::super::row::OfferRow;
use super::super::state::{App, ToastLevel};
use crate::config::NewOffer;
use crate::domain::BackendKind;
use crate::engine::Command;
use crate::engine::ListedOffer;

impl App {
    /// Opens the picker and asks for the offers of the publishers the table has, per API.
    pub(super) fn open_picker(&mut self) -> Vec<Effect> {
        let mut publishers: Vec<(BackendKind, Vec<String>)> = Vec::new();
        for row in self.table.rows.iter().filter(|r| !r.unconfigured) {
            let publisher = row.id.publisher().to_string();
            match publishers.iter_mut().find(|(k, _)| *k == row.backend) {
                Some((_, list)) if !list.iter().any(|p| p.eq_ignore_ascii_case(&publisher)) => {
                    list.push(publisher);
                }
                Some(_) => {}
                None => publishers.push((row.backend, vec![publisher])),
            }
        }
        if publishers.is_empty() {
            self.toast(
                "no offer configured yet, so no publisher to list: offerdeck discover --publisher NAME --add".into(),
                ToastLevel::Info,
            );
            return Vec::new();
        }
        self.overlay = Overlay::Picker(Picker::loading());
        vec![Effect::Engine(Command::ListAvailable(publishers))]
    }

    pub(super) fn on_available(
        &mut self,
        found: Vec<(BackendKind, ListedOffer)>,
        errors: Vec<String>,
    ) -> Vec<Effect> {
        let in_table = |o: &ListedOffer| self.table.rows.iter().any(|r| r.id == o.id);
        let mut errors = errors;
        // What cannot be named in a config is said, not offered.
        errors.extend(found.iter().filter_map(|(_, o)| {
            o.unusable
                .as_ref()
                .map(|why| format!("{} ({}) cannot be added: {why}", o.name, o.id.offer()))
        }));
        let items: Vec<PickItem> = found
            .into_iter()
            .filter(|(_, o)| !in_table(o) && o.unusable.is_none())
            .map(|(backend, o)| PickItem {
                offer: NewOffer {
                    id: o.id,
                    backend,
                    name: o.name,
                },
                offer_type: o.offer_type,
                marked: false,
            })
            .collect();
        if let Overlay::Picker(picker) = &mut self.overlay {
            picker.loading = false;
            picker.items = items;
            picker.errors = errors;
        }
        Vec::new()
    }

    pub(super) fn on_picker(&mut self, action: Action) -> Vec<Effect> {
        let Overlay::Picker(picker) = &mut self.overlay else {
            return Vec::new();
        };
        match picker.on_action(action) {
            Reply::Stay => Vec::new(),
            Reply::Close => {
                self.overlay = Overlay::None;
                Vec::new()
            }
            Reply::Chosen(offers) => vec![Effect::AddOffers(offers)],
        }
    }

    /// The chosen offers are in the config: each becomes a row, and its status is read.
    pub(super) fn on_offers_added(&mut self, result: Result<Vec<NewOffer>, String>) -> Vec<Effect> {
        match result {
            Ok(added) => {
                self.overlay = Overlay::None;
                let mut effects = Vec::new();
                for offer in &added {
                    if self.table.index.contains_key(&offer.id) {
                        continue;
                    }
                    let mut row = OfferRow::new(offer.id.clone(), offer.backend, Vec::new());
                    row.truth.activity = crate::engine::Activity::Loading;
                    self.table.add_row(row);
                    effects.push(Effect::Engine(Command::Track(
                        offer.id.clone(),
                        offer.backend,
                    )));
                    effects.push(Effect::Engine(Command::Refresh(offer.id.clone())));
                }
                let names: Vec<String> = added.iter().map(|o| o.id.to_string()).collect();
                let file = self
                    .config_path
                    .file_name()
                    .map(|f| f.to_string_lossy().into_owned())
                    .unwrap_or_default();
                let text = match names.len() {
                    0 => "nothing added: every offer chosen was configured already".to_string(),
                    _ => format!("added {} to {file}", names.join(", ")),
                };
                self.toast(text, ToastLevel::Success);
                self.table.resort(self.now);
                effects
            }
            Err(message) => {
                if let Overlay::Picker(picker) = &mut self.overlay {
                    picker.saving = false;
                }
                self.toast(format!("nothing added: {message}"), ToastLevel::Error);
                Vec::new()
            }
        }
    }
}
