//! Verified decryption of WhatsApp Flows media (PhotoPicker/DocumentPicker uploads).
//!
//! `cdn_file = ciphertext ‖ hmac10`. Checks, in this order: SHA-256(cdn_file) == encrypted_hash;
//! HMAC-SHA256(hmac_key, iv ‖ ciphertext)[..10] == hmac10; AES-256-CBC decryption with PKCS#7 padding;
//! SHA-256(plaintext) == plaintext_hash. Comparisons are constant-time.
//!
//! `MediaDecryptor` is a streaming state: `update` runs all four computations over each chunk and holds back
//! only the last 26..=41 bytes (the tag and the possibly-final block), so memory is bounded by the chunk size.
//! Bytes it returns from `update` are NOT verified until `finish` succeeds. A `MediaMode::Verify` decryptor runs
//! only the two checks over the ciphertext (nothing decrypted), and a `MediaMode::Decrypt` one only the other two,
//! so a download can be authenticated before a single byte of plaintext exists.
//!
//! Parallelism: the work is four passes: SHA-256 of the file, HMAC of the ciphertext, CBC decryption and
//! SHA-256 of the plaintext. The file hash and the HMAC read the same bytes, so they advance together with their
//! SHA-256 rounds interleaved (`sha256x2`), which nearly doubles what one core hashes. `update_with` splits each
//! large chunk into two halves of about equal cost, (decryption + plaintext hash) | (file hash + HMAC), and runs
//! them through a caller-supplied [`Join`]. The addon passes `rayon::join` on its own pool: the second half runs on an idle core if there is
//! one and right after the first otherwise, so a batch of files never starts more threads than there are cores.
use aes::cipher::inout::InOutBuf;
use aes::cipher::{BlockModeDecrypt, KeyIvInit};
use aes::Aes256;
use sha2::Digest;
use zeroize::{Zeroize, Zeroizing};

use crate::ct;
use crate::{Error, MediaErrorKind};

use crate::sha256x2::{update2, HmacSha256, Sha256 as Sha256x2};
type Sha256 = sha2::Sha256;
type Aes256CbcDec = cbc::Decryptor<Aes256>;

pub const HMAC_TAG_LEN: usize = 10;
const BLOCK: usize = 16;
/// A valid file holds at least one ciphertext block and the truncated HMAC.
pub const MIN_FILE_LEN: usize = BLOCK + HMAC_TAG_LEN;
/// Decryption and the plaintext hash alternate over segments of this size (the plaintext is hashed while in L2).
const SEGMENT: usize = 64 * 1024;
/// Below this many bytes per update everything runs on the calling thread (a join would cost more).
const PARALLEL_THRESHOLD: usize = 128 * 1024;

/// Runs two closures, possibly at the same time: `a` on the calling thread first, `b` wherever the
/// implementation likes. `b` may wait for something `a` does, never the other way round, so running them one
/// after the other (`Sequential`) is always correct.
pub trait Join: Sync {
    fn join(&self, a: &mut (dyn FnMut() + Send), b: &mut (dyn FnMut() + Send));
}

/// Runs `a`, then `b`, on the calling thread.
pub struct Sequential;

impl Join for Sequential {
    fn join(&self, a: &mut (dyn FnMut() + Send), b: &mut (dyn FnMut() + Send)) {
        a();
        b();
    }
}

/// Runs `b` on a scoped thread while `a` runs on the calling thread.
pub struct Threads;

impl Join for Threads {
    fn join(&self, a: &mut (dyn FnMut() + Send), b: &mut (dyn FnMut() + Send)) {
        std::thread::scope(|s| {
            let hb = s.spawn(b);
            a();
            // A panic on the helper thread is re-raised here, where the caller's catch_unwind sees it.
            if let Err(p) = hb.join() {
                std::panic::resume_unwind(p);
            }
        });
    }
}

/// The decoded `encryption_metadata` of one media item.
pub struct MediaKeys {
    pub encryption_key: Zeroizing<[u8; 32]>,
    pub hmac_key: Zeroizing<Vec<u8>>,
    pub iv: [u8; 16],
    pub plaintext_hash: [u8; 32],
    pub encrypted_hash: [u8; 32],
}

fn fixed<const N: usize>(v: &[u8]) -> Result<[u8; N], Error> {
    v.try_into().map_err(|_| Error::Media(MediaErrorKind::BadMetadata))
}

impl MediaKeys {
    /// Validates lengths: AES-256 key 32 bytes, IV 16, both hashes 32, HMAC key non-empty.
    pub fn new(encryption_key: &[u8], hmac_key: &[u8], iv: &[u8], plaintext_hash: &[u8], encrypted_hash: &[u8]) -> Result<Self, Error> {
        if hmac_key.is_empty() {
            return Err(Error::Media(MediaErrorKind::BadMetadata));
        }
        let mut key = fixed::<32>(encryption_key)?;
        let keys = MediaKeys {
            encryption_key: Zeroizing::new(key),
            hmac_key: Zeroizing::new(hmac_key.to_vec()),
            iv: fixed(iv)?,
            plaintext_hash: fixed(plaintext_hash)?,
            encrypted_hash: fixed(encrypted_hash)?,
        };
        key.zeroize();
        Ok(keys)
    }
}

/// Which of the four passes a decryptor runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MediaMode {
    /// All four, in one pass over the file: the file hash, the HMAC, decryption and the plaintext hash.
    Full,
    /// The file hash and the HMAC only: authenticates the CDN file; `update` and `finish` return no plaintext.
    /// A download can be verified this way before any plaintext exists (then decrypted with `Decrypt`).
    Verify,
    /// Decryption, the padding check and the plaintext hash only, for a file a `Verify` pass authenticated.
    Decrypt,
}

impl MediaMode {
    fn verifies(self) -> bool {
        self != MediaMode::Decrypt
    }
    fn decrypts(self) -> bool {
        self != MediaMode::Verify
    }
}

/// Streaming verifier/decryptor of one CDN file.
pub struct MediaDecryptor {
    mode: MediaMode,
    outer: Sha256x2,
    mac: HmacSha256,
    cbc: Aes256CbcDec,
    inner: Sha256,
    /// Bytes seen but not yet decrypted: fewer than `MIN_FILE_LEN + BLOCK` (the tag and the last block(s)).
    tail: Vec<u8>,
    plaintext_hash: [u8; 32],
    encrypted_hash: [u8; 32],
    total: u64,
    finished: bool,
}

impl MediaDecryptor {
    /// A decryptor running all four passes (`MediaMode::Full`).
    pub fn new(keys: &MediaKeys) -> Self {
        Self::with_mode(keys, MediaMode::Full)
    }

    pub fn with_mode(keys: &MediaKeys, mode: MediaMode) -> Self {
        let mut mac = HmacSha256::new(&keys.hmac_key);
        mac.update(&keys.iv);
        MediaDecryptor {
            mode,
            outer: Sha256x2::new(),
            mac,
            cbc: Aes256CbcDec::new((&*keys.encryption_key).into(), (&keys.iv).into()),
            inner: Sha256::new(),
            tail: Vec::with_capacity(MIN_FILE_LEN + 2 * BLOCK),
            plaintext_hash: keys.plaintext_hash,
            encrypted_hash: keys.encrypted_hash,
            total: 0,
            finished: false,
        }
    }

    /// Feeds the next bytes of the CDN file on the calling thread; returns the plaintext decrypted so far
    /// (UNVERIFIED until `finish`; nothing in `Verify` mode).
    pub fn update(&mut self, chunk: &[u8]) -> Result<Vec<u8>, Error> {
        self.update_with(chunk, &Sequential)
    }

    /// `update`, running the three streams through `join`.
    pub fn update_with<J: Join + ?Sized>(&mut self, chunk: &[u8], join: &J) -> Result<Vec<u8>, Error> {
        if self.finished {
            return Err(Error::Media(MediaErrorKind::Finished));
        }
        self.total += chunk.len() as u64;
        let held = self.tail.len();
        // Decrypt whole blocks of tail ‖ chunk, keeping at least MIN_FILE_LEN bytes back.
        let process = (held + chunk.len()).saturating_sub(MIN_FILE_LEN) / BLOCK * BLOCK;
        let out_len = |n: usize| if self.mode.decrypts() { n } else { 0 };
        if process <= held {
            // Nothing from this chunk can be decrypted yet (the tail stays below MIN_FILE_LEN + BLOCK bytes).
            if self.mode.verifies() {
                self.outer.update(chunk);
            }
            let mut out = crate::buffer::zeroed(out_len(process));
            if process > 0 {
                let ct: Vec<u8> = self.tail.drain(..process).collect();
                self.absorb_small(&ct, &mut out);
            }
            self.tail.extend_from_slice(chunk);
            return Ok(out);
        }
        // head = tail ‖ the start of the chunk up to a block boundary (at most 48 bytes, copied);
        // body = the following whole blocks of the chunk (not copied); the rest becomes the new tail.
        let fill = (BLOCK - held % BLOCK) % BLOCK;
        let mut head = std::mem::take(&mut self.tail);
        head.extend_from_slice(&chunk[..fill]);
        let body = &chunk[fill..process - held];
        let mut out = crate::buffer::zeroed(out_len(process));
        let (out_head, out_body) = out.split_at_mut(out_len(head.len()));
        self.absorb_small(&head, out_head);
        head.clear();
        self.tail = head;
        self.tail.extend_from_slice(&chunk[process - held..]);
        let (prefix, suffix) = (&chunk[..fill], &chunk[process - held..]);
        self.absorb(prefix, body, suffix, out_body, join);
        Ok(out)
    }

    /// MAC, decryption and plaintext hash of a few blocks, as the mode asks (the file hash is done by the caller).
    fn absorb_small(&mut self, ct: &[u8], out: &mut [u8]) {
        if self.mode.verifies() {
            self.mac.update(ct);
        }
        if self.mode.decrypts() {
            decrypt_into(&mut self.cbc, ct, out);
            self.inner.update(out);
        }
    }

    /// The four passes over `prefix ‖ ct ‖ suffix` (the file hash covers all three; the HMAC, decryption into
    /// `out` and the plaintext hash cover `ct`), segment by segment so every pass reads data still in cache.
    /// The file hash and the HMAC read the same bytes and advance together (`update2`: two SHA-256 streams
    /// interleaved). Large inputs run as two halves of about equal cost through `join`: (decryption + plaintext
    /// hash) | (file hash + HMAC).
    fn absorb<J: Join + ?Sized>(&mut self, prefix: &[u8], ct: &[u8], suffix: &[u8], out: &mut [u8], join: &J) {
        let (outer, mac, cbc, inner) = (&mut self.outer, &mut self.mac, &mut self.cbc, &mut self.inner);
        match self.mode {
            MediaMode::Verify => {
                outer.update(prefix);
                for c in ct.chunks(SEGMENT) {
                    update2(outer, c, mac.inner_mut(), c);
                }
                outer.update(suffix);
                return;
            }
            MediaMode::Decrypt => {
                for (c, o) in ct.chunks(SEGMENT).zip(out.chunks_mut(SEGMENT)) {
                    decrypt_into(cbc, c, o);
                    inner.update(&*o);
                }
                return;
            }
            MediaMode::Full => {}
        }
        outer.update(prefix);
        if ct.len() < PARALLEL_THRESHOLD {
            for (c, o) in ct.chunks(SEGMENT).zip(out.chunks_mut(SEGMENT)) {
                update2(outer, c, mac.inner_mut(), c);
                decrypt_into(cbc, c, o);
                inner.update(&*o);
            }
        } else {
            let mut a = || {
                for (c, o) in ct.chunks(SEGMENT).zip(out.chunks_mut(SEGMENT)) {
                    decrypt_into(cbc, c, o);
                    inner.update(&*o);
                }
            };
            let mut b = || {
                for c in ct.chunks(SEGMENT) {
                    update2(outer, c, mac.inner_mut(), c);
                }
            };
            join.join(&mut a, &mut b);
        }
        outer.update(suffix);
    }

    /// Processes the held-back bytes and runs every check. Returns the last plaintext bytes; only when this
    /// returns `Ok` is everything `update` returned verified.
    pub fn finish(&mut self) -> Result<Vec<u8>, Error> {
        if self.finished {
            return Err(Error::Media(MediaErrorKind::Finished));
        }
        self.finished = true;
        if self.total < MIN_FILE_LEN as u64 {
            return Err(Error::Media(MediaErrorKind::FileTooShort));
        }
        let ct_len = self.tail.len() - HMAC_TAG_LEN;
        if !ct_len.is_multiple_of(BLOCK) {
            return Err(Error::Media(MediaErrorKind::NotBlockAligned));
        }
        let (ct, tag) = self.tail.split_at(ct_len);
        if self.mode.verifies() {
            let file_hash = std::mem::take(&mut self.outer).finalize();
            if !ct::eq(&file_hash, &self.encrypted_hash) {
                return Err(Error::Media(MediaErrorKind::EncryptedHashMismatch));
            }
            self.mac.update(ct);
            let mac = self.mac.clone().finalize();
            if !ct::eq(&mac[..HMAC_TAG_LEN], tag) {
                return Err(Error::Media(MediaErrorKind::HmacMismatch));
            }
        }
        if !self.mode.decrypts() {
            return Ok(Vec::new());
        }
        let mut out = vec![0u8; ct.len()];
        decrypt_into(&mut self.cbc, ct, &mut out);
        let pad = unpad_len(&out).ok_or(Error::Media(MediaErrorKind::PaddingInvalid))?;
        out.truncate(out.len() - pad);
        self.inner.update(&out);
        let pt_hash = std::mem::take(&mut self.inner).finalize();
        if !ct::eq(&pt_hash, &self.plaintext_hash) {
            out.zeroize();
            return Err(Error::Media(MediaErrorKind::PlaintextHashMismatch));
        }
        Ok(out)
    }
}

fn decrypt_into(cbc: &mut Aes256CbcDec, ct: &[u8], out: &mut [u8]) {
    debug_assert!(ct.len().is_multiple_of(BLOCK) && ct.len() == out.len());
    let buf = InOutBuf::new(ct, out).expect("equal lengths");
    let (blocks, _tail) = buf.into_chunks();
    cbc.decrypt_blocks_inout(blocks);
}

/// PKCS#7: the last byte n in 1..=16 and the last n bytes all equal n. Examines the whole last block.
fn unpad_len(pt: &[u8]) -> Option<usize> {
    let last = pt.len().checked_sub(BLOCK).map(|s| &pt[s..])?;
    let n = last[BLOCK - 1];
    let mut bad = (n == 0) as u8 | (n as usize > BLOCK) as u8;
    for (i, &b) in last.iter().enumerate() {
        let in_pad = (BLOCK - i) <= n as usize;
        bad |= (in_pad as u8) & ((b != n) as u8);
    }
    (bad == 0).then_some(n as usize)
}

/// One-shot verified decryption of a whole CDN file on the calling thread.
pub fn decrypt_media(cdn_file: &[u8], keys: &MediaKeys) -> Result<Vec<u8>, Error> {
    decrypt_media_with(cdn_file, keys, &Sequential)
}

/// One-shot verified decryption, running the streams through `join`.
pub fn decrypt_media_with<J: Join + ?Sized>(cdn_file: &[u8], keys: &MediaKeys, join: &J) -> Result<Vec<u8>, Error> {
    if cdn_file.len() < MIN_FILE_LEN {
        return Err(Error::Media(MediaErrorKind::FileTooShort));
    }
    if !(cdn_file.len() - HMAC_TAG_LEN).is_multiple_of(BLOCK) {
        return Err(Error::Media(MediaErrorKind::NotBlockAligned));
    }
    let mut d = MediaDecryptor::new(keys);
    let mut out = d.update_with(cdn_file, join)?;
    match d.finish() {
        Ok(last) => {
            out.extend_from_slice(&last);
            Ok(out)
        }
        Err(e) => {
            out.zeroize();
            Err(e)
        }
    }
}
