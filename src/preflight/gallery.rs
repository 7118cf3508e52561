//! An Azure Compute Gallery image version, checked from its resource id and tenant: the shape
//! Partner Center takes (`/subscriptions/{guid}/resourceGroups/{rg}/providers/
//! Microsoft.Compute/galleries/{g}/images/{i}/versions/{v}`) and a tenant id that is a GUID.

use super::Failure;

fn is_guid(s: &str) -> bool {
    let groups: Vec<&str> = s.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, n)| g.len() == n && g.bytes().all(|b| b.is_ascii_hexdigit()))
}

const SHAPE: &str = "/subscriptions/GUID/resourceGroups/GROUP/providers/Microsoft.Compute/galleries/GALLERY/images/IMAGE/versions/X.Y.Z";

/// Every way the gallery source fails, in words.
pub fn check(resource_id: &str, tenant_id: Option<&str>) -> Vec<Failure> {
    let mut failures = Vec::new();
    let parts: Vec<&str> = resource_id.trim().trim_matches('/').split('/').collect();
    let fixed = [
        (0, "subscriptions"),
        (2, "resourceGroups"),
        (4, "providers"),
        (5, "Microsoft.Compute"),
        (6, "galleries"),
        (8, "images"),
        (10, "versions"),
    ];
    let shaped = parts.len() == 12
        && fixed
            .iter()
            .all(|(i, word)| parts[*i].eq_ignore_ascii_case(word))
        && [3, 7, 9, 11].iter().all(|i| !parts[*i].is_empty());
    let shown = crate::text::sanitize_line(resource_id);
    if !shaped {
        failures.push(Failure::new(
            "gallery_id",
            format!("{shown:?} is not the resource id of a gallery image version: it has the form {SHAPE}"),
        ));
    } else if !is_guid(parts[1]) {
        failures.push(Failure::new(
            "gallery_id",
            format!(
                "the subscription {:?} of the gallery id is not a GUID",
                parts[1]
            ),
        ));
    } else if crate::domain::image::VersionNumber::parse(parts[11]).is_err() {
        failures.push(Failure::new(
            "gallery_id",
            format!(
                "the gallery image version {:?} is not MAJOR.MINOR.PATCH",
                parts[11]
            ),
        ));
    }
    match tenant_id {
        None => failures.push(Failure::new(
            "tenant",
            "a gallery image needs the tenant its gallery is in: give --gallery-tenant TENANT_ID (Partner Center reads the image from there)",
        )),
        Some(t) if !is_guid(t.trim()) => failures.push(Failure::new(
            "tenant",
            format!("the tenant {:?} is not a GUID (Azure AD tenant ids are)", crate::text::sanitize_line(t)),
        )),
        Some(_) => {}
    }
    failures
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "/subscriptions/00000000-0000-4000-8000-000000000000/resourceGroups/images/providers/Microsoft.Compute/galleries/fabrikam/images/linux/versions/1.4.0";
    const TENANT: &str = "72f988bf-86f1-41af-91ab-2d7cd011db47";

    #[test]
    fn a_gallery_image_version_with_its_tenant_passes() {
        assert!(check(ID, Some(TENANT)).is_empty());
    }

    #[test]
    fn a_wrong_shape_or_tenant_is_named() {
        let image = ID.split("/versions/").next().unwrap();
        assert!(
            check(image, Some(TENANT))[0]
                .reason
                .contains("has the form")
        );
        assert!(check(ID, None)[0].reason.contains("--gallery-tenant"));
        assert!(check(ID, Some("contoso"))[0].reason.contains("not a GUID"));
        let bad_sub = ID.replace("00000000-0000-4000-8000-000000000000", "mysub");
        assert!(
            check(&bad_sub, Some(TENANT))[0]
                .reason
                .contains("subscription")
        );
    }
}
