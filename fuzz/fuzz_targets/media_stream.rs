//! Fuzz target `media_stream`: the media decryptor's streaming state machine against an independent model. A CDN
//! file built from the input is fed to `MediaDecryptor` in chunks whose sizes come from the input, in each
//! `MediaMode` (full, verify, decrypt), and to one-shot `decrypt_media` (on the calling thread and with `Threads`).
//! The keys are fixed (pywa's media vector); the hashes are pywa's or, as the input asks, those of the file.
//!
//! Input: a mode byte, a flags byte, a count byte n (% 16) and n chunk-size bytes, then by construction
//! (mode % 4): 0 raw: the rest is the file, with pywa's hashes. 1 fixed-up: the rest is the file; flags & 1 writes
//! the right HMAC tag over its last 10 bytes, flags & 2 takes its SHA-256 as the encrypted hash, flags & 4 the
//! SHA-256 of what it decrypts to as the plaintext hash. 2 sealed: a tamper byte t and a u16 position, then the
//! plaintext, sealed correctly (flags & 0x30 all set: repeated past 300 KiB, with chunk sizes scaled up), then cut at the
//! position (t & 0x80) or XORed with t there. 3 metadata: five length bytes for `MediaKeys::new`.
//! flags & 0x40 streams the full mode through `Threads`.
//!
//! Invariants: each mode's streamed result equals the model's (the same plaintext, or the same error kind);
//! one-shot equals the model's full mode; `update` never fails before `finish`, returns nothing in verify mode and
//! otherwise exactly the CBC decryption of a block-aligned prefix that leaves the tag and last block back; after
//! `finish` both calls say `Finished`; `MediaKeys::new` refuses exactly the wrong lengths.
#![no_main]

use flows_crypto::media::{decrypt_media_with, MediaDecryptor, MediaKeys, MediaMode, Threads, MIN_FILE_LEN};
use flows_crypto::{decrypt_media, Error, MediaErrorKind};
use flows_crypto_fuzz::{
    cbc_decrypt_raw, media_keys, media_model, media_model_self_check, media_seal, media_tag, pkcs7_unpad, sha256, Input,
    MEDIA_ENCRYPTED_HASH, MEDIA_HMAC_KEY, MEDIA_IV, MEDIA_KEY, MEDIA_PLAINTEXT_HASH,
};
use libfuzzer_sys::fuzz_target;

const PYWA_CDN_FILE: &[u8] = include_bytes!("../../__test__/vectors/pywa/media_cdn_file.bin");
/// Sealed plaintexts that ask for it are repeated to at least this size: past the buffer pool's 256 KiB and the
/// 128 KiB above which the full mode splits its work through `Join`.
const AMPLIFIED: usize = 300 * 1024;

/// Whether a sealed plaintext is repeated past [`AMPLIFIED`] bytes (one sealed input in four: each costs ~100 small ones).
fn amplified(construction: u8, flags: u8) -> bool {
    construction == 2 && flags & 0x30 == 0x30
}

fn media_kind(r: Result<Vec<u8>, Error>) -> Result<Vec<u8>, MediaErrorKind> {
    r.map_err(|e| match e {
        Error::Media(kind) => {
            assert!(e.code().starts_with("ERR_MEDIA_") && !e.reason().is_empty());
            kind
        }
        other => panic!("media decryption failed with a non-media error: {other:?}"),
    })
}

/// Streams `file` through a decryptor in chunks of `sizes` (cycled; zeros are empty updates).
fn stream(file: &[u8], keys: &MediaKeys, mode: MediaMode, sizes: &[usize], threads: bool) -> Result<Vec<u8>, Error> {
    let mut d = MediaDecryptor::with_mode(keys, mode);
    let mut unverified = Vec::new();
    let (mut off, mut i, mut idle) = (0, 0, 0);
    while off < file.len() {
        let mut n = sizes.get(i % sizes.len().max(1)).copied().unwrap_or(file.len()).min(file.len() - off);
        i += 1;
        idle = if n == 0 { idle + 1 } else { 0 };
        if idle > sizes.len() {
            n = file.len() - off;
        }
        let chunk = &file[off..off + n];
        let out = if threads { d.update_with(chunk, &Threads) } else { d.update(chunk) };
        let out = out.unwrap_or_else(|e| panic!("update failed before finish: {e:?}"));
        assert!(mode != MediaMode::Verify || out.is_empty(), "verify mode returned plaintext");
        unverified.extend_from_slice(&out);
        off += n;
    }
    if mode != MediaMode::Verify {
        assert!(unverified.len().is_multiple_of(16));
        assert!(unverified.len() + MIN_FILE_LEN <= file.len().max(MIN_FILE_LEN), "the tag and last block must be held back");
        assert!(unverified == cbc_decrypt_raw(&file[..unverified.len()]), "update returned something else than the CBC decryption");
    }
    let r = d.finish().map(|last| [unverified, last].concat());
    assert_eq!(d.update(b"x"), Err(Error::Media(MediaErrorKind::Finished)));
    assert_eq!(d.finish(), Err(Error::Media(MediaErrorKind::Finished)));
    r
}

/// Constructions 0 to 2: the file and its two hashes.
fn build(construction: u8, flags: u8, mut input: Input<'_>) -> (Vec<u8>, [u8; 32], [u8; 32]) {
    match construction {
        0 => (input.rest().to_vec(), MEDIA_PLAINTEXT_HASH, MEDIA_ENCRYPTED_HASH),
        1 => {
            let mut file = input.rest().to_vec();
            if flags & 1 != 0 && file.len() >= 10 {
                let ct_len = file.len() - 10;
                let tag = media_tag(&file[..ct_len]);
                file[ct_len..].copy_from_slice(&tag);
            }
            let encrypted_hash = if flags & 2 != 0 { sha256(&file) } else { MEDIA_ENCRYPTED_HASH };
            let ct_len = file.len().saturating_sub(10);
            let decrypted = (flags & 4 != 0 && ct_len.is_multiple_of(16)).then(|| cbc_decrypt_raw(&file[..ct_len]));
            let plaintext_hash = match decrypted.as_deref().and_then(pkcs7_unpad) {
                Some(pt) => sha256(pt),
                None => MEDIA_PLAINTEXT_HASH,
            };
            (file, plaintext_hash, encrypted_hash)
        }
        _ => {
            let (tamper, pos) = (input.byte(), input.u16() as usize);
            let payload = input.rest();
            let plaintext = if amplified(construction, flags) && !payload.is_empty() {
                payload.repeat(AMPLIFIED.div_ceil(payload.len()))
            } else {
                payload.to_vec()
            };
            let mut file = media_seal(&plaintext);
            let hashes = (sha256(&plaintext), sha256(&file));
            if tamper & 0x80 != 0 {
                file.truncate(pos % file.len());
            } else if tamper != 0 {
                let at = pos % file.len();
                file[at] ^= tamper;
            }
            (file, hashes.0, hashes.1)
        }
    }
}

/// Construction 3: `MediaKeys::new` with lengths from the input.
fn metadata(mut input: Input<'_>) {
    let lens: Vec<usize> = (0..5).map(|_| input.byte() as usize % 40).collect();
    let material = [[0x5a_u8; 40]; 5];
    let part = |i: usize| &material[i][..lens[i]];
    let r = MediaKeys::new(part(0), part(1), part(2), part(3), part(4));
    let valid = lens[0] == 32 && lens[1] > 0 && lens[2] == 16 && lens[3] == 32 && lens[4] == 32;
    match r {
        Ok(_) => assert!(valid, "bad lengths {lens:?} accepted"),
        Err(e) => {
            assert!(!valid, "good lengths {lens:?} refused");
            assert_eq!(e, Error::Media(MediaErrorKind::BadMetadata));
        }
    }
}

fuzz_target!(
    init: {
        media_model_self_check(PYWA_CDN_FILE);
        assert!(MediaKeys::new(&MEDIA_KEY, &MEDIA_HMAC_KEY, &MEDIA_IV, &MEDIA_PLAINTEXT_HASH, &MEDIA_ENCRYPTED_HASH).is_ok());
    },
    |data: &[u8]| {
        let mut input = Input::new(data);
        let (construction, flags) = (input.byte() % 4, input.byte());
        let n = input.byte() as usize % 16;
        let scale = if amplified(construction, flags) { 4099 } else { 1 };
        let sizes: Vec<usize> = input.take(n).iter().map(|&b| b as usize * scale).collect();
        if construction == 3 {
            metadata(input);
            return;
        }
        let (file, plaintext_hash, encrypted_hash) = build(construction, flags, input);
        let keys = media_keys(&plaintext_hash, &encrypted_hash);
        let full = media_model(&file, &plaintext_hash, &encrypted_hash, MediaMode::Full);
        for mode in [MediaMode::Full, MediaMode::Verify, MediaMode::Decrypt] {
            let expected = if mode == MediaMode::Full { full.clone() } else { media_model(&file, &plaintext_hash, &encrypted_hash, mode) };
            let threads = mode == MediaMode::Full && flags & 0x40 != 0;
            let streamed = media_kind(stream(&file, &keys, mode, &sizes, threads));
            assert!(streamed == expected, "{mode:?} streamed: {:?}, model: {:?}", streamed.map(|p| p.len()), expected.map(|p| p.len()));
        }
        assert!(media_kind(decrypt_media(&file, &keys)) == full, "one-shot differs from the model");
        assert!(media_kind(decrypt_media_with(&file, &keys, &Threads)) == full, "one-shot with Threads differs");
    }
);
