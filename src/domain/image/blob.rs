//! What a storage account says of the blob a SAS URI names: the answer to a HEAD, and the last
//! 512 bytes (a VHD's footer). Read by the API layer, judged by the pre-flight checks.

/// What the blob's answers said; each part is `None` when it was not asked or not given.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BlobFacts {
    /// The HEAD's HTTP status.
    pub status: u16,
    /// The storage account's error code (`x-ms-error-code`: `AuthenticationFailed`,
    /// `BlobNotFound`…), on a refusal.
    pub error_code: Option<String>,
    /// `x-ms-blob-type`: `PageBlob`, `BlockBlob`, `AppendBlob`.
    pub blob_type: Option<String>,
    /// The blob's size in bytes.
    pub length: Option<u64>,
    /// The last 512 bytes, when the size allowed reading them.
    pub footer: Option<Vec<u8>>,
}

/// The size of a VHD's footer (and of the ranged read that fetches it).
pub const VHD_FOOTER: u64 = 512;

/// A footer's disk types (bytes 60..64, big-endian).
pub const DISK_FIXED: u32 = 2;
pub const DISK_DYNAMIC: u32 = 3;
pub const DISK_DIFFERENCING: u32 = 4;

/// A footer's checksum: the ones' complement of the sum of its bytes, the checksum's own four
/// (64..68) left out.
pub fn footer_checksum(footer: &[u8]) -> u32 {
    let sum = footer
        .iter()
        .enumerate()
        .filter(|(i, _)| !(64..68).contains(i))
        .fold(0u32, |sum, (_, b)| sum.wrapping_add(u32::from(*b)));
    !sum
}

/// A VHD footer for a disk of `size` bytes of `disk_type`, its checksum right (the layout of
/// Microsoft's VHD specification: cookie, features, version, data offset, sizes, type).
pub fn footer(size: u64, disk_type: u32) -> Vec<u8> {
    let mut f = vec![0u8; VHD_FOOTER as usize];
    f[..8].copy_from_slice(b"conectix");
    f[8..12].copy_from_slice(&2u32.to_be_bytes());
    f[12..16].copy_from_slice(&0x0001_0000u32.to_be_bytes());
    // A fixed disk has no dynamic header: the data offset is all ones.
    f[16..24].copy_from_slice(&u64::MAX.to_be_bytes());
    f[28..32].copy_from_slice(b"odck");
    f[40..48].copy_from_slice(&size.to_be_bytes());
    f[48..56].copy_from_slice(&size.to_be_bytes());
    f[60..64].copy_from_slice(&disk_type.to_be_bytes());
    let sum = footer_checksum(&f);
    f[64..68].copy_from_slice(&sum.to_be_bytes());
    f
}
