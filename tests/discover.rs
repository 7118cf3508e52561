//! `offerdeck discover`: the offers the account can see on each API, as a user runs it, and
//! `--add` appending them to the config with its comments kept.

mod common;

#[tokio::test]
async fn discover_lists_both_apis_and_adds_the_chosen_offers_keeping_comments() {
    let sim = common::simulator(common::FAST).await;
    let dir = tempfile::tempdir().unwrap();
    let addr = sim.addr();
    let config = dir.path().join("config.toml");
    let original = format!(
        r#"# offerdeck for Fabrikam and Contoso
[api]
base_url = "http://{addr}"

[auth]
tenant_id = "demo-tenant"
client_id = "offerdeck-demo"
client_secret_env = "OFFERDECK_DEMO_SECRET"
authority = "http://{addr}"

[ingestion]
base_url = "http://{addr}/rp/product-ingestion"

[ingestion.auth]
tenant_id = "demo-tenant"
client_id = "offerdeck-demo"
client_secret_env = "OFFERDECK_DEMO_SECRET"
authority = "http://{addr}"

[[offers]]
publisher = "fabrikam"   # the seller label
offer = "alpha"
backend = "ingestion"

[[offers]]
publisher = "contoso"
offer = "contoso-vm"
"#
    );
    std::fs::write(&config, &original).unwrap();
    let config = config.to_str().unwrap();
    let data = dir.path().join("data");
    let run = async |args: &[&str]| {
        let mut all = vec!["--config", config];
        all.extend_from_slice(args);
        common::offerdeck(&data, &all, &[]).await
    };

    let listed = run(&["discover", "--json"]).await;
    assert_eq!(listed.code, 0, "{}", listed.stderr);
    let events: Vec<serde_json::Value> = listed
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let find = |offer: &str| {
        events
            .iter()
            .find(|e| e["offer"] == offer)
            .unwrap_or_else(|| panic!("{offer} not listed: {}", listed.stdout))
    };
    assert_eq!(find("fabrikam/alpha")["configured"], true);
    assert_eq!(find("fabrikam/gamma")["configured"], false);
    assert_eq!(find("fabrikam/gamma")["backend"], "ingestion");
    assert_eq!(find("fabrikam/gamma")["offer_type"], "azureVirtualMachine");
    assert_eq!(find("contoso/contoso-vm")["configured"], true);
    assert_eq!(find("contoso/contoso-vm")["backend"], "cpp");
    assert!(events.iter().all(|e| e["event"] == "discovered"));

    // The text form is a table a person reads.
    let text = run(&["discover", "--backend", "ingestion"]).await;
    assert_eq!(text.code, 0, "{}", text.stderr);
    assert!(text.stdout.starts_with("OFFER"), "{}", text.stdout);
    assert!(text.stdout.contains("Fabrikam Gamma"), "{}", text.stdout);

    // Adding one that is not there: nothing written, exit 4.
    let wrong = run(&[
        "discover",
        "--backend",
        "ingestion",
        "--add",
        "fabrikam/nope",
    ])
    .await;
    assert_eq!(wrong.code, 4, "{}", wrong.stderr);
    assert_eq!(std::fs::read_to_string(config).unwrap(), original);

    let added = run(&[
        "discover",
        "--backend",
        "ingestion",
        "--add",
        "fabrikam/gamma",
    ])
    .await;
    assert_eq!(added.code, 0, "{}", added.stderr);
    assert!(
        added.stderr.contains("added fabrikam/gamma"),
        "{}",
        added.stderr
    );
    let now = std::fs::read_to_string(config).unwrap();
    assert!(
        now.starts_with(&original),
        "comments and layout kept:\n{now}"
    );
    assert!(
        now.contains("# Fabrikam Gamma (added by offerdeck)"),
        "{now}"
    );
    // The new offer works at once.
    let status = run(&["status", "fabrikam/gamma", "--json"]).await;
    assert_eq!(status.code, 0, "{}", status.stderr);
    assert!(
        status.stdout.contains(r#""status":"neverPublished""#),
        "{}",
        status.stdout
    );
    sim.stop().await;
}

#[tokio::test]
async fn discover_without_a_configured_offer_asks_for_the_publisher() {
    let sim = common::simulator(common::FAST).await;
    let dir = tempfile::tempdir().unwrap();
    let addr = sim.addr();
    let config = dir.path().join("config.toml");
    // A new Product Ingestion user: no offers, no CPP credentials.
    std::fs::write(
        &config,
        format!(
            "[ingestion]\nbase_url = \"http://{addr}/rp/product-ingestion\"\n\n[ingestion.auth]\ntenant_id = \"t\"\nclient_id = \"offerdeck-demo\"\nclient_secret_env = \"OFFERDECK_DEMO_SECRET\"\nauthority = \"http://{addr}\"\n"
        ),
    )
    .unwrap();
    let config = config.to_str().unwrap();
    let data = dir.path().join("data");
    let bare = common::offerdeck(
        &data,
        &["--config", config, "discover", "--backend", "ingestion"],
        &[],
    )
    .await;
    assert_eq!(bare.code, 2, "{}", bare.stderr);
    assert!(bare.stderr.contains("--publisher"), "{}", bare.stderr);
    let all = common::offerdeck(
        &data,
        &[
            "--config",
            config,
            "discover",
            "--backend",
            "ingestion",
            "--publisher",
            "fabrikam",
            "--add",
        ],
        &[],
    )
    .await;
    assert_eq!(all.code, 0, "{}", all.stderr);
    let text = std::fs::read_to_string(config).unwrap();
    let parsed = offerdeck::config::parse(std::path::Path::new(config), &text).unwrap();
    assert_eq!(parsed.offers.len(), 9, "{text}");
    assert!(parsed.offers.iter().all(|o| o.id.publisher() == "fabrikam"));
    sim.stop().await;
}
