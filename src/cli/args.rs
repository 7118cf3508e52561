//! The command line: the dashboard by default, headless commands for scripts and CI.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::domain::OfferId;

pub const EXIT_CODES: &str = "Exit codes:
  0  success
  1  the operation failed or was canceled
  2  usage or config error
  3  rejected by validation (HTTP 422; every detail printed)
  4  not found
  5  authentication or permission
  6  service unreachable after retries
  7  accepted by the service but not recorded in the state store (the URL to follow is printed)";

#[derive(Debug, Parser)]
#[command(
    name = "offerdeck",
    version,
    about = "Dashboard and CLI for Azure Marketplace offers (Cloud Partner Portal and Partner Center Product Ingestion APIs)",
    long_about = "Without a command, opens the dashboard on the configured offers.\nWith --demo, opens it on an embedded simulator of both APIs: no account, no config.",
    after_help = EXIT_CODES
)]
pub struct Cli {
    /// Config file (default: $OFFERDECK_CONFIG, else config.toml in the platform config folder)
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Run the dashboard on the embedded simulator with the demo offers; with a command, run
    /// the command there (on the demo dashboard's simulator when one runs)
    #[arg(long)]
    pub demo: bool,

    /// Simulated seconds per real second for --demo (10000: a publish reaches sign-off in ~30 s)
    #[arg(
        long,
        value_name = "N",
        default_value_t = 10_000.0,
        hide_short_help = true
    )]
    pub demo_time_scale: f64,

    /// No colours (also when NO_COLOR is set)
    #[arg(long, global = true)]
    pub no_color: bool,

    /// With --json, progress on stderr too (otherwise only problems go there)
    #[arg(long, short, global = true)]
    pub verbose: bool,

    /// ASCII symbols instead of Unicode ones
    #[arg(long, global = true)]
    pub ascii: bool,

    /// Dashboard for watching only: no key publishes, goes live or cancels (also [ui] read_only)
    #[arg(long)]
    pub read_only: bool,

    /// No mouse capture in the dashboard (also [ui] mouse = false)
    #[arg(long)]
    pub no_mouse: bool,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the simulated Cloud Partner Portal and Product Ingestion APIs on loopback
    Simulate(SimulateArgs),
    #[command(flatten)]
    Headless(HeadlessCommand),
}

/// The commands that work on the configured offers (they need a config and a client).
///
/// `--json` is a flag of each command that prints, not a `global = true` one: a global flag is
/// listed (and accepted silently) by `simulate`, `demo` and the dashboard, where it would mean
/// nothing; `--no-color`, `--ascii` and `--verbose` are global because every command draws.
#[derive(Debug, Subcommand)]
pub enum HeadlessCommand {
    /// Configured offers with their current status (fetched concurrently)
    Offers {
        /// JSON lines on stdout (the versioned contract in the README), not text
        #[arg(long)]
        json: bool,
    },
    /// Status of one offer with every step
    Status {
        /// PUBLISHER/OFFER
        offer: OfferId,
        /// JSON lines on stdout (the versioned contract in the README), not text
        #[arg(long)]
        json: bool,
    },
    /// Start a publish (certification through to preview and publisher sign-off)
    Publish {
        /// PUBLISHER/OFFER
        offer: OfferId,
        /// Notification e-mails for this publish, comma-separated (overrides the config)
        #[arg(long, value_name = "a@x,b@y")]
        emails: Option<String>,
        /// Follow the operation to its end
        #[arg(long)]
        wait: bool,
        /// Show what the publish would send (the draft against the preview); send nothing
        #[arg(long, conflicts_with_all = ["wait", "if_changed"])]
        dry_run: bool,
        /// Publish only if the draft differs from the preview (else say so and exit 0)
        #[arg(long)]
        if_changed: bool,
        /// JSON lines on stdout (the versioned contract in the README), not text
        #[arg(long)]
        json: bool,
    },
    /// Push the previewed version live
    Golive {
        /// PUBLISHER/OFFER
        offer: OfferId,
        #[arg(long)]
        wait: bool,
        /// JSON lines on stdout (the versioned contract in the README), not text
        #[arg(long)]
        json: bool,
    },
    /// Cancel the operation running on an offer
    Cancel {
        /// PUBLISHER/OFFER
        offer: OfferId,
        #[arg(long)]
        wait: bool,
        /// JSON lines on stdout (the versioned contract in the README), not text
        #[arg(long)]
        json: bool,
    },
    /// Past operations (of one offer, or all) with their durations and outcomes
    History {
        /// Only this offer (PUBLISHER/OFFER)
        offer: Option<OfferId>,
        /// How far back (`30d`, `12h`, `2w`)
        #[arg(long, value_parser = humantime::parse_duration, default_value = "30d")]
        since: std::time::Duration,
        /// JSON lines on stdout (the versioned contract in the README), not text
        #[arg(long)]
        json: bool,
    },
    /// The offers the account can see on each API, and which are configured; `--add` appends
    /// them to the config (comments kept)
    Discover {
        /// Only this API (default: every API the config has offers on, else cpp)
        #[arg(long, value_name = "cpp|ingestion")]
        backend: Option<crate::domain::BackendKind>,
        /// CPP: the publisher to list (repeatable; default: those of the configured offers).
        /// Product Ingestion: the seller label the offers get (default: the configured one)
        #[arg(long, value_name = "NAME")]
        publisher: Vec<String>,
        /// Every type of offer, not only virtual machine offers
        #[arg(long)]
        all_types: bool,
        /// Append the offers found that are not configured yet (or only the ones named)
        #[arg(long)]
        add: bool,
        /// With --add: only these (PUBLISHER/OFFER)
        #[arg(value_name = "PUBLISHER/OFFER", requires = "add")]
        offers: Vec<OfferId>,
        /// JSON lines on stdout (the versioned contract in the README), not text
        #[arg(long)]
        json: bool,
    },
    /// The pre-flight checks of a build's source alone (a SAS URI, a gallery image version, or
    /// the sources of a version already on a plan): exit 0 when every one passes
    Check {
        /// PUBLISHER/OFFER, with --plan and --version: check that version's sources
        offer: Option<OfferId>,
        #[arg(long, value_name = "PLAN", requires = "offer")]
        plan: Option<String>,
        #[arg(long, value_name = "X.Y.Z", requires = "offer")]
        version: Option<String>,
        /// A SAS URI to check, [TYPE=]URI (repeatable)
        #[arg(long, value_name = "[TYPE=]URI", conflicts_with = "offer")]
        vhd: Vec<String>,
        /// A gallery image version's resource id to check
        #[arg(long, value_name = "RESOURCE_ID", conflicts_with = "offer")]
        gallery: Option<String>,
        /// The tenant of the gallery
        #[arg(long, value_name = "TENANT_ID", requires = "gallery")]
        gallery_tenant: Option<String>,
        /// JSON lines on stdout (the versioned contract in the README), not text
        #[arg(long)]
        json: bool,
    },
    /// Image versions on plans: list them, add a new build to plans' drafts
    Image {
        #[command(subcommand)]
        command: ImageCommand,
    },
    /// Follow every unfinished operation (from the state store) to its end, or one by its URL
    Watch {
        /// Only these offers (PUBLISHER/OFFER); one with nothing recorded is looked up at the
        /// service (a publish started from the portal or another machine)
        #[arg(value_name = "PUBLISHER/OFFER")]
        offers: Vec<OfferId>,
        /// Follow the operation at this URL (as `publish` printed it) instead of the store's;
        /// a Product Ingestion URL needs its offer too (`watch P/O --url URL`)
        #[arg(long, value_name = "URL")]
        url: Option<String>,
        /// JSON lines on stdout (the versioned contract in the README), not text
        #[arg(long)]
        json: bool,
    },
}

/// The environments a listing can show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum EnvArg {
    Draft,
    Preview,
    Live,
}

/// `offerdeck image …`.
#[derive(Debug, Subcommand)]
pub enum ImageCommand {
    /// Every plan of an offer with its image versions in draft, preview and live
    List {
        /// PUBLISHER/OFFER
        offer: OfferId,
        /// Only this plan
        #[arg(long, value_name = "PLAN")]
        plan: Option<String>,
        /// Only this environment (default: all three)
        #[arg(long = "env", value_enum, value_name = "ENV")]
        env: Option<EnvArg>,
        /// JSON lines on stdout (the versioned contract in the README), not text
        #[arg(long)]
        json: bool,
    },
    /// Add a new image version to plans' drafts (checked first; nothing is sent if any check
    /// or plan refuses it; the same version with the same images again sends nothing)
    Add {
        /// PUBLISHER/OFFER
        offer: OfferId,
        /// The plans to add it to, comma-separated
        #[arg(
            long,
            value_name = "PLAN[,PLAN…]",
            value_delimiter = ',',
            required = true
        )]
        plan: Vec<String>,
        /// The new version, MAJOR.MINOR.PATCH
        #[arg(long, value_name = "X.Y.Z")]
        version: String,
        /// The OS disk's SAS URI; for a plan with several image types, one per type as
        /// TYPE=URI (x64Gen1, x64Gen2, arm64Gen2; or gen1, gen2, arm64)
        #[arg(long, value_name = "[TYPE=]URI", conflicts_with = "gallery")]
        vhd: Vec<String>,
        /// A data disk's SAS URI, as LUN=URI (repeatable; for every --vhd)
        #[arg(long = "data-disk", value_name = "LUN=URI", requires = "vhd")]
        data_disk: Vec<String>,
        /// An Azure Compute Gallery image version's resource id (Product Ingestion offers)
        #[arg(long, value_name = "RESOURCE_ID", requires = "gallery_tenant")]
        gallery: Option<String>,
        /// The tenant of the gallery
        #[arg(long, value_name = "TENANT_ID", requires = "gallery")]
        gallery_tenant: Option<String>,
        /// The image type of a --vhd or --gallery given without one (default: the plan's only one)
        #[arg(long, value_name = "TYPE")]
        image_type: Option<String>,
        /// Do not ask the storage account about the VHD blobs (a storage account this machine
        /// cannot reach, behind a private endpoint): the SAS URIs' text is still checked
        #[arg(long, requires = "vhd")]
        skip_blob_check: bool,
        /// Check and show what would change; send nothing
        #[arg(long)]
        dry_run: bool,
        /// Then publish the offer to preview (once, after every plan is edited)
        #[arg(long, conflicts_with = "dry_run")]
        publish: bool,
        /// With --publish: follow the publish to its end
        #[arg(long, requires = "publish")]
        wait: bool,
        /// JSON lines on stdout (the versioned contract in the README), not text
        #[arg(long)]
        json: bool,
    },
    /// Deprecate one image version of a plan (Product Ingestion), now or on a date; nothing
    /// else is touched. It reaches customers with the offer's next publish
    Deprecate {
        #[command(flatten)]
        target: VersionOnPlan,
        /// The day it is deprecated (YYYY-MM-DD; default: as soon as it is published)
        #[arg(long, value_name = "DATE")]
        on: Option<chrono::NaiveDate>,
    },
    /// Make a deprecated image version generally available again (Product Ingestion)
    Restore {
        #[command(flatten)]
        target: VersionOnPlan,
    },
}

/// Which version of which plan a lifecycle change is about.
#[derive(Debug, Clone, clap::Args)]
pub struct VersionOnPlan {
    /// PUBLISHER/OFFER
    pub offer: OfferId,
    /// The plan
    #[arg(long, value_name = "PLAN")]
    pub plan: String,
    /// The version, MAJOR.MINOR.PATCH
    #[arg(long, value_name = "X.Y.Z")]
    pub version: String,
    /// Check and show what would change; send nothing
    #[arg(long)]
    pub dry_run: bool,
    /// JSON lines on stdout (the versioned contract in the README), not text
    #[arg(long)]
    pub json: bool,
}

/// Options of `offerdeck simulate`.
#[derive(Debug, Clone, clap::Args)]
pub struct SimulateArgs {
    #[arg(long, default_value = "127.0.0.1:7878")]
    pub addr: SocketAddr,
    /// Simulated seconds per real second (3600: one hour of the service per second)
    #[arg(long, default_value_t = 3_600.0)]
    pub time_scale: f64,
    /// Extra plain offers under the `bench` publisher (bench/offer-0001…)
    #[arg(long, default_value_t = 0)]
    pub offers: usize,
    /// Latency added to every answer, e.g. 50ms
    #[arg(long, value_parser = humantime::parse_duration, default_value = "0s")]
    pub latency: std::time::Duration,
    /// The most requests answered at once: more are refused with 429 + Retry-After, and answers
    /// slow down past half of it (a service near capacity)
    #[arg(long, value_name = "N")]
    pub max_in_flight: Option<usize>,
    /// Share of API answers replaced by a fault (429, 5xx, HTML page, slow, dropped, truncated), 0 to 1
    #[arg(long, default_value_t = 0.0)]
    pub chaos: f64,
    /// Seed of the chaos dice, for a repeatable run
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Product Ingestion API: refuse calls without $version (the service accepts them)
    #[arg(long)]
    pub require_version: bool,
    /// Product Ingestion API: refuse configure bodies whose $schema is not on schema.mp.microsoft.com
    #[arg(long)]
    pub require_schema_host: bool,
}
