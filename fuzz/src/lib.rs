//! Shared pieces of the fuzz targets: a cursor that turns the fuzzer's bytes into choices, PEM armour, a guard
//! against key files that are slow by design, and independent models (plain AES block calls, SHA-256, HMAC) that
//! the targets compare flows-crypto's results against.
use aes::cipher::{BlockCipherDecrypt, BlockCipherEncrypt, KeyInit};
use aes::Aes256;
use base64::Engine;
use flows_crypto::media::{MediaKeys, MediaMode, HMAC_TAG_LEN, MIN_FILE_LEN};
use flows_crypto::MediaErrorKind;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

/// Reads choices from the front of the fuzzer's input; past the end every read is zero or empty.
pub struct Input<'a> {
    data: &'a [u8],
}

impl<'a> Input<'a> {
    pub fn new(data: &'a [u8]) -> Self {
        Input { data }
    }

    pub fn byte(&mut self) -> u8 {
        match self.data.split_first() {
            Some((&b, rest)) => {
                self.data = rest;
                b
            }
            None => 0,
        }
    }

    pub fn u16(&mut self) -> u16 {
        u16::from_le_bytes([self.byte(), self.byte()])
    }

    /// Up to `n` bytes (fewer when the input runs out).
    pub fn take(&mut self, n: usize) -> &'a [u8] {
        let (head, rest) = self.data.split_at(n.min(self.data.len()));
        self.data = rest;
        head
    }

    pub fn rest(self) -> &'a [u8] {
        self.data
    }
}

// ---------------------------------------------------------------------------------------------------------------
// PEM

/// `der` base64-encoded in 64-character lines inside `-----BEGIN label-----` armour, with optional header lines.
pub fn pem_armour(label: &str, headers: &[String], der: &[u8], crlf: bool) -> Vec<u8> {
    let nl = if crlf { "\r\n" } else { "\n" };
    let body = base64::engine::general_purpose::STANDARD.encode(der);
    let mut out = format!("-----BEGIN {label}-----{nl}");
    for h in headers {
        out.push_str(h);
        out.push_str(nl);
    }
    if !headers.is_empty() {
        out.push_str(nl);
    }
    for line in body.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(line).expect("base64 is ASCII"));
        out.push_str(nl);
    }
    out.push_str(&format!("-----END {label}-----{nl}"));
    out.into_bytes()
}

/// The bodies of the PEM blocks in `data`, decoded leniently (header lines skipped, non-alphabet bytes ignored).
/// Only for the slow-KDF guard: it must see at least what any real PEM parser could decode.
pub fn pem_bodies(data: &[u8]) -> Vec<Vec<u8>> {
    let text = String::from_utf8_lossy(data);
    let mut bodies = Vec::new();
    let mut current: Option<Vec<u8>> = None;
    for line in text.lines() {
        if line.contains("-----BEGIN") {
            current = Some(Vec::new());
        } else if line.contains("-----END") {
            if let Some(b) = current.take() {
                bodies.push(lenient_base64(&b));
            }
        } else if let Some(b) = current.as_mut() {
            if !line.contains(':') {
                b.extend_from_slice(line.as_bytes());
            }
        }
    }
    if let Some(b) = current {
        bodies.push(lenient_base64(&b));
    }
    bodies
}

fn lenient_base64(text: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for &c in text {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            _ => continue,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------------------------
// The slow-KDF guard

/// Largest password-hashing work a fuzz input may ask for: PBKDF2 (PBES2, PBES1, PKCS#12 PBE) iterations, and
/// the scrypt cost N·r·p. A key file that asks for 100 million iterations takes a minute to open with either
/// backend; that is the format working as designed (key files are the operator's own), not a finding.
pub const MAX_KDF_ITERATIONS: u64 = 1 << 20;

/// True when the raw input, or any PEM body in it, holds password-based encryption parameters heavier than
/// [`MAX_KDF_ITERATIONS`] (or too oddly encoded to bound): such inputs are skipped.
pub fn slow_kdf(data: &[u8]) -> bool {
    der_slow_kdf(data) || pem_bodies(data).iter().any(|b| der_slow_kdf(b))
}

/// Checks the guard on hand-made parameters (2048 iterations pass, 2^24 are refused); called once at start.
pub fn slow_kdf_self_check() {
    assert!(!der_slow_kdf(&[0x30, 0x08, 0x04, 0x02, 1, 2, 0x02, 0x02, 0x08, 0x00]));
    assert!(der_slow_kdf(&[0x30, 0x09, 0x04, 0x02, 1, 2, 0x02, 0x04, 0x01, 0x00, 0x00, 0x00]));
    let pem = pem_armour("ENCRYPTED PRIVATE KEY", &[], &[0x30, 0x09, 0x04, 0x02, 1, 2, 0x02, 0x04, 0x01, 0x00, 0x00, 0x00], false);
    assert!(slow_kdf(&pem));
}

/// A DER length at `d[i..]`: (length, bytes used).
fn der_len(d: &[u8], i: usize) -> Option<(usize, usize)> {
    let first = *d.get(i)?;
    if first < 0x80 {
        return Some((first as usize, 1));
    }
    let n = (first & 0x7f) as usize;
    if n == 0 || n > 4 {
        return None;
    }
    let mut len = 0usize;
    for k in 0..n {
        len = (len << 8) | *d.get(i + 1 + k)? as usize;
    }
    Some((len, 1 + n))
}

/// An INTEGER at `d[i..]`: (value, or None when wider than 8 bytes; bytes used).
fn der_uint(d: &[u8], i: usize) -> Option<(Option<u64>, usize)> {
    if *d.get(i)? != 0x02 {
        return None;
    }
    let (len, used) = der_len(d, i + 1)?;
    let start = i + 1 + used;
    let bytes = d.get(start..start.checked_add(len)?)?;
    let digits: Vec<u8> = bytes.iter().copied().skip_while(|&b| b == 0).collect();
    let value = (digits.len() <= 8).then(|| digits.iter().fold(0u64, |a, &b| (a << 8) | u64::from(b)));
    Some((value, 1 + used + len))
}

/// Every `SEQUENCE { OCTET STRING salt, INTEGER count, [INTEGER r, INTEGER p] ... }`: the shape of PBKDF2, PBES1,
/// PKCS#12 PBE and scrypt parameters. The product of up to three leading integers is the work bound.
fn der_slow_kdf(d: &[u8]) -> bool {
    for i in 0..d.len() {
        if d[i] != 0x30 {
            continue;
        }
        let Some((_, used)) = der_len(d, i + 1) else { continue };
        let mut j = i + 1 + used;
        if d.get(j) != Some(&0x04) {
            continue;
        }
        let Some((salt_len, salt_used)) = der_len(d, j + 1) else { continue };
        j += 1 + salt_used + salt_len;
        let mut work: u64 = 1;
        for _ in 0..3 {
            match der_uint(d, j) {
                Some((Some(v), used)) => {
                    work = work.saturating_mul(v.max(1));
                    j += used;
                }
                Some((None, _)) => return true,
                None => break,
            }
        }
        if work > MAX_KDF_ITERATIONS {
            return true;
        }
    }
    false
}

// ---------------------------------------------------------------------------------------------------------------
// Media: fixed keys and a model

/// The fixed media keys: those of the pywa vector (`__test__/vectors/pywa/media.json`), so its CDN file in the
/// corpus passes every check.
pub const MEDIA_KEY: [u8; 32] = hex32("db4da940c0ed66800cc09c1924554fa903a07494416a10661b2c30497cf9b406");
pub const MEDIA_HMAC_KEY: [u8; 32] = hex32("03fef64d8ca54401d383f09d5e906d0ba4faa9c2760bb09fdaacd9fe1a950123");
pub const MEDIA_IV: [u8; 16] = hex16("b7530ecb4d8a5cb6ec1fe35892a9115d");
pub const MEDIA_PLAINTEXT_HASH: [u8; 32] = hex32("66f4a0c705e0e5f58beefee08061d7b4c0996137ff9d515ab0e757d29ea488fe");
pub const MEDIA_ENCRYPTED_HASH: [u8; 32] = hex32("a438511e4c9ebf3824760e4e6d8f8c7f35b927afce6d98ff3ab980bf251e600f");

const fn hex_digit(c: u8) -> u8 {
    match c {
        b'0'..=b'9' => c - b'0',
        b'a'..=b'f' => c - b'a' + 10,
        _ => panic!("not a hex digit"),
    }
}

/// Hex to bytes at compile time.
const fn hex<const N: usize>(s: &str) -> [u8; N] {
    let s = s.as_bytes();
    assert!(s.len() == 2 * N, "wrong hex length");
    let mut out = [0u8; N];
    let mut i = 0;
    while i < N {
        out[i] = (hex_digit(s[2 * i]) << 4) | hex_digit(s[2 * i + 1]);
        i += 1;
    }
    out
}

const fn hex32(s: &str) -> [u8; 32] {
    hex(s)
}

const fn hex16(s: &str) -> [u8; 16] {
    hex(s)
}

pub fn sha256(data: &[u8]) -> [u8; 32] {
    Sha256::digest(data).into()
}

/// The first 10 bytes of HMAC-SHA256(hmac_key, iv ‖ ciphertext).
pub fn media_tag(ciphertext: &[u8]) -> [u8; HMAC_TAG_LEN] {
    let mut mac = <Hmac<Sha256> as hmac::KeyInit>::new_from_slice(&MEDIA_HMAC_KEY).expect("any key length");
    mac.update(&MEDIA_IV);
    mac.update(ciphertext);
    mac.finalize().into_bytes()[..HMAC_TAG_LEN].try_into().expect("10 bytes")
}

/// AES-256-CBC decryption of whole blocks with the fixed key and IV, one block call at a time, no unpadding.
pub fn cbc_decrypt_raw(ciphertext: &[u8]) -> Vec<u8> {
    assert!(ciphertext.len().is_multiple_of(16));
    let aes = Aes256::new(&MEDIA_KEY.into());
    let mut prev = MEDIA_IV;
    let mut out = Vec::with_capacity(ciphertext.len());
    for block in ciphertext.chunks_exact(16) {
        let mut b: [u8; 16] = block.try_into().expect("16 bytes");
        aes.decrypt_block((&mut b).into());
        out.extend(b.iter().zip(prev).map(|(x, p)| x ^ p));
        prev = block.try_into().expect("16 bytes");
    }
    out
}

/// A CDN file for `plaintext`: PKCS#7 padding, AES-256-CBC, the 10-byte HMAC appended.
pub fn media_seal(plaintext: &[u8]) -> Vec<u8> {
    let pad = 16 - plaintext.len() % 16;
    let mut data = plaintext.to_vec();
    data.extend(std::iter::repeat_n(pad as u8, pad));
    let aes = Aes256::new(&MEDIA_KEY.into());
    let mut prev = MEDIA_IV;
    for block in data.chunks_exact_mut(16) {
        let mut b: [u8; 16] = block.try_into().expect("16 bytes");
        for (x, p) in b.iter_mut().zip(prev) {
            *x ^= p;
        }
        aes.encrypt_block((&mut b).into());
        block.copy_from_slice(&b);
        prev = b;
    }
    let tag = media_tag(&data);
    data.extend_from_slice(&tag);
    data
}

/// Strict PKCS#7 over the last block: Some(plaintext) or None.
pub fn pkcs7_unpad(padded: &[u8]) -> Option<&[u8]> {
    let n = *padded.last()? as usize;
    if n == 0 || n > 16 || padded.len() < 16 {
        return None;
    }
    let (body, pad) = padded.split_at(padded.len() - n);
    pad.iter().all(|&b| b as usize == n).then_some(body)
}

/// Checks the model against the pywa vector and a sealed round trip: the targets call it once at start, so a
/// broken model fails every run at once instead of reporting false findings.
pub fn media_model_self_check(pywa_cdn_file: &[u8]) {
    let pywa = media_model(pywa_cdn_file, &MEDIA_PLAINTEXT_HASH, &MEDIA_ENCRYPTED_HASH, MediaMode::Full);
    assert_eq!(pywa.map(|p| p.len()), Ok(435), "the model must open the pywa vector");
    let file = media_seal(b"hello media");
    let ok = media_model(&file, &sha256(b"hello media"), &sha256(&file), MediaMode::Full);
    assert_eq!(ok.as_deref(), Ok(&b"hello media"[..]));
}

/// The fixed keys with the given hashes.
pub fn media_keys(plaintext_hash: &[u8; 32], encrypted_hash: &[u8; 32]) -> MediaKeys {
    MediaKeys::new(&MEDIA_KEY, &MEDIA_HMAC_KEY, &MEDIA_IV, plaintext_hash, encrypted_hash).expect("valid lengths")
}

/// What verified media decryption must give, written the obvious way: the length checks, then (as the mode asks)
/// the file hash and the HMAC, then decryption, the padding and the plaintext hash.
pub fn media_model(file: &[u8], plaintext_hash: &[u8; 32], encrypted_hash: &[u8; 32], mode: MediaMode) -> Result<Vec<u8>, MediaErrorKind> {
    if file.len() < MIN_FILE_LEN {
        return Err(MediaErrorKind::FileTooShort);
    }
    let (ct, tag) = file.split_at(file.len() - HMAC_TAG_LEN);
    if !ct.len().is_multiple_of(16) {
        return Err(MediaErrorKind::NotBlockAligned);
    }
    if mode != MediaMode::Decrypt {
        if sha256(file) != *encrypted_hash {
            return Err(MediaErrorKind::EncryptedHashMismatch);
        }
        if media_tag(ct) != tag {
            return Err(MediaErrorKind::HmacMismatch);
        }
    }
    if mode == MediaMode::Verify {
        return Ok(Vec::new());
    }
    let padded = cbc_decrypt_raw(ct);
    let plaintext = pkcs7_unpad(&padded).ok_or(MediaErrorKind::PaddingInvalid)?;
    if sha256(plaintext) != *plaintext_hash {
        return Err(MediaErrorKind::PlaintextHashMismatch);
    }
    Ok(plaintext.to_vec())
}
