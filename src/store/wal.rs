//! A look at the write-ahead log before SQLite opens it. SQLite's recovery stops at the first
//! frame whose checksum fails and drops everything after it without a word, committed
//! transactions included: a damaged byte in the log loses recorded operations silently. Here
//! the log is walked the way SQLite walks it, and damage followed by later committed frames (so
//! not a write torn by a crash, which is only ever the last) is reported.

use std::io::Read;
use std::path::Path;

const MAGIC_LITTLE: u32 = 0x377f_0682;
const MAGIC_BIG: u32 = 0x377f_0683;
const HEADER: usize = 32;
const FRAME_HEADER: usize = 24;

/// What the log says of itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum WalCheck {
    /// Absent, empty, or whole (a last transaction torn by a crash counts as whole: SQLite
    /// never committed it).
    Fine,
    /// Not a log SQLite wrote (its header is damaged): all of it will be ignored.
    BadHeader,
    /// Frame `at` (from 0) is damaged and committed frames follow it: they will be ignored.
    Damaged { at: usize, committed_after: usize },
}

fn word(bytes: &[u8], big: bool) -> u32 {
    let b = [bytes[0], bytes[1], bytes[2], bytes[3]];
    if big {
        u32::from_be_bytes(b)
    } else {
        u32::from_le_bytes(b)
    }
}

/// SQLite's log checksum: pairs of 32-bit words folded into two running sums.
fn checksum(data: &[u8], big: bool, (mut s1, mut s2): (u32, u32)) -> (u32, u32) {
    for pair in data.chunks_exact(8) {
        s1 = s1.wrapping_add(word(&pair[..4], big)).wrapping_add(s2);
        s2 = s2.wrapping_add(word(&pair[4..], big)).wrapping_add(s1);
    }
    (s1, s2)
}

/// Walks the log at `path`, a frame at a time (memory: one page).
pub(super) fn check(path: &Path) -> WalCheck {
    let Ok(file) = std::fs::File::open(path) else {
        return WalCheck::Fine;
    };
    let mut log = std::io::BufReader::new(file);
    let mut header = [0u8; HEADER];
    if log.read_exact(&mut header).is_err() {
        // Empty, or shorter than a header: nothing SQLite would have committed.
        return WalCheck::Fine;
    }
    let be = |at: usize| word(&header[at..at + 4], true);
    let big = match be(0) {
        MAGIC_LITTLE => false,
        MAGIC_BIG => true,
        _ => return WalCheck::BadHeader,
    };
    let page_size = be(8) as usize;
    let sums = checksum(&header[..24], big, (0, 0));
    if !(512..=65_536).contains(&page_size)
        || !page_size.is_power_of_two()
        || sums != (be(24), be(28))
    {
        return WalCheck::BadHeader;
    }
    let salts = (be(16), be(20));
    let mut frame = vec![0u8; FRAME_HEADER + page_size];
    let mut running = sums;
    let mut damaged: Option<usize> = None;
    let mut committed_after = 0;
    for at in 0.. {
        if log.read_exact(&mut frame).is_err() {
            break;
        }
        let fbe = |i: usize| word(&frame[i..i + 4], true);
        // Frames of an earlier generation of the log (other salts) are not part of it.
        if (fbe(8), fbe(12)) != salts {
            break;
        }
        match damaged {
            None => {
                let sums = checksum(
                    &frame[FRAME_HEADER..],
                    big,
                    checksum(&frame[..8], big, running),
                );
                if sums != (fbe(16), fbe(20)) {
                    damaged = Some(at);
                } else {
                    running = sums;
                }
            }
            // Past the damage the chain cannot be checked; a commit marker (the database's
            // size after it) with this generation's salts was written after the damaged frame.
            Some(_) if fbe(4) != 0 => committed_after += 1,
            Some(_) => {}
        }
    }
    match damaged {
        Some(at) if committed_after > 0 => WalCheck::Damaged {
            at,
            committed_after,
        },
        _ => WalCheck::Fine,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A log of `frames` one-page frames, each a commit, with a correct chain.
    fn log(frames: usize, page: usize) -> Vec<u8> {
        let mut out = vec![0u8; HEADER];
        out[..4].copy_from_slice(&MAGIC_BIG.to_be_bytes());
        out[4..8].copy_from_slice(&3_007_000u32.to_be_bytes());
        out[8..12].copy_from_slice(&(page as u32).to_be_bytes());
        out[16..20].copy_from_slice(&7u32.to_be_bytes());
        out[20..24].copy_from_slice(&9u32.to_be_bytes());
        let mut sums = checksum(&out[..24], true, (0, 0));
        out[24..28].copy_from_slice(&sums.0.to_be_bytes());
        out[28..32].copy_from_slice(&sums.1.to_be_bytes());
        for i in 0..frames {
            let mut frame = vec![0u8; FRAME_HEADER + page];
            frame[..4].copy_from_slice(&(i as u32 + 1).to_be_bytes());
            frame[4..8].copy_from_slice(&(i as u32 + 1).to_be_bytes());
            frame[8..12].copy_from_slice(&7u32.to_be_bytes());
            frame[12..16].copy_from_slice(&9u32.to_be_bytes());
            for (j, b) in frame[FRAME_HEADER..].iter_mut().enumerate() {
                *b = (i * 31 + j) as u8;
            }
            sums = checksum(
                &frame[FRAME_HEADER..],
                true,
                checksum(&frame[..8], true, sums),
            );
            frame[16..20].copy_from_slice(&sums.0.to_be_bytes());
            frame[20..24].copy_from_slice(&sums.1.to_be_bytes());
            out.extend(frame);
        }
        out
    }

    fn checked(bytes: &[u8]) -> WalCheck {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db-wal");
        std::fs::write(&path, bytes).unwrap();
        check(&path)
    }

    #[test]
    fn a_whole_log_and_a_torn_last_frame_are_fine_damage_before_a_commit_is_not() {
        let page = 512;
        let whole = log(4, page);
        assert_eq!(checked(&whole), WalCheck::Fine);
        assert_eq!(checked(&[]), WalCheck::Fine);
        // The last frame torn (a crash mid-write): SQLite never committed it.
        let mut torn = whole.clone();
        let last = torn.len() - 10;
        torn[last] ^= 0xff;
        assert_eq!(checked(&torn), WalCheck::Fine);
        // A byte flipped in the second frame: the two commits after it would be dropped.
        let mut flipped = whole.clone();
        flipped[HEADER + (FRAME_HEADER + page) + FRAME_HEADER + 5] ^= 0x01;
        assert_eq!(
            checked(&flipped),
            WalCheck::Damaged {
                at: 1,
                committed_after: 2
            }
        );
        // Random bytes where the header was.
        let mut noise = whole;
        noise[..4].copy_from_slice(b"junk");
        assert_eq!(checked(&noise), WalCheck::BadHeader);
    }
}
