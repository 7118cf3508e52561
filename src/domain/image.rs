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

/// A version to add: its number and its sources, each for one image type or (`None`) for the
/// only type a plan declares.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NewVersion {
    pub number: VersionNumber,
    pub images: Vec<(Option<ImageType>, ImageSource)>,
}

impl NewVersion {
    /// The image for each type `plan` declares, in the plan's order; why not, in words.
    pub fn for_plan(&self, plan: &PlanImages) -> Result<Vec<(ImageType, ImageSource)>, String> {
        if plan.image_types.is_empty() {
            return Err(format!(
                "plan {} declares no image type, so offerdeck cannot tell which image goes where; set its technical configuration in Partner Center first",
                plan.plan
            ));
        }
        let untyped: Vec<&ImageSource> = self
            .images
            .iter()
            .filter(|(t, _)| t.is_none())
            .map(|(_, s)| s)
            .collect();
        if let [only] = plan.image_types.as_slice()
            && let [source] = untyped.as_slice()
            && self.images.len() == 1
        {
            return Ok(vec![(*only, (*source).clone())]);
        }
        if !untyped.is_empty() {
            return Err(format!(
                "plan {} has {} images ({}): give one source per type, as --vhd TYPE=URI",
                plan.plan,
                plan.image_types.len(),
                words(&plan.image_types)
            ));
        }
        let extra: Vec<&str> = self
            .images
            .iter()
            .filter_map(|(t, _)| *t)
            .filter(|t| !plan.image_types.contains(t))
            .map(ImageType::word)
            .collect();
        if !extra.is_empty() {
            return Err(format!(
                "plan {} has no {} SKU (it declares {})",
                plan.plan,
                extra.join(" or "),
                words(&plan.image_types)
            ));
        }
        let mut out = Vec::new();
        let mut missing = Vec::new();
        for t in &plan.image_types {
            match self.images.iter().find(|(want, _)| *want == Some(*t)) {
                Some((_, s)) => out.push((*t, s.clone())),
                None => missing.push(t.word()),
            }
        }
        if !missing.is_empty() {
            return Err(format!(
                "plan {} needs an image for {} too: give one per type (--vhd TYPE=URI)",
                plan.plan,
                missing.join(" and ")
            ));
        }
        Ok(out)
    }
}

/// What adding a version to a plan would do, decided before anything is sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AddVerdict {
    /// Add these images; the warnings are said but do not stop it.
    Add {
        images: Vec<(ImageType, ImageSource)>,
        warnings: Vec<String>,
    },
    /// The same version with the same images is there already: nothing to send.
    AlreadyThere,
    /// It cannot be added as asked (nothing is sent): why, in words.
    Refused(String),
}

/// Whether `new` can be added to `plan`: not there already (in any state), an image for every
/// type the plan declares and none for a type it does not, and a warning when it is not newer
/// than the plan's newest version.
pub fn verdict(plan: &PlanImages, new: &NewVersion) -> AddVerdict {
    let images = match new.for_plan(plan) {
        Ok(images) => images,
        Err(why) => return AddVerdict::Refused(why),
    };
    if let Some(existing) = plan.version(&new.number) {
        let same = images.iter().all(|(t, want)| {
            existing
                .images
                .iter()
                .find(|i| ImageType::parse(&i.image_type) == Some(*t))
                .is_some_and(|have| have.source.same_image(want))
        });
        return if same {
            AddVerdict::AlreadyThere
        } else {
            AddVerdict::Refused(format!(
                "version {} is already on plan {} ({}) with other images; a version's images cannot change: give the new build a new version number",
                existing.number,
                plan.plan,
                existing.lifecycle.words()
            ))
        };
    }
    let mut warnings = Vec::new();
    if let Some(newest) = plan.newest()
        && new.number <= newest
    {
        warnings.push(format!(
            "{} is not newer than {newest}, the newest version of plan {}: customers who take the latest get {newest}",
            new.number, plan.plan
        ));
    }
    AddVerdict::Add { images, warnings }
}

fn words(types: &[ImageType]) -> String {
    types
        .iter()
        .map(|t| t.word())
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vhd(uri: &str) -> ImageSource {
        ImageSource::Vhd {
            os_disk: uri.into(),
            data_disks: Vec::new(),
        }
    }

    fn plan(types: &[ImageType], versions: &[(&str, &str)]) -> PlanImages {
        PlanImages {
            plan: "standard".into(),
            image_types: types.to_vec(),
            versions: versions
                .iter()
                .map(|(n, uri)| ImageVersion {
                    number: n.to_string(),
                    images: types
                        .iter()
                        .map(|t| VmImage {
                            image_type: t.word().into(),
                            source: vhd(&format!("{uri}-{t}.vhd?sig=old")),
                        })
                        .collect(),
                    lifecycle: Lifecycle::GenerallyAvailable,
                })
                .collect(),
        }
    }

    fn new(number: &str, types: &[ImageType], uri: &str) -> NewVersion {
        NewVersion {
            number: VersionNumber::parse(number).unwrap(),
            images: types
                .iter()
                .map(|t| (Some(*t), vhd(&format!("{uri}-{t}.vhd?sig=new"))))
                .collect(),
        }
    }

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

    #[test]
    fn the_same_version_from_the_same_blobs_is_already_there_whatever_its_signature() {
        let types = [ImageType::X64Gen2, ImageType::X64Gen1];
        let p = plan(
            &types,
            &[("1.0.0", "https://a.blob.core.windows.net/v/one")],
        );
        assert_eq!(
            verdict(
                &p,
                &new("1.0.0", &types, "https://A.blob.core.windows.net/v/one")
            ),
            AddVerdict::AlreadyThere
        );
        let AddVerdict::Refused(why) = verdict(
            &p,
            &new("1.0.0", &types, "https://a.blob.core.windows.net/v/two"),
        ) else {
            panic!("another image under the same number is refused")
        };
        assert!(why.contains("new version number"), "{why}");
    }

    #[test]
    fn every_declared_type_needs_an_image_and_an_older_number_is_a_warning() {
        let types = [ImageType::X64Gen2, ImageType::X64Gen1];
        let p = plan(
            &types,
            &[("1.2.0", "https://a.blob.core.windows.net/v/one")],
        );
        let AddVerdict::Refused(why) = verdict(
            &p,
            &new(
                "1.3.0",
                &[ImageType::X64Gen2],
                "https://a.blob.core.windows.net/v/two",
            ),
        ) else {
            panic!("a missing generation is refused")
        };
        assert!(why.contains("x64Gen1"), "{why}");
        let AddVerdict::Add { warnings, .. } = verdict(
            &p,
            &new("1.1.0", &types, "https://a.blob.core.windows.net/v/two"),
        ) else {
            panic!("an older number is added")
        };
        assert!(warnings[0].contains("not newer than 1.2.0"), "{warnings:?}");
        let AddVerdict::Add { images, warnings } = verdict(
            &p,
            &new("1.3.0", &types, "https://a.blob.core.windows.net/v/two"),
        ) else {
            panic!("a newer number is added")
        };
        assert!(warnings.is_empty());
        assert_eq!(
            images.iter().map(|(t, _)| *t).collect::<Vec<_>>(),
            types,
            "in the plan's order"
        );
    }

    #[test]
    fn one_untyped_source_fits_a_plan_of_one_type_only() {
        let one = plan(&[ImageType::X64Gen2], &[]);
        let two = plan(&[ImageType::X64Gen2, ImageType::X64Gen1], &[]);
        let untyped = NewVersion {
            number: VersionNumber::parse("1.0.0").unwrap(),
            images: vec![(None, vhd("https://a.blob.core.windows.net/v/x.vhd"))],
        };
        assert_eq!(untyped.for_plan(&one).unwrap()[0].0, ImageType::X64Gen2);
        let why = untyped.for_plan(&two).unwrap_err();
        assert!(why.contains("--vhd TYPE=URI"), "{why}");
        let arm = new(
            "1.0.0",
            &[ImageType::Arm64Gen2],
            "https://a.blob.core.windows.net/v/x",
        );
        assert!(arm.for_plan(&one).unwrap_err().contains("no arm64Gen2 SKU"));
    }
}
