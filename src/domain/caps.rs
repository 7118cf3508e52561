//! What each API can do, as data: the views ask these instead of branching on which API an
//! offer is on, and a third API is one more value.

use super::BackendKind;

/// The capabilities and words of one publishing API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Caps {
    /// A publish takes notification e-mails (the Product Ingestion API notifies the account's
    /// contacts itself).
    pub takes_emails: bool,
    /// The service reports the steps of a publish.
    pub reports_steps: bool,
    /// The service reports a percentage of progress.
    pub reports_progress: bool,
    /// What names an operation, for a user to copy: "operation URL" or "job id".
    pub operation_label: &'static str,
    /// The operation is named by its URL (else by its id).
    pub operation_is_url: bool,
    /// The word before an operation's id in the detail view.
    pub operation_id_label: &'static str,
    /// The API's name in full.
    pub api_name: &'static str,
    /// The API's name in a column: `CPP`, `PC`.
    pub short: &'static str,
}

impl BackendKind {
    /// What this API can do.
    pub fn caps(self) -> Caps {
        match self {
            BackendKind::Cpp => Caps {
                takes_emails: true,
                reports_steps: true,
                reports_progress: true,
                operation_label: "operation URL",
                operation_is_url: true,
                operation_id_label: "id",
                api_name: "Cloud Partner Portal",
                short: "CPP",
            },
            BackendKind::Ingestion => Caps {
                takes_emails: false,
                reports_steps: false,
                reports_progress: false,
                operation_label: "job id",
                operation_is_url: false,
                operation_id_label: "job",
                api_name: "Partner Center Product Ingestion",
                short: "PC",
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_cpp_takes_emails_and_reports_steps() {
        assert!(BackendKind::Cpp.caps().takes_emails);
        assert!(BackendKind::Cpp.caps().reports_progress);
        assert!(!BackendKind::Ingestion.caps().takes_emails);
        assert!(!BackendKind::Ingestion.caps().reports_steps);
        assert_eq!(BackendKind::Ingestion.caps().operation_label, "job id");
        assert_eq!(BackendKind::Cpp.caps().short, "CPP");
    }
}
