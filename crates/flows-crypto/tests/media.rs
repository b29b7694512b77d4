//! Media decryption: pywa's vector, each tampering caught by its own check, streaming equal to one-shot.
mod common;

use aes::cipher::{BlockModeEncrypt, KeyIvInit};
use flows_crypto::media::{decrypt_media_with, MediaDecryptor, MediaKeys, MediaMode, Threads};
use flows_crypto::{decrypt_media, Error, MediaErrorKind};
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

struct Fixture {
    key: [u8; 32],
    hmac_key: Vec<u8>,
    iv: [u8; 16],
    plaintext: Vec<u8>,
    file: Vec<u8>,
    plaintext_hash: [u8; 32],
}

impl Fixture {
    fn keys(&self) -> MediaKeys {
        let encrypted_hash: [u8; 32] = Sha256::digest(&self.file).into();
        MediaKeys::new(&self.key, &self.hmac_key, &self.iv, &self.plaintext_hash, &encrypted_hash).unwrap()
    }
}

/// Deterministic test bytes (xorshift).
fn bytes(n: usize, seed: u64) -> Vec<u8> {
    let mut x = seed | 1;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

/// Encrypts already block-aligned `padded` bytes and appends the HMAC tag.
fn seal(key: &[u8; 32], hmac_key: &[u8], iv: &[u8; 16], padded: &[u8]) -> Vec<u8> {
    assert_eq!(padded.len() % 16, 0);
    let mut ct = padded.to_vec();
    let mut enc = cbc::Encryptor::<aes::Aes256>::new(key.into(), iv.into());
    for block in ct.as_chunks_mut::<16>().0 {
        enc.encrypt_block(block.into());
    }
    let mut mac = <Hmac<Sha256> as hmac::KeyInit>::new_from_slice(hmac_key).unwrap();
    mac.update(iv);
    mac.update(&ct);
    let tag = mac.finalize().into_bytes();
    ct.extend_from_slice(&tag[..10]);
    ct
}

fn fixture(n: usize, seed: u64) -> Fixture {
    let key: [u8; 32] = bytes(32, seed + 1).try_into().unwrap();
    let hmac_key = bytes(32, seed + 2);
    let iv: [u8; 16] = bytes(16, seed + 3).try_into().unwrap();
    let plaintext = bytes(n, seed);
    let pad = 16 - n % 16;
    let mut padded = plaintext.clone();
    padded.extend(std::iter::repeat_n(pad as u8, pad));
    let file = seal(&key, &hmac_key, &iv, &padded);
    let plaintext_hash = Sha256::digest(&plaintext).into();
    Fixture { key, hmac_key, iv, plaintext, file, plaintext_hash }
}

fn kind(e: Error) -> MediaErrorKind {
    match e {
        Error::Media(kind) => kind,
        other => panic!("expected a media error, got {other:?}"),
    }
}

fn streamed(file: &[u8], keys: &MediaKeys, mut split: impl FnMut(usize) -> usize) -> Result<Vec<u8>, Error> {
    let mut d = MediaDecryptor::new(keys);
    let mut out = Vec::new();
    let mut off = 0;
    while off < file.len() {
        let n = split(off).clamp(1, file.len() - off);
        out.extend(d.update_with(&file[off..off + n], &Threads)?);
        off += n;
    }
    out.extend(d.finish()?);
    Ok(out)
}

#[test]
fn pywa_vector() {
    let v = common::read_json("pywa/media.json");
    let m = &v["encryption_metadata"];
    let f = |k: &str| common::b64(m[k].as_str().unwrap());
    let keys = MediaKeys::new(&f("encryption_key"), &f("hmac_key"), &f("iv"), &f("plaintext_hash"), &f("encrypted_hash")).unwrap();
    let file = std::fs::read(common::vectors().join("pywa/media_cdn_file.bin")).unwrap();
    let want = std::fs::read(common::vectors().join("pywa/media_plaintext.jpg")).unwrap();
    assert_eq!(decrypt_media(&file, &keys).unwrap(), want);
    assert_eq!(streamed(&file, &keys, |_| 7).unwrap(), want);
}

#[test]
fn sizes_round_trip_and_empty_plaintext_is_one_padding_block() {
    for n in [0usize, 1, 15, 16, 17, 1000, 300_000] {
        let fx = fixture(n, n as u64 + 10);
        assert_eq!(fx.file.len(), (n / 16 + 1) * 16 + 10);
        assert_eq!(decrypt_media(&fx.file, &fx.keys()).unwrap(), fx.plaintext, "size {n}");
        assert_eq!(decrypt_media_with(&fx.file, &fx.keys(), &Threads).unwrap(), fx.plaintext, "size {n}");
    }
}

#[test]
fn streaming_equals_one_shot_across_chunk_splits() {
    for n in [0usize, 1, 15, 16, 17, 100, 5000] {
        let fx = fixture(n, 99 + n as u64);
        let keys = fx.keys();
        for step in [1usize, 2, 7, 16, 25, 26, 27, 41, 42, 43, 1000] {
            assert_eq!(streamed(&fx.file, &keys, |_| step).unwrap(), fx.plaintext, "size {n}, step {step}");
        }
    }
    // A large file with irregular splits crossing the parallel threshold.
    let fx = fixture(3 << 20, 5);
    let keys = fx.keys();
    let sizes = [1usize, 70_000, 3, 1 << 20, 15, 26, 200_000, 65_536, 41];
    let mut i = 0;
    let out = streamed(&fx.file, &keys, |_| {
        i += 1;
        sizes[i % sizes.len()]
    })
    .unwrap();
    assert_eq!(out, fx.plaintext);
}

#[test]
fn each_tampering_is_caught_by_its_own_check() {
    let fx = fixture(1000, 7);

    // The file changed after encrypted_hash was computed.
    let mut file = fx.file.clone();
    file[3] ^= 1;
    let err = decrypt_media(&file, &fx.keys()).unwrap_err();
    assert_eq!(kind(err), MediaErrorKind::EncryptedHashMismatch);

    // A ciphertext byte flipped and the file hash recomputed: the HMAC catches it.
    let tampered = Fixture { file: file.clone(), ..fixture(1000, 7) };
    assert_eq!(kind(decrypt_media(&tampered.file, &tampered.keys()).unwrap_err()), MediaErrorKind::HmacMismatch);
    assert_eq!(kind(streamed(&tampered.file, &tampered.keys(), |_| 7).unwrap_err()), MediaErrorKind::HmacMismatch);

    // Right keys and HMAC, invalid PKCS#7 padding in the last block: 0, 17, and disagreeing pad bytes.
    for last in [0u8, 17, 4] {
        let mut padded = bytes(32, 3);
        padded[31] = last;
        if last == 4 {
            padded[29] = 9;
        }
        let file = seal(&fx.key, &fx.hmac_key, &fx.iv, &padded);
        let forged = Fixture { file, ..fixture(0, 7) };
        assert_eq!(kind(decrypt_media(&forged.file, &forged.keys()).unwrap_err()), MediaErrorKind::PaddingInvalid, "pad byte {last}");
    }

    // Everything right but plaintext_hash.
    let wrong = Fixture { plaintext_hash: [0u8; 32], ..fixture(1000, 7) };
    assert_eq!(kind(decrypt_media(&wrong.file, &wrong.keys()).unwrap_err()), MediaErrorKind::PlaintextHashMismatch);
    assert_eq!(kind(streamed(&wrong.file, &wrong.keys(), |_| 1).unwrap_err()), MediaErrorKind::PlaintextHashMismatch);
}

#[test]
fn malformed_files_and_keys() {
    let fx = fixture(100, 8);
    let keys = fx.keys();
    assert_eq!(kind(decrypt_media(&fx.file[..25], &keys).unwrap_err()), MediaErrorKind::FileTooShort);
    assert_eq!(kind(decrypt_media(&[], &keys).unwrap_err()), MediaErrorKind::FileTooShort);
    assert_eq!(kind(decrypt_media(&fx.file[1..], &keys).unwrap_err()), MediaErrorKind::NotBlockAligned);
    assert_eq!(kind(streamed(&fx.file[1..], &keys, |_| 5).unwrap_err()), MediaErrorKind::NotBlockAligned);
    let mut short = MediaDecryptor::new(&keys);
    short.update(&fx.file[..20]).unwrap();
    assert_eq!(kind(short.finish().unwrap_err()), MediaErrorKind::FileTooShort);
    let h = [0u8; 32];
    assert_eq!(kind(MediaKeys::new(&[0u8; 16], &[1], &[0u8; 16], &h, &h).err().unwrap()), MediaErrorKind::BadMetadata);
    assert_eq!(kind(MediaKeys::new(&[0u8; 32], &[1], &[0u8; 12], &h, &h).err().unwrap()), MediaErrorKind::BadMetadata);
    assert_eq!(kind(MediaKeys::new(&[0u8; 32], &[], &[0u8; 16], &h, &h).err().unwrap()), MediaErrorKind::BadMetadata);
    assert_eq!(kind(MediaKeys::new(&[0u8; 32], &[1], &[0u8; 16], &h[..31], &h).err().unwrap()), MediaErrorKind::BadMetadata);
    // A finished decryptor refuses more input.
    let mut d = MediaDecryptor::new(&keys);
    d.update(&fx.file).unwrap();
    d.finish().unwrap();
    assert_eq!(kind(d.update(&[0]).unwrap_err()), MediaErrorKind::Finished);
}

/// `Verify` then `Decrypt` over the same bytes gives exactly what `Full` gives, for every tampering `Verify`
/// catches the same error, and `Verify` returns no plaintext at all.
#[test]
fn verify_then_decrypt_equals_full() {
    for (n, split) in [(0usize, 1usize), (1, 3), (5000, 7), (300_000, 65_536), (1 << 20, 200_000)] {
        let fx = fixture(n, n as u64 + 11);
        let keys = fx.keys();
        let mut v = MediaDecryptor::with_mode(&keys, MediaMode::Verify);
        let mut d = MediaDecryptor::with_mode(&keys, MediaMode::Decrypt);
        let mut out = Vec::new();
        for chunk in fx.file.chunks(split) {
            assert!(v.update_with(chunk, &Threads).unwrap().is_empty(), "Verify returns no plaintext");
            out.extend(d.update_with(chunk, &Threads).unwrap());
        }
        assert!(v.finish().unwrap().is_empty());
        out.extend(d.finish().unwrap());
        assert_eq!(out, fx.plaintext, "{n} bytes in chunks of {split}");
    }
    let fx = fixture(1000, 3);
    let mut tampered = fx.file.clone();
    tampered[5] ^= 1;
    let mut v = MediaDecryptor::with_mode(&fx.keys(), MediaMode::Verify);
    v.update(&tampered).unwrap();
    assert_eq!(kind(v.finish().unwrap_err()), MediaErrorKind::EncryptedHashMismatch);
}
