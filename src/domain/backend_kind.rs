//! Which publishing API an offer is on.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Which API an offer is published through (`backend = "cpp"` in the config).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BackendKind {
    /// The Cloud Partner Portal API (offers integrated before Partner Center).
    #[default]
    Cpp,
    /// The Partner Center Product Ingestion API (every offer since).
    Ingestion,
}

impl BackendKind {
    pub const ALL: [BackendKind; 2] = [BackendKind::Cpp, BackendKind::Ingestion];

    pub fn as_str(self) -> &'static str {
        match self {
            BackendKind::Cpp => "cpp",
            BackendKind::Ingestion => "ingestion",
        }
    }

    /// What this API does and reports, for callers that would otherwise ask which API it is.
    pub const fn caps(self) -> Caps {
        match self {
            BackendKind::Cpp => Caps {
                takes_emails: true,
                reports_steps: true,
                reports_progress: true,
                operation_label: "operation URL",
                api_name: "Cloud Partner Portal",
                short: "CPP",
            },
            BackendKind::Ingestion => Caps {
                takes_emails: false,
                reports_steps: false,
                reports_progress: false,
                operation_label: "job id",
                api_name: "Product Ingestion",
                short: "PC",
            },
        }
    }
}

/// The capabilities of one publishing API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Caps {
    /// A publish names who is told of it (CPP); Partner Center notifies the account's contacts.
    pub takes_emails: bool,
    /// The service reports an operation's steps (CPP); Product Ingestion has one job per
    /// operation, shown as one phase.
    pub reports_steps: bool,
    /// The service reports a percentage as the operation runs (CPP); a job is 0 until done.
    pub reports_progress: bool,
    /// What identifies an operation to a user: the URL it is followed at, or the job's id.
    pub operation_label: &'static str,
    /// The API's name in messages.
    pub api_name: &'static str,
    /// The short tag of the offers table.
    pub short: &'static str,
}

impl fmt::Display for BackendKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for BackendKind {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        BackendKind::ALL
            .into_iter()
            .find(|k| k.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| {
                let known: Vec<&str> = BackendKind::ALL.iter().map(|k| k.as_str()).collect();
                format!(
                    "backend = {s:?} is unknown; use one of {}",
                    known.join(", ")
                )
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_api_says_what_it_can_do() {
        let cpp = BackendKind::Cpp.caps();
        assert!(cpp.takes_emails && cpp.reports_steps && cpp.reports_progress);
        assert_eq!(
            (cpp.operation_label, cpp.api_name, cpp.short),
            ("operation URL", "Cloud Partner Portal", "CPP")
        );
        let ingestion = BackendKind::Ingestion.caps();
        assert!(!ingestion.takes_emails && !ingestion.reports_steps && !ingestion.reports_progress);
        assert_eq!(
            (
                ingestion.operation_label,
                ingestion.api_name,
                ingestion.short
            ),
            ("job id", "Product Ingestion", "PC")
        );
    }

    #[test]
    fn kinds_read_back_from_their_names() {
        for kind in BackendKind::ALL {
            assert_eq!(kind.as_str().parse::<BackendKind>(), Ok(kind));
        }
        assert!("nope".parse::<BackendKind>().is_err());
    }
}
