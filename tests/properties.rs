//! Property tests: no panic and correct behaviour on arbitrary input, for every parser that
//! meets the outside world.

mod common;

use proptest::prelude::*;
use serde_json::Value;

use offerdeck::api::cpp::types::{OfferSummary, OperationDetail, Submission};
use offerdeck::api::http::error::ServiceError;
use offerdeck::api::http::pointer;
use offerdeck::backend::cpp::Observe;
use offerdeck::domain::{Status, StepState};
use offerdeck::text::{html_to_text, sanitize_line, sanitize_multiline};

/// Arbitrary JSON, a few levels deep, with the model's own keys mixed in so that the typed
/// fields get wrong-typed values too.
fn json() -> impl Strategy<Value = Value> {
    let key = prop_oneof![
        Just("status".to_string()),
        Just("steps".to_string()),
        Just("messages".to_string()),
        Just("progressPercentage".to_string()),
        Just("id".to_string()),
        Just("stepName".to_string()),
        Just("messageHtml".to_string()),
        Just("level".to_string()),
        Just("error".to_string()),
        Just("details".to_string()),
        Just("submissionState".to_string()),
        Just("version".to_string()),
        Just("definition".to_string()),
        "[a-zA-Z]{1,8}",
    ];
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| serde_json::Number::from_f64(f)
            .map(Value::Number)
            .unwrap_or(Value::Null)),
        ".{0,20}".prop_map(Value::String),
        prop_oneof![
            Just("running"),
            Just("COMPLETE"),
            Just("waitingForPublisherReview"),
            Just("publisher-signoff"),
            Just("blocked")
        ]
        .prop_map(|s| Value::String(s.to_string())),
    ];
    leaf.prop_recursive(4, 64, 8, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(key.clone(), inner, 0..8)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn every_model(v: &Value) {
    if let Ok(op) = serde_json::from_value::<OperationDetail>(v.clone()) {
        // Derived values are always in range.
        assert!(op.progress(None) <= 100);
        let _ = op.effective_status();
        let _ = op.current_step(Some(offerdeck::domain::OpKind::Publish));
        if let Some(reason) = op.failure_reason() {
            assert!(reason.chars().all(|c| !c.is_control()));
        }
        let mut record = offerdeck::domain::Operation::new(
            "p/o".parse().unwrap(),
            offerdeck::domain::BackendKind::Cpp,
            offerdeck::domain::OpKind::GoLive,
            "http://127.0.0.1/op".parse().unwrap(),
            &[],
            chrono::Utc::now(),
        );
        let seen = op.observe(Some(offerdeck::domain::OpKind::GoLive));
        // Everything the shared model holds is plain text.
        let texts = seen
            .steps
            .iter()
            .flat_map(|s| {
                [
                    s.id.as_str(),
                    s.name.as_str(),
                    s.status.as_str(),
                    s.estimate.as_str(),
                ]
            })
            .chain(seen.failure.iter().map(String::as_str))
            .chain(std::iter::once(seen.raw_status.as_str()));
        for text in texts {
            assert!(text.chars().all(|c| !c.is_control()), "{text:?}");
        }
        record.apply(seen, chrono::Utc::now());
        assert!(record.seen.progress <= 100);
    }
    let _ = serde_json::from_value::<OfferSummary>(v.clone());
    let _ = serde_json::from_value::<Vec<OfferSummary>>(v.clone());
    let _ = serde_json::from_value::<Vec<Submission>>(v.clone());
    let body = v.to_string();
    let e = ServiceError::from_body(500, &body, None);
    assert!(!e.message.is_empty());
    assert!(e.message.chars().all(|c| !c.is_control()));
    assert!(e.details.iter().all(|d| d.chars().all(|c| !c.is_control())));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn models_never_panic_on_arbitrary_json(v in json()) {
        every_model(&v);
    }

    #[test]
    fn recorded_bodies_cut_or_corrupted_never_panic(index in 0usize..64, cut in any::<prop::sample::Index>(), junk in ".{0,8}") {
        let mut files: Vec<_> = std::fs::read_dir(common::fixtures_dir()).unwrap().map(|e| e.unwrap().path()).collect();
        files.sort();
        let path = &files[index % files.len()];
        let text = std::fs::read_to_string(path).unwrap();
        let at = text.floor_char_boundary(cut.index(text.len() + 1));
        let broken = format!("{}{}{}", &text[..at], junk, &text[at..]);
        for candidate in [&text[..at], broken.as_str()] {
            let _ = serde_json::from_str::<OperationDetail>(candidate);
            let _ = serde_json::from_str::<Vec<OfferSummary>>(candidate);
            let _ = serde_json::from_str::<Vec<Submission>>(candidate);
            let e = ServiceError::from_body(422, candidate, None);
            prop_assert!(e.message.chars().all(|c| !c.is_control()));
        }
    }

    #[test]
    fn operation_pointers_stay_on_the_api_origin(value in ".{0,80}", prefix in prop_oneof![Just(""), Just("/api/operations/"), Just("https://cloudpartner.azure.com/"), Just("//"), Just("http://127.0.0.1/"), Just("https://evil.example/")]) {
        let base: url::Url = "https://cloudpartner.azure.com".parse().unwrap();
        let raw = format!("{prefix}{value}");
        if let Ok(url) = pointer::resolve(&base, &raw, "2017-10-31") {
            prop_assert_eq!(url.origin(), base.origin());
            prop_assert!(url.query_pairs().any(|(k, _)| k == "api-version"));
        }
    }

    #[test]
    fn legacy_pointers_keep_their_dollars(publisher in "[a-z][a-z0-9-]{0,15}", offer in "[a-z][a-z0-9-]{0,20}", version in 1u32..1000) {
        let base: url::Url = "https://cloudpartner.azure.com".parse().unwrap();
        let raw = format!("/api/operations/{publisher}${offer}${version}$preview?api-version=2017-10-31");
        let url = pointer::resolve(&base, &raw, "2017-10-31").unwrap();
        prop_assert_eq!(url.path(), format!("/api/operations/{publisher}${offer}${version}$preview"));
    }

    #[test]
    fn status_normalisation_ignores_case_and_separators(raw in "[a-zA-Z _-]{0,30}") {
        let status = Status::parse(&raw);
        // Case never matters.
        prop_assert_eq!(Status::parse(&raw.to_uppercase()).as_str().to_lowercase(), status.as_str().to_lowercase());
        match &status {
            Status::Unknown(kept) => prop_assert_eq!(kept, &raw),
            known => prop_assert_eq!(&Status::parse(known.as_str()), known),
        }
        let step = StepState::parse(&raw);
        if !matches!(step, StepState::Unknown(_)) {
            prop_assert_eq!(StepState::parse(step.as_str()), step);
        }
    }

    #[test]
    fn known_statuses_in_any_spelling(pick in 0usize..6, upper in any::<Vec<bool>>()) {
        let words = ["complete", "completed", "succeeded", "inProgress", "running", "waitingForPublisherReview"];
        let expected = [Status::Succeeded, Status::Succeeded, Status::Succeeded, Status::Running, Status::Running, Status::WaitingForPublisherReview];
        let spelled: String = words[pick].chars().enumerate().map(|(i, c)| if upper.get(i).copied().unwrap_or(false) { c.to_ascii_uppercase() } else { c.to_ascii_lowercase() }).collect();
        prop_assert_eq!(Status::parse(&spelled), expected[pick].clone());
    }

    #[test]
    fn email_lists_round_trip(locals in prop::collection::vec("[a-z0-9_+-]{1,6}(\\.[a-z0-9_+-]{1,6}){0,2}", 0..5), domain in "[a-z]{1,10}\\.(com|org|io)") {
        let addresses: Vec<String> = locals.iter().map(|l| format!("{l}@{domain}")).collect();
        let parsed = offerdeck::emails::parse_list(&addresses.join(", "));
        let parsed = parsed.unwrap();
        // Duplicates (ignoring case) collapse; order is kept.
        let mut expected: Vec<String> = Vec::new();
        for a in addresses {
            if !expected.iter().any(|e| e.eq_ignore_ascii_case(&a)) {
                expected.push(a);
            }
        }
        prop_assert_eq!(parsed, expected);
    }

    #[test]
    fn email_parsing_never_panics_and_only_accepts_addresses(input in ".{0,60}") {
        if let Ok(list) = offerdeck::emails::parse_list(&input) {
            for a in list {
                prop_assert!(a.contains('@'));
                prop_assert!(offerdeck::emails::validate(&a).is_ok());
            }
        }
    }

    #[test]
    fn config_loading_never_panics_and_points_inside_the_file(text in prop_oneof![
        ".{0,200}",
        "\\[api\\]\npoll_interval = \"[0-9a-z ]{0,6}\"\n\\[\\[offers\\]\\]\npublisher = \"[a-z/]{0,5}\"\noffer = \"[a-z]{0,5}\"\nnotification_emails = \\[\"[a-z@.]{0,12}\"\\]\n",
    ]) {
        match offerdeck::config::parse(std::path::Path::new("c.toml"), &text) {
            Ok(config) => {
                for o in &config.offers {
                    prop_assert!(!o.id.publisher().is_empty() && !o.id.offer().contains('/'));
                    for e in &o.notification_emails {
                        prop_assert!(offerdeck::emails::validate(e).is_ok());
                    }
                }
            }
            Err(offerdeck::config::ConfigError::Invalid { line, column, message, .. }) => {
                prop_assert!(line >= 1 && line <= text.lines().count().max(1) + 1, "line {line}");
                prop_assert!(column >= 1);
                prop_assert!(!message.is_empty());
            }
            Err(other) => prop_assert!(false, "unexpected {other:?}"),
        }
    }

    #[test]
    fn sanitiser_lets_no_control_or_escape_through(input in prop::collection::vec(prop_oneof![
        any::<char>().prop_map(|c| c.to_string()),
        Just("\u{1b}[31m".to_string()),
        Just("\u{1b}]0;title\u{7}".to_string()),
        Just("\u{1b}P+q\u{1b}\\".to_string()),
        Just("\u{9b}2J".to_string()),
        Just("\r\n\t".to_string()),
        Just("<b>x</b>&amp;".to_string()),
    ], 0..40).prop_map(|v| v.concat())) {
        for out in [sanitize_line(&input), html_to_text(&input)] {
            prop_assert!(out.chars().all(|c| c >= ' ' && c != '\u{7f}' && !('\u{80}'..='\u{9f}').contains(&c)), "{out:?}");
            prop_assert!(!out.contains('\u{1b}'), "escape survived: {:?}", out);
        }
        let multi = sanitize_multiline(&input);
        prop_assert!(multi.chars().all(|c| c == '\n' || c == '\t' || (c >= ' ' && !c.is_control())), "{multi:?}");
    }
}

/// Text a hostile service might send: any characters, and the sequences terminals act on.
fn hostile_text() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            any::<char>().prop_map(|c| c.to_string()),
            Just("\u{1b}]52;c;cHduZWQ=\u{7}".to_string()),
            Just("\u{1b}[2J\u{1b}c".to_string()),
            Just("\u{9b}31m\u{202e}\u{2066}\u{7f}".to_string()),
            Just("\r\n".to_string()),
        ],
        0..12,
    )
    .prop_map(|v| v.concat())
}

/// What a terminal would act on.
fn acts_on_a_terminal(c: char) -> bool {
    c.is_control()
        || ('\u{202a}'..='\u{202e}').contains(&c)
        || ('\u{2066}'..='\u{2069}').contains(&c)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, failure_persistence: None, ..ProptestConfig::default() })]

    /// Every field of an operation and of an error body, filled with hostile text, then every
    /// event the commands print about them, in text and in JSON: nothing a terminal acts on.
    #[test]
    fn no_control_character_reaches_any_output(
        fields in prop::collection::vec(hostile_text(), 12)
    ) {
        use offerdeck::cli::output::{Event, json_line, text};
        let f = |i: usize| fields[i].clone();
        let body = serde_json::json!({
            "id": f(0), "status": f(1), "submissionType": f(2),
            "messages": [{"messageHtml": f(3), "level": "error"}],
            "steps": [{"id": f(4), "stepName": f(5), "status": f(6), "estimatedTimeFrame": f(7),
                       "messages": [{"messageHtml": f(8), "level": f(9)}]}],
        });
        let detail: OperationDetail = serde_json::from_value(body).unwrap();
        let seen = detail.observe(Some(offerdeck::domain::OpKind::Publish));
        let mut op = offerdeck::domain::Operation::new(
            "p/o".parse().unwrap(),
            offerdeck::domain::BackendKind::Cpp,
            offerdeck::domain::OpKind::Publish,
            "http://127.0.0.1/op".parse().unwrap(),
            &[],
            chrono::Utc::now(),
        );
        op.apply(seen.clone(), chrono::Utc::now());
        let error_body = serde_json::json!({"error": {"code": f(10), "message": f(11),
            "details": [{"code": f(1), "target": f(2), "message": f(3)}]}}).to_string();
        let shim = serde_json::json!({"Product": {"serviceName": f(4), "error": f(5), "exceptionCode": f(6)}}).to_string();
        let mut events = vec![
            Event::status(&{
                let mut state = offerdeck::engine::OfferState::new(
                    "p/o".parse().unwrap(),
                    offerdeck::domain::BackendKind::Cpp,
                );
                state.service = Some(seen.clone());
                state.service_at = Some(chrono::Utc::now());
                state
            }),
            Event::changed(&op),
            Event::final_of(&op),
        ];
        for (status, body) in [(422, &error_body), (404, &shim), (500, &f(7))] {
            let e = offerdeck::api::ApiError::from_status(ServiceError::from_body(status, body, Some(sanitize_line(&f(8)))));
            events.push(Event::error("ctx", None, &e));
        }
        for event in &events {
            let json = json_line(event);
            prop_assert!(!json.chars().any(acts_on_a_terminal), "{json:?}");
            for json_mode in [false, true] {
                let lines = text::lines(event, json_mode, "offerdeck", &std::cell::Cell::new(false));
                for (_, line) in lines.0 {
                    // Clean already when it enters the model, and again where it is written.
                    prop_assert!(!line.chars().any(acts_on_a_terminal), "{line:?}");
                    let shown = offerdeck::text::terminal_line(&line);
                    prop_assert!(!shown.chars().any(acts_on_a_terminal), "{shown:?}");
                }
            }
        }
    }
}
