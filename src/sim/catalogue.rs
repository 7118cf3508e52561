//! What the simulator serves: publishers, offers and how each offer behaves. The demo catalogue
//! shows every path a publisher meets: success, a 422, a certification failure, throttling,
//! transient server errors, and each style of operation pointer.

use super::ingestion::{PreviewOutcome, ProductSpec, Quirk};
use serde::{Deserialize, Serialize};

/// How an offer's publishes go.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Behaviour {
    /// Every publish goes through.
    Plain,
    /// The first `n` publishes are refused with a 422 listing validation details.
    RejectFirst(u32),
    /// Certification blocks with this (HTML) message, then the operation fails.
    CertificationFailure(String),
    /// Every `every`-th request on the offer is answered 429 with `Retry-After: retry_after_secs`.
    /// (Invented: the service documents no throttling.)
    Throttled { every: u64, retry_after_secs: u64 },
    /// Every `every`-th GET on the offer is answered 500 with the Partner Center shim body; with
    /// `lose_first_accept`, the first publish is started but answered 500 all the same.
    Flaky { every: u64, lose_first_accept: bool },
}

/// Which headers carry the operation pointer of a 202.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum PointerStyle {
    /// `Location` and `Operation-Location`, same relative value (the default).
    Both,
    /// `Location` only (2020+ documentation).
    Location,
    /// `Operation-Location` only, as an absolute URL (2018 documentation).
    OperationLocationAbsolute,
    /// No header: clients must find the operation through `/submissions`.
    None,
}

/// One offer of the catalogue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OfferSpec {
    pub publisher: String,
    pub offer: String,
    pub display: String,
    /// Migrated offers use the `/operations/{guid}` pointer; others the legacy `$`-path.
    pub migrated: bool,
    pub pointer: PointerStyle,
    pub behaviour: Behaviour,
    /// Already live (version 1+, status succeeded) rather than never published.
    pub live: bool,
}

impl OfferSpec {
    pub fn plain(publisher: &str, offer: &str) -> OfferSpec {
        OfferSpec {
            publisher: publisher.into(),
            offer: offer.into(),
            display: title_of(offer),
            migrated: true,
            pointer: PointerStyle::Both,
            behaviour: Behaviour::Plain,
            live: false,
        }
    }

    pub fn with_behaviour(mut self, behaviour: Behaviour) -> OfferSpec {
        self.behaviour = behaviour;
        self
    }

    pub fn with_pointer(mut self, pointer: PointerStyle) -> OfferSpec {
        self.pointer = pointer;
        self
    }

    pub fn legacy(mut self) -> OfferSpec {
        self.migrated = false;
        self
    }

    pub fn already_live(mut self) -> OfferSpec {
        self.live = true;
        self
    }
}

fn title_of(offer: &str) -> String {
    offer
        .split('-')
        .map(|w| {
            let mut c = w.chars();
            match c.next() {
                Some(f) => f.to_uppercase().chain(c).collect::<String>(),
                None => String::new(),
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// A publisher namespace and the service principals allowed on it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PublisherSpec {
    pub id: String,
    pub display: String,
    pub allowed_clients: Vec<String>,
}

/// The client id the simulator's token endpoint knows, and its (non-)secret. Documented in the
/// README; it opens nothing but the simulator.
pub const DEMO_CLIENT_ID: &str = "offerdeck-demo";
pub const DEMO_CLIENT_SECRET: &str = "demo-secret";
/// The environment variable the shipped demo config reads the secret from.
pub const DEMO_SECRET_ENV: &str = "OFFERDECK_DEMO_SECRET";

/// The demo catalogue (also what `offerdeck simulate` serves by default).
pub fn demo() -> (Vec<PublisherSpec>, Vec<OfferSpec>) {
    let publishers = vec![
        PublisherSpec {
            id: "contoso".into(),
            display: "Contoso Ltd".into(),
            allowed_clients: vec![DEMO_CLIENT_ID.into()],
        },
        PublisherSpec {
            id: "fabrikam".into(),
            display: "Fabrikam Inc".into(),
            allowed_clients: vec![DEMO_CLIENT_ID.into()],
        },
        // The demo principal was never added to this publisher: every call answers 403.
        PublisherSpec {
            id: "northwind".into(),
            display: "Northwind Traders".into(),
            allowed_clients: vec!["someone-else".into()],
        },
        PublisherSpec {
            id: "bench".into(),
            display: "Benchmark Publisher".into(),
            allowed_clients: vec![DEMO_CLIENT_ID.into()],
        },
    ];
    let offers = vec![
        OfferSpec::plain("contoso", "contoso-vm").with_pointer(PointerStyle::Location),
        OfferSpec::plain("contoso", "contoso-analytics").with_behaviour(Behaviour::RejectFirst(1)),
        OfferSpec::plain("contoso", "contoso-gateway")
            .legacy()
            .with_behaviour(Behaviour::CertificationFailure(
                "No virtual machine image was found for the plan <b>gateway-byol</b>. Check the <i>osVhdUrl</i> SAS URI.".into(),
            )),
        OfferSpec::plain("fabrikam", "fabrikam-db")
            .with_pointer(PointerStyle::OperationLocationAbsolute)
            .with_behaviour(Behaviour::Throttled { every: 3, retry_after_secs: 1 }),
        OfferSpec::plain("fabrikam", "fabrikam-web").with_behaviour(Behaviour::Flaky { every: 4, lose_first_accept: true }),
        OfferSpec::plain("fabrikam", "fabrikam-ml").with_pointer(PointerStyle::None).already_live(),
        OfferSpec::plain("northwind", "northwind-app"),
    ];
    (publishers, offers)
}

/// The products the simulated Product Ingestion API serves for the demo principal, one per
/// scenario: a publish that goes through, one refused with a schema-validation 400 until tried
/// again, a certification failure, a validation failure, a throttled product, a product whose
/// job status answers 500 now and then, one already waiting for go-live (published from the
/// web portal) and one whose jobs cannot be cancelled.
pub fn demo_products() -> Vec<ProductSpec> {
    let product = |n: u32, external_id: &str, alias: &str, outcome, quirk| ProductSpec {
        guid: format!("6f1c2d3e-4a5b-4c6d-8e7f-{n:012}"),
        external_id: external_id.into(),
        alias: alias.into(),
        outcome,
        quirk,
    };
    use PreviewOutcome::*;
    vec![
        product(1, "alpha", "Fabrikam Alpha", Succeeds, Quirk::None),
        product(2, "beta", "Fabrikam Beta", FailsCertification, Quirk::None),
        product(3, "gamma", "Fabrikam Gamma", FailsValidation, Quirk::None),
        product(
            4,
            "delta",
            "Fabrikam Delta",
            Succeeds,
            Quirk::RejectedUntilRetried(1),
        ),
        product(
            5,
            "epsilon",
            "Fabrikam Epsilon",
            Succeeds,
            Quirk::Throttled { every: 3 },
        ),
        product(
            6,
            "zeta",
            "Fabrikam Zeta",
            Succeeds,
            Quirk::StatusErrors { every: 2 },
        ),
        product(
            7,
            "eta",
            "Fabrikam Eta",
            Succeeds,
            Quirk::AlreadyReadyForGoLive,
        ),
        product(
            8,
            "theta",
            "Fabrikam Theta",
            Succeeds,
            Quirk::NotCancellable,
        ),
        product(
            9,
            "iota",
            "Fabrikam Iota",
            Succeeds,
            Quirk::LosesFirstAnswer,
        ),
    ]
}

/// `count` plain offers under the `bench` publisher (`bench/offer-0001`…), for load tests.
pub fn bench_offers(count: usize) -> Vec<OfferSpec> {
    (1..=count)
        .map(|i| OfferSpec::plain("bench", &format!("offer-{i:04}")))
        .collect()
}
