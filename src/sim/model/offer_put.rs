//! `PUT …/offers/{o}`: create or modify an offer, with the ETag / If-Match rules of the CPP
//! reference (§4, E6): `If-Match` with the ETag of the last GET (or `*`) modifies (200), a
//! stale ETag is refused (412), an existing offer without `If-Match` is a 409
//! `InvalidResourceId` (as observed in 2020), and a new offer is created without `If-Match`
//! (201). The stored definition is what later GETs return, whole.

use serde_json::Value;

use super::reads::etag_of;
use super::{Moment, SimState, error_body, key};
use crate::sim::catalogue::OfferSpec;

/// What a PUT answers: a status, a body and, on success, the new ETag.
#[derive(Debug, Clone, PartialEq)]
pub struct PutOutcome {
    pub status: u16,
    pub body: Value,
    pub etag: Option<String>,
}

fn refused(status: u16, code: &str, message: &str) -> PutOutcome {
    PutOutcome {
        status,
        body: error_body(code, message),
        etag: None,
    }
}

impl SimState {
    pub fn put_offer(
        &mut self,
        publisher: &str,
        offer: &str,
        if_match: Option<&str>,
        body: &Value,
        now: Moment,
    ) -> PutOutcome {
        if body["offerTypeId"].as_str().is_none_or(str::is_empty) {
            return refused(
                400,
                "BadRequest",
                "The argument: 'OfferTypeId' cannot be null or empty.",
            );
        }
        if let Some(id) = body["id"].as_str()
            && !id.eq_ignore_ascii_case(offer)
        {
            return refused(
                400,
                "BadRequest",
                &format!("The offer id '{id}' in the body is not the offer '{offer}' of the URL."),
            );
        }
        let Some(definition) = body.get("definition").filter(|d| d.is_object()) else {
            return refused(
                400,
                "BadRequest",
                "The argument: 'Definition' cannot be null or empty.",
            );
        };
        let k = key(publisher, offer);
        let created = match (self.offers.get(&k), if_match) {
            (Some(_), None) => {
                return refused(
                    409,
                    "InvalidResourceId",
                    "Offer ID already exists. If you wanted to update an existing offer, please ensure If-Match header is specified as per documentation.",
                );
            }
            (Some(o), Some(tag)) if tag.trim() != "*" && tag.trim() != etag_of(o) => {
                return refused(
                    412,
                    "PreconditionFailed",
                    "The offer was changed since it was read: the If-Match ETag is not the current one.",
                );
            }
            (Some(_), Some(_)) => false,
            // If-Match on an offer that does not exist cannot match (HTTP's rule).
            (None, Some(_)) => {
                return refused(
                    412,
                    "PreconditionFailed",
                    "The offer does not exist: an If-Match ETag cannot match it.",
                );
            }
            (None, None) => true,
        };
        if created {
            let mut spec = OfferSpec::plain(publisher, offer);
            if let Some(display) = definition["displayText"].as_str() {
                spec.display = display.to_string();
            }
            self.add_offer(spec, now);
        }
        let Some(o) = self.offers.get_mut(&k) else {
            return refused(500, "InternalServerError", "The offer was lost.");
        };
        // A new ETag on every change, even two in the same instant of a manual clock.
        o.changed = if now > o.changed {
            now
        } else {
            o.changed + chrono::Duration::microseconds(1)
        };
        o.definition = Some(definition.clone());
        if let Some(display) = definition["displayText"].as_str() {
            o.spec.display = display.to_string();
        }
        let Some(o) = self.offers.get(&k) else {
            return refused(500, "InternalServerError", "The offer was lost.");
        };
        let version = self.offer_version(o, now);
        match self.offer_document(o, now, version, o.definition.as_ref()) {
            Some((body, etag)) => PutOutcome {
                status: if created { 201 } else { 200 },
                body,
                etag: Some(etag),
            },
            None => refused(
                500,
                "InternalServerError",
                "The offer could not be read back.",
            ),
        }
    }

    /// Someone else edits the offer's draft right after each of its next `reads` reads (a
    /// colleague in the portal): the scenario of an `If-Match` write that meets a 412.
    pub fn edit_after_reads(&mut self, publisher: &str, offer: &str, reads: u32) {
        if let Some(o) = self.offers.get_mut(&key(publisher, offer)) {
            o.edits_after_read = reads;
        }
    }

    /// Called after a read of the offer: the colleague's edit, if one is due. It changes the
    /// summary (and so the ETag), as a portal edit would.
    pub fn after_read(&mut self, publisher: &str, offer: &str, now: Moment) {
        let k = key(publisher, offer);
        let Some(o) = self.offers.get(&k) else {
            return;
        };
        if o.edits_after_read == 0 {
            return;
        }
        let version = self.offer_version(o, now);
        let current = self
            .offer_document(o, now, version, o.definition.as_ref())
            .map(|(doc, _)| doc["definition"].clone());
        let Some(o) = self.offers.get_mut(&k) else {
            return;
        };
        o.edits_after_read -= 1;
        let Some(mut definition) = current else {
            return;
        };
        definition["offer"]["microsoft-azure-marketplace.summary"] = Value::String(format!(
            "Edited in the portal at {}",
            now.format("%H:%M:%S%.6f")
        ));
        o.definition = Some(definition);
        o.changed = if now > o.changed {
            now
        } else {
            o.changed + chrono::Duration::microseconds(1)
        };
    }
}
