//! What the simulated service checks in a configure request before it accepts it: the schema
//! of every resource, its references (`product`, `plan`), and the technical configuration's
//! image versions against the plan's skus. A refusal is a 400 whose schemaValidationError
//! detail names the field (`resources[0].vmImageVersions[1].versionNumber: …`), the shape of
//! the reference §5.1; the field path in the message is how the simulator names it [INF].

use std::collections::HashSet;

use serde_json::{Value, json};

use super::resources::{
    KNOWN_TYPES, PLAN_TYPES, RETIRED_SCHEMA_HOST, SCHEMA_HOST, Target, parse_schema, plan_guid,
    product_guid, type_of,
};
use super::{Answer, IngestionSim, error};

/// One resource of a request, checked: its type, its product and the resource as it will be
/// stored (durable id given, references as durable ids).
#[derive(Debug, Clone)]
pub(super) struct Checked {
    pub(super) kind: String,
    pub(super) guid: String,
    pub(super) resource: Value,
    /// The `resourceName` other resources of the request may refer to it by (not stored).
    pub(super) name: Option<String>,
}

impl Checked {
    pub(super) fn target(&self) -> Option<Target> {
        Target::parse(self.resource["target"]["targetType"].as_str()?)
    }
}

/// A 400 whose detail names the field at fault.
pub(super) fn invalid(field: &str, message: &str) -> Answer {
    error(
        400,
        "badRequest",
        "Invalid configuration: schema validation failed",
        json!([{"code": "schemaValidationError", "message": format!("{field}: {message}"), "details": []}]),
    )
}

fn not_found(field: &str, what: &str) -> Answer {
    error(
        404,
        "notFound",
        "Resource not found",
        json!([{"code": "resourceNotFound", "message": format!("{field}: {what} does not exist"), "details": []}]),
    )
}

impl IngestionSim {
    /// Checks a whole configure request; the resources as they will be applied, or the
    /// refusal.
    pub(super) fn check(&self, body: &Value) -> Result<Vec<Checked>, Answer> {
        let strict = self.strict.require_schema_host;
        match body.get("$schema").and_then(Value::as_str) {
            Some(uri) => self.check_schema(uri, "$schema", Some("configure"))?,
            None if strict => return Err(invalid("$schema", "Required property is missing.")),
            None => {}
        };
        let resources = body.get("resources").and_then(Value::as_array);
        let Some(resources) = resources.filter(|r| !r.is_empty()) else {
            return Err(invalid(
                "resources",
                "Array must hold at least one resource (minItems 1).",
            ));
        };
        let mut checked: Vec<Checked> = Vec::new();
        for (i, resource) in resources.iter().enumerate() {
            let one = self.check_resource(resource, &format!("resources[{i}]"), &checked)?;
            checked.push(one);
        }
        if checked.windows(2).any(|w| w[0].guid != w[1].guid) {
            return Err(invalid(
                "resources",
                "The simulator takes the resources of one product per request.",
            ));
        }
        if checked.iter().filter(|c| c.kind == "submission").count() > 1 {
            return Err(invalid(
                "resources",
                "At most one submission resource per request.",
            ));
        }
        Ok(checked)
    }

    fn check_schema(&self, uri: &str, field: &str, want: Option<&str>) -> Result<(), Answer> {
        let Some((kind, _)) = parse_schema(uri) else {
            return Err(invalid(field, &format!("'{uri}' is not a known schema.")));
        };
        let resource_type = !matches!(kind, "configure" | "resource-tree" | "configure-detail");
        let known = KNOWN_TYPES.contains(&kind)
            && match want {
                Some(want) => kind == want,
                None => resource_type,
            };
        if !known {
            return Err(invalid(field, &format!("'{uri}' is not a known schema.")));
        }
        if self.strict.require_schema_host && !uri.starts_with(SCHEMA_HOST) {
            let host = if uri.starts_with(RETIRED_SCHEMA_HOST) {
                "the retired host product-ingestion.azureedge.net"
            } else {
                "an unknown host"
            };
            return Err(invalid(
                field,
                &format!("'{uri}' names {host}; schemas live on {SCHEMA_HOST}"),
            ));
        }
        Ok(())
    }

    fn check_resource(
        &self,
        resource: &Value,
        at: &str,
        earlier: &[Checked],
    ) -> Result<Checked, Answer> {
        let field = |name: &str| format!("{at}.{name}");
        if !resource.is_object() {
            return Err(invalid(at, "A resource is a JSON object."));
        }
        let id = resource.get("id").and_then(Value::as_str);
        let kind = match resource.get("$schema").and_then(Value::as_str) {
            Some(uri) => {
                self.check_schema(uri, &field("$schema"), None)?;
                parse_schema(uri).map_or("", |(kind, _)| kind).to_string()
            }
            // Without a schema the id still says what the resource is (the strict service
            // insists on the schema).
            None if !self.strict.require_schema_host => id.map(type_of).unwrap_or("").to_string(),
            None => String::new(),
        };
        if kind.is_empty() {
            return Err(invalid(&field("$schema"), "Required property is missing."));
        }
        if let Some(id) = id.filter(|id| type_of(id) != kind) {
            return Err(invalid(
                &field("id"),
                &format!("'{id}' is not the durable id of a {kind} resource."),
            ));
        }
        let guid = if kind == "product" {
            self.product_itself(resource, at)?
        } else {
            let Some(reference) = resource.get("product") else {
                return Err(invalid(&field("product"), "Required property is missing."));
            };
            self.product_of(reference)
                .ok_or_else(|| not_found(&field("product"), "The product"))?
        };
        let mut stored = resource.clone();
        stored["product"] = json!(format!("product/{guid}"));
        // Stored, and read back, under the current host (the service answers with its own).
        if let Some(uri) = resource["$schema"].as_str()
            && let Some(rest) = uri.strip_prefix(RETIRED_SCHEMA_HOST)
        {
            stored["$schema"] = json!(format!("{SCHEMA_HOST}{rest}"));
        }
        if kind == "product" {
            if let Some(object) = stored.as_object_mut() {
                object.remove("product");
            }
            stored["id"] = json!(format!("product/{guid}"));
        }
        if kind == "submission" {
            let target = resource["target"]["targetType"].as_str();
            if target.and_then(Target::parse).is_none() {
                return Err(invalid(
                    &field("target.targetType"),
                    "Required; one of draft, preview, live.",
                ));
            }
        } else if PLAN_TYPES.contains(&kind.as_str()) {
            let plan = self.plan_of(&guid, resource.get("plan"), earlier, &field("plan"))?;
            stored["plan"] = json!(plan);
            if id.is_none() {
                let plan_part = plan.rsplit('/').next().unwrap_or_default();
                stored["id"] = json!(self.existing_for_plan(&guid, &kind, &plan).unwrap_or_else(
                    || match kind.as_str() {
                        "plan-listing" => format!("{kind}/{guid}/public/main/{plan_part}/en-us"),
                        _ => format!("{kind}/{guid}/{plan_part}"),
                    }
                ));
            }
            if kind.ends_with("virtual-machine-plan-technical-configuration") {
                self.check_images(&guid, &stored, at)?;
            }
        } else if kind == "plan" && id.is_none() {
            let Some(name) = resource["identity"]["externalId"].as_str() else {
                return Err(invalid(
                    &field("identity.externalId"),
                    "A new plan needs an external id.",
                ));
            };
            let plans = self.draft_of(&guid).iter().filter(|r| is_plan(r)).count();
            let known = self.plan_named(&guid, name);
            stored["id"] = json!(
                known.unwrap_or_else(|| format!("plan/{guid}/{}", plan_guid(&guid, plans + 1)))
            );
        } else if id.is_none() && kind != "product" {
            // An offer-level resource: the product has one of each (listings per language
            // aside, which the simulator keeps to one).
            stored["id"] = json!(
                self.draft_of(&guid)
                    .iter()
                    .find(|r| type_of(r["id"].as_str().unwrap_or_default()) == kind)
                    .and_then(|r| r["id"].as_str())
                    .map_or_else(|| format!("{kind}/{guid}"), str::to_string)
            );
        }
        // `resourceName` names a resource for the others of the same request only.
        let name = stored
            .as_object_mut()
            .and_then(|object| object.remove("resourceName"))
            .and_then(|name| name.as_str().map(str::to_string));
        Ok(Checked {
            kind,
            guid,
            resource: stored,
            name,
        })
    }

    /// The product a `product` resource is about: by its durable id or its external id.
    fn product_itself(&self, resource: &Value, at: &str) -> Result<String, Answer> {
        if let Some(id) = resource.get("id") {
            return self
                .product_of(id)
                .ok_or_else(|| not_found(&format!("{at}.id"), "The product"));
        }
        match resource.get("identity") {
            Some(identity) => self
                .product_of(identity)
                .ok_or_else(|| not_found(&format!("{at}.identity.externalId"), "The product")),
            None => Err(invalid(
                &format!("{at}.identity"),
                "Required property is missing.",
            )),
        }
    }

    /// The plan a reference names: a durable id, `{"externalId"}` of a plan of the product, or
    /// `{"resourceName"}` of a plan earlier in the same request.
    fn plan_of(
        &self,
        guid: &str,
        reference: Option<&Value>,
        earlier: &[Checked],
        field: &str,
    ) -> Result<String, Answer> {
        let Some(reference) = reference else {
            return Err(invalid(field, "Required property is missing."));
        };
        let found = if let Some(durable) = reference.as_str() {
            let lower = durable.to_ascii_lowercase();
            let known = self.draft_of(guid).iter().any(|r| r["id"] == json!(lower))
                || earlier.iter().any(|c| c.resource["id"] == json!(lower));
            known.then_some(lower)
        } else if let Some(name) = reference["externalId"].as_str() {
            self.plan_named(guid, name)
        } else if let Some(name) = reference["resourceName"].as_str() {
            earlier
                .iter()
                .find(|c| c.kind == "plan" && c.name.as_deref() == Some(name))
                .and_then(|c| c.resource["id"].as_str().map(str::to_string))
        } else {
            None
        };
        found.ok_or_else(|| {
            invalid(
                field,
                &format!("{reference} names no plan of product/{guid}."),
            )
        })
    }

    fn plan_named(&self, guid: &str, name: &str) -> Option<String> {
        self.draft_of(guid)
            .iter()
            .filter(|r| is_plan(r))
            .find(|r| {
                r["identity"]["externalId"]
                    .as_str()
                    .is_some_and(|n| n.eq_ignore_ascii_case(name))
            })
            .and_then(|r| r["id"].as_str().map(str::to_string))
    }

    fn existing_for_plan(&self, guid: &str, kind: &str, plan: &str) -> Option<String> {
        self.draft_of(guid)
            .iter()
            .find(|r| type_of(r["id"].as_str().unwrap_or_default()) == kind && r["plan"] == plan)
            .and_then(|r| r["id"].as_str().map(str::to_string))
    }

    /// A technical configuration's skus and image versions: each version once, each image of
    /// a type the plan's skus have, each source complete.
    fn check_images(&self, guid: &str, config: &Value, at: &str) -> Result<(), Answer> {
        let skus = match config.get("skus") {
            Some(Value::Array(skus)) => skus.clone(),
            Some(_) => return Err(invalid(&format!("{at}.skus"), "Must be an array.")),
            None => self
                .draft_of(guid)
                .iter()
                .find(|r| r["id"] == config["id"])
                .and_then(|r| r["skus"].as_array().cloned())
                .unwrap_or_default(),
        };
        if !(1..=2).contains(&skus.len()) {
            return Err(invalid(&format!("{at}.skus"), "Must hold 1 to 2 skus."));
        }
        let mut types = HashSet::new();
        for (k, sku) in skus.iter().enumerate() {
            for name in ["skuId", "imageType"] {
                if sku[name].as_str().is_none_or(str::is_empty) {
                    return Err(invalid(
                        &format!("{at}.skus[{k}].{name}"),
                        "Required property is missing.",
                    ));
                }
            }
            types.insert(sku["imageType"].as_str().unwrap_or_default().to_string());
        }
        let Some(versions) = config.get("vmImageVersions") else {
            return Ok(());
        };
        let Some(versions) = versions.as_array() else {
            return Err(invalid(
                &format!("{at}.vmImageVersions"),
                "Must be an array.",
            ));
        };
        let plan = config["plan"].as_str().unwrap_or_default();
        let mut seen = HashSet::new();
        for (j, version) in versions.iter().enumerate() {
            let here = format!("{at}.vmImageVersions[{j}]");
            let Some(number) = version["versionNumber"].as_str().filter(|n| !n.is_empty()) else {
                return Err(invalid(
                    &format!("{here}.versionNumber"),
                    "Required property is missing.",
                ));
            };
            if !seen.insert(number) {
                return Err(invalid(
                    &format!("{here}.versionNumber"),
                    &format!("The version {number} already exists on {plan}."),
                ));
            }
            if let Some(state) = version.get("lifecycleState").and_then(Value::as_str)
                && !matches!(state, "generallyAvailable" | "deprecated" | "deleted")
            {
                return Err(invalid(
                    &format!("{here}.lifecycleState"),
                    &format!("'{state}' is not one of generallyAvailable, deprecated, deleted."),
                ));
            }
            let images = version["vmImages"].as_array().cloned().unwrap_or_default();
            for (k, image) in images.iter().enumerate() {
                check_image(image, &format!("{here}.vmImages[{k}]"), &types, plan)?;
            }
        }
        Ok(())
    }
}

fn is_plan(resource: &Value) -> bool {
    type_of(resource["id"].as_str().unwrap_or_default()) == "plan"
}

fn check_image(image: &Value, at: &str, types: &HashSet<String>, plan: &str) -> Result<(), Answer> {
    let image_type = image["imageType"].as_str().unwrap_or_default();
    if !types.contains(image_type) {
        let mut known: Vec<&str> = types.iter().map(String::as_str).collect();
        known.sort_unstable();
        return Err(invalid(
            &format!("{at}.imageType"),
            &format!(
                "'{image_type}' is not an image type of the skus of {plan} ({}).",
                known.join(", ")
            ),
        ));
    }
    let source = &image["source"];
    match source["sourceType"].as_str() {
        Some("sasUri") if source["osDisk"]["uri"].as_str().is_none_or(str::is_empty) => {
            Err(invalid(
                &format!("{at}.source.osDisk.uri"),
                "Required property is missing.",
            ))
        }
        Some("sharedImageGallery")
            if source["sharedImage"]["resourceId"]
                .as_str()
                .is_none_or(str::is_empty) =>
        {
            Err(invalid(
                &format!("{at}.source.sharedImage.resourceId"),
                "Required property is missing.",
            ))
        }
        Some("sasUri" | "sharedImageGallery") => Ok(()),
        _ => Err(invalid(
            &format!("{at}.source.sourceType"),
            "Must be sasUri or sharedImageGallery.",
        )),
    }
}

/// The GUID of a product reference that is a durable id.
pub(super) fn durable_product(reference: &str) -> Option<String> {
    product_guid(reference).map(str::to_ascii_lowercase)
}
