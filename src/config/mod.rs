//! The configuration file: where it is, what it holds, and validation that points at the file,
//! line and column of every mistake.

mod edit;

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;
use toml::Spanned;
use url::Url;

use crate::api::client::ClientSettings;
use crate::api::pointer::check_endpoint_scheme;
use crate::domain::{BackendKind, OfferId, OfferIdError};

pub use edit::set_notification_emails;

/// The environment variable naming the config file when `--config` is not given.
pub const CONFIG_ENV: &str = "OFFERDECK_CONFIG";
pub const DEFAULT_TOKEN_ENV: &str = "OFFERDECK_TOKEN";
pub const DEFAULT_AUTHORITY: &str = "https://login.microsoftonline.com";
pub const DEFAULT_RESOURCE: &str = "https://cloudpartner.azure.com";

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
    pub poll_interval: Duration,
    pub connect_timeout: Duration,
    pub request_timeout: Duration,
    pub max_retries: u32,
    /// Requests in flight at once (status fan-out, pollers).
    pub concurrency: usize,
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
}

/// `[ui]`: dashboard preferences.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct UiConfig {
    pub bell: bool,
    pub ascii: bool,
    pub no_color: bool,
}

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
    pub offers: Vec<OfferConfig>,
    /// Things worth telling the user that do not stop the program.
    pub warnings: Vec<String>,
}

impl Config {
    /// Finds an offer by its id (case-insensitive).
    pub fn offer(&self, id: &OfferId) -> Option<&OfferConfig> {
        self.offers.iter().find(|o| &o.id == id)
    }
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(default)]
    api: RawApi,
    #[serde(default)]
    auth: RawAuth,
    #[serde(default)]
    ui: RawUi,
    #[serde(default)]
    offers: Vec<Spanned<RawOffer>>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawApi {
    base_url: Option<Spanned<String>>,
    api_version: Option<Spanned<String>>,
    poll_interval: Option<Spanned<String>>,
    connect_timeout: Option<Spanned<String>>,
    request_timeout: Option<Spanned<String>>,
    max_retries: Option<Spanned<u32>>,
    concurrency: Option<Spanned<usize>>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawAuth {
    token_env: Option<Spanned<String>>,
    token_command: Option<Spanned<String>>,
    tenant_id: Option<Spanned<String>>,
    client_id: Option<Spanned<String>>,
    client_secret_env: Option<Spanned<String>>,
    authority: Option<Spanned<String>>,
    resource: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawUi {
    bell: Option<bool>,
    ascii: Option<bool>,
    no_color: Option<bool>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOffer {
    publisher: Spanned<String>,
    offer: Spanned<String>,
    backend: Option<Spanned<String>>,
    notification_emails: Option<Spanned<Vec<Spanned<String>>>>,
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
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
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

/// Validates config text as if it were the file at `path`.
pub fn parse(path: &Path, text: &str) -> Result<Config, ConfigError> {
    let at = |offset: usize, message: String| {
        let (line, column) = line_col(text, offset);
        ConfigError::Invalid {
            path: path.to_path_buf(),
            line,
            column,
            message,
        }
    };
    let raw: RawConfig = toml::from_str(text).map_err(|e| {
        let offset = e.span().map(|s| s.start).unwrap_or(0);
        at(offset, tidy_toml_message(e.message()))
    })?;

    let duration = |field: &Option<Spanned<String>>,
                    name: &str,
                    default: Duration|
     -> Result<Duration, ConfigError> {
        match field {
            None => Ok(default),
            Some(s) => {
                let d = humantime::parse_duration(s.get_ref().trim()).map_err(|e| {
                    at(s.span().start, format!("{name} = {:?} is not a duration ({e}); write it like \"15s\", \"2m\" or \"1h 30m\"", s.get_ref()))
                })?;
                if d.is_zero() {
                    return Err(at(
                        s.span().start,
                        format!("{name} must be longer than zero"),
                    ));
                }
                Ok(d)
            }
        }
    };

    // The client's own defaults, so they are defined once.
    let defaults = ClientSettings::default();
    let base_url = match &raw.api.base_url {
        None => defaults.base_url.clone(),
        Some(s) => {
            let url = Url::parse(s.get_ref().trim()).map_err(|e| {
                at(s.span().start, format!("base_url = {:?} is not a URL ({e}); for example \"https://cloudpartner.azure.com\"", s.get_ref()))
            })?;
            check_endpoint_scheme(&url)
                .map_err(|reason| at(s.span().start, format!("base_url: {reason}")))?;
            url
        }
    };
    let api_version = match &raw.api.api_version {
        None => defaults.api_version.clone(),
        Some(s) if s.get_ref().trim().is_empty() => {
            return Err(at(
                s.span().start,
                "api_version must not be empty (the service uses \"2017-10-31\")".into(),
            ));
        }
        Some(s) => s.get_ref().trim().to_string(),
    };
    let concurrency = match &raw.api.concurrency {
        None => defaults.max_concurrency,
        Some(s) if *s.get_ref() == 0 || *s.get_ref() > 256 => {
            return Err(at(
                s.span().start,
                "concurrency must be between 1 and 256".into(),
            ));
        }
        Some(s) => *s.get_ref(),
    };
    let max_retries = match &raw.api.max_retries {
        None => defaults.retry.max_retries,
        Some(s) if *s.get_ref() > 10 => {
            return Err(at(s.span().start, "max_retries must be at most 10".into()));
        }
        Some(s) => *s.get_ref(),
    };
    let api = ApiConfig {
        base_url,
        api_version,
        poll_interval: duration(
            &raw.api.poll_interval,
            "poll_interval",
            Duration::from_secs(15),
        )?,
        connect_timeout: duration(
            &raw.api.connect_timeout,
            "connect_timeout",
            defaults.connect_timeout,
        )?,
        request_timeout: duration(
            &raw.api.request_timeout,
            "request_timeout",
            defaults.request_timeout,
        )?,
        max_retries,
        concurrency,
    };

    let text_of = |s: &Option<Spanned<String>>| {
        s.as_ref()
            .map(|v| v.get_ref().trim().to_string())
            .filter(|v| !v.is_empty())
    };
    let authority = match &raw.auth.authority {
        None => None,
        Some(s) => {
            let url = Url::parse(s.get_ref().trim()).map_err(|e| {
                at(s.span().start, format!("authority = {:?} is not a URL ({e}); the default is \"{DEFAULT_AUTHORITY}\"", s.get_ref()))
            })?;
            check_endpoint_scheme(&url)
                .map_err(|reason| at(s.span().start, format!("authority: {reason}")))?;
            Some(url)
        }
    };
    let auth = AuthConfig {
        token_env: text_of(&raw.auth.token_env).unwrap_or_else(|| DEFAULT_TOKEN_ENV.to_string()),
        token_command: text_of(&raw.auth.token_command),
        tenant_id: text_of(&raw.auth.tenant_id),
        client_id: text_of(&raw.auth.client_id),
        client_secret_env: text_of(&raw.auth.client_secret_env),
        authority,
        resource: text_of(&raw.auth.resource).unwrap_or_else(|| DEFAULT_RESOURCE.to_string()),
    };
    let partial_credentials = [
        &raw.auth.tenant_id,
        &raw.auth.client_id,
        &raw.auth.client_secret_env,
    ];
    let given = partial_credentials.iter().filter(|f| f.is_some()).count();
    if given > 0 && given < 3 {
        let first = partial_credentials
            .iter()
            .find_map(|f| f.as_ref())
            .map(|s| s.span().start)
            .unwrap_or(0);
        return Err(at(
            first,
            "client credentials need all three of tenant_id, client_id and client_secret_env (the name of the variable holding the secret)".into(),
        ));
    }

    let ui = UiConfig {
        bell: raw.ui.bell.unwrap_or(false),
        ascii: raw.ui.ascii.unwrap_or(false),
        no_color: raw.ui.no_color.unwrap_or(false),
    };

    let mut offers: Vec<OfferConfig> = Vec::new();
    for entry in &raw.offers {
        let o = entry.get_ref();
        let id = OfferId::new(o.publisher.get_ref(), o.offer.get_ref()).map_err(|e| {
            let span = match &e {
                OfferIdError::Empty { part: "publisher" }
                | OfferIdError::Characters {
                    part: "publisher", ..
                } => o.publisher.span(),
                _ => o.offer.span(),
            };
            at(span.start, e.to_string())
        })?;
        if let Some(previous) = offers.iter().find(|p| p.id == id) {
            return Err(at(
                o.offer.span().start,
                format!(
                    "offer {id} is listed twice (also as {}); keep one [[offers]] entry",
                    previous.id
                ),
            ));
        }
        let backend = match &o.backend {
            None => BackendKind::default(),
            Some(b) => b
                .get_ref()
                .parse()
                .map_err(|message| at(b.span().start, message))?,
        };
        let mut notification_emails: Vec<String> = Vec::new();
        if let Some(list) = &o.notification_emails {
            for address in list.get_ref() {
                let valid = crate::emails::validate(address.get_ref()).map_err(|e| {
                    at(
                        address.span().start,
                        format!("{e} (in notification_emails of {id})"),
                    )
                })?;
                if !notification_emails
                    .iter()
                    .any(|a| a.eq_ignore_ascii_case(&valid))
                {
                    notification_emails.push(valid);
                }
            }
        }
        offers.push(OfferConfig {
            id,
            backend,
            notification_emails,
        });
    }

    Ok(Config {
        path: path.to_path_buf(),
        api,
        auth,
        ui,
        offers,
        warnings: Vec::new(),
    })
}

/// toml's messages are good but mention serde's wording; make the common ones say what to fix.
fn tidy_toml_message(message: &str) -> String {
    let message = message.trim().to_string();
    if let Some(rest) = message.strip_prefix("unknown field ") {
        return format!(
            "unknown key {rest}; check the spelling (see the README's config reference)"
        );
    }
    message
}

/// 1-based line and column of a byte offset.
fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..text.floor_char_boundary(offset)];
    let line = before.matches('\n').count() + 1;
    let column = before
        .rsplit('\n')
        .next()
        .map(|l| l.chars().count())
        .unwrap_or(0)
        + 1;
    (line, column)
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
}
