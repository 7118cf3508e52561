//! The rules of an add: which image goes to which type of a plan, and whether a version can
//! go on it at all (already there, refused, or added with warnings).

use serde::Serialize;

use super::{ImageSource, ImageType, PlanImages, VersionNumber};

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
    use crate::domain::image::{ImageVersion, Lifecycle, VmImage};

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
