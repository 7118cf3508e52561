//! Wire models of the Cloud Partner Portal API and the normalisation of its status vocabulary.
//!
//! Every model is lenient: fields the service may omit are optional, unknown fields are ignored,
//! and status strings are normalised case-insensitively with the raw value kept when unknown.

use serde::{Deserialize, Deserializer, Serialize};

pub use crate::domain::{OpKind, Status, StepState};
use crate::lenient::{
    lenient_bool, lenient_number, lenient_optional_string, lenient_string, lenient_vec,
};

/// The id (and, in some service versions, the `stepName`) of the manual sign-off step.
pub const SIGNOFF_STEP: &str = "publisher-signoff";
/// The id of the last step of every plan.
pub const LIVE_STEP: &str = "live";

/// A step's state read leniently (any spelling, a number or null), as `StepState::parse` does.
fn lenient_step_state<'de, D: Deserializer<'de>>(d: D) -> Result<StepState, D::Error> {
    Ok(StepState::parse(&lenient_string(d)?))
}

/// A status with the exact word the service used for it: read leniently, compared in the shared
/// vocabulary, and written back as it was spelled (operations say `complete` where the
/// vocabulary says `succeeded`; the simulator writes what the service writes).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Spelled {
    pub status: Status,
    word: String,
}

impl Spelled {
    pub fn new(status: Status, word: &str) -> Spelled {
        Spelled {
            status,
            word: word.to_string(),
        }
    }

    /// The word as the service sent it (the canonical one when built from a `Status`).
    pub fn word(&self) -> &str {
        if self.word.is_empty() {
            self.status.as_str()
        } else {
            &self.word
        }
    }
}

impl From<Status> for Spelled {
    fn from(status: Status) -> Spelled {
        Spelled {
            status,
            word: String::new(),
        }
    }
}

impl std::ops::Deref for Spelled {
    type Target = Status;

    fn deref(&self) -> &Status {
        &self.status
    }
}

impl PartialEq<Status> for Spelled {
    fn eq(&self, other: &Status) -> bool {
        &self.status == other
    }
}

impl Serialize for Spelled {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.word())
    }
}

impl<'de> Deserialize<'de> for Spelled {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let word = lenient_string(d)?;
        Ok(Spelled {
            status: Status::parse(&word),
            word,
        })
    }
}

/// One message attached to an operation or a step. The text is HTML (`messageHtml`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Message {
    #[serde(deserialize_with = "lenient_string")]
    pub message_html: String,
    #[serde(deserialize_with = "lenient_string")]
    pub level: String,
    #[serde(deserialize_with = "lenient_string")]
    pub timestamp: String,
}

impl Message {
    pub fn is_error(&self) -> bool {
        self.level.eq_ignore_ascii_case("error")
    }
}

/// One publishing step.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Step {
    #[serde(deserialize_with = "lenient_string")]
    pub id: String,
    #[serde(deserialize_with = "lenient_string")]
    pub step_name: String,
    #[serde(deserialize_with = "lenient_string")]
    pub description: String,
    #[serde(deserialize_with = "lenient_step_state")]
    pub status: StepState,
    #[serde(deserialize_with = "lenient_vec")]
    pub messages: Vec<Message>,
    #[serde(deserialize_with = "lenient_number")]
    pub progress_percentage: Option<i64>,
    #[serde(deserialize_with = "lenient_string")]
    pub estimated_time_frame: String,
}

impl Step {
    /// True for the manual sign-off step, whichever of `id`/`stepName` carries the marker.
    pub fn is_signoff(&self) -> bool {
        self.id.eq_ignore_ascii_case(SIGNOFF_STEP)
            || self.step_name.eq_ignore_ascii_case(SIGNOFF_STEP)
    }

    pub fn name(&self) -> &str {
        if self.step_name.is_empty() {
            &self.id
        } else {
            &self.step_name
        }
    }
}

/// The body of `GET …/operations/{id}`, of the legacy operation path and of `GET …/status`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct OperationDetail {
    #[serde(
        deserialize_with = "lenient_string",
        skip_serializing_if = "String::is_empty"
    )]
    pub id: String,
    pub status: Spelled,
    #[serde(deserialize_with = "lenient_vec")]
    pub messages: Vec<Message>,
    #[serde(deserialize_with = "lenient_vec")]
    pub steps: Vec<Step>,
    #[serde(
        deserialize_with = "lenient_number",
        skip_serializing_if = "Option::is_none"
    )]
    pub publishing_version: Option<i64>,
    #[serde(
        deserialize_with = "lenient_number",
        skip_serializing_if = "Option::is_none"
    )]
    pub offer_version: Option<i64>,
    #[serde(
        deserialize_with = "lenient_string",
        skip_serializing_if = "String::is_empty"
    )]
    pub cancellation_request_state: String,
    #[serde(
        deserialize_with = "lenient_string",
        skip_serializing_if = "String::is_empty"
    )]
    pub submission_type: String,
    /// Only returned for offers not migrated to Partner Center.
    #[serde(
        deserialize_with = "lenient_optional_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub notification_emails: Option<String>,
    #[serde(deserialize_with = "lenient_vec")]
    pub preview_links: Vec<serde_json::Value>,
    #[serde(deserialize_with = "lenient_vec")]
    pub live_links: Vec<serde_json::Value>,
}

/// One element of `GET …/submissions`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Submission {
    #[serde(deserialize_with = "lenient_string")]
    pub id: String,
    #[serde(deserialize_with = "lenient_string")]
    pub offer_id: String,
    #[serde(deserialize_with = "lenient_number")]
    pub offer_version: Option<i64>,
    #[serde(deserialize_with = "lenient_string")]
    pub offer_type_id: String,
    #[serde(deserialize_with = "lenient_string")]
    pub publisher_id: String,
    #[serde(deserialize_with = "lenient_string")]
    pub submission_type: String,
    pub submission_state: Spelled,
    #[serde(deserialize_with = "lenient_number")]
    pub publishing_version: Option<i64>,
    #[serde(deserialize_with = "lenient_string")]
    pub slot: String,
    /// .NET ticks of the last change.
    #[serde(deserialize_with = "lenient_number")]
    pub version: Option<i64>,
    /// What was submitted (the notification e-mails, for a publish).
    pub definition: serde_json::Value,
    #[serde(deserialize_with = "lenient_string")]
    pub changed_time: String,
}

/// The display part of an offer definition.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct DefinitionSummary {
    #[serde(deserialize_with = "lenient_string")]
    pub display_text: String,
}

/// An offer as listed by `GET …/offers` (and the top of `GET …/offers/{id}`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct OfferSummary {
    #[serde(deserialize_with = "lenient_string")]
    pub id: String,
    #[serde(deserialize_with = "lenient_string")]
    pub publisher_id: String,
    #[serde(deserialize_with = "lenient_string")]
    pub offer_type_id: String,
    pub status: Status,
    #[serde(deserialize_with = "lenient_number")]
    pub version: Option<i64>,
    pub definition: DefinitionSummary,
    #[serde(deserialize_with = "lenient_string")]
    pub changed_time: String,
    /// The fields below come only with offers migrated to Partner Center.
    #[serde(
        deserialize_with = "lenient_string",
        skip_serializing_if = "String::is_empty"
    )]
    pub lock_status: String,
    #[serde(
        deserialize_with = "lenient_string",
        skip_serializing_if = "String::is_empty"
    )]
    pub pc_migration_status: String,
    #[serde(
        deserialize_with = "lenient_string",
        skip_serializing_if = "String::is_empty"
    )]
    pub pc_redirect_uri: String,
    #[serde(
        deserialize_with = "lenient_bool",
        skip_serializing_if = "Option::is_none"
    )]
    pub isv_upgrade_request: Option<bool>,
}

impl OfferSummary {
    pub fn is_migrated(&self) -> bool {
        self.pc_migration_status.eq_ignore_ascii_case("migrated")
    }
}

/// A full offer document. The typed summary is read out of it, and the whole JSON is kept so that
/// nothing the service sends is lost.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Offer {
    pub summary: OfferSummary,
    pub document: serde_json::Value,
    pub etag: Option<String>,
}
