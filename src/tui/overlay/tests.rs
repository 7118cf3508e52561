//! Each popup's own update, driven by actions alone: what the user chose, and when a popup
//! stays open.

use super::*;
use crate::config::NewOffer;
use crate::domain::{BackendKind, OfferId};
use crate::tui::keys::Action;

fn offer(name: &str) -> OfferId {
    OfferId::new("contoso", name).unwrap()
}

fn picker(names: &[&str]) -> Picker {
    let mut picker = Picker::loading();
    picker.loading = false;
    picker.items = names
        .iter()
        .map(|n| PickItem {
            offer: NewOffer {
                id: offer(n),
                backend: BackendKind::Cpp,
                name: n.to_string(),
            },
            offer_type: crate::domain::OfferType::from_service("azureVirtualMachine"),
            marked: false,
        })
        .collect();
    picker
}

fn chosen_names(reply: Reply<Vec<NewOffer>>) -> Vec<String> {
    match reply {
        Reply::Chosen(offers) => offers.iter().map(|o| o.id.offer().to_string()).collect(),
        other => panic!("nothing chosen: {other:?}"),
    }
}

#[test]
fn the_picker_adds_the_marked_offers_or_else_the_selected_one() {
    let mut p = picker(&["a", "b", "c"]);
    assert_eq!(p.on_action(Action::Mark), Reply::Stay);
    assert_eq!(p.selected, 1, "marking moves on");
    p.on_action(Action::Down);
    p.on_action(Action::Mark);
    assert_eq!(chosen_names(p.on_action(Action::Accept)), ["a", "c"]);
    assert!(p.saving, "it stays open while the config is written");
    assert_eq!(
        p.on_action(Action::Accept),
        Reply::Stay,
        "one save at a time"
    );

    let mut p = picker(&["a", "b"]);
    p.on_action(Action::Down);
    assert_eq!(chosen_names(p.on_action(Action::Accept)), ["b"]);
}

#[test]
fn the_picker_chooses_nothing_while_it_loads_and_stops_at_its_ends() {
    let mut p = picker(&["a", "b"]);
    p.loading = true;
    assert_eq!(p.on_action(Action::Accept), Reply::Stay);
    p.on_action(Action::Up);
    assert_eq!(p.selected, 0);
    for _ in 0..5 {
        p.on_action(Action::Down);
    }
    assert_eq!(p.selected, 1);
    assert_eq!(p.on_action(Action::Close), Reply::Close);
}

#[test]
fn the_email_form_keeps_a_bad_list_on_screen_with_why() {
    let mut form = EmailForm::new(offer("a"), &["ops@contoso.com".into()]);
    for c in ", not-an-address".chars() {
        form.type_char(c);
    }
    assert_eq!(form.on_action(Action::Accept), Reply::Stay);
    let error = form.error.clone().unwrap_or_default();
    assert!(error.contains("not-an-address"), "{error}");
    assert!(error.ends_with("nothing was saved"), "{error}");
    assert_eq!(form.input.text(), "ops@contoso.com, not-an-address");

    form.on_action(Action::DeleteWord);
    form.on_action(Action::DeleteBack);
    form.on_action(Action::DeleteBack);
    assert_eq!(
        form.on_action(Action::Accept),
        Reply::Chosen(vec!["ops@contoso.com".to_string()])
    );
    assert_eq!(form.error, None);
}

#[test]
fn the_email_form_takes_no_keys_while_it_saves() {
    let mut form = EmailForm::new(offer("a"), &["ops@contoso.com".into()]);
    form.saving = true;
    form.type_char('x');
    assert_eq!(form.on_action(Action::Discard), Reply::Stay);
    assert_eq!(form.input.text(), "ops@contoso.com");
}

#[test]
fn the_copy_menu_chooses_the_selected_text() {
    let mut menu = CopyMenu {
        items: vec![
            ("offer id".into(), "contoso/a".into()),
            ("correlation id".into(), "c-1".into()),
        ],
        selected: 0,
    };
    menu.on_action(Action::Down);
    menu.on_action(Action::Down);
    assert_eq!(
        menu.on_action(Action::Accept),
        Reply::Chosen(("correlation id".into(), "c-1".into()))
    );
}

#[test]
fn the_log_filter_is_typed_only_after_slash_and_esc_clears_it() {
    let mut log = LogView::loading();
    log.type_char('x');
    assert!(
        log.filter.is_empty(),
        "keys outside the filter are not text"
    );
    log.on_action(Action::Filter);
    log.type_char('4');
    log.type_char('2');
    log.on_action(Action::DeleteBack);
    assert_eq!(log.filter.text(), "4");
    log.on_action(Action::Discard);
    assert!(log.filter.is_empty() && !log.typing);
    assert_eq!(log.on_action(Action::Close), Reply::Close);
}

#[test]
fn a_confirmation_is_a_yes_only_on_yes() {
    let confirm = Confirm {
        offer: offer("a"),
        kind: crate::domain::OpKind::Publish,
        backend: BackendKind::Cpp,
        emails: Vec::new(),
        retry: false,
        more: vec![offer("b")],
        skipped: Vec::new(),
        warnings: Vec::new(),
    };
    assert_eq!(confirm.on_action(Action::Confirm), Reply::Chosen(()));
    assert_eq!(confirm.on_action(Action::Deny), Reply::Close);
    assert_eq!(confirm.on_action(Action::Accept), Reply::Close);
    let offers: Vec<_> = confirm.offers().map(|o| o.offer().to_string()).collect();
    assert_eq!(offers, ["a", "b"]);
}
