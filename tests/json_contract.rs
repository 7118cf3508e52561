//! The JSON lines contract of the headless commands, as the README documents it: every event
//! kind is documented, and each one carries exactly the documented fields, with the schema
//! version, and escapes what could drive a terminal.

use std::collections::{BTreeMap, BTreeSet};

use offerdeck::cli::output::{
    ChangeOut, Event, ImageOut, MessageOut, SCHEMA, StepOut, VersionOut, json_line,
};

/// `event` → documented field names, read from the README's table.
fn documented() -> BTreeMap<String, BTreeSet<String>> {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        .expect("README.md");
    let section = readme
        .split("### JSON lines (`--json`): a versioned contract")
        .nth(1)
        .expect("the README has the JSON lines section");
    let mut table = BTreeMap::new();
    for line in section.lines().filter(|l| l.starts_with("| `")) {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        let kind = cells[1].trim_matches('`').to_string();
        // Top-level fields only: what stands in parentheses describes nested ones.
        let mut depth = 0;
        let mut top = String::new();
        for c in cells[3].chars() {
            match c {
                '(' => depth += 1,
                ')' => depth -= 1,
                c if depth == 0 => top.push(c),
                _ => {}
            }
        }
        let fields = top
            .split('`')
            .skip(1)
            .step_by(2)
            .map(str::to_string)
            .collect();
        table.insert(kind, fields);
    }
    table
}

fn one_of_each() -> Vec<Event> {
    let s = || "x".to_string();
    vec![
        Event::Offer {
            offer: s(),
            backend: s(),
            status: s(),
            raw_status: s(),
            state: s(),
            step: None,
            progress: 0,
            failure: None,
            notification_emails: vec![],
        },
        Event::Status {
            offer: s(),
            backend: s(),
            status: s(),
            raw_status: s(),
            state: s(),
            progress: 0,
            failure: None,
            details: vec![s()],
            steps: vec![StepOut {
                id: s(),
                name: s(),
                status: s(),
                progress: 0,
                estimated_time_frame: s(),
                messages: vec![MessageOut {
                    level: s(),
                    text: s(),
                }],
            }],
            steps_not_kept: 3,
            submissions: vec![],
        },
        Event::History {
            offer: s(),
            backend: s(),
            kind: s(),
            status: s(),
            success: true,
            started_at: s(),
            updated_at: s(),
            finished: true,
            duration_seconds: 1,
            failure: None,
            operation_url: s(),
        },
        Event::Discovered {
            offer: s(),
            backend: s(),
            name: s(),
            offer_type: s(),
            configured: false,
            unusable: None,
        },
        Event::Added {
            offer: s(),
            backend: s(),
            config: s(),
        },
        Event::Accepted {
            offer: s(),
            kind: s(),
            operation_url: s(),
            adopted: false,
            notification_emails: vec![],
        },
        Event::NothingToCancel { offer: s() },
        Event::Changed {
            offer: s(),
            kind: s(),
            status: s(),
            step: None,
            step_status: None,
            step_progress: None,
            progress: 0,
            failure: None,
            operation_url: s(),
        },
        Event::Retrying {
            offer: s(),
            kind: s(),
            attempt: 1,
            error: s(),
            wait_seconds: 2,
        },
        Event::Final {
            offer: s(),
            kind: s(),
            status: s(),
            success: true,
            failure: None,
            lost: None,
            progress: 100,
            operation_url: s(),
        },
        Event::NotRecorded {
            offer: s(),
            kind: s(),
            operation_url: s(),
            message: s(),
            exit_code: 7,
        },
        Event::StoreProblem {
            offer: None,
            message: s(),
        },
        Event::Plan {
            offer: s(),
            backend: s(),
            environment: s(),
            plan: s(),
            image_types: vec![s()],
            versions: vec![VersionOut {
                version: s(),
                state: s(),
                deprecated_on: None,
                images: vec![ImageOut {
                    image_type: s(),
                    source_kind: s(),
                    source: s(),
                }],
            }],
        },
        Event::NothingIn {
            offer: s(),
            environment: s(),
            reason: s(),
        },
        Event::ImageAdd {
            offer: s(),
            plan: s(),
            version: s(),
            change: s(),
            reason: None,
            warnings: vec![],
        },
        Event::ImageLifecycle {
            offer: s(),
            plan: s(),
            version: s(),
            change: s(),
            was: s(),
            deprecated_on: None,
            warnings: vec![],
        },
        Event::CheckPassed {
            source: s(),
            image_type: None,
        },
        Event::DraftChanges {
            offer: s(),
            no_preview: false,
            changes: vec![ChangeOut {
                path: s(),
                before: None,
                after: None,
            }],
            left_out: vec![],
        },
        Event::CheckFailed {
            source: s(),
            image_type: None,
            check: s(),
            reason: s(),
        },
        Event::Error {
            context: s(),
            offer: None,
            message: s(),
            http_status: None,
            code: None,
            details: vec![],
            correlation_id: None,
            exit_code: 1,
        },
    ]
}

#[test]
fn every_event_kind_carries_exactly_the_documented_fields() {
    let documented = documented();
    let examples = one_of_each();
    let kinds: BTreeSet<&str> = examples.iter().map(Event::kind).collect();
    assert_eq!(
        kinds,
        Event::KINDS.into_iter().collect(),
        "one example per kind"
    );
    assert_eq!(
        documented
            .keys()
            .map(String::as_str)
            .collect::<BTreeSet<_>>(),
        kinds,
        "the README documents every kind, and only those"
    );
    for event in &examples {
        let line = json_line(event);
        assert!(!line.contains('\n'), "one line: {line}");
        let value: serde_json::Value = serde_json::from_str(&line).unwrap();
        let object = value.as_object().unwrap();
        assert_eq!(object["schema"], SCHEMA);
        assert_eq!(object["event"], event.kind());
        let fields: BTreeSet<String> = object
            .keys()
            .filter(|k| *k != "schema" && *k != "event")
            .cloned()
            .collect();
        assert_eq!(fields, documented[event.kind()], "{}", event.kind());
    }
    // The nested fields of `status` are the documented ones too.
    let status = serde_json::to_value(&examples[1]).unwrap();
    let step = status["steps"][0].as_object().unwrap();
    let keys: BTreeSet<&str> = step.keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        BTreeSet::from([
            "id",
            "name",
            "status",
            "progress",
            "estimated_time_frame",
            "messages"
        ])
    );
}

#[test]
fn lines_escape_what_could_drive_a_terminal() {
    let event = Event::NothingToCancel {
        offer: "a\u{1b}]0;x\u{7}b\u{9b}c\u{202e}d\u{7f}".into(),
    };
    let line = json_line(&event);
    for c in line.chars() {
        assert!(
            !c.is_control() && !('\u{202a}'..='\u{202e}').contains(&c),
            "{line:?}"
        );
    }
    let back: serde_json::Value = serde_json::from_str(&line).unwrap();
    assert_eq!(back["offer"], "a\u{1b}]0;x\u{7}b\u{9b}c\u{202e}d\u{7f}");
}
