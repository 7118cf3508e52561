//! From the raw file to a `Config`: every value checked, every mistake reported with the file,
//! line and column and what to write instead.

use super::position::{key_at, line_col, too_deep};
use std::path::Path;
use std::time::Duration;

use toml::Spanned;
use url::Url;

use super::raw::RawConfig;
use super::{
    ApiConfig, AuthConfig, Config, ConfigError, DEFAULT_AUTHORITY, DEFAULT_RESOURCE,
    DEFAULT_TOKEN_ENV, IngestionConfig, OfferConfig, UiConfig,
};
use crate::api::ClientSettings;
use crate::api::http::pointer::check_endpoint_scheme;
use crate::domain::{BackendKind, OfferId, OfferIdError};

/// The longest wait between two polls of an operation unless the config says otherwise: a
/// step that takes days is looked at every five minutes.
pub(super) const DEFAULT_POLL_INTERVAL_MAX: Duration = Duration::from_secs(5 * 60);

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
        // A key nested past the parser's limit comes with no place: found here instead.
        let offset = e
            .span()
            .map(|s| s.start)
            .or_else(|| too_deep(text))
            .unwrap_or(0);
        at(
            offset,
            super::toml_message::tidy(e.message(), key_at(text, offset)),
        )
    })?;

    // A duration within bounds; out of them, the message says which and what to write.
    let duration = |field: &Option<Spanned<String>>,
                    name: &str,
                    default: Duration,
                    (min, max): (Duration, Duration)|
     -> Result<Duration, ConfigError> {
        let Some(s) = field else { return Ok(default) };
        let d = humantime::parse_duration(s.get_ref().trim()).map_err(|e| {
            at(s.span().start, format!("{name} = {:?} is not a duration ({e}); write it like \"15s\", \"2m\" or \"1h 30m\"", s.get_ref()))
        })?;
        if d < min || d > max {
            // A bound of nothing is no bound to speak of ("between 0s and…").
            let bounds = match min.is_zero() {
                true => format!("at most {}", humantime::format_duration(max)),
                false => format!(
                    "between {} and {}",
                    humantime::format_duration(min),
                    humantime::format_duration(max)
                ),
            };
            return Err(at(
                s.span().start,
                format!(
                    "{name} = {:?} is out of bounds: it must be {bounds}",
                    s.get_ref()
                ),
            ));
        }
        Ok(d)
    };

    // The longest wait between polls: from the floor up to a day, five minutes unless said.
    let ceiling = |field: &Option<Spanned<String>>, floor: Duration| {
        let default = DEFAULT_POLL_INTERVAL_MAX.max(floor);
        let d = duration(
            field,
            "poll_interval_max",
            default,
            (Duration::ZERO, Duration::from_secs(86_400)),
        )?;
        match field {
            Some(s) if d < floor => Err(at(
                s.span().start,
                format!(
                    "poll_interval_max = {:?} is shorter than poll_interval ({}); make it at least that (equal to it: fixed polls)",
                    s.get_ref(),
                    humantime::format_duration(floor)
                ),
            )),
            _ => Ok(d),
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
    let max_concurrency = match &raw.api.max_concurrency {
        None => defaults.concurrency_ceiling.max(concurrency),
        Some(s) if *s.get_ref() < concurrency || *s.get_ref() > 256 => {
            return Err(at(
                s.span().start,
                format!(
                    "max_concurrency must be between concurrency ({concurrency}) and 256 (equal to it: a fixed bound)"
                ),
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
    // Polls at least a second apart against a real service (a simulator on loopback may be
    // polled faster), at most a day; a timeout at most an hour.
    let fastest_poll = if crate::api::http::pointer::is_loopback(&base_url) {
        Duration::from_millis(50)
    } else {
        Duration::from_secs(1)
    };
    let hour = Duration::from_secs(3_600);
    let poll_interval = duration(
        &raw.api.poll_interval,
        "poll_interval",
        Duration::from_secs(15),
        (fastest_poll, Duration::from_secs(86_400)),
    )?;
    let api = ApiConfig {
        poll_interval_max: ceiling(&raw.api.poll_interval_max, poll_interval)?,
        poll_interval,
        connect_timeout: duration(
            &raw.api.connect_timeout,
            "connect_timeout",
            defaults.connect_timeout,
            (Duration::from_millis(1), hour),
        )?,
        request_timeout: duration(
            &raw.api.request_timeout,
            "request_timeout",
            defaults.request_timeout,
            (Duration::from_millis(1), hour),
        )?,
        base_url,
        api_version,
        retry_budget: duration(
            &raw.api.retry_budget,
            "retry_budget",
            defaults.retry.budget,
            (Duration::from_secs(1), Duration::from_secs(86_400)),
        )?,
        max_retries,
        concurrency,
        max_concurrency,
    };

    let text_of = |s: &Option<Spanned<String>>| {
        s.as_ref()
            .map(|v| v.get_ref().trim().to_string())
            .filter(|v| !v.is_empty())
    };
    // `[auth]` and `[ingestion.auth]` take the same keys.
    let auth_of = |raw: &super::raw::RawAuth,
                   section: &'static str,
                   token_env: &str,
                   resource: &str|
     -> Result<AuthConfig, ConfigError> {
        let authority = match &raw.authority {
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
        let partial_credentials = [&raw.tenant_id, &raw.client_id, &raw.client_secret_env];
        let given = partial_credentials.iter().filter(|f| f.is_some()).count();
        if given > 0 && given < 3 {
            let first = partial_credentials
                .iter()
                .find_map(|f| f.as_ref())
                .map(|s| s.span().start)
                .unwrap_or(0);
            return Err(at(
                first,
                format!(
                    "client credentials in [{section}] need all three of tenant_id, client_id and client_secret_env (the name of the variable holding the secret)"
                ),
            ));
        }
        let header = format!("[{section}]");
        Ok(AuthConfig {
            token_env: text_of(&raw.token_env).unwrap_or_else(|| token_env.to_string()),
            token_command: text_of(&raw.token_command),
            tenant_id: text_of(&raw.tenant_id),
            client_id: text_of(&raw.client_id),
            client_secret_env: text_of(&raw.client_secret_env),
            authority,
            resource: text_of(&raw.resource).unwrap_or_else(|| resource.to_string()),
            line: text
                .lines()
                .position(|l| l.trim_start().starts_with(&header))
                .map(|i| i + 1),
            section,
        })
    };
    let auth = auth_of(&raw.auth, "auth", DEFAULT_TOKEN_ENV, DEFAULT_RESOURCE)?;

    let ingestion = {
        use crate::api::ingestion::client as defaults;
        let url_of = |field: &Option<Spanned<String>>, name: &str, default: &str| {
            let Some(s) = field else {
                // Infallible: the defaults are constant, valid URLs.
                return Ok(Url::parse(default).unwrap_or_else(|_| unreachable!()));
            };
            let url = Url::parse(s.get_ref().trim()).map_err(|e| {
                at(
                    s.span().start,
                    format!(
                        "{name} = {:?} is not a URL ({e}); the default is \"{default}\"",
                        s.get_ref()
                    ),
                )
            })?;
            check_endpoint_scheme(&url)
                .map_err(|reason| at(s.span().start, format!("{name}: {reason}")))?;
            Ok(url)
        };
        let raw_ing = &raw.ingestion;
        let base_url = url_of(&raw_ing.base_url, "base_url", defaults::DEFAULT_BASE_URL)?;
        let version_of = |raw: &Option<Spanned<String>>, name: &str, default: &str| match raw {
            None => Ok(default.to_string()),
            Some(s) if s.get_ref().trim().is_empty() => Err(at(
                s.span().start,
                format!("{name} must not be empty (the default is \"{default}\")"),
            )),
            Some(s) => Ok(s.get_ref().trim().to_string()),
        };
        let version = version_of(&raw_ing.version, "version", defaults::DEFAULT_VERSION)?;
        let tree_version = version_of(
            &raw_ing.tree_version,
            "tree_version",
            defaults::DEFAULT_TREE_VERSION,
        )?;
        // Microsoft asks for at most one status poll a minute per job; a simulator on
        // loopback may be polled faster.
        let fastest = if crate::api::http::pointer::is_loopback(&base_url) {
            Duration::from_millis(50)
        } else {
            defaults::MIN_POLL_INTERVAL
        };
        let poll_interval = duration(
            &raw_ing.poll_interval,
            "poll_interval",
            defaults::MIN_POLL_INTERVAL.max(fastest),
            (fastest, Duration::from_secs(86_400)),
        )?;
        IngestionConfig {
            poll_interval_max: ceiling(&raw_ing.poll_interval_max, poll_interval)?,
            poll_interval,
            schema_host: url_of(
                &raw_ing.schema_host,
                "schema_host",
                defaults::DEFAULT_SCHEMA_HOST,
            )?,
            auth: auth_of(
                &raw_ing.auth,
                "ingestion.auth",
                super::DEFAULT_INGESTION_TOKEN_ENV,
                defaults::DEFAULT_RESOURCE,
            )?,
            base_url,
            version,
            tree_version,
        }
    };

    let ui = UiConfig {
        bell: raw.ui.bell.unwrap_or(false),
        ascii: raw.ui.ascii.unwrap_or(false),
        no_color: raw.ui.no_color.unwrap_or(false),
        refresh: duration(
            &raw.ui.refresh,
            "refresh",
            super::DEFAULT_REFRESH,
            (Duration::from_secs(10), Duration::from_secs(86_400)),
        )?,
        read_only: raw.ui.read_only.unwrap_or(false),
        mouse: raw.ui.mouse.unwrap_or(true),
        clipboard: raw.ui.clipboard.unwrap_or(true),
    };

    let mut offers: Vec<OfferConfig> = Vec::with_capacity(raw.offers.len());
    // Where each offer already is: a config of many thousands checks each once, not against all.
    let mut seen: std::collections::HashMap<OfferId, usize> = std::collections::HashMap::new();
    for entry in &raw.offers {
        let o = entry.get_ref();
        let id = OfferId::new(o.publisher.get_ref(), o.offer.get_ref()).map_err(|e| {
            let span = match &e {
                OfferIdError::Empty { part: "publisher" }
                | OfferIdError::Characters {
                    part: "publisher", ..
                }
                | OfferIdError::DotSegment {
                    part: "publisher", ..
                } => o.publisher.span(),
                _ => o.offer.span(),
            };
            at(span.start, e.to_string())
        })?;
        if let Some(previous) = seen.get(&id).map(|&i| &offers[i]) {
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
        seen.insert(id.clone(), offers.len());
        offers.push(OfferConfig {
            id,
            backend,
            notification_emails,
        });
    }

    if raw.views.0.len() > 9 {
        let (name, filter) = &raw.views.0[9];
        return Err(at(
            filter.span().start,
            format!("view {name:?} is the tenth: [views] holds at most nine (keys 1 to 9)"),
        ));
    }
    let mut views = Vec::new();
    for (name, filter) in &raw.views.0 {
        crate::domain::filter::Filter::parse(filter.get_ref())
            .map_err(|why| at(filter.span().start, format!("view {name:?}: {why}")))?;
        views.push((name.clone(), filter.get_ref().trim().to_string()));
    }

    let webhook_url = match &raw.notify.webhook_url {
        None => None,
        Some(s) => {
            let url = Url::parse(s.get_ref().trim()).map_err(|e| {
                at(
                    s.span().start,
                    format!("webhook_url is not a URL ({e}); paste the incoming webhook's address"),
                )
            })?;
            // The address is the webhook's credential: it never reaches a screen or a log, not
            // even in the error that refuses it (which names its scheme and host only).
            crate::redact::register(url.as_str());
            check_endpoint_scheme(&url).map_err(|reason| {
                let shown = format!("{}://{}/…", url.scheme(), url.host_str().unwrap_or(""));
                at(
                    s.span().start,
                    format!("webhook_url: {}", reason.replace(url.as_str(), &shown)),
                )
            })?;
            Some(url)
        }
    };
    let notify = crate::config::NotifyConfig {
        desktop: raw.notify.desktop.unwrap_or(true),
        webhook_url,
        command: raw
            .notify
            .command
            .as_ref()
            .map(|c| c.get_ref().trim().to_string())
            .filter(|c| !c.is_empty()),
    };

    // A SAS must outlast certification: at least a day; a year is long for a credential.
    let images = super::ImagesConfig {
        sas_min_validity: duration(
            &raw.images.sas_min_validity,
            "sas_min_validity",
            crate::domain::image::DEFAULT_SAS_MIN_VALIDITY,
            (
                Duration::from_secs(86_400),
                Duration::from_secs(365 * 86_400),
            ),
        )?,
    };
    Ok(Config {
        path: path.to_path_buf(),
        images,
        api,
        auth,
        ui,
        ingestion,
        offers,
        views,
        notify,
        warnings: Vec::new(),
    })
}
