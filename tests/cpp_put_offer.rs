//! `PUT offer` on the simulated Cloud Partner Portal API, over real HTTP on loopback: GET gives
//! an ETag, PUT with it (or `*`) changes what later GETs return, a stale ETag is 412, an
//! existing offer without If-Match is 409, a new offer is 201 (cpp-api.md §4, E6, §14.1).

mod common;

use serde_json::{Value, json};

const IMAGES: &str = "microsoft-azure-virtualmachines.vmImages";

struct Cpp {
    http: reqwest::Client,
    base: String,
    token: String,
}

impl Cpp {
    async fn new(sim: &offerdeck::sim::Simulator) -> Cpp {
        let http = reqwest::Client::new();
        let root = sim.base_url().to_string();
        let form = [
            ("grant_type", "client_credentials"),
            ("client_id", "offerdeck-demo"),
            ("client_secret", "demo-secret"),
            ("resource", "https://cloudpartner.azure.com"),
        ];
        let answer: Value = http
            .post(format!("{root}t/oauth2/token"))
            .form(&form)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        Cpp {
            http,
            base: format!("{root}api/publishers/contoso/offers"),
            token: answer["access_token"].as_str().unwrap().to_string(),
        }
    }

    async fn get(&self, offer: &str) -> (u16, Value, Option<String>) {
        let r = self
            .http
            .get(format!("{}/{offer}?api-version=2017-10-31", self.base))
            .bearer_auth(&self.token)
            .send()
            .await
            .unwrap();
        let etag = r
            .headers()
            .get("etag")
            .map(|v| v.to_str().unwrap().to_string());
        (r.status().as_u16(), r.json().await.unwrap(), etag)
    }

    async fn put(
        &self,
        offer: &str,
        if_match: Option<&str>,
        body: &Value,
    ) -> (u16, Value, Option<String>) {
        let mut request = self
            .http
            .put(format!("{}/{offer}?api-version=2017-10-31", self.base))
            .bearer_auth(&self.token)
            .json(body);
        if let Some(tag) = if_match {
            request = request.header("If-Match", tag);
        }
        let r = request.send().await.unwrap();
        let etag = r
            .headers()
            .get("etag")
            .map(|v| v.to_str().unwrap().to_string());
        (r.status().as_u16(), r.json().await.unwrap(), etag)
    }
}

#[tokio::test]
async fn get_then_put_with_if_match_changes_the_offer_and_a_stale_etag_is_refused() {
    let sim = common::manual_simulator().await;
    let cpp = Cpp::new(&sim).await;
    let (code, mut offer, etag) = cpp.get("contoso-vm").await;
    assert_eq!(code, 200);
    let etag = etag.expect("GET offer sends an ETag");
    assert!(
        etag.starts_with("W/\"datetime'") && etag.contains("%3A"),
        "{etag}"
    );
    // What azure-img-utils 1.2.0 does to add an image version.
    offer["definition"]["plans"][0][IMAGES]["2026.01.05"] = json!({"osVhdUrl": "https://contoso.blob.core.windows.net/vhds/new.vhd?sig=x", "lunVhdDetails": []});
    let (code, stored, new_etag) = cpp.put("contoso-vm", Some(&etag), &offer).await;
    assert_eq!(code, 200, "{stored}");
    let new_etag = new_etag.expect("PUT answers the new ETag");
    assert_ne!(new_etag, etag);
    let (_, again, read_etag) = cpp.get("contoso-vm").await;
    assert!(
        again["definition"]["plans"][0][IMAGES]
            .get("2026.01.05")
            .is_some(),
        "{again}"
    );
    assert_eq!(read_etag.as_deref(), Some(new_etag.as_str()));

    let (code, body, _) = cpp.put("contoso-vm", Some(&etag), &offer).await;
    assert_eq!(code, 412, "{body}");
    let (code, body, _) = cpp.put("contoso-vm", None, &offer).await;
    assert_eq!(code, 409);
    assert_eq!(body["error"]["code"], "InvalidResourceId");
    assert_eq!(cpp.put("contoso-vm", Some("*"), &offer).await.0, 200);
    let mut untyped = offer.clone();
    untyped["offerTypeId"] = json!("");
    assert_eq!(cpp.put("contoso-vm", Some("*"), &untyped).await.0, 400);
    sim.stop().await;
}

#[tokio::test]
async fn a_new_offer_is_created_without_if_match() {
    let sim = common::manual_simulator().await;
    let cpp = Cpp::new(&sim).await;
    assert_eq!(cpp.get("contoso-new").await.0, 404);
    let body = json!({
        "publisherId": "contoso", "offerTypeId": "microsoft-azure-virtualmachines", "id": "contoso-new",
        "definition": {"displayText": "Contoso New", "offer": {}, "plans": [{"planId": "new-byol", IMAGES: {}}]},
    });
    let (code, created, etag) = cpp.put("contoso-new", None, &body).await;
    assert_eq!(code, 201, "{created}");
    assert_eq!(created["status"], "neverPublished");
    assert!(etag.is_some());
    let (code, read, _) = cpp.get("contoso-new").await;
    assert_eq!(code, 200);
    assert_eq!(read["definition"]["plans"][0]["planId"], "new-byol");
    sim.stop().await;
}
