//! The config file as TOML reads it: every value with its place in the file (for errors), and no
//! key unknown (a typo is an error, not a silent default).

use serde::Deserialize;
use toml::Spanned;

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawConfig {
    #[serde(default)]
    pub api: RawApi,
    #[serde(default)]
    pub auth: RawAuth,
    #[serde(default)]
    pub ui: RawUi,
    #[serde(default)]
    pub ingestion: RawIngestion,
    #[serde(default)]
    pub views: RawViews,
    #[serde(default)]
    pub notify: RawNotify,
    #[serde(default)]
    pub images: RawImages,
    #[serde(default)]
    pub offers: Vec<Spanned<RawOffer>>,
}

/// `[images]`: the checks of a build before it is sent.
#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawImages {
    pub sas_min_validity: Option<Spanned<String>>,
}

/// `[notify]`: who hears when an operation ends.
#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawNotify {
    pub desktop: Option<bool>,
    pub webhook_url: Option<Spanned<String>>,
    pub command: Option<Spanned<String>>,
}

/// `[views]`: named filters, in the file's order (`1` is the first).
#[derive(Debug, Default)]
pub(super) struct RawViews(pub Vec<(String, Spanned<String>)>);

impl<'de> Deserialize<'de> for RawViews {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = RawViews;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a table of view names and filters, like ready = \"status:ready\"")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<RawViews, A::Error> {
                let mut views = Vec::new();
                while let Some((name, filter)) = map.next_entry::<String, Spanned<String>>()? {
                    views.push((name, filter));
                }
                Ok(RawViews(views))
            }
        }
        d.deserialize_map(Visitor)
    }
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawApi {
    pub base_url: Option<Spanned<String>>,
    pub api_version: Option<Spanned<String>>,
    pub poll_interval: Option<Spanned<String>>,
    pub poll_interval_max: Option<Spanned<String>>,
    pub connect_timeout: Option<Spanned<String>>,
    pub request_timeout: Option<Spanned<String>>,
    pub max_retries: Option<Spanned<u32>>,
    pub concurrency: Option<Spanned<usize>>,
    pub max_concurrency: Option<Spanned<usize>>,
    pub retry_budget: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawAuth {
    pub token_env: Option<Spanned<String>>,
    pub token_command: Option<Spanned<String>>,
    pub tenant_id: Option<Spanned<String>>,
    pub client_id: Option<Spanned<String>>,
    pub client_secret_env: Option<Spanned<String>>,
    pub authority: Option<Spanned<String>>,
    pub resource: Option<Spanned<String>>,
}

/// `[ingestion]`: the Product Ingestion API, with its own `[ingestion.auth]`.
#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawIngestion {
    pub base_url: Option<Spanned<String>>,
    pub version: Option<Spanned<String>>,
    pub tree_version: Option<Spanned<String>>,
    pub poll_interval: Option<Spanned<String>>,
    pub poll_interval_max: Option<Spanned<String>>,
    pub schema_host: Option<Spanned<String>>,
    #[serde(default)]
    pub auth: RawAuth,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawUi {
    pub bell: Option<bool>,
    pub ascii: Option<bool>,
    pub no_color: Option<bool>,
    pub refresh: Option<Spanned<String>>,
    pub read_only: Option<bool>,
    pub mouse: Option<bool>,
    pub clipboard: Option<bool>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawOffer {
    pub publisher: Spanned<String>,
    pub offer: Spanned<String>,
    pub backend: Option<Spanned<String>>,
    pub notification_emails: Option<Spanned<Vec<Spanned<String>>>>,
}
