//! The configuration file: where it is, what it holds, and validation that points at the file,
//! line and column of every mistake.

mod edit;
mod images;
mod position;
mod raw;
mod toml_message;
mod validate;

use std::path::{Path, PathBuf};
use std::time::Duration;

use url::Url;

use crate::domain::{BackendKind, OfferId};

pub use edit::{NewOffer, append_offers, set_notification_emails};
pub use images::ImagesConfig;
use position::line_col;
pub use validate::parse;

/// The environment variable naming the config file when `--config` is not given.
pub const CONFIG_ENV: &str = "OFFERDECK_CONFIG";
pub const DEFAULT_TOKEN_ENV: &str = "OFFERDECK_TOKEN";
pub const DEFAULT_AUTHORITY: &str = "https://login.microsoftonline.com";
pub const DEFAULT_RESOURCE: &str = "https://cloudpartner.azure.com";
pub const DEFAULT_INGESTION_TOKEN_ENV: &str = "OFFERDECK_INGESTION_TOKEN";

/// A configuration problem, always naming the file (and where possible line and column).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    #[error("no config file at {path} ({how})")]
    NotFound { path: PathBuf, how: String },
    #[error("{path}: {message}")]
    Io { path: PathBuf, message: String },
    #[error("{path}:{line}:{column}: {message}")]
    Invalid {
        path: PathBuf,
        line: usize,
        column: usize,
        message: String,
    },
}

/// `[api]`: where the service is and how to talk to it.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiConfig {
    pub base_url: Url,
    pub api_version: String,
    /// The shortest wait between two polls of an operation (right after a start, near an
    /// expected end).
    pub poll_interval: Duration,
    /// The longest (while a step that takes days runs); equal to `poll_interval`: fixed polls.
    pub poll_interval_max: Duration,
    pub connect_timeout: Duration,
    pub request_timeout: Duration,
    pub max_retries: u32,
    /// Requests in flight at once at first (status fan-out, pollers).
    pub concurrency: usize,
    /// How far that bound grows while answers are fast and clean (equal: a fixed bound).
    pub max_concurrency: usize,
    /// The most one request may wait in all before it gives up (Retry-After included).
    pub retry_budget: Duration,
}

/// `[auth]`: where the bearer token comes from. Secrets themselves live in the environment.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct AuthConfig {
    pub token_env: String,
    pub token_command: Option<String>,
    pub tenant_id: Option<String>,
    pub client_id: Option<String>,
    pub client_secret_env: Option<String>,
    pub authority: Option<Url>,
    pub resource: String,
    /// The line of the section's header in the file, when there is one (for messages).
    pub line: Option<usize>,
    /// The section it was read from: `auth` or `ingestion.auth`.
    pub section: &'static str,
}

/// `[ingestion]`: the Partner Center Product Ingestion API.
#[derive(Debug, Clone, PartialEq)]
pub struct IngestionConfig {
    pub base_url: Url,
    /// Sent as `$version` on every call but the resource-tree reads.
    pub version: String,
    /// Sent as `$version` when a resource tree is read: the newest schema each resource comes
    /// back in (the technical configuration's `vmImageVersions` shape is preview5's).
    pub tree_version: String,
    /// How often one job's status is read (at least a minute against the real service).
    pub poll_interval: Duration,
    /// The longest wait between two polls of one job.
    pub poll_interval_max: Duration,
    /// Where request bodies say their schemas live.
    pub schema_host: Url,
    /// `[ingestion.auth]`: same keys as `[auth]`, another audience and token variable.
    pub auth: AuthConfig,
}

/// `[ui]`: dashboard preferences.
#[derive(Debug, Clone, PartialEq)]
pub struct UiConfig {
    pub bell: bool,
    pub ascii: bool,
    pub no_color: bool,
    /// How often the dashboard reads again the offers nothing runs on (a publish started
    /// elsewhere shows up by itself).
    pub refresh: Duration,
    /// Watching only: no key that changes anything at the service (publish, go live, cancel).
    pub read_only: bool,
    /// Clicks and the wheel (off for terminals where mouse capture gets in the way).
    pub mouse: bool,
    /// `y` copies through the terminal (OSC 52); off where that is unwelcome.
    pub clipboard: bool,
}

/// `[notify]`: who hears when a watched operation finishes, fails or waits for go-live.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotifyConfig {
    /// A desktop notification through the terminal (OSC 9 and OSC 777).
    pub desktop: bool,
    /// An incoming webhook (Teams, Slack, Mattermost) that gets `{"text": …}`; its address is
    /// a secret (it is the credential), never shown.
    pub webhook_url: Option<url::Url>,
    /// A command run with the offer and its status in its environment.
    pub command: Option<String>,
}

impl Default for NotifyConfig {
    fn default() -> Self {
        NotifyConfig {
            desktop: true,
            webhook_url: None,
            command: None,
        }
    }
}

impl Default for UiConfig {
    fn default() -> Self {
        UiConfig {
            bell: false,
            ascii: false,
            no_color: false,
            refresh: DEFAULT_REFRESH,
            read_only: false,
            mouse: true,
            clipboard: true,
        }
    }
}

/// How often idle offers are read again, by default.
pub const DEFAULT_REFRESH: Duration = Duration::from_secs(300);

/// One `[[offers]]` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfferConfig {
    pub id: OfferId,
    /// The API the offer is published through.
    pub backend: BackendKind,
    pub notification_emails: Vec<String>,
}

/// A loaded, validated configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    pub path: PathBuf,
    pub api: ApiConfig,
    pub auth: AuthConfig,
    pub ui: UiConfig,
    pub ingestion: IngestionConfig,
    pub offers: Vec<OfferConfig>,
    /// `[views]`: named dashboard filters, in the file's order.
    pub views: Vec<(String, String)>,
    pub notify: NotifyConfig,
    /// `[images]`: the checks of a build's sources.
    pub images: ImagesConfig,
    /// Things worth telling the user that do not stop the program.
    pub warnings: Vec<String>,
}

impl Config {
    /// How often an operation on this API is polled (`[api]` or `[ingestion]`).
    pub fn poll_interval(&self, kind: BackendKind) -> Duration {
        match kind {
            BackendKind::Cpp => self.api.poll_interval,
            BackendKind::Ingestion => self.ingestion.poll_interval,
        }
    }

    /// How the operations of an API are polled: from its `poll_interval` up to its
    /// `poll_interval_max`.
    pub fn cadence(&self, kind: BackendKind) -> crate::domain::Cadence {
        let (floor, ceiling) = match kind {
            BackendKind::Cpp => (self.api.poll_interval, self.api.poll_interval_max),
            BackendKind::Ingestion => (
                self.ingestion.poll_interval,
                self.ingestion.poll_interval_max,
            ),
        };
        crate::domain::Cadence { floor, ceiling }
    }

    /// Finds an offer by its id (case-insensitive).
    pub fn offer(&self, id: &OfferId) -> Option<&OfferConfig> {
        self.offers.iter().find(|o| &o.id == id)
    }
}

/// Which file to read: `--config`, else `$OFFERDECK_CONFIG`, else the platform config dir.
pub fn locate(flag: Option<&Path>) -> (PathBuf, String) {
    if let Some(path) = flag {
        return (path.to_path_buf(), "given with --config".into());
    }
    if let Some(path) = std::env::var_os(CONFIG_ENV).filter(|v| !v.is_empty()) {
        return (PathBuf::from(path), format!("named by ${CONFIG_ENV}"));
    }
    let path = crate::paths::config_dir().join("config.toml");
    (path, "the default location".into())
}

/// Reads and validates the config file.
pub fn load(path: &Path, how: &str) -> Result<Config, ConfigError> {
    let text = match std::fs::read(path) {
        Ok(bytes) => text_of(path, bytes)?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(ConfigError::NotFound {
                path: path.to_path_buf(),
                how: how.to_string(),
            });
        }
        Err(e) => {
            return Err(ConfigError::Io {
                path: path.to_path_buf(),
                message: e.to_string(),
            });
        }
    };
    let mut config = parse(path, &text)?;
    warn_if_exposed(path, &mut config);
    Ok(config)
}

/// The file's text; bytes that are not UTF-8 are an error at their line and column (TOML is
/// UTF-8 only), not a bare "invalid UTF-8".
pub(crate) fn text_of(path: &Path, bytes: Vec<u8>) -> Result<String, ConfigError> {
    String::from_utf8(bytes).map_err(|e| {
        let good = e.utf8_error().valid_up_to();
        let before = String::from_utf8_lossy(&e.as_bytes()[..good]).into_owned();
        let (line, column) = line_col(&before, good);
        ConfigError::Invalid {
            path: path.to_path_buf(),
            line,
            column,
            message: format!(
                "byte 0x{:02x} is not UTF-8; TOML files are UTF-8 only (save it as UTF-8)",
                e.as_bytes().get(good).copied().unwrap_or(0)
            ),
        }
    })
}

/// Secrets belong in the environment, but a token command may carry one: such a file should
/// not be readable by other users.
fn warn_if_exposed(path: &Path, config: &mut Config) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let looks_secret = config.auth.token_command.as_deref().is_some_and(|c| {
            let c = c.to_ascii_lowercase();
            ["secret", "password", "passwd", "--key", "token="]
                .iter()
                .any(|w| c.contains(w))
        });
        if looks_secret
            && let Ok(meta) = std::fs::metadata(path)
            && meta.permissions().mode() & 0o044 != 0
        {
            config.warnings.push(format!(
                        "{} has a token command that seems to hold a secret and is readable by other users; run chmod 600 on it, or move the secret to an environment variable",
                        path.display()
                    ));
        }
    }
}

/// An example config, shown when none exists.
pub const EXAMPLE: &str = r#"[api]
base_url = "https://cloudpartner.azure.com"
poll_interval = "15s"

[auth]
# A token in $OFFERDECK_TOKEN wins; otherwise a command, or client credentials:
token_command = "az account get-access-token --resource https://cloudpartner.azure.com"

[[offers]]
publisher = "contoso"
offer = "contoso-vm"
notification_emails = ["ops@contoso.com", "lead@contoso.com"]
"#;

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> (usize, usize, String) {
        match parse(Path::new("c.toml"), text) {
            Err(ConfigError::Invalid {
                line,
                column,
                message,
                ..
            }) => (line, column, message),
            other => panic!("expected an error, got {other:?}"),
        }
    }

    #[test]
    fn a_file_that_is_not_utf8_is_an_error_at_its_line_and_column() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        std::fs::write(&path, b"[api]\nbase_url = \"http://caf\xe9.example\"\n").unwrap();
        let e = load(&path, "given").unwrap_err();
        let text = e.to_string();
        assert!(text.contains("config.toml:2:23"), "{text}");
        assert!(text.contains("byte 0xe9 is not UTF-8"), "{text}");
    }

    #[test]
    fn polls_slow_down_to_five_minutes_unless_told_and_never_below_the_floor() {
        let c = parse(Path::new("c.toml"), EXAMPLE).unwrap();
        let five = Duration::from_secs(300);
        assert_eq!(c.api.poll_interval_max, five);
        assert_eq!(c.ingestion.poll_interval_max, five);
        assert!(!c.cadence(BackendKind::Cpp).is_fixed());
        let fixed = parse(
            Path::new("c.toml"),
            "[api]\npoll_interval = \"30s\"\npoll_interval_max = \"30s\"\n",
        )
        .unwrap();
        assert!(fixed.cadence(BackendKind::Cpp).is_fixed());
        // A floor above the default ceiling raises the ceiling with it.
        let slow = parse(Path::new("c.toml"), "[api]\npoll_interval = \"10m\"\n").unwrap();
        assert_eq!(slow.api.poll_interval_max, Duration::from_secs(600));
        let (line, _, msg) = err("[api]\npoll_interval = \"1m\"\npoll_interval_max = \"30s\"\n");
        assert_eq!(line, 3);
        assert!(msg.contains("shorter than poll_interval (1m)"), "{msg}");
        let (line, _, msg) = err("[ingestion]\npoll_interval_max = \"2d\"\n");
        assert_eq!(line, 2);
        assert!(msg.contains("at most 1day") && !msg.contains("0s"), "{msg}");
        let (line, _, msg) = err("[ingestion]\ntree_version = \" \"\n");
        assert_eq!(line, 2);
        assert!(
            msg.contains("tree_version must not be empty") && msg.contains("preview5"),
            "{msg}"
        );
    }

    /// The webhook's address is its credential: a refused one is named by scheme and host.
    #[test]
    fn a_refused_webhook_address_is_never_printed() {
        for hook in [
            "http://hooks.example.com/services/T000/B000/sekrit-path-4711",
            "ftp://hooks.example.com/services/T000/B000/sekrit-path-4711",
        ] {
            let (line, _, msg) = err(&format!("[notify]\nwebhook_url = \"{hook}\"\n"));
            assert_eq!(line, 2);
            assert!(!msg.contains("sekrit-path-4711"), "{msg}");
            assert!(msg.contains("hooks.example.com/…"), "{msg}");
            assert!(msg.contains("https"), "{msg}");
        }
    }

    #[test]
    fn the_ingestion_section_has_the_documented_defaults_and_bounds() {
        let c = parse(Path::new("c.toml"), EXAMPLE).unwrap();
        assert_eq!(
            c.ingestion.base_url.as_str(),
            "https://graph.microsoft.com/rp/product-ingestion"
        );
        assert_eq!(c.ingestion.version, "2022-03-01-preview2");
        assert_eq!(c.ingestion.tree_version, "2022-03-01-preview5");
        assert_eq!(c.ingestion.poll_interval, Duration::from_secs(60));
        assert_eq!(c.ingestion.auth.token_env, "OFFERDECK_INGESTION_TOKEN");
        assert_eq!(c.ingestion.auth.resource, "https://graph.microsoft.com");
        assert_eq!(c.ingestion.auth.section, "ingestion.auth");

        // Microsoft asks for one poll a minute at most; a simulator on loopback may go faster.
        let (line, _, msg) = err("[ingestion]\npoll_interval = \"10s\"\n");
        assert_eq!(line, 2);
        assert!(msg.contains("between 1m and 1day"), "{msg}");
        let fast = parse(
            Path::new("c.toml"),
            "[ingestion]\nbase_url = \"http://127.0.0.1:9/rp/product-ingestion\"\npoll_interval = \"100ms\"\n",
        )
        .unwrap();
        assert_eq!(fast.ingestion.poll_interval, Duration::from_millis(100));

        let (line, _, msg) = err("[ingestion.auth]\ntenant_id = \"t\"\n");
        assert_eq!(line, 2);
        assert!(msg.contains("[ingestion.auth]"), "{msg}");
        let (line, _, msg) = err("[ingestion]\nbase_url = \"http://graph.example.com\"\n");
        assert_eq!(line, 2);
        assert!(msg.contains("base_url"), "{msg}");
    }

    #[test]
    fn example_is_valid() {
        let c = parse(Path::new("c.toml"), EXAMPLE).unwrap();
        assert_eq!(c.offers[0].notification_emails.len(), 2);
        assert_eq!(c.api.poll_interval, Duration::from_secs(15));
    }

    #[test]
    fn mistakes_point_at_line_and_column() {
        let (line, col, msg) = err("[api]\npoll_intervall = \"5s\"\n");
        assert_eq!((line, col), (2, 1));
        assert!(msg.contains("poll_intervall"), "{msg}");
        let (line, _, msg) = err(
            "[[offers]]\npublisher = \"p\"\noffer = \"o\"\nnotification_emails = [\"ok@x.com\", \"bad\"]\n",
        );
        assert_eq!(line, 4);
        assert!(msg.contains("\"bad\""), "{msg}");
        let (line, _, msg) = err(
            "[[offers]]\npublisher = \"p\"\noffer = \"o\"\n[[offers]]\npublisher = \"P\"\noffer = \"O\"\n",
        );
        assert_eq!(line, 6);
        assert!(msg.contains("twice"), "{msg}");
        let (line, _, msg) = err("[api]\nbase_url = \"http://example.com\"\n");
        assert_eq!(line, 2);
        assert!(msg.contains("https"), "{msg}");
        let (_, _, msg) = err("[api]\npoll_interval = \"soon\"\n");
        assert!(msg.contains("15s"), "{msg}");
    }

    #[test]
    fn a_value_of_the_wrong_type_says_what_to_write() {
        for (text, line, want) in [
            (
                "[api]\npoll_interval = 2\n",
                2,
                "poll_interval must be a duration in quotes, like \"15s\"",
            ),
            (
                "[api]\nmax_retries = -1\n",
                2,
                "max_retries must be a whole number ≥ 0",
            ),
            ("[ui]\nbell = \"yes\"\n", 2, "bell must be true or false"),
            (
                "[[offers]]\npublisher = \"p\"\noffer = \"o\"\nnotification_emails = \"a@b.com\"\n",
                4,
                "notification_emails must be a list of addresses in quotes",
            ),
        ] {
            let (l, _, msg) = err(text);
            assert_eq!(l, line, "{text}");
            assert!(msg.contains(want), "{text}: {msg}");
        }
    }

    #[test]
    fn durations_out_of_bounds_are_refused_at_their_line() {
        for (text, what) in [
            (
                "[api]\npoll_interval = \"500000000000y\"\n",
                "between 1s and 1day",
            ),
            ("[api]\npoll_interval = \"1ns\"\n", "between 1s and 1day"),
            ("[api]\npoll_interval = \"0s\"\n", "between"),
            ("[api]\nrequest_timeout = \"2h\"\n", "between 1ms and 1h"),
            (
                "[api]\npoll_interval_max = \"2d\"\n",
                "must be at most 1day",
            ),
            ("[api]\nconnect_timeout = \"0s\"\n", "between 1ms and 1h"),
        ] {
            let (line, _, msg) = err(text);
            assert_eq!(line, 2, "{text}");
            assert!(msg.contains(what), "{text}: {msg}");
        }
        // A simulator on loopback may be polled faster than a real service.
        let fast = parse(
            Path::new("c.toml"),
            "[api]\nbase_url = \"http://127.0.0.1:9\"\npoll_interval = \"100ms\"\n",
        )
        .unwrap();
        assert_eq!(fast.api.poll_interval, Duration::from_millis(100));
    }
}
