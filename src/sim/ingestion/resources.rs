//! The resources of a simulated virtual-machine product, in the JSON shapes of the ingestion
//! reference (`ingestion-api.md` §4.1–4.5) and of Microsoft's schemas as the maintained peers
//! read them: written here as plain JSON, independently of offerdeck's client types.
//!
//! Durable ids follow the documented pattern (`<type>/<productGuid>[/<more>]`); the exact tails
//! of listing and property ids are not documented and are chosen in the same style [INF].

use serde_json::{Value, json};

/// Where schemas live now, and the host retired in 2024 (still accepted unless strict).
pub(super) const SCHEMA_HOST: &str = "https://schema.mp.microsoft.com/schema/";
pub(super) const RETIRED_SCHEMA_HOST: &str = "https://product-ingestion.azureedge.net/schema/";

/// The resource types a configure request may carry, and that a tree may hold.
pub(super) const KNOWN_TYPES: [&str; 20] = [
    "product",
    "property",
    "customer-leads",
    "test-drive",
    "commercial-marketplace-setup",
    "listing",
    "listing-asset",
    "listing-trailer",
    "plan",
    "plan-listing",
    "price-and-availability-offer",
    "price-and-availability-plan",
    "price-and-availability-update-private-audiences",
    "virtual-machine-plan-technical-configuration",
    "core-virtual-machine-plan-technical-configuration",
    "reseller",
    "submission",
    "configure",
    "resource-tree",
    "configure-detail",
];

/// Resource types that belong to one plan (they carry a `plan` reference).
pub(super) const PLAN_TYPES: [&str; 4] = [
    "plan-listing",
    "price-and-availability-plan",
    "virtual-machine-plan-technical-configuration",
    "core-virtual-machine-plan-technical-configuration",
];

/// The environment a submission targets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Target {
    Draft,
    Preview,
    Live,
}

impl Target {
    /// The service's word, read without regard to case (and without the quotes of the
    /// documentation's sample URL); `None` for anything else.
    pub fn parse(raw: &str) -> Option<Target> {
        match raw.trim_matches('"').to_ascii_lowercase().as_str() {
            "draft" => Some(Target::Draft),
            "preview" => Some(Target::Preview),
            "live" => Some(Target::Live),
            _ => None,
        }
    }

    pub fn word(self) -> &'static str {
        match self {
            Target::Draft => "draft",
            Target::Preview => "preview",
            Target::Live => "live",
        }
    }
}

/// A schema URI on the current host.
pub(super) fn schema(kind: &str, version: &str) -> String {
    format!("{SCHEMA_HOST}{kind}/{version}")
}

/// Where a schema version sorts: by date, then previews by number, before the release of that
/// date (`-dev` first).
fn version_order(version: &str) -> (&str, u32) {
    let (date, tail) = version.split_at(version.len().min(10));
    let stage = match tail {
        "" => u32::MAX,
        "-dev" => 0,
        t => t
            .strip_prefix("-preview")
            .and_then(|n| n.parse().ok())
            .unwrap_or(0),
    };
    (date, stage)
}

/// `$version` caps what a read returns: a resource whose schema is newer than the version asked
/// for is answered in that version (the newest one not past it, as the service does; every
/// version the simulator knows has every type).
pub(super) fn cap_schema(resource: &mut Value, asked: &str) {
    let Some(uri) = resource.get("$schema").and_then(Value::as_str) else {
        return;
    };
    let Some((kind, version)) = parse_schema(uri) else {
        return;
    };
    if version_order(version) > version_order(asked) {
        resource["$schema"] = Value::String(schema(kind, asked));
    }
}

/// The resource type and version a `$schema` names, on either host, if it has the documented
/// form `https://<host>/schema/<type>/<yyyy-mm-dd>[-previewN|-dev]`.
pub(super) fn parse_schema(uri: &str) -> Option<(&str, &str)> {
    let rest = uri
        .strip_prefix(SCHEMA_HOST)
        .or_else(|| uri.strip_prefix(RETIRED_SCHEMA_HOST))?;
    let (kind, version) = rest.split_once('/')?;
    let date = version.get(..10)?;
    let tail = &version[10..];
    let date_ok = date.bytes().enumerate().all(|(i, b)| match i {
        4 | 7 => b == b'-',
        _ => b.is_ascii_digit(),
    });
    let tail_ok = tail.is_empty()
        || tail == "-dev"
        || tail
            .strip_prefix("-preview")
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
    (date_ok && tail_ok && !kind.is_empty()).then_some((kind, version))
}

/// The resource type of a durable id (`plan/<guid>/<guid>` → `plan`).
pub(super) fn type_of(durable_id: &str) -> &str {
    durable_id.split('/').next().unwrap_or_default()
}

/// The product GUID in `product/<guid>`.
pub(super) fn product_guid(durable_id: &str) -> Option<&str> {
    let guid = durable_id.strip_prefix("product/")?;
    (!guid.is_empty() && !guid.contains('/')).then_some(guid)
}

/// A plan of the simulated products: its external id (the plan id of the CPP era), and the
/// skus and first image version of its technical configuration.
struct PlanShape {
    external_id: &'static str,
    alias: &'static str,
    skus: Value,
    images: fn(&str) -> Value,
}

/// The plan GUID of a product's n-th plan: derived from the product's, so ids are stable.
pub(super) fn plan_guid(product: &str, n: usize) -> String {
    let head = product.get(..8).unwrap_or("00000000");
    format!("{head}-9a1b-4c2d-8e3f-{n:012}")
}

fn sas_images(product: &str) -> Value {
    let uri = |generation: &str| {
        format!(
            "https://fabrikamimages.blob.core.windows.net/vhds/{product}-{generation}-1.0.0.vhd?sv=2021-08-06&sr=b&sp=r&sig=c2ltdWxhdGVk"
        )
    };
    json!([
        {"imageType": "x64Gen2", "source": {"sourceType": "sasUri", "osDisk": {"uri": uri("gen2")}, "dataDisks": []}},
        {"imageType": "x64Gen1", "source": {"sourceType": "sasUri", "osDisk": {"uri": uri("gen1")}, "dataDisks": []}},
    ])
}

fn gallery_images(product: &str) -> Value {
    json!([{"imageType": "x64Gen2", "source": {"sourceType": "sharedImageGallery", "sharedImage": {
        "tenantId": "72f988bf-86f1-41af-91ab-2d7cd011db47",
        "resourceId": format!("/subscriptions/00000000-0000-4000-8000-000000000000/resourceGroups/images/providers/Microsoft.Compute/galleries/fabrikam/images/{product}/versions/1.0.0"),
    }}}])
}

fn plan_shapes() -> [PlanShape; 2] {
    [
        // Two generations, from SAS URIs: the sku ids follow the convention the peers use
        // (`<plan>` for the main generation, `<plan>-gen1` for the legacy one).
        PlanShape {
            external_id: "standard",
            alias: "Standard",
            skus: json!([
                {"skuId": "standard", "imageType": "x64Gen2", "securityType": ["trusted"]},
                {"skuId": "standard-gen1", "imageType": "x64Gen1"},
            ]),
            images: sas_images,
        },
        // One generation, from a shared image gallery.
        PlanShape {
            external_id: "gallery",
            alias: "From the gallery",
            skus: json!([{"skuId": "gallery", "imageType": "x64Gen2"}]),
            images: gallery_images,
        },
    ]
}

/// Every draft resource of a new virtual-machine product (no submission: those follow the
/// product's publishes and are added when a tree is read).
pub(super) fn catalogue(guid: &str, external_id: &str, alias: &str) -> Vec<Value> {
    let product = format!("product/{guid}");
    let listing = format!("listing/{guid}/public/main/default/en-us");
    let contact = |role: &str| json!({"name": format!("Fabrikam {role}"), "email": format!("{role}@fabrikam.example"), "phone": "+1 555 0100"});
    let mut resources = vec![
        json!({"$schema": schema("product", "2022-03-01-preview2"), "id": product,
               "identity": {"externalId": external_id}, "type": "azureVirtualMachine", "alias": alias}),
        json!({"$schema": schema("customer-leads", "2022-03-01-preview2"), "id": format!("customer-leads/{guid}"),
               "product": product, "leadDestination": "none"}),
        json!({"$schema": schema("test-drive", "2022-03-01-preview2"), "id": format!("test-drive/{guid}"),
               "product": product, "enabled": false}),
        json!({"$schema": schema("property", "2022-03-01-preview2"), "id": format!("property/{guid}/public/main"),
               "product": product, "kind": "azureVM", "termsOfUseUrl": "https://fabrikam.example/terms",
               "categories": {"compute": ["operating-systems"]}}),
        json!({"$schema": schema("listing", "2022-03-01-preview5"), "id": listing, "product": product,
               "kind": "azureListing", "title": alias, "description": format!("<p>{alias} on Azure.</p>"),
               "searchResultSummary": alias, "shortDescription": format!("{alias} images"),
               "privacyPolicyLink": "https://fabrikam.example/privacy", "generalLinks": [],
               "supportContact": contact("support"), "engineeringContact": contact("engineering"),
               "languageId": "en-us"}),
        json!({"$schema": schema("listing-asset", "2022-03-01-preview2"),
               "id": format!("listing-asset/{guid}/public/main/default/en-us/logo-large"),
               "product": product, "kind": "azureListingAsset", "listing": listing, "type": "azureLogoLarge",
               "languageId": "en-us", "fileName": "logo.png", "displayOrder": 0,
               "url": format!("https://mpassets.blob.core.windows.net/assets/{guid}/logo.png")}),
        json!({"$schema": schema("price-and-availability-offer", "2022-03-01-preview2"),
               "id": format!("price-and-availability-offer/{guid}"), "product": product, "previewAudiences": []}),
        json!({"$schema": schema("reseller", "2022-03-01-preview2"), "id": format!("reseller/{guid}"),
               "product": product, "resellerChannelState": "notSet", "audiences": []}),
    ];
    for (n, shape) in plan_shapes().into_iter().enumerate() {
        let plan_guid = plan_guid(guid, n + 1);
        let plan = format!("plan/{guid}/{plan_guid}");
        resources.extend([
            json!({"$schema": schema("plan", "2022-03-01-preview2"), "id": plan, "product": product,
                   "identity": {"externalId": shape.external_id}, "alias": shape.alias,
                   "azureRegions": ["azureGlobal"], "displayRank": n + 1}),
            json!({"$schema": schema("plan-listing", "2022-03-01-preview2"),
                   "id": format!("plan-listing/{guid}/public/main/{plan_guid}/en-us"), "product": product,
                   "plan": plan, "kind": "azureVMPlanListing", "name": shape.alias,
                   "description": format!("{alias}, {}", shape.alias), "summary": shape.alias, "languageId": "en-us"}),
            json!({"$schema": schema("price-and-availability-plan", "2022-03-01-preview2"),
                   "id": format!("price-and-availability-plan/{guid}/{plan_guid}"), "product": product,
                   "plan": plan, "visibility": "visible", "markets": ["US", "GB", "DE"],
                   "pricing": {"licenseModel": "byol", "corePricing": {"priceInputOption": "free"}},
                   "audience": "public", "privateAudiences": []}),
            json!({"$schema": schema("virtual-machine-plan-technical-configuration", "2022-03-01-preview5"),
                   "id": format!("virtual-machine-plan-technical-configuration/{guid}/{plan_guid}"),
                   "product": product, "plan": plan,
                   "operatingSystem": {"family": "linux", "friendlyName": "Fabrikam Linux", "type": "ubuntu"},
                   "recommendedVmSizes": ["d2s-standard-v3", "d4s-standard-v3"], "openPorts": [],
                   "vmProperties": {"supportsExtensions": true, "supportsBackup": false,
                                    "supportsAcceleratedNetworking": false, "isNetworkVirtualAppliance": false,
                                    "supportsNVMe": false, "supportsCloudInit": true, "supportsAadLogin": false,
                                    "supportsHibernation": false, "supportsRemoteConnection": true,
                                    "requiresCustomArmTemplate": false},
                   "skus": shape.skus,
                   "vmImageVersions": [{"versionNumber": "1.0.0", "lifecycleState": "generallyAvailable",
                                        "vmImages": (shape.images)(external_id)}]}),
        ]);
    }
    resources
}

/// A listing asset's URL as a read hands it out: signed anew on every read, as the service's
/// SAS-signed asset links are (a comparison of two reads must not take them for a change).
pub(super) fn signed_asset(mut resource: Value, read: u64) -> Value {
    if type_of(resource["id"].as_str().unwrap_or_default()) != "listing-asset" {
        return resource;
    }
    if let Some(url) = resource["url"].as_str() {
        let base = url.split('?').next().unwrap_or(url).to_string();
        resource["url"] = json!(format!(
            "{base}?sv=2021-08-06&sr=b&sp=r&se=2099-01-01T00%3A00%3A00Z&sig=read{read:08}"
        ));
    }
    resource
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_version_asked_for_caps_the_schema_of_what_is_read() {
        let mut tech = json!({"$schema": schema("virtual-machine-plan-technical-configuration", "2022-03-01-preview5")});
        cap_schema(&mut tech, "2022-07-01");
        assert!(
            tech["$schema"]
                .as_str()
                .unwrap()
                .ends_with("/2022-03-01-preview5")
        );
        cap_schema(&mut tech, "2022-03-01-preview3");
        assert!(
            tech["$schema"]
                .as_str()
                .unwrap()
                .ends_with("/2022-03-01-preview3")
        );
        let mut later = json!({"$schema": schema("listing", "2022-03-01-preview10")});
        cap_schema(&mut later, "2022-03-01-preview9");
        assert!(
            later["$schema"]
                .as_str()
                .unwrap()
                .ends_with("/2022-03-01-preview9")
        );
    }

    #[test]
    fn schemas_of_both_hosts_are_read_and_odd_ones_are_not() {
        assert_eq!(
            parse_schema("https://schema.mp.microsoft.com/schema/plan/2022-03-01-preview2"),
            Some(("plan", "2022-03-01-preview2"))
        );
        assert_eq!(
            parse_schema("https://product-ingestion.azureedge.net/schema/submission/2022-07-01"),
            Some(("submission", "2022-07-01"))
        );
        assert_eq!(
            parse_schema("https://example.com/schema/plan/2022-07-01"),
            None
        );
        assert_eq!(
            parse_schema("https://schema.mp.microsoft.com/schema/plan/2022-3-1"),
            None
        );
        assert_eq!(
            parse_schema("https://schema.mp.microsoft.com/schema/plan/2022-03-01-previewX"),
            None
        );
    }

    #[test]
    fn every_catalogue_resource_has_a_schema_an_id_and_its_references() {
        let guid = "11111111-2222-4333-8444-555555555555";
        for resource in catalogue(guid, "alpha", "Alpha") {
            let id = resource["id"].as_str().unwrap();
            let (kind, _) = parse_schema(resource["$schema"].as_str().unwrap()).unwrap();
            assert_eq!(kind, type_of(id), "{resource}");
            assert!(KNOWN_TYPES.contains(&kind));
            if kind != "product" {
                assert_eq!(resource["product"], json!(format!("product/{guid}")));
            }
            if PLAN_TYPES.contains(&kind) {
                assert!(resource["plan"].as_str().unwrap().starts_with("plan/"));
            }
        }
    }
}
