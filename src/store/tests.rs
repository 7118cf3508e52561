use super::*;
use crate::domain::{BackendKind, Observation, OpKind, Status, Step};

fn op(url: &str) -> Operation {
    Operation::new(
        OfferId::new("p", "o").unwrap(),
        BackendKind::Cpp,
        OpKind::Publish,
        url::Url::parse(url).unwrap(),
        &[],
        chrono::Utc::now(),
    )
}

fn transitions(store: &StateStore) -> i64 {
    store
        .read(|c| c.query_row("SELECT count(*) FROM transitions", [], |r| r.get(0)))
        .unwrap()
}

#[test]
fn records_survive_and_history_is_bounded() {
    let dir = tempfile::tempdir().unwrap();
    let store = StateStore::open(dir.path()).with_history_limit(20);
    let mut r = op("http://127.0.0.1/op/1");
    store.upsert(&r).unwrap();
    r.seen.status = Status::Running;
    store.upsert(&r).unwrap();
    assert_eq!(store.load().unwrap().len(), 1);
    assert_eq!(store.unfinished().unwrap()[0].seen.status, Status::Running);
    for i in 0..30 {
        let mut f = op(&format!("http://127.0.0.1/u{i}"));
        f.finished = true;
        store.upsert(&f).unwrap();
    }
    let all = StateStore::open(dir.path()).load().unwrap();
    assert_eq!(all.iter().filter(|r| r.finished).count(), 20);
    assert_eq!(all.iter().filter(|r| !r.finished).count(), 1);
    // The transitions of dropped operations go with them.
    assert_eq!(transitions(&store), 2 + 20);
}

#[test]
fn a_poll_that_changes_nothing_writes_nothing_and_a_change_writes_one_transition() {
    let dir = tempfile::tempdir().unwrap();
    let store = StateStore::open(dir.path());
    let mut r = op("http://127.0.0.1/op/1");
    store.upsert(&r).unwrap();
    assert_eq!(transitions(&store), 1);
    let changes = |s: &StateStore| -> i64 {
        s.read(|c| c.query_row("SELECT total_changes()", [], |r| r.get(0)))
            .unwrap()
    };
    let before = changes(&store);
    store.upsert(&r).unwrap();
    assert_eq!(changes(&store), before, "nothing written");
    // A percent more is worth a row, not a transition.
    r.seen.progress = 5;
    store.upsert(&r).unwrap();
    assert_eq!(transitions(&store), 1);
    r.seen.status = Status::Running;
    r.seen.current_step = Some(Step {
        id: "cert".into(),
        name: "Certification".into(),
        status: "inProgress".into(),
        ..Step::default()
    });
    store.upsert(&r).unwrap();
    assert_eq!(transitions(&store), 2);
}

#[test]
fn two_writers_lose_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let handles: Vec<_> = (0..4)
        .map(|t| {
            let store = StateStore::open(dir.path());
            std::thread::spawn(move || {
                for i in 0..25 {
                    let r = op(&format!("http://127.0.0.1/t{t}-{i}"));
                    store.upsert(&r).unwrap();
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    assert_eq!(StateStore::open(dir.path()).load().unwrap().len(), 100);
}

#[test]
fn a_cancel_asked_for_elsewhere_survives_a_followers_older_copy() {
    let dir = tempfile::tempdir().unwrap();
    let store = StateStore::open(dir.path());
    let follower_copy = op("http://127.0.0.1/op/1");
    let mut canceled = follower_copy.clone();
    canceled.cancel_requested_at = Some(chrono::Utc::now());
    store.upsert(&canceled).unwrap();
    let mut polled = follower_copy;
    polled.seen.status = Status::Running;
    store.upsert(&polled).unwrap();
    let stored = store.find(&polled.pointer).unwrap().unwrap();
    assert!(stored.cancel_requested_at.is_some());
    assert_eq!(stored.seen.status, Status::Running);
}

#[test]
fn a_corrupt_database_is_moved_aside_reported_and_never_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    let store = StateStore::open(dir.path());
    let garbage = b"this is not a database, but it is long enough to look like a header page.....";
    std::fs::write(store.path(), garbage).unwrap();
    assert!(store.load().unwrap().is_empty());
    let notices = store.take_notices();
    assert_eq!(notices.len(), 1);
    assert!(notices[0].contains("moved aside"), "{notices:?}");
    let aside: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .flatten()
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with("offerdeck.db.corrupt-")
        })
        .collect();
    assert_eq!(aside.len(), 1);
    assert_eq!(std::fs::read(aside[0].path()).unwrap(), garbage);
    assert!(store.take_notices().is_empty(), "said once");
    store.upsert(&op("http://127.0.0.1/op/1")).unwrap();
    assert_eq!(store.load().unwrap().len(), 1);
}

/// Overwrites every page after the first (the schema) with junk, as a disk or a crash might.
fn damage_data_pages(path: &std::path::Path) {
    let mut bytes = std::fs::read(path).unwrap();
    assert!(bytes.len() > 8192, "several pages");
    for b in &mut bytes[4096..] {
        *b = 0xA5;
    }
    std::fs::write(path, bytes).unwrap();
}

#[test]
fn damaged_pages_past_the_schema_are_moved_aside_once_and_the_write_still_lands() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = StateStore::open(dir.path());
        for i in 0..5 {
            store
                .upsert(&op(&format!("http://127.0.0.1/op/{i}")))
                .unwrap();
        }
    }
    let path = dir.path().join("offerdeck.db");
    damage_data_pages(&path);
    let store = StateStore::open(dir.path());
    // The write that meets the damage is not lost: it lands in the new database.
    store.upsert(&op("http://127.0.0.1/op/new")).unwrap();
    let notices = store.take_notices();
    assert_eq!(notices.len(), 1, "{notices:?}");
    assert!(notices[0].contains("damaged pages"), "{notices:?}");
    assert!(notices[0].contains("moved aside"), "{notices:?}");
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        names
            .iter()
            .filter(|n| n.starts_with("offerdeck.db.damaged-") && !n.ends_with("-wal"))
            .count(),
        1,
        "{names:?}"
    );
    let all = store.load().unwrap();
    assert!(
        all.iter().any(|o| o.pointer.as_str().ends_with("/op/new")),
        "{all:?}"
    );
    // Every later call works, and says nothing more.
    store.upsert(&op("http://127.0.0.1/op/later")).unwrap();
    assert!(store.take_notices().is_empty());
    assert!(StateStore::open(dir.path()).load().unwrap().len() >= 2);
}

#[test]
fn the_json_store_of_earlier_versions_is_imported_once_and_kept() {
    let dir = tempfile::tempdir().unwrap();
    let old = r#"{"version":1,"operations":[
      {"publisher":"contoso","offer":"contoso-vm","kind":"publish",
       "operation_url":"http://127.0.0.1:9/api/publishers/contoso/offers/contoso-vm/operations/a1?api-version=2017-10-31",
       "started_at":"2026-11-24T10:00:00Z","updated_at":"2026-11-24T10:01:00Z","last_status":"running",
       "steps":[{"id":"s","name":"S","status":"inProgress","progress":40}],"progress":20,
       "current_step":null,"failure":null,"notification_emails":["a@b.com"],"finished":false},
      {"publisher":"contoso","offer":"contoso-vm","kind":"cancel",
       "operation_url":"http://127.0.0.1:9/api/publishers/contoso/offers/contoso-vm/operations/a1?api-version=2017-10-31",
       "started_at":"2026-11-24T10:02:00Z","updated_at":"2026-11-24T10:02:00Z","last_status":"notStarted",
       "notification_emails":[],"finished":false}],
     "products":{"fabrikam/alpha":"product/6f1c2d3e-4a5b-4c6d-8e7f-000000000001"}}"#;
    std::fs::write(dir.path().join("operations.json"), old).unwrap();
    let store = StateStore::open(dir.path());
    let unfinished = store.unfinished().unwrap();
    assert_eq!(unfinished.len(), 1, "the cancel record is dropped");
    let op = &unfinished[0];
    assert_eq!(op.offer.to_string(), "contoso/contoso-vm");
    assert_eq!(op.seen.steps[0].progress, 40);
    assert_eq!(op.operation_id(), "a1");
    let alpha = OfferId::new("fabrikam", "alpha").unwrap();
    assert!(store.product_id(&alpha).unwrap().is_some());
    // Kept as a backup, and not imported twice.
    assert!(!dir.path().join("operations.json").exists());
    let kept: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .flatten()
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with("operations.json.imported-")
        })
        .collect();
    assert_eq!(kept.len(), 1);
    std::fs::copy(kept[0].path(), dir.path().join("operations.json")).unwrap();
    assert_eq!(StateStore::open(dir.path()).load().unwrap().len(), 1);
}

#[test]
fn an_unreadable_json_store_is_moved_aside_and_said() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("operations.json"),
        b"{\"version\":1,\"operations\":[{\"trunc",
    )
    .unwrap();
    let store = StateStore::open(dir.path());
    assert!(store.load().unwrap().is_empty());
    let notices = store.take_notices();
    assert!(notices[0].contains("moved aside"), "{notices:?}");
}

#[test]
fn a_failure_is_forgotten_once_a_newer_operation_of_the_offer_starts() {
    let dir = tempfile::tempdir().unwrap();
    let store = StateStore::open(dir.path());
    let at = chrono::Utc::now() - chrono::Duration::minutes(5);
    let failure = StartFailure {
        offer: OfferId::new("P", "O").unwrap(),
        kind: OpKind::Publish,
        at,
        rejected: true,
        message: "no".into(),
        details: vec![],
        correlation_id: None,
    };
    store.record_failure(&failure).unwrap();
    assert_eq!(store.failures().unwrap().len(), 1);
    store.upsert(&op("http://127.0.0.1/op/new")).unwrap();
    assert!(store.failures().unwrap().is_empty());
}

#[test]
fn debris_of_the_json_store_is_removed_and_nothing_else() {
    let dir = tempfile::tempdir().unwrap();
    let store = StateStore::open(dir.path());
    let ours = dir.path().join(".operations.json.a1B2c3.tmp");
    let older = dir.path().join(".tmpX1y2Z3");
    let other = dir.path().join(".tmpQwErTy");
    std::fs::write(&ours, b"{\"version\":1").unwrap();
    std::fs::write(&older, b"{\n  \"version\": 1,\n  \"operations\": [").unwrap();
    std::fs::write(&other, b"not ours").unwrap();
    std::fs::write(dir.path().join("notes.tmp"), b"keep").unwrap();
    assert_eq!(store.clean_debris().unwrap(), 2);
    assert!(!ours.exists() && !older.exists());
    assert!(other.exists() && dir.path().join("notes.tmp").exists());
}

#[test]
fn past_steps_make_estimates_per_seller_and_a_failed_step_counts_for_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let store = StateStore::open(dir.path());
    let t0 = chrono::Utc::now() - chrono::Duration::days(2);
    let step = |id: &str| Step {
        id: id.into(),
        name: id.into(),
        status: "inProgress".into(),
        ..Step::default()
    };
    for (i, cert_minutes) in [60, 90, 120, 240].into_iter().enumerate() {
        let mut r = op(&format!("http://127.0.0.1/op/{i}"));
        r.started_at = t0;
        let at = |m: i64| t0 + chrono::Duration::minutes(m);
        r.apply(
            Observation {
                status: Status::Running,
                current_step: Some(step("validate")),
                ..Observation::default()
            },
            at(0),
        );
        store.upsert(&r).unwrap();
        r.apply(
            Observation {
                status: Status::Running,
                current_step: Some(step("certify")),
                ..Observation::default()
            },
            at(10),
        );
        store.upsert(&r).unwrap();
        // The last one fails in certification.
        let end = if i == 3 {
            Status::Failed
        } else {
            Status::WaitingForPublisherReview
        };
        r.apply(
            Observation {
                status: end,
                ..Observation::default()
            },
            at(10 + cert_minutes),
        );
        store.upsert(&r).unwrap();
    }
    let estimates = StateStore::open(dir.path()).estimates().unwrap();
    let key = |s: &str| {
        crate::domain::StepKey::new(
            &OfferId::new("P", "other").unwrap(),
            BackendKind::Cpp,
            OpKind::Publish,
            s,
        )
    };
    let validate = estimates.get(&key("validate")).unwrap();
    assert_eq!(validate.count, 4);
    assert_eq!(validate.median, chrono::Duration::minutes(10));
    let certify = estimates.get(&key("certify")).unwrap();
    assert_eq!(certify.count, 3, "the failed certification is left out");
    assert_eq!(certify.median, chrono::Duration::minutes(90));
    assert_eq!(certify.p90, chrono::Duration::minutes(120));
    let since = chrono::Utc::now() - chrono::Duration::days(3);
    assert_eq!(store.history(None, since).unwrap().len(), 4);
    let other = OfferId::new("p", "elsewhere").unwrap();
    assert!(store.history(Some(&other), since).unwrap().is_empty());
}

#[test]
fn the_event_log_has_requests_and_changes_newest_first() {
    let dir = tempfile::tempdir().unwrap();
    let store = StateStore::open(dir.path());
    let t0 = chrono::Utc::now() - chrono::Duration::minutes(10);
    let call = |minutes: i64, status: Option<u16>| crate::api::http::transport::CallRecord {
        at: t0 + chrono::Duration::minutes(minutes),
        method: "GET".into(),
        path: "/api/publishers/p/offers/o/status".into(),
        status,
        duration: std::time::Duration::from_millis(42),
        correlation_id: Some("corr-1".into()),
        error: status.is_none().then(|| "connection reset".into()),
    };
    store
        .record_calls(&[call(1, Some(200)), call(3, None)])
        .unwrap();
    let mut r = op("http://127.0.0.1/op/1");
    r.updated_at = t0 + chrono::Duration::minutes(2);
    r.seen.status = Status::Running;
    store.upsert(&r).unwrap();
    let log = store.log(10).unwrap();
    let texts: Vec<&str> = log.iter().map(|e| e.text.as_str()).collect();
    assert_eq!(texts.len(), 3, "{texts:?}");
    assert!(
        texts[0].starts_with("GET no answer (connection reset) /api/publishers/p/offers/o/status"),
        "{texts:?}"
    );
    assert!(log[0].error);
    assert_eq!(texts[1], "p/o publish: running");
    assert!(
        texts[2] == "GET 200 /api/publishers/p/offers/o/status · 42 ms · corr corr-1",
        "{texts:?}"
    );
}

/// A token the service echoes (in an operation URL, a failure, a request path) is never kept
/// at rest: another process reading the store (`history --json`) could not know to hide it.
#[test]
fn a_token_the_service_echoes_is_scrubbed_before_it_is_stored() {
    let token = "echoed-token-7f3a9c2e51";
    crate::redact::register(token);
    let dir = tempfile::tempdir().unwrap();
    let store = StateStore::open(dir.path());
    let mut r = op(&format!("http://127.0.0.1/op/1?sig={token}"));
    store.upsert(&r).unwrap();
    r.seen.status = Status::Failed;
    r.seen.failure = Some(format!("denied for {token}"));
    r.finished = true;
    store.upsert(&r).unwrap();
    store
        .record_calls(&[crate::api::http::transport::CallRecord {
            at: chrono::Utc::now(),
            method: "GET".into(),
            path: format!("/op/1?sig={token}"),
            status: Some(403),
            duration: std::time::Duration::from_millis(3),
            correlation_id: None,
            error: Some(format!("HTTP 403 for {token}")),
        }])
        .unwrap();
    // One record, merged as before (the scrubbed key finds itself again).
    let all = store.load().unwrap();
    assert_eq!(all.len(), 1, "{all:?}");
    assert!(all[0].finished);
    drop(store);
    let files: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_file())
        .collect();
    assert!(!files.is_empty());
    for file in files {
        let bytes = std::fs::read(&file).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        assert!(!text.contains(token), "{} holds the token", file.display());
    }
}

#[test]
fn a_damaged_write_ahead_log_that_loses_recorded_operations_is_said() {
    let dir = tempfile::tempdir().unwrap();
    let store = StateStore::open(dir.path());
    store.upsert(&op("http://127.0.0.1/op/first")).unwrap();
    for i in 0..3 {
        store
            .upsert(&op(&format!("http://127.0.0.1/op/later{i}")))
            .unwrap();
    }
    // A crash now: the files as they are while the connection is open, into another folder.
    let crashed = tempfile::tempdir().unwrap();
    for name in [DB_FILE.to_string(), format!("{DB_FILE}-wal")] {
        std::fs::copy(dir.path().join(&name), crashed.path().join(&name)).unwrap();
    }
    // Then one byte of the log's first frame goes bad.
    let wal = crashed.path().join(format!("{DB_FILE}-wal"));
    let mut bytes = std::fs::read(&wal).unwrap();
    bytes[32 + 24 + 100] ^= 0x01;
    std::fs::write(&wal, &bytes).unwrap();
    let reopened = StateStore::open(crashed.path());
    let _ = reopened.unfinished();
    let notices = reopened.take_notices();
    assert!(
        notices.iter().any(|n| n.contains("write-ahead log")
            && n.contains("damaged")
            && n.contains("committed")),
        "{notices:?}"
    );
    let copies = std::fs::read_dir(crashed.path())
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().contains("-wal.damaged-"))
        .count();
    assert_eq!(copies, 1, "a copy of the damaged log is kept");
    // The store it was taken from, whole, says nothing of the kind.
    drop(store);
    let whole = StateStore::open(dir.path());
    let _ = whole.unfinished();
    assert!(whole.take_notices().is_empty());
}

#[test]
fn an_operation_url_used_again_starts_a_record_of_its_own() {
    let dir = tempfile::tempdir().unwrap();
    let store = StateStore::open(dir.path());
    // CPP's legacy pointer names the offer's slot: every publish of it has the same URL.
    let url = "http://127.0.0.1/api/operations/p$o$2$preview";
    let mut first = op(url);
    first.started_at = chrono::Utc::now() - chrono::Duration::hours(2);
    first.updated_at = first.started_at + chrono::Duration::minutes(10);
    first.seen.status = Status::Failed;
    first.finished = true;
    store.upsert(&first).unwrap();
    let second = op(url);
    store.upsert(&second).unwrap();
    let all = store.load().unwrap();
    assert_eq!(all.len(), 2, "{all:#?}");
    let newest = store.latest().unwrap();
    assert_eq!(newest.len(), 1);
    assert_eq!(
        newest[0].started_at, second.started_at,
        "its own start, not the old one's"
    );
    assert!(!newest[0].finished);
    // The one polled by that URL is the new one.
    let found = store.find(&second.pointer).unwrap().unwrap();
    assert_eq!(found.started_at, second.started_at);
}
