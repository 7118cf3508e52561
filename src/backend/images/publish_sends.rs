//! What a publish would send: the draft against the preview, the same comparison as preview
//! against live (SAS re-signatures and volatile fields left out). CPP compares the offer's
//! `definition` (its status and version are the service's, not the publisher's); Product
//! Ingestion compares the trees without their submission resources (they always differ).

use crate::api::ApiError;
use crate::backend::Backend;
use crate::backend::ingestion::without_submissions;
use crate::domain::OfferId;
use crate::domain::diff::FieldChange;

/// The draft's changes that a publish would take to preview.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublishSends {
    /// Nothing was ever published to preview: the whole draft goes.
    pub no_preview: bool,
    pub fields: Vec<FieldChange>,
    /// What the comparison left out as noise, each said as a line.
    pub left_out: Vec<String>,
}

impl PublishSends {
    /// A publish would send nothing new: the draft is the preview.
    pub fn unchanged(&self) -> bool {
        !self.no_preview && self.fields.is_empty()
    }
}

impl Backend {
    /// What publishing `offer` now would send (see the module).
    pub async fn what_publish_sends(&self, offer: &OfferId) -> Result<PublishSends, ApiError> {
        let (draft, preview, mut left_out) = match self {
            Backend::Cpp(c) => {
                let (p, o) = (offer.publisher(), offer.offer());
                let draft = c.client.get_offer(p, o).await?.document["definition"].take();
                let preview = c
                    .client
                    .get_slot(p, o, "preview")
                    .await
                    .map(|mut d| d["definition"].take());
                (draft, preview, Vec::new())
            }
            Backend::Ingestion(i) => {
                let (draft, dropped) = without_submissions(i.tree(offer, "draft").await?);
                let preview = i
                    .tree(offer, "preview")
                    .await
                    .map(|r| without_submissions(r).0);
                let left_out = if dropped {
                    vec![
                        "the submission resources (they always differ between draft and preview)"
                            .into(),
                    ]
                } else {
                    Vec::new()
                };
                (draft, preview, left_out)
            }
        };
        match preview {
            Ok(preview) => {
                let compared = crate::domain::diff::diff(&preview, &draft);
                if compared.resigned_urls > 0 {
                    left_out.push(format!(
                        "{} address(es) that differ only in their SAS signature (signed anew on every read)",
                        compared.resigned_urls
                    ));
                }
                Ok(PublishSends {
                    no_preview: false,
                    fields: compared.fields,
                    left_out,
                })
            }
            Err(ApiError::NotFound(_)) => Ok(PublishSends {
                no_preview: true,
                fields: Vec::new(),
                left_out: Vec::new(),
            }),
            Err(e) => Err(e),
        }
    }
}
