//! The checks a build passes before anything about it is sent: a SAS URI that certification
//! can read for long enough, a gallery image version named the way Partner Center takes it.
//! Each failure is said in words a publisher acts on; a SAS signature is never part of one.
//!
//! These checks read only what is given: the text of a source, and what its storage account
//! said of the blob (`vhd`; the front end asks it). They run before every write, in every path
//! (`image add`, its dry run, `check`).

pub mod gallery;
pub mod sas;
pub mod vhd;

use std::time::Duration;

use serde::Serialize;

pub use crate::domain::image::DEFAULT_SAS_MIN_VALIDITY;

/// One failed check: what was checked (a short name) and why it fails, in words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Failure {
    pub check: &'static str,
    pub reason: String,
}

impl Failure {
    pub(crate) fn new(check: &'static str, reason: impl Into<String>) -> Failure {
        Failure {
            check,
            reason: reason.into(),
        }
    }
}

/// What the checks need besides the source.
#[derive(Debug, Clone)]
pub struct Rules {
    pub sas_min_validity: Duration,
    pub now: chrono::DateTime<chrono::Utc>,
}

impl Rules {
    /// The rules at this moment, with the minimum validity the config asks for.
    pub fn now(sas_min_validity: Duration) -> Rules {
        Rules {
            sas_min_validity,
            now: chrono::Utc::now(),
        }
    }
}

/// Every check of one image source; empty when all pass.
pub fn check_source(source: &crate::domain::image::ImageSource, rules: &Rules) -> Vec<Failure> {
    use crate::domain::image::ImageSource;
    match source {
        ImageSource::Vhd {
            os_disk,
            data_disks,
        } => {
            let mut failures = sas::check(os_disk, rules);
            for disk in data_disks {
                for mut f in sas::check(&disk.uri, rules) {
                    f.reason = format!("data disk {}: {}", disk.lun, f.reason);
                    failures.push(f);
                }
            }
            failures
        }
        ImageSource::Gallery {
            resource_id,
            tenant_id,
        } => gallery::check(resource_id, tenant_id.as_deref()),
        ImageSource::Other { source_type } => vec![Failure::new(
            "source",
            format!("offerdeck does not know the source type {source_type}"),
        )],
    }
}
