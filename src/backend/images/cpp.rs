//! A CPP offer's image versions, read from and written into its document as the service sent
//! it. A plan's main image is under `<namespace>.vmImages` (core VM offers:
//! `vmImagesPublicAzure`), keyed by version, of the generation the plan declares; its other
//! generation, if any, is an entry of `diskGenerations` with a plan id and images of its own.
//! An edit changes those objects only: everything else of the document goes back as it came.

use serde_json::{Map, Value, json};

use crate::domain::image::{
    DataDisk, ImageSource, ImageType, ImageVersion, Lifecycle, PlanImages, VmImage,
};

/// The namespace of an offer's plan keys, from its type.
fn namespace(document: &Value) -> &str {
    document["offerTypeId"]
        .as_str()
        .filter(|t| !t.is_empty())
        .unwrap_or("microsoft-azure-virtualmachines")
}

/// The key of a plan's images in that namespace.
fn images_key(ns: &str) -> String {
    if ns.ends_with("corevm") {
        format!("{ns}.vmImagesPublicAzure")
    } else {
        format!("{ns}.vmImages")
    }
}

/// The image type of a plan's main images: Arm64 when its architecture says so, else the x64
/// generation it declares (`"1"` when it says none, as the oldest offers do).
fn main_type(plan: &Value, ns: &str) -> ImageType {
    let arch = plan[format!("{ns}.vmImagesArchitecture")]
        .as_str()
        .unwrap_or_default();
    if arch.eq_ignore_ascii_case("arm64") {
        return ImageType::Arm64Gen2;
    }
    let generation = match &plan[format!("{ns}.generation")] {
        Value::String(s) => s.trim().to_string(),
        Value::Number(n) => n.to_string(),
        _ => String::new(),
    };
    if generation == "2" {
        ImageType::X64Gen2
    } else {
        ImageType::X64Gen1
    }
}

/// The other x64 generation (a `diskGenerations` entry holds it).
fn other_generation(t: ImageType) -> ImageType {
    match t {
        ImageType::X64Gen1 => ImageType::X64Gen2,
        _ => ImageType::X64Gen1,
    }
}

fn source_of(entry: &Value) -> ImageSource {
    let data_disks = entry["lunVhdDetails"]
        .as_array()
        .map(|disks| {
            disks
                .iter()
                .enumerate()
                .map(|(i, d)| DataDisk {
                    lun: d["lun"]
                        .as_u64()
                        .and_then(|n| u32::try_from(n).ok())
                        .unwrap_or(u32::try_from(i).unwrap_or(u32::MAX)),
                    uri: d["lunVhdUrl"].as_str().unwrap_or_default().to_string(),
                })
                .collect()
        })
        .unwrap_or_default();
    ImageSource::Vhd {
        os_disk: entry["osVhdUrl"].as_str().unwrap_or_default().to_string(),
        data_disks,
    }
}

/// Every `(image type, images object)` of a plan: its own, then its disk generations'.
fn image_sets<'a>(plan: &'a Value, ns: &str) -> Vec<(ImageType, &'a Map<String, Value>)> {
    let key = images_key(ns);
    let main = main_type(plan, ns);
    let empty: &'static Map<String, Value> = empty_map();
    let mut sets = vec![(main, plan[&key].as_object().unwrap_or(empty))];
    if let Some(generations) = plan["diskGenerations"].as_array() {
        for g in generations {
            sets.push((other_generation(main), g[&key].as_object().unwrap_or(empty)));
        }
    }
    sets
}

fn empty_map() -> &'static Map<String, Value> {
    static EMPTY: std::sync::OnceLock<Map<String, Value>> = std::sync::OnceLock::new();
    EMPTY.get_or_init(Map::new)
}

/// The plans of an offer document with their image versions.
pub fn plans_of(document: &Value) -> Vec<PlanImages> {
    let ns = namespace(document);
    let Some(plans) = document["definition"]["plans"].as_array() else {
        return Vec::new();
    };
    plans
        .iter()
        .map(|plan| {
            let sets = image_sets(plan, ns);
            let mut versions: Vec<ImageVersion> = Vec::new();
            for (t, images) in &sets {
                for (number, entry) in images.iter() {
                    let image = VmImage {
                        image_type: t.word().to_string(),
                        source: source_of(entry),
                    };
                    match versions.iter_mut().find(|v| v.number == *number) {
                        Some(v) => v.images.push(image),
                        None => versions.push(ImageVersion {
                            number: number.clone(),
                            images: vec![image],
                            lifecycle: Lifecycle::GenerallyAvailable,
                        }),
                    }
                }
            }
            versions.sort_by(|a, b| match (a.parsed(), b.parsed()) {
                (Some(x), Some(y)) => x.cmp(&y),
                _ => a.number.cmp(&b.number),
            });
            PlanImages {
                plan: plan["planId"].as_str().unwrap_or_default().to_string(),
                image_types: sets.iter().map(|(t, _)| *t).collect(),
                versions,
            }
        })
        .collect()
}

/// Adds version `number` with `images` to plan `plan_id` of the document, in place. A gallery
/// image cannot go on a CPP offer (the API takes VHDs only): the reason, and nothing changed.
pub fn add_to(
    document: &mut Value,
    plan_id: &str,
    number: &str,
    images: &[(ImageType, ImageSource)],
) -> Result<(), String> {
    let ns = namespace(document).to_string();
    let key = images_key(&ns);
    let Some(plan) = document["definition"]["plans"]
        .as_array_mut()
        .and_then(|plans| plans.iter_mut().find(|p| p["planId"] == plan_id))
    else {
        return Err(format!("the offer has no plan {plan_id}"));
    };
    let main = main_type(plan, &ns);
    let mut entries = Vec::new();
    for (t, source) in images {
        let ImageSource::Vhd {
            os_disk,
            data_disks,
        } = source
        else {
            return Err(format!(
                "plan {plan_id} is on the Cloud Partner Portal API, which takes VHDs by SAS URI only: a gallery image needs the offer in Partner Center (Product Ingestion)"
            ));
        };
        let mut disks = data_disks.clone();
        disks.sort_by_key(|d| d.lun);
        let entry = json!({
            "osVhdUrl": os_disk,
            "lunVhdDetails": disks.iter().map(|d| json!({"lunVhdUrl": d.uri})).collect::<Vec<_>>(),
        });
        entries.push((*t, entry));
    }
    for (t, entry) in entries {
        let target = if t == main {
            Some(&mut *plan)
        } else {
            plan["diskGenerations"]
                .as_array_mut()
                .and_then(|g| g.first_mut())
        };
        let Some(target) = target else {
            return Err(format!("plan {plan_id} has no {t} images"));
        };
        if !target[&key].is_object() {
            target[&key] = json!({});
        }
        if let Some(map) = target[&key].as_object_mut() {
            map.insert(number.to_string(), entry);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> Value {
        let path = format!("{}/../shared/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
    }

    #[test]
    fn the_plans_of_recorded_offers_are_read_with_their_versions_in_order() {
        let vm = plans_of(&fixture("pub_get-offer_200-virtualmachines.json"));
        assert!(!vm.is_empty());
        let numbers: Vec<&str> = vm[0].versions.iter().map(|v| v.number.as_str()).collect();
        assert_eq!(numbers, ["2018.1.1", "2019.10.11"]);
        assert_eq!(vm[0].image_types, [ImageType::X64Gen1]);
        let core = plans_of(&fixture("pub_get-offer_200-corevm.json"));
        assert_eq!(
            core[0].versions[0].number, "2018.1.1",
            "vmImagesPublicAzure"
        );
    }

    #[test]
    fn an_add_touches_the_plans_images_only_and_keeps_every_version() {
        let mut doc = fixture("pub_get-offer_200-virtualmachines.json");
        let before = doc.clone();
        let plan = plans_of(&doc)[0].plan.clone();
        let source = ImageSource::Vhd {
            os_disk: "https://a.blob.core.windows.net/v/new.vhd?sig=s".into(),
            data_disks: vec![DataDisk {
                lun: 0,
                uri: "https://a.blob.core.windows.net/v/data.vhd?sig=s".into(),
            }],
        };
        add_to(&mut doc, &plan, "2020.1.1", &[(ImageType::X64Gen1, source)]).unwrap();
        let after = plans_of(&doc);
        let numbers: Vec<&str> = after[0]
            .versions
            .iter()
            .map(|v| v.number.as_str())
            .collect();
        assert_eq!(numbers, ["2018.1.1", "2019.10.11", "2020.1.1"]);
        // Nothing else moved: put the old images back and the documents are equal.
        let key = "microsoft-azure-virtualmachines.vmImages";
        doc["definition"]["plans"][0][key]
            .as_object_mut()
            .unwrap()
            .remove("2020.1.1");
        assert_eq!(doc, before);
        let gallery = ImageSource::Gallery {
            resource_id: "/subscriptions/x".into(),
            tenant_id: None,
        };
        let why = add_to(
            &mut doc,
            &plan,
            "2020.1.2",
            &[(ImageType::X64Gen1, gallery)],
        )
        .unwrap_err();
        assert!(why.contains("VHDs by SAS URI only"), "{why}");
    }
}
