//! Wiring: from a loaded config to an API client (token source, settings) and the state store.

use std::sync::Arc;

use crate::api::ClientSettings;
use crate::api::http::settings::http_client;
use crate::api::{CppClient, Secret, TokenProvider, TokenSource};
use crate::backend::Backends;
use crate::clock::Clock;
use crate::config::{AuthConfig, Config, DEFAULT_AUTHORITY};
use crate::store::StateStore;

/// Why the client could not be built.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    /// Credentials that do not work (a token that is not one).
    #[error("{0}")]
    Credentials(String),
    /// No credentials configured, or a variable the config names is not set: fix the config or
    /// the environment.
    #[error("{0}")]
    Config(String),
    /// The HTTP client itself could not be built (TLS back end, system resources).
    #[error("{0}")]
    Client(String),
}

/// Chooses where the token comes from. A token in `token_env` wins whatever else is configured.
pub fn token_source(
    auth: &AuthConfig,
    config_path: &std::path::Path,
) -> Result<TokenSource, SetupError> {
    // The client secret is hidden from every output even when another source is used (a token
    // command might print it).
    if let Some(secret) = auth
        .client_secret_env
        .as_ref()
        .and_then(|name| std::env::var(name).ok())
    {
        crate::redact::register(secret.trim());
    }
    let section = if auth.section.is_empty() {
        "auth"
    } else {
        auth.section
    };
    let where_auth = match auth.line {
        Some(line) => format!(
            "the [{section}] section of {} (line {line})",
            config_path.display()
        ),
        None => format!(
            "{} (it has no [{section}] section yet)",
            config_path.display()
        ),
    };
    let mut token_var_empty = false;
    if let Ok(token) = std::env::var(&auth.token_env) {
        let token = token.trim().to_string();
        token_var_empty = token.is_empty();
        if !token.is_empty() {
            crate::redact::register(&token);
            crate::api::http::token::check_token(&token)
                .map_err(|why| SetupError::Credentials(format!("${}: {why}", auth.token_env)))?;
            return Ok(TokenSource::Static {
                token: Secret::new(token),
                origin: format!("${}", auth.token_env),
            });
        }
    }
    if let Some(command) = &auth.token_command {
        return Ok(TokenSource::Command {
            command: command.clone(),
        });
    }
    if let (Some(tenant_id), Some(client_id), Some(secret_env)) =
        (&auth.tenant_id, &auth.client_id, &auth.client_secret_env)
    {
        let secret = match std::env::var(secret_env) {
            Ok(s) if !s.trim().is_empty() => s,
            Ok(_) => {
                return Err(SetupError::Config(format!(
                    "client_secret_env in {where_auth} names ${secret_env}, which is set but empty; export it with the client secret"
                )));
            }
            Err(_) => {
                return Err(SetupError::Config(format!(
                    "client_secret_env in {where_auth} names ${secret_env}, but that variable is not set; export it with the client secret"
                )));
            }
        };
        let authority = match &auth.authority {
            Some(url) => url.clone(),
            None => {
                url::Url::parse(DEFAULT_AUTHORITY).map_err(|e| SetupError::Config(e.to_string()))?
            }
        };
        return Ok(TokenSource::ClientCredentials {
            authority,
            tenant_id: tenant_id.clone(),
            client_id: client_id.clone(),
            client_secret: Secret::new(secret),
            resource: auth.resource.clone(),
        });
    }
    let token_var = if token_var_empty {
        format!("${} is set but empty", auth.token_env)
    } else {
        format!("${} is not set", auth.token_env)
    };
    Err(SetupError::Config(format!(
        "no credentials: {token_var}, and {where_auth} gives no token_command nor tenant_id, client_id and client_secret_env; set ${} to a bearer token or add one of those",
        auth.token_env
    )))
}

/// A token provider for one `[auth]`-like section, and client settings for one API: timeouts,
/// retries and the concurrency bound are those of `[api]` for both APIs.
fn connection(
    config: &Config,
    auth: &AuthConfig,
    base_url: &url::Url,
    version: &str,
) -> Result<(ClientSettings, Arc<TokenProvider>), SetupError> {
    let source = token_source(auth, &config.path)?;
    let http = http_client(config.api.connect_timeout, config.api.request_timeout)
        .map_err(|e| SetupError::Client(e.to_string()))?;
    let settings = ClientSettings {
        base_url: base_url.clone(),
        api_version: version.to_string(),
        connect_timeout: config.api.connect_timeout,
        request_timeout: config.api.request_timeout,
        retry: crate::api::http::retry::RetryPolicy {
            max_retries: config.api.max_retries,
            budget: config.api.retry_budget,
            ..ClientSettings::default().retry
        },
        max_concurrency: config.api.concurrency,
        concurrency_ceiling: config.api.max_concurrency,
    };
    Ok((settings, Arc::new(TokenProvider::new(source, http))))
}

/// The Cloud Partner Portal client the config describes (`[api]`, `[auth]`).
pub fn client(config: &Config) -> Result<CppClient, SetupError> {
    let api = &config.api;
    let (settings, provider) = connection(config, &config.auth, &api.base_url, &api.api_version)?;
    CppClient::new(settings, provider).map_err(|e| SetupError::Client(e.to_string()))
}

/// The Product Ingestion API client the config describes (`[ingestion]`, `[ingestion.auth]`).
pub fn ingestion_client(
    config: &Config,
) -> Result<crate::api::ingestion::client::IngestionClient, SetupError> {
    let ing = &config.ingestion;
    let (settings, provider) = connection(config, &ing.auth, &ing.base_url, &ing.version)?;
    crate::api::ingestion::client::IngestionClient::new(settings, provider)
        .map(|c| {
            c.with_schema_host(ing.schema_host.clone())
                .with_tree_version(&ing.tree_version)
        })
        .map_err(|e| SetupError::Client(e.to_string()))
}

/// The backends the config's offers use, each built (and its credentials needed) only when an
/// offer is on it; CPP's also when no offer is configured yet.
pub fn backends(config: &Config) -> Result<Backends, SetupError> {
    let uses = |kind| config.offers.iter().any(|o| o.backend == kind);
    let ingestion = uses(crate::domain::BackendKind::Ingestion);
    let cpp = uses(crate::domain::BackendKind::Cpp) || !ingestion;
    backends_for(config, cpp, ingestion)
}

/// The backends of the APIs asked for (at least one: CPP's when none is). With both asked
/// for, one whose credentials are missing does not stop the other: its offers say why
/// (`Backends::missing`), the other API's work. Only when neither can be made is it an error.
pub fn backends_for(config: &Config, cpp: bool, ingestion: bool) -> Result<Backends, SetupError> {
    let missing = |e: &SetupError| !matches!(e, SetupError::Client(_));
    match (cpp, ingestion) {
        (true, true) => match (client(config), ingestion_client(config)) {
            (Ok(c), Ok(i)) => Ok(Backends::new(c).with_ingestion(i)),
            (Ok(c), Err(e)) if missing(&e) => {
                Ok(Backends::new(c).without(crate::domain::BackendKind::Ingestion, e.to_string()))
            }
            (Err(e), Ok(i)) if missing(&e) => {
                Ok(Backends::ingestion_only(i)
                    .without(crate::domain::BackendKind::Cpp, e.to_string()))
            }
            (Err(e), _) | (_, Err(e)) => Err(e),
        },
        (false, true) => Ok(Backends::ingestion_only(ingestion_client(config)?)),
        _ => Ok(Backends::new(client(config)?)),
    }
}

/// What the commands and the dashboard work with: the config, the backends it describes, the
/// state store, and the clock.
pub struct Context {
    pub config: Config,
    pub backends: Backends,
    pub store: StateStore,
    pub clock: Clock,
    /// How the user runs offerdeck with this config (`offerdeck --config FILE`, or
    /// `offerdeck --demo`), for the commands hints suggest.
    pub command: String,
}

/// `offerdeck`, with `--config FILE` unless the config is in the default place.
pub fn command_for(config_path: &std::path::Path) -> String {
    let default = crate::paths::config_dir().join("config.toml");
    if config_path == default {
        return "offerdeck".into();
    }
    let shown = config_path.display().to_string();
    if shown.contains(char::is_whitespace) || shown.contains('\'') {
        format!("offerdeck --config \"{shown}\"")
    } else {
        format!("offerdeck --config {shown}")
    }
}

impl Context {
    /// The backend an offer is published through.
    pub fn backend(
        &self,
        offer: &crate::config::OfferConfig,
    ) -> Result<&crate::backend::Backend, crate::api::ApiError> {
        self.backends.require(offer.backend)
    }
}
