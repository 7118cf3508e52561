//! `offerdeck image list` and `image add`, run as a user runs them (the real binary, a config,
//! the simulator on loopback), on both APIs: every existing version survives an add, the same
//! add again sends nothing, a changed draft (412) is read again, and nothing is sent on a
//! failed check, a refused plan or a dry run.

mod common;

use common::*;
use serde_json::Value;

const GUID: &str = "00000000-0000-4000-8000-000000000000";
const TENANT: &str = "72f988bf-86f1-41af-91ab-2d7cd011db47";

/// The resource id of version `version` of alpha's image in the simulated gallery.
fn gallery(version: &str) -> String {
    format!(
        "/subscriptions/{GUID}/resourceGroups/images/providers/Microsoft.Compute/galleries/fabrikam/images/alpha/versions/{version}"
    )
}

fn json_lines(stdout: &str) -> Vec<Value> {
    stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

struct Setup {
    sim: offerdeck::sim::Simulator,
    dir: tempfile::TempDir,
    config: String,
}

async fn setup() -> Setup {
    let sim = simulator(FAST).await;
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &sim, "100ms")
        .display()
        .to_string();
    Setup { sim, dir, config }
}

impl Setup {
    /// A SAS URI to a VHD in the simulator's storage account (a good fixed VHD, unless the
    /// name says which fault it carries: `block-`, `dynamic-`, `missing-`…).
    fn sas(&self, blob: &str) -> String {
        format!(
            "http://{}/blobs/fabrikamimages/vhds/{blob}.vhd?sv=2022-11-02&sr=b&sp=rl&se=2099-01-01T00:00:00Z&sig=c2VjcmV0LXNpZ25hdHVyZQ%3D%3D",
            self.sim.addr()
        )
    }

    async fn run(&self, args: &[&str]) -> Run {
        let mut all = vec!["--config", &self.config];
        all.extend_from_slice(args);
        offerdeck(self.dir.path(), &all, &[]).await
    }

    /// The technical configuration of a plan of a Product Ingestion product, as the service
    /// holds it in its draft.
    async fn tech_config(&self, external_id: &str, plan: &str) -> Value {
        let client = ingestion_client(&self.sim);
        let product = client.find_product(external_id).await.unwrap().unwrap();
        let tree = client
            .resource_tree(product.guid().unwrap(), "draft")
            .await
            .unwrap();
        let resources = tree["resources"].as_array().unwrap();
        let plan_id = resources
            .iter()
            .find(|r| r["identity"]["externalId"] == plan)
            .and_then(|r| r["id"].as_str())
            .unwrap()
            .to_string();
        resources
            .iter()
            .find(|r| r["plan"] == plan_id.as_str() && r.get("vmImageVersions").is_some())
            .cloned()
            .unwrap()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_product_ingestion_add_keeps_every_version_exactly_and_the_same_add_again_sends_nothing()
{
    let s = setup().await;
    let before = s.tech_config("alpha", "standard").await;
    let (gen2, gen1) = (s.sas("alpha-gen2-1.1.0"), s.sas("alpha-gen1-1.1.0"));
    let args = [
        "image",
        "add",
        "fabrikam/alpha",
        "--plan",
        "standard",
        "--version",
        "1.1.0",
        "--vhd",
        &format!("gen2={gen2}"),
        "--vhd",
        &format!("x64Gen1={gen1}"),
    ];
    let run = s.run(&args).await;
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains("1.1.0 added to the draft"),
        "{}",
        run.stdout
    );
    let after = s.tech_config("alpha", "standard").await;
    // Every field and every version as they were, and one version more at the end.
    let mut expected = before.clone();
    let versions = after["vmImageVersions"].as_array().unwrap();
    assert_eq!(versions.len(), 2);
    expected["vmImageVersions"]
        .as_array_mut()
        .unwrap()
        .push(versions[1].clone());
    assert_eq!(after, expected);
    assert_eq!(versions[1]["versionNumber"], "1.1.0");
    assert_eq!(versions[1]["vmImages"][0]["imageType"], "x64Gen2");
    assert_eq!(
        versions[1]["vmImages"][0]["source"]["osDisk"]["uri"],
        gen2.as_str()
    );
    assert_eq!(
        versions[1]["vmImages"][1]["source"]["osDisk"]["uri"],
        gen1.as_str()
    );
    // The signature never reached the terminal.
    assert!(!run.stdout.contains("c2VjcmV0") && !run.stderr.contains("c2VjcmV0"));

    // The same add again: nothing sent, exit 0.
    let run = s.run(&args).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("already on the plan"), "{}", run.stdout);
    assert_eq!(s.tech_config("alpha", "standard").await, after);

    // The same version from another VHD is refused, and nothing is sent.
    let other = format!("gen2={}", s.sas("alpha-gen2-other"));
    let mut changed = args.to_vec();
    changed[8] = &other;
    let run = s.run(&changed).await;
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("give the new build a new version number"),
        "{}",
        run.stderr
    );
    assert_eq!(s.tech_config("alpha", "standard").await, after);

    // And the listing shows it, per environment.
    let run = s
        .run(&[
            "image",
            "list",
            "fabrikam/alpha",
            "--plan",
            "standard",
            "--json",
        ])
        .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let lines = json_lines(&run.stdout);
    let draft = lines
        .iter()
        .find(|l| l["event"] == "plan" && l["environment"] == "draft")
        .unwrap();
    assert_eq!(
        draft["image_types"],
        serde_json::json!(["x64Gen2", "x64Gen1"])
    );
    assert_eq!(draft["versions"][1]["version"], "1.1.0");
    assert!(
        draft["versions"][1]["images"][0]["source"]
            .as_str()
            .unwrap()
            .ends_with("sig=***"),
        "{draft}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l["event"] == "nothing_in" && l["environment"] == "preview"),
        "{lines:?}"
    );
    s.sim.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_is_sent_on_a_failed_check_a_refused_plan_or_a_dry_run() {
    let s = setup().await;
    let before = s.tech_config("alpha", "standard").await;
    let gallery_id = gallery("1.1.0");
    let expiring = s
        .sas("alpha-gen2-1.1.0")
        .replace("se=2099-01-01", "se=2000-01-01");
    let cases: Vec<(Vec<String>, i32, &str)> = vec![
        // A SAS that expired: the check fails before anything is read or sent.
        (
            vec![
                "--plan".into(),
                "standard".into(),
                "--vhd".into(),
                format!("gen2={expiring}"),
                "--vhd".into(),
                format!("gen1={}", s.sas("g1")),
            ],
            2,
            "the SAS expired on 1 Jan 2000",
        ),
        // Two plans, one of which needs two images: the other is not edited either.
        (
            vec![
                "--plan".into(),
                "gallery,standard".into(),
                "--gallery".into(),
                gallery_id.clone(),
                "--gallery-tenant".into(),
                TENANT.into(),
            ],
            2,
            "plan standard has 2 images",
        ),
        // A plan the offer does not have.
        (
            vec![
                "--plan".into(),
                "premium".into(),
                "--vhd".into(),
                s.sas("x"),
            ],
            2,
            "has no plan premium; its plans: standard, gallery",
        ),
        // What the storage account says of each blob: a block blob, a dynamic VHD, a blob
        // that is not there, a data disk with a damaged footer.
        (
            vec![
                "--plan".into(),
                "standard".into(),
                "--vhd".into(),
                format!("gen2={}", s.sas("block-a")),
                "--vhd".into(),
                format!("gen1={}", s.sas("dynamic-b")),
            ],
            2,
            "Azure boots VHDs from page blobs only",
        ),
        (
            vec![
                "--plan".into(),
                "standard".into(),
                "--vhd".into(),
                format!("gen2={}", s.sas("missing-a")),
                "--vhd".into(),
                format!("gen1={}", s.sas("b")),
                "--data-disk".into(),
                format!("0={}", s.sas("corrupt-d")),
            ],
            2,
            "there is no blob at that URI (BlobNotFound)",
        ),
        // Asked not to read the blobs (a storage account behind a private endpoint): the text
        // is checked, the blob is not.
        (
            vec![
                "--plan".into(),
                "standard".into(),
                "--vhd".into(),
                format!("gen2={}", s.sas("block-a")),
                "--vhd".into(),
                format!("gen1={}", s.sas("b")),
                "--skip-blob-check".into(),
                "--dry-run".into(),
            ],
            0,
            "would be added to the draft (dry run: nothing sent)",
        ),
        // A dry run says what would change and sends nothing.
        (
            vec![
                "--plan".into(),
                "standard".into(),
                "--vhd".into(),
                format!("gen2={}", s.sas("a")),
                "--vhd".into(),
                format!("gen1={}", s.sas("b")),
                "--dry-run".into(),
            ],
            0,
            "would be added to the draft (dry run: nothing sent)",
        ),
    ];
    let gallery_before = s.tech_config("alpha", "gallery").await;
    for (extra, code, said) in cases {
        let mut args = vec![
            "image".to_string(),
            "add".into(),
            "fabrikam/alpha".into(),
            "--version".into(),
            "1.1.0".into(),
        ];
        args.extend(extra);
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        let run = s.run(&refs).await;
        assert_eq!(run.code, code, "{args:?}: {}{}", run.stdout, run.stderr);
        assert!(
            run.stdout.contains(said) || run.stderr.contains(said),
            "{args:?}: {}{}",
            run.stdout,
            run.stderr
        );
        assert_eq!(s.tech_config("alpha", "standard").await, before, "{args:?}");
        assert_eq!(
            s.tech_config("alpha", "gallery").await,
            gallery_before,
            "{args:?}"
        );
    }
    s.sim.stop().await;
}

/// The plans of a CPP offer's draft as the service holds it.
async fn cpp_plans(sim: &offerdeck::sim::Simulator, offer: &str) -> Value {
    client(sim)
        .get_offer("contoso", offer)
        .await
        .unwrap()
        .document["definition"]
        .clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cpp_add_puts_the_offer_back_whole_and_reads_again_when_someone_changed_it_meanwhile() {
    let s = setup().await;
    let plan = "contoso-vm-byol";
    let before = cpp_plans(&s.sim, "contoso-vm").await;
    // A colleague edits the draft in the portal right after offerdeck's read.
    s.sim
        .with_state(|state| state.edit_after_reads("contoso", "contoso-vm", 1));
    let vhd = s.sas("vm-1.1.0");
    let args = [
        "image",
        "add",
        "contoso/contoso-vm",
        "--plan",
        plan,
        "--version",
        "1.1.0",
        "--vhd",
        &vhd,
    ];
    let run = s.run(&args).await;
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stderr.contains("changed after offerdeck read it"),
        "{}",
        run.stderr
    );
    let after = cpp_plans(&s.sim, "contoso-vm").await;
    let key = "microsoft-azure-virtualmachines.vmImages";
    let images = after["plans"][0][key].as_object().unwrap();
    // Their edit stands, the old version is there, and the new one with it.
    assert!(
        after["offer"]["microsoft-azure-marketplace.summary"]
            .as_str()
            .unwrap()
            .starts_with("Edited in the portal"),
        "{after}"
    );
    for (number, image) in before["plans"][0][key].as_object().unwrap() {
        assert_eq!(images.get(number), Some(image), "{number} kept");
    }
    assert_eq!(images["1.1.0"]["osVhdUrl"], vhd.as_str());

    // Someone who keeps editing: a second 412 stops it, and nothing of the add is written.
    s.sim
        .with_state(|state| state.edit_after_reads("contoso", "contoso-vm", 2));
    let newer = s.sas("vm-1.2.0");
    let run = s
        .run(&[
            "image",
            "add",
            "contoso/contoso-vm",
            "--plan",
            plan,
            "--version",
            "1.2.0",
            "--vhd",
            &newer,
        ])
        .await;
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(run.stderr.contains("changed twice"), "{}", run.stderr);
    let now = cpp_plans(&s.sim, "contoso-vm").await;
    assert!(now["plans"][0][key].get("1.2.0").is_none(), "{now}");

    // A gallery image cannot go on a CPP offer: said, nothing sent.
    let run = s
        .run(&[
            "image",
            "add",
            "contoso/contoso-vm",
            "--plan",
            plan,
            "--version",
            "1.3.0",
            "--gallery",
            &format!("/subscriptions/{GUID}/resourceGroups/g/providers/Microsoft.Compute/galleries/g/images/i/versions/1.3.0"),
            "--gallery-tenant",
            GUID,
        ])
        .await;
    assert_ne!(run.code, 0);
    assert!(
        run.stderr.contains("VHDs by SAS URI only"),
        "{}",
        run.stderr
    );
    s.sim.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_version_is_deprecated_on_a_date_and_restored_with_nothing_else_touched() {
    let s = setup().await;
    let before = s.tech_config("alpha", "standard").await;
    let target = ["fabrikam/alpha", "--plan", "standard", "--version", "1.0.0"];
    let mut args = vec!["image", "deprecate"];
    args.extend(target);
    args.extend(["--on", "2099-02-01", "--json"]);
    let run = s.run(&args).await;
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let line = &json_lines(&run.stdout)[0];
    assert_eq!(line["event"], "image_lifecycle");
    assert_eq!(line["change"], "deprecated");
    assert_eq!(line["was"], "available");
    let after = s.tech_config("alpha", "standard").await;
    let mut expected = before.clone();
    expected["vmImageVersions"][0]["lifecycleState"] = "deprecated".into();
    expected["vmImageVersions"][0]["deprecationSchedule"] =
        serde_json::json!({"date": "2099-02-01", "reason": "other"});
    assert_eq!(after, expected, "only that version's lifecycle changed");
    // Again: nothing to send.
    let run = s.run(&args).await;
    assert_eq!(
        json_lines(&run.stdout)[0]["change"],
        "unchanged",
        "{}",
        run.stdout
    );
    // Restored: as it was.
    let mut args = vec!["image", "restore"];
    args.extend(target);
    let run = s.run(&args).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.contains("generally available again"),
        "{}",
        run.stdout
    );
    let mut restored = before.clone();
    restored["vmImageVersions"][0]["lifecycleState"] = "generallyAvailable".into();
    assert_eq!(s.tech_config("alpha", "standard").await, restored);
    // The plan's last available version: a warning first; a dry run sends nothing.
    let run = s
        .run(&[
            "image",
            "deprecate",
            "fabrikam/alpha",
            "--plan",
            "gallery",
            "--version",
            "1.0.0",
            "--dry-run",
        ])
        .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains("last available version"),
        "{}",
        run.stderr
    );
    assert!(
        run.stdout.contains("dry run: nothing sent"),
        "{}",
        run.stdout
    );
    // A version the plan does not have, and CPP, which has no deprecation: exit 2.
    let run = s
        .run(&[
            "image",
            "deprecate",
            "fabrikam/alpha",
            "--plan",
            "standard",
            "--version",
            "9.0.0",
        ])
        .await;
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("its versions: 1.0.0"), "{}", run.stderr);
    let run = s
        .run(&[
            "image",
            "deprecate",
            "contoso/contoso-vm",
            "--plan",
            "contoso-vm-byol",
            "--version",
            "1.0.0",
        ])
        .await;
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("no deprecation"), "{}", run.stderr);
    s.sim.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_runs_the_checks_alone_on_a_source_or_on_a_version_already_on_a_plan() {
    let s = setup().await;
    let good = s.sas("alpha-gen2-2.0.0");
    let run = s.run(&["check", "--vhd", &format!("gen2={good}")]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.starts_with("passed (x64Gen2): http://"),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains("c2VjcmV0"), "{}", run.stdout);
    let run = s
        .run(&["check", "--vhd", &good.replace("sp=rl", "sp=w"), "--json"])
        .await;
    assert_eq!(run.code, 2);
    let line = &json_lines(&run.stdout)[0];
    assert_eq!(line["event"], "check_failed");
    assert_eq!(line["check"], "permissions");
    // Each fault a blob can carry, named by the check it fails, in words, with no signature.
    for (blob, check, said) in [
        ("block-a", "blob_type", "the blob is a BlockBlob"),
        ("dynamic-a", "disk_type", "the VHD is dynamically sized"),
        (
            "odd-size-a",
            "size",
            "a whole number of MiB plus its 512-byte footer",
        ),
        ("corrupt-a", "footer", "checksum is wrong"),
        ("missing-a", "blob", "there is no blob at that URI"),
    ] {
        let run = s.run(&["check", "--vhd", &s.sas(blob), "--json"]).await;
        assert_eq!(run.code, 2, "{blob}: {}", run.stdout);
        let lines = json_lines(&run.stdout);
        assert_eq!(lines.len(), 1, "{blob}: {}", run.stdout);
        assert_eq!(lines[0]["check"], check, "{blob}: {}", run.stdout);
        let reason = lines[0]["reason"].as_str().unwrap();
        assert!(reason.contains(said), "{blob}: {reason}");
        assert!(!run.stdout.contains("c2VjcmV0"), "{}", run.stdout);
    }
    // A storage account that does not answer: said, and the way past it named.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let nobody = closed.local_addr().unwrap();
    drop(closed);
    let unanswered = good.replace(&s.sim.addr().to_string(), &nobody.to_string());
    let run = s.run(&["check", "--vhd", &unanswered]).await;
    assert_eq!(run.code, 2, "{}", run.stdout);
    assert!(
        run.stderr.contains("the storage account did not answer"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("c2VjcmV0"), "{}", run.stderr);
    // The simulated service's 1.0.0 was added with a read-only SAS and no expiry: the check
    // says what certification would meet.
    let run = s
        .run(&[
            "check",
            "fabrikam/alpha",
            "--plan",
            "standard",
            "--version",
            "1.0.0",
        ])
        .await;
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    assert!(run.stderr.contains("needs read and list"), "{}", run.stderr);
    assert!(run.stderr.contains("no expiry"), "{}", run.stderr);
    s.sim.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_add_with_publish_ships_the_version_to_preview() {
    let s = setup().await;
    let run = s
        .run(&[
            "image",
            "add",
            "fabrikam/alpha",
            "--plan",
            "gallery",
            "--version",
            "1.2.0",
            "--gallery",
            &gallery("1.2.0"),
            "--gallery-tenant",
            TENANT,
            "--publish",
            "--wait",
        ])
        .await;
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains("1.2.0 added to the draft"),
        "{}",
        run.stdout
    );
    assert!(run.stderr.contains("ready for go-live"), "{}", run.stderr);
    let run = s
        .run(&[
            "image",
            "list",
            "fabrikam/alpha",
            "--plan",
            "gallery",
            "--env",
            "preview",
            "--json",
        ])
        .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let preview = &json_lines(&run.stdout)[0];
    assert_eq!(preview["environment"], "preview");
    let versions: Vec<&str> = preview["versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["version"].as_str().unwrap())
        .collect();
    assert_eq!(versions, ["1.0.0", "1.2.0"], "{preview}");
    assert_eq!(
        preview["versions"][1]["images"][0]["source_kind"],
        "gallery"
    );
    s.sim.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_config_sets_how_long_a_sas_must_stay_valid_and_a_bad_value_names_its_line() {
    let s = setup().await;
    let path = std::path::PathBuf::from(&s.config);
    let base = std::fs::read_to_string(&path).unwrap();
    let in_days = |days: i64| {
        let se = (chrono::Utc::now() + chrono::Duration::days(days)).format("%Y-%m-%dT%H:%M:%SZ");
        s.sas("a")
            .replace("se=2099-01-01T00:00:00Z", &format!("se={se}"))
    };
    // 30 days left: enough by default (21 days), not for a config that asks for 90.
    let run = s.run(&["check", "--vhd", &in_days(30)]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    std::fs::write(
        &path,
        format!("{base}\n[images]\nsas_min_validity = \"90d\"\n"),
    )
    .unwrap();
    let run = s.run(&["check", "--vhd", &in_days(30)]).await;
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("valid for at least 90 days"),
        "{}",
        run.stderr
    );
    // Out of bounds: the file, the line and what to write.
    let lines = base.lines().count() + 3;
    std::fs::write(
        &path,
        format!("{base}\n[images]\nsas_min_validity = \"2h\"\n"),
    )
    .unwrap();
    let run = s.run(&["check", "--vhd", &in_days(30)]).await;
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains(&format!("config.toml:{lines}"))
            && run.stderr.contains("between 1day and"),
        "{}",
        run.stderr
    );
    s.sim.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn publish_dry_run_shows_the_draft_against_the_preview_and_if_changed_skips_a_publish_of_nothing()
 {
    let s = setup().await;
    let run = s
        .run(&["publish", "fabrikam/alpha", "--dry-run", "--json"])
        .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let line = &json_lines(&run.stdout)[0];
    assert_eq!(line["event"], "draft_changes");
    assert_eq!(line["no_preview"], true, "{line}");
    let submissions = || async {
        let client = ingestion_client(&s.sim);
        let product = client.find_product("alpha").await.unwrap().unwrap();
        let mut ids: Vec<String> = client
            .submissions(product.guid().unwrap())
            .await
            .unwrap()
            .into_iter()
            .map(|s| s.id)
            .collect();
        ids.sort();
        ids
    };
    let before = submissions().await;
    assert_eq!(submissions().await, before, "a dry run sends no submission");
    let run = s.run(&["publish", "fabrikam/alpha", "--wait"]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let published = submissions().await;
    // The draft is the preview now: --if-changed sends nothing.
    let run = s.run(&["publish", "fabrikam/alpha", "--if-changed"]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains("nothing new to publish"),
        "{}",
        run.stderr
    );
    assert_eq!(submissions().await, published);
    // A new version in the draft: the dry run names it, and --if-changed publishes.
    let run = s
        .run(&[
            "image",
            "add",
            "fabrikam/alpha",
            "--plan",
            "gallery",
            "--version",
            "1.3.0",
            "--gallery",
            &gallery("1.3.0"),
            "--gallery-tenant",
            TENANT,
        ])
        .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let run = s
        .run(&["publish", "fabrikam/alpha", "--dry-run", "--json"])
        .await;
    let line = &json_lines(&run.stdout)[0];
    let changes = line["changes"].as_array().unwrap();
    assert_eq!(changes.len(), 1, "{line}");
    assert!(
        changes[0]["path"]
            .as_str()
            .unwrap()
            .ends_with("vmImageVersions[1]"),
        "{line}"
    );
    assert!(
        changes[0]["after"].as_str().unwrap().contains("1.3.0"),
        "{line}"
    );
    assert_eq!(submissions().await, published);
    let run = s.run(&["publish", "fabrikam/alpha", "--if-changed"]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stderr.contains("accepted"), "{}", run.stderr);
    assert_ne!(submissions().await, published, "a new preview submission");
    s.sim.stop().await;
}
