//! The blob a SAS URI leads to, judged from what the storage account said of it: there and
//! readable, a page blob, and a fixed-size VHD (a whole number of MiB plus its 512-byte footer,
//! the footer's cookie, disk type and checksum right). Certification refuses anything else,
//! days later; these say so before the publish.

use crate::domain::image::blob::{
    BlobFacts, DISK_DIFFERENCING, DISK_DYNAMIC, DISK_FIXED, VHD_FOOTER, footer_checksum,
};

use super::Failure;

const MIB: u64 = 1 << 20;

fn be_u32(bytes: &[u8], at: usize) -> u32 {
    let mut word = [0u8; 4];
    word.copy_from_slice(&bytes[at..at + 4]);
    u32::from_be_bytes(word)
}

fn be_u64(bytes: &[u8], at: usize) -> u64 {
    let mut word = [0u8; 8];
    word.copy_from_slice(&bytes[at..at + 8]);
    u64::from_be_bytes(word)
}

/// Every way the blob fails to be a VHD certification takes.
pub fn check(facts: &BlobFacts) -> Vec<Failure> {
    let code = facts
        .error_code
        .as_deref()
        .map(|c| format!(" ({c})"))
        .unwrap_or_default();
    match facts.status {
        200 => {}
        403 => {
            return vec![Failure::new(
                "blob",
                format!(
                    "the storage account refused the SAS{code}: it is expired, revoked, or signed for another blob; mint a new one with read and list"
                ),
            )];
        }
        404 => {
            return vec![Failure::new(
                "blob",
                format!(
                    "there is no blob at that URI{code}: check the container and blob name (the upload may not have finished)"
                ),
            )];
        }
        status => {
            return vec![Failure::new(
                "blob",
                format!("the storage account answered HTTP {status}{code} to a HEAD of the blob"),
            )];
        }
    }
    let mut failures = Vec::new();
    match facts.blob_type.as_deref() {
        Some("PageBlob") => {}
        Some(other) => failures.push(Failure::new(
            "blob_type",
            format!("the blob is a {other}: Azure boots VHDs from page blobs only; copy it as one (azcopy copy … --blob-type PageBlob)"),
        )),
        None => failures.push(Failure::new(
            "blob_type",
            "the storage account did not say the blob's type (x-ms-blob-type): certification needs a page blob",
        )),
    }
    let Some(length) = facts.length else {
        failures.push(Failure::new(
            "size",
            "the storage account did not say the blob's size",
        ));
        return failures;
    };
    if length <= VHD_FOOTER || !(length - VHD_FOOTER).is_multiple_of(MIB) {
        failures.push(Failure::new(
            "size",
            format!("the blob is {length} bytes: a fixed VHD is a whole number of MiB plus its 512-byte footer; resize the disk to a whole MiB before converting it (qemu-img resize, Resize-VHD)"),
        ));
    }
    let Some(footer) = facts
        .footer
        .as_deref()
        .filter(|f| f.len() == VHD_FOOTER as usize)
    else {
        if length > VHD_FOOTER {
            failures.push(Failure::new("footer", "the VHD's footer could not be read"));
        }
        return failures;
    };
    if &footer[..8] != b"conectix" {
        failures.push(Failure::new(
            "footer",
            "the blob does not end with a VHD footer (no \"conectix\" cookie): it is not a VHD, or it was cut short in the upload (convert it with qemu-img convert -O vpc -o subformat=fixed,force_size)",
        ));
        return failures;
    }
    match be_u32(footer, 60) {
        DISK_FIXED => {}
        DISK_DYNAMIC => failures.push(Failure::new(
            "disk_type",
            "the VHD is dynamically sized: Azure takes fixed-size VHDs only (qemu-img convert -O vpc -o subformat=fixed,force_size, or Convert-VHD -VHDType Fixed)",
        )),
        DISK_DIFFERENCING => failures.push(Failure::new(
            "disk_type",
            "the VHD is a differencing disk: merge it into its parent and convert it to a fixed-size VHD",
        )),
        other => failures.push(Failure::new(
            "disk_type",
            format!("the VHD's footer names disk type {other}, not a fixed disk (2)"),
        )),
    }
    let stored = be_u32(footer, 64);
    if stored != footer_checksum(footer) {
        failures.push(Failure::new(
            "footer",
            "the VHD footer's checksum is wrong: the file is damaged; convert or upload it again",
        ));
    }
    let size = be_u64(footer, 48);
    if size != length - VHD_FOOTER && failures.is_empty() {
        failures.push(Failure::new(
            "size",
            format!("the VHD says its disk is {size} bytes, but the blob holds {} before the footer: it was cut or padded in the upload", length - VHD_FOOTER),
        ));
    }
    failures
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::image::blob::footer;

    const GIB30: u64 = 30 << 30;

    fn good() -> BlobFacts {
        BlobFacts {
            status: 200,
            error_code: None,
            blob_type: Some("PageBlob".into()),
            length: Some(GIB30 + VHD_FOOTER),
            footer: Some(footer(GIB30, DISK_FIXED)),
        }
    }

    fn checks(facts: &BlobFacts) -> Vec<&'static str> {
        check(facts).iter().map(|f| f.check).collect()
    }

    #[test]
    fn a_fixed_vhd_in_a_page_blob_passes() {
        assert!(check(&good()).is_empty(), "{:?}", check(&good()));
    }

    #[test]
    fn each_way_a_blob_fails_certification_is_named() {
        let block = BlobFacts {
            blob_type: Some("BlockBlob".into()),
            ..good()
        };
        assert_eq!(checks(&block), ["blob_type"]);
        assert!(check(&block)[0].reason.contains("page blob"));
        let dynamic = BlobFacts {
            footer: Some(footer(GIB30, DISK_DYNAMIC)),
            ..good()
        };
        assert_eq!(checks(&dynamic), ["disk_type"]);
        assert!(check(&dynamic)[0].reason.contains("fixed-size"));
        let odd = BlobFacts {
            length: Some(GIB30 + 4096 + VHD_FOOTER),
            footer: Some(footer(GIB30 + 4096, DISK_FIXED)),
            ..good()
        };
        assert_eq!(checks(&odd), ["size"]);
        let mut damaged = footer(GIB30, DISK_FIXED);
        damaged[100] ^= 0xff;
        let damaged = BlobFacts {
            footer: Some(damaged),
            ..good()
        };
        assert_eq!(checks(&damaged), ["footer"]);
        let not_vhd = BlobFacts {
            footer: Some(vec![0u8; 512]),
            ..good()
        };
        assert_eq!(checks(&not_vhd), ["footer"]);
        let refused = BlobFacts {
            status: 403,
            error_code: Some("AuthenticationFailed".into()),
            ..BlobFacts::default()
        };
        let said = check(&refused);
        assert_eq!(said.len(), 1);
        assert!(
            said[0]
                .reason
                .contains("refused the SAS (AuthenticationFailed)"),
            "{said:?}"
        );
        let missing = BlobFacts {
            status: 404,
            ..BlobFacts::default()
        };
        assert!(check(&missing)[0].reason.contains("no blob"));
    }
}
