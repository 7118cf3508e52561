//! `[images]`: the settings of a build's checks.

use std::time::Duration;

/// `[images]`: how long a SAS URI must stay valid when a version is added (certification reads
/// the VHD days after the publish starts).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImagesConfig {
    pub sas_min_validity: Duration,
}

impl Default for ImagesConfig {
    fn default() -> Self {
        ImagesConfig {
            sas_min_validity: crate::domain::image::DEFAULT_SAS_MIN_VALIDITY,
        }
    }
}
