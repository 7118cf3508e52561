//! Image versions on plans: the build a publish ships. Both APIs' documents are read into these
//! types (`backend::images`); the image commands, their checks and the views use nothing else.
//!
//! A version is named `MAJOR.MINOR.PATCH` (three whole numbers; `2024.01.15` is one too, and its
//! text is kept as written). Each version holds one image per image type the plan declares
//! (x64 Gen1, x64 Gen2, Arm64 Gen2), from a SAS URI to a VHD or an Azure Compute Gallery image
//! version.

use std::fmt;
use std::time::Duration;

use chrono::NaiveDate;
use serde::Serialize;

/// How long a SAS must stay valid unless the config says otherwise: certification can take
/// days, and a SAS that expires during it fails the publish.
pub const DEFAULT_SAS_MIN_VALIDITY: Duration = Duration::from_secs(21 * 86_400);

/// A version number as a publisher writes it: three whole numbers, compared as numbers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(into = "String")]
pub struct VersionNumber {
    text: String,
    parts: [u64; 3],
}

impl From<VersionNumber> for String {
    fn from(v: VersionNumber) -> String {
        v.text
    }
}

impl VersionNumber {
    /// `X.Y.Z`, each a whole number (digits only, no sign); anything else says what it expects.
    pub fn parse(raw: &str) -> Result<VersionNumber, String> {
        let text = raw.trim();
        let fields: Vec<&str> = text.split('.').collect();
        let wrong = || {
            format!(
                "{:?} is not a version number: give MAJOR.MINOR.PATCH, three whole numbers separated by dots (e.g. 1.4.0)",
                crate::text::sanitize_line(raw)
            )
        };
        let [a, b, c] = fields.as_slice() else {
            return Err(wrong());
        };
        let number = |f: &str| -> Result<u64, String> {
            if f.is_empty() || f.len() > 9 || !f.bytes().all(|b| b.is_ascii_digit()) {
                return Err(wrong());
            }
            f.parse().map_err(|_| wrong())
        };
        Ok(VersionNumber {
            text: text.to_string(),
            parts: [number(a)?, number(b)?, number(c)?],
        })
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Whether two spellings name the same version (`1.04.0` and `1.4.0` do, for the service's
    /// ordering; offerdeck treats them as one so none is added twice).
    pub fn same(&self, other: &VersionNumber) -> bool {
        self.parts == other.parts
    }
}

impl PartialOrd for VersionNumber {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for VersionNumber {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.parts
            .cmp(&other.parts)
            .then_with(|| self.text.cmp(&other.text))
    }
}

impl fmt::Display for VersionNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// The kind of machine an image boots: what a plan's SKUs declare, one image each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum ImageType {
    #[serde(rename = "x64Gen1")]
    X64Gen1,
    #[serde(rename = "x64Gen2")]
    X64Gen2,
    #[serde(rename = "arm64Gen2")]
    Arm64Gen2,
}

impl ImageType {
    pub const ALL: [ImageType; 3] = [ImageType::X64Gen1, ImageType::X64Gen2, ImageType::Arm64Gen2];

    /// The service's word (Product Ingestion's `imageType`).
    pub fn word(self) -> &'static str {
        match self {
            ImageType::X64Gen1 => "x64Gen1",
            ImageType::X64Gen2 => "x64Gen2",
            ImageType::Arm64Gen2 => "arm64Gen2",
        }
    }

    /// The service's word or a short one a person types (`gen1`, `gen2`, `arm64`), in any case.
    pub fn parse(raw: &str) -> Option<ImageType> {
        match raw.trim().to_ascii_lowercase().as_str() {
            "x64gen1" | "gen1" => Some(ImageType::X64Gen1),
            "x64gen2" | "gen2" => Some(ImageType::X64Gen2),
            "arm64gen2" | "arm64" | "armgen2" => Some(ImageType::Arm64Gen2),
            _ => None,
        }
    }

    /// What `parse` accepts, for error messages.
    pub const SPELLINGS: &'static str = "x64Gen1 (gen1), x64Gen2 (gen2) or arm64Gen2 (arm64)";
}

impl fmt::Display for ImageType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.word())
    }
}

/// A data disk of a VHD image: its LUN and where its VHD is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DataDisk {
    pub lun: u32,
    pub uri: String,
}

/// Where an image comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ImageSource {
    /// A VHD in a storage account, by a SAS URI (and its data disks).
    Vhd {
        os_disk: String,
        #[serde(skip_serializing_if = "Vec::is_empty")]
        data_disks: Vec<DataDisk>,
    },
    /// An Azure Compute Gallery image version.
    Gallery {
        resource_id: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        tenant_id: Option<String>,
    },
    /// A source type offerdeck does not know, by the service's word.
    Other { source_type: String },
}

impl ImageSource {
    /// The word for its kind, as a listing shows it.
    pub fn kind(&self) -> &str {
        match self {
            ImageSource::Vhd { .. } => "vhd",
            ImageSource::Gallery { .. } => "gallery",
            ImageSource::Other { source_type } => source_type,
        }
    }

    /// Whether two sources are the same image. A SAS URI is compared by its blob (scheme, host
    /// and path), not its query: a signature minted anew for the same VHD is the same image
    /// (the lesson of the peers that added the same VHD twice).
    pub fn same_image(&self, other: &ImageSource) -> bool {
        match (self, other) {
            (
                ImageSource::Vhd {
                    os_disk: a,
                    data_disks: da,
                },
                ImageSource::Vhd {
                    os_disk: b,
                    data_disks: db,
                },
            ) => {
                blob_of(a) == blob_of(b)
                    && da.len() == db.len()
                    && da
                        .iter()
                        .zip(db)
                        .all(|(x, y)| x.lun == y.lun && blob_of(&x.uri) == blob_of(&y.uri))
            }
            (
                ImageSource::Gallery { resource_id: a, .. },
                ImageSource::Gallery { resource_id: b, .. },
            ) => a.eq_ignore_ascii_case(b),
            _ => false,
        }
    }

    /// One line for people: the blob or the gallery image, never a SAS signature.
    pub fn describe(&self) -> String {
        match self {
            ImageSource::Vhd {
                os_disk,
                data_disks,
            } => {
                let mut text = crate::redact::hide_sas_signatures(os_disk);
                if !data_disks.is_empty() {
                    text.push_str(&format!(" (+{} data disk(s))", data_disks.len()));
                }
                text
            }
            ImageSource::Gallery { resource_id, .. } => resource_id.clone(),
            ImageSource::Other { source_type } => format!("a {source_type} source"),
        }
    }
}

/// The blob a SAS URI names: scheme, host and path, lowercased host; the text itself when it is
/// not a URL.
pub fn blob_of(uri: &str) -> String {
    match url::Url::parse(uri.trim()) {
        Ok(u) => format!(
            "{}://{}{}",
            u.scheme(),
            u.host_str().unwrap_or_default().to_ascii_lowercase(),
            u.path()
        ),
        Err(_) => uri.trim().to_string(),
    }
}

/// Where a version is in its life.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Lifecycle {
    GenerallyAvailable,
    Deprecated {
        #[serde(skip_serializing_if = "Option::is_none")]
        on: Option<NaiveDate>,
    },
    /// A draft version marked for deletion (never published).
    Deleted,
    Other {
        word: String,
    },
}

impl Lifecycle {
    /// The service's `lifecycleState` word (absent means generally available), with the date of
    /// its deprecation schedule if it has one.
    pub fn from_service(word: Option<&str>, date: Option<&str>) -> Lifecycle {
        match word.map(str::trim) {
            None | Some("") => Lifecycle::GenerallyAvailable,
            Some(w) if w.eq_ignore_ascii_case("generallyAvailable") => {
                Lifecycle::GenerallyAvailable
            }
            Some(w) if w.eq_ignore_ascii_case("deprecated") => Lifecycle::Deprecated {
                on: date.and_then(|d| NaiveDate::parse_from_str(d.get(..10)?, "%Y-%m-%d").ok()),
            },
            Some(w) if w.eq_ignore_ascii_case("deleted") => Lifecycle::Deleted,
            Some(w) => Lifecycle::Other {
                word: crate::text::sanitize_line(w),
            },
        }
    }

    /// In words, as listings show it.
    pub fn words(&self) -> String {
        match self {
            Lifecycle::GenerallyAvailable => "available".into(),
            Lifecycle::Deprecated { on: Some(d) } => format!("deprecated on {d}"),
            Lifecycle::Deprecated { on: None } => "deprecated".into(),
            Lifecycle::Deleted => "deleted (draft)".into(),
            Lifecycle::Other { word } => word.clone(),
        }
    }
}

/// One image of a version: its type (the service's word when it is not one offerdeck knows) and
/// its source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VmImage {
    pub image_type: String,
    pub source: ImageSource,
}

/// One version of a plan's image, as one environment holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImageVersion {
    /// As the service wrote it (it may not be a `VersionNumber`: older offers have other keys).
    pub number: String,
    pub images: Vec<VmImage>,
    pub lifecycle: Lifecycle,
}

impl ImageVersion {
    pub fn parsed(&self) -> Option<VersionNumber> {
        VersionNumber::parse(&self.number).ok()
    }
}

/// A plan and its image versions in one environment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlanImages {
    /// The plan's id as publishers name it (CPP's `planId`, Product Ingestion's external id).
    pub plan: String,
    /// The image types the plan's SKUs declare, in the plan's order.
    pub image_types: Vec<ImageType>,
    /// Oldest first, as the service lists them.
    pub versions: Vec<ImageVersion>,
}

impl PlanImages {
    /// The newest version that is a version number.
    pub fn newest(&self) -> Option<VersionNumber> {
        self.versions.iter().filter_map(ImageVersion::parsed).max()
    }

    pub fn version(&self, number: &VersionNumber) -> Option<&ImageVersion> {
        self.versions
            .iter()
            .find(|v| v.parsed().is_some_and(|p| p.same(number)) || v.number == number.as_str())
    }
}

mod add;
pub mod blob;

pub use add::{AddVerdict, NewVersion, verdict};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_numbers_are_three_whole_numbers_compared_as_numbers() {
        assert!(VersionNumber::parse("1.10.0").unwrap() > VersionNumber::parse("1.9.3").unwrap());
        assert!(VersionNumber::parse("2024.01.15").is_ok());
        for bad in [
            "1.2",
            "1.2.3.4",
            "v1.2.3",
            "1.-2.3",
            "1..3",
            "1.2.3-rc1",
            "",
            "1.2.x",
        ] {
            let e = VersionNumber::parse(bad).unwrap_err();
            assert!(e.contains("MAJOR.MINOR.PATCH"), "{bad}: {e}");
        }
        assert!(
            VersionNumber::parse("1.04.0")
                .unwrap()
                .same(&VersionNumber::parse("1.4.0").unwrap())
        );
    }
}
