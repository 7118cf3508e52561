//! A Product Ingestion product's image versions, read from its resource tree: each `plan`
//! (named by its external id) and the technical configuration that refers to it, whose `skus`
//! declare the image types and whose `vmImageVersions` hold the versions. An edit changes a
//! technical configuration's `vmImageVersions` by adding one entry: every other field, and every
//! existing version exactly as read, goes back (omitting a version deletes it on the service).

use serde_json::{Value, json};

use crate::domain::image::{
    DataDisk, ImageSource, ImageType, ImageVersion, Lifecycle, PlanImages, VmImage,
};

const TECH_CONFIG: &str = "virtual-machine-plan-technical-configuration";
const CORE_TECH_CONFIG: &str = "core-virtual-machine-plan-technical-configuration";

/// A resource's type: the type its `$schema` names, else the first part of its durable id.
pub fn type_of(resource: &Value) -> &str {
    let from_schema = resource["$schema"].as_str().and_then(|s| {
        let (_, rest) = s.split_once("/schema/")?;
        rest.split('/').next()
    });
    from_schema
        .or_else(|| resource["id"].as_str().and_then(|id| id.split('/').next()))
        .unwrap_or_default()
}

fn is_tech_config(resource: &Value) -> bool {
    matches!(type_of(resource), TECH_CONFIG | CORE_TECH_CONFIG)
}

/// The durable id a reference names (a string, or `{"durableId": …}`), if it names one.
fn reference(value: &Value) -> Option<&str> {
    value.as_str().or_else(|| value["durableId"].as_str())
}

/// The plans of a tree (its `resources`), with their technical configurations' index.
fn plans_with_configs(resources: &[Value]) -> Vec<(String, Option<usize>)> {
    resources
        .iter()
        .filter(|r| type_of(r) == "plan")
        .map(|plan| {
            let id = plan["id"].as_str().unwrap_or_default();
            let name = plan["identity"]["externalId"]
                .as_str()
                .filter(|n| !n.is_empty())
                .unwrap_or(id)
                .to_string();
            let config = resources
                .iter()
                .position(|r| is_tech_config(r) && reference(&r["plan"]).is_some_and(|p| p == id));
            (name, config)
        })
        .collect()
}

fn source_of(raw: &Value) -> ImageSource {
    let kind = raw["sourceType"].as_str().unwrap_or_default();
    if kind.eq_ignore_ascii_case("sasUri") {
        ImageSource::Vhd {
            os_disk: raw["osDisk"]["uri"]
                .as_str()
                .unwrap_or_default()
                .to_string(),
            data_disks: raw["dataDisks"]
                .as_array()
                .map(|disks| {
                    disks
                        .iter()
                        .map(|d| DataDisk {
                            lun: d["lunNumber"]
                                .as_u64()
                                .and_then(|n| u32::try_from(n).ok())
                                .unwrap_or_default(),
                            uri: d["uri"].as_str().unwrap_or_default().to_string(),
                        })
                        .collect()
                })
                .unwrap_or_default(),
        }
    } else if kind.eq_ignore_ascii_case("sharedImageGallery") {
        ImageSource::Gallery {
            resource_id: raw["sharedImage"]["resourceId"]
                .as_str()
                .unwrap_or_default()
                .to_string(),
            tenant_id: raw["sharedImage"]["tenantId"].as_str().map(str::to_string),
        }
    } else {
        ImageSource::Other {
            source_type: crate::text::sanitize_line(kind),
        }
    }
}

fn plan_images(name: String, config: Option<&Value>) -> PlanImages {
    let Some(config) = config else {
        return PlanImages {
            plan: name,
            image_types: Vec::new(),
            versions: Vec::new(),
        };
    };
    let mut image_types = Vec::new();
    for sku in config["skus"].as_array().into_iter().flatten() {
        if let Some(t) = sku["imageType"].as_str().and_then(ImageType::parse)
            && !image_types.contains(&t)
        {
            image_types.push(t);
        }
    }
    let versions = config["vmImageVersions"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|v| ImageVersion {
            number: v["versionNumber"].as_str().unwrap_or_default().to_string(),
            images: v["vmImages"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|i| VmImage {
                    image_type: i["imageType"].as_str().unwrap_or_default().to_string(),
                    source: source_of(&i["source"]),
                })
                .collect(),
            lifecycle: Lifecycle::from_service(
                v["lifecycleState"].as_str(),
                v["deprecationSchedule"]["date"].as_str(),
            ),
        })
        .collect();
    PlanImages {
        plan: name,
        image_types,
        versions,
    }
}

/// The plans of a resource tree's `resources`, with their image versions.
pub fn plans_of(resources: &[Value]) -> Vec<PlanImages> {
    plans_with_configs(resources)
        .into_iter()
        .map(|(name, config)| plan_images(name, config.map(|i| &resources[i])))
        .collect()
}

/// The technical configuration of plan `plan` (by external id) in `resources`, to edit.
pub fn config_of<'a>(resources: &'a mut [Value], plan: &str) -> Option<&'a mut Value> {
    let at = plans_with_configs(resources)
        .into_iter()
        .find(|(name, _)| name == plan)
        .and_then(|(_, config)| config)?;
    resources.get_mut(at)
}

fn source_json(source: &ImageSource) -> Result<Value, String> {
    match source {
        ImageSource::Vhd {
            os_disk,
            data_disks,
        } => Ok(json!({
            "sourceType": "sasUri",
            "osDisk": {"uri": os_disk},
            "dataDisks": data_disks.iter().map(|d| json!({"lunNumber": d.lun, "uri": d.uri})).collect::<Vec<_>>(),
        })),
        ImageSource::Gallery {
            resource_id,
            tenant_id,
        } => {
            let Some(tenant) = tenant_id else {
                return Err(
                    "a gallery image needs the tenant it is in: give --gallery-tenant TENANT_ID"
                        .into(),
                );
            };
            Ok(json!({
                "sourceType": "sharedImageGallery",
                "sharedImage": {"tenantId": tenant, "resourceId": resource_id},
            }))
        }
        ImageSource::Other { source_type } => {
            Err(format!("offerdeck cannot write a {source_type} source"))
        }
    }
}

/// Adds version `number` with `images` to a technical configuration, in place: one entry at the
/// end of `vmImageVersions`, generally available; nothing else changes.
pub fn add_to(
    config: &mut Value,
    number: &str,
    images: &[(ImageType, ImageSource)],
) -> Result<(), String> {
    let mut vm_images = Vec::new();
    for (t, source) in images {
        vm_images.push(json!({"imageType": t.word(), "source": source_json(source)?}));
    }
    let entry = json!({
        "versionNumber": number,
        "vmImages": vm_images,
        "lifecycleState": "generallyAvailable",
    });
    if !config["vmImageVersions"].is_array() {
        config["vmImageVersions"] = json!([]);
    }
    if let Some(list) = config["vmImageVersions"].as_array_mut() {
        list.push(entry);
    }
    Ok(())
}
