//! The bodies the simulated CPP service answers with, in the shapes of the CPP reference
//! (`cpp-api.md` §3, §6): the simulator's own types, written apart from offerdeck's client
//! types so that a field the client misreads is not reproduced here. Statuses are the words
//! the service writes (`complete` for an operation, `succeeded` for an offer).

use serde::Serialize;

/// The id of the manual sign-off step and of the last step of every plan.
pub const SIGNOFF_STEP: &str = "publisher-signoff";
pub const LIVE_STEP: &str = "live";

/// One message of an operation or a step; its text is HTML.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Message {
    pub message_html: String,
    pub level: String,
    pub timestamp: String,
}

/// One publishing step.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Step {
    pub id: String,
    pub step_name: String,
    pub description: String,
    pub status: String,
    pub messages: Vec<Message>,
    pub progress_percentage: Option<i64>,
    pub estimated_time_frame: String,
}

/// `GET …/operations/{id}` and `GET …/status`: one operation.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OperationBody {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub id: String,
    pub status: String,
    pub messages: Vec<Message>,
    pub steps: Vec<Step>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub publishing_version: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub offer_version: Option<i64>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub cancellation_request_state: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub submission_type: String,
    /// Present only for offers not migrated to Partner Center.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notification_emails: Option<String>,
    pub preview_links: Vec<serde_json::Value>,
    pub live_links: Vec<serde_json::Value>,
}

/// One entry of `GET …/submissions`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Submission {
    pub id: String,
    pub offer_id: String,
    pub offer_version: Option<i64>,
    pub offer_type_id: String,
    pub publisher_id: String,
    pub submission_type: String,
    pub submission_state: String,
    pub publishing_version: Option<i64>,
    pub slot: String,
    pub version: Option<i64>,
    pub definition: serde_json::Value,
    pub changed_time: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DefinitionSummary {
    pub display_text: String,
}

/// One offer of `GET …/offers`, and the head of `GET …/offers/{o}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OfferSummary {
    pub id: String,
    pub publisher_id: String,
    pub offer_type_id: String,
    pub status: String,
    pub version: Option<i64>,
    pub definition: DefinitionSummary,
    pub changed_time: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub lock_status: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub pc_migration_status: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub pc_redirect_uri: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub isv_upgrade_request: Option<bool>,
}
