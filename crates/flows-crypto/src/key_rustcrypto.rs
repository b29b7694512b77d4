//! RSA through RustCrypto's `rsa` crate (feature `pure-rust`), for targets where OpenSSL is impractical. `rsa`
//! 0.10 computes on constant-time `crypto-bigint` integers (the fix for RUSTSEC-2023-0071, the Marvin attack).
use pkcs8::der::Decode;
use pkcs8::{EncryptedPrivateKeyInfoRef, PrivateKeyInfoRef};
use rsa::pkcs1::DecodeRsaPrivateKey;
use rsa::traits::{PrivateKeyParts, PublicKeyParts};
use rsa::{BoxedUint, Oaep, PrivateKey as RsaPrivateKey};
use sha2::Sha256;

use super::{is_pem, pem_kind, PemKind};
use crate::{Error, KeyErrorKind};

pub const NAME: &str = "pure-rust";

pub struct Key(RsaPrivateKey, bool);

const RSA_OID: &str = "1.2.840.113549.1.1.1";

/// A parsed key, and whether the file's CRT values (dp, dq, qinv) are the ones its d, p and q give: `rsa` recomputes
/// them and ignores the file's, where OpenSSL and WebCrypto use them as stored.
fn from_pkcs1_der(der: &[u8]) -> Result<(RsaPrivateKey, bool), Error> {
    let stored = pkcs1::RsaPrivateKey::from_der(der).map_err(|_| Error::Key(KeyErrorKind::Malformed))?;
    // The structure is a PKCS#1 key, yet `rsa` refuses its numbers: they do not make one key.
    let key = RsaPrivateKey::from_pkcs1_der(der).map_err(|_| Error::Key(KeyErrorKind::Inconsistent))?;
    let same = |stored: pkcs1::UintRef<'_>, computed: Option<&BoxedUint>| {
        computed.is_some_and(|c| trimmed(stored.as_bytes()) == trimmed(&c.to_be_bytes()))
    };
    let crt_ok =
        same(stored.exponent1, key.dp()) && same(stored.exponent2, key.dq()) && same(stored.coefficient, key.crt_coefficient().as_ref());
    Ok((key, crt_ok))
}

/// A big-endian integer without its leading zero bytes.
fn trimmed(bytes: &[u8]) -> &[u8] {
    let start = bytes.iter().position(|&b| b != 0).unwrap_or(bytes.len());
    &bytes[start..]
}

fn from_pkcs8_der(der: &[u8]) -> Result<(RsaPrivateKey, bool), Error> {
    let info = PrivateKeyInfoRef::from_der(der).map_err(|_| Error::Key(KeyErrorKind::Malformed))?;
    if info.algorithm.oid.to_string() != RSA_OID {
        return Err(Error::Key(KeyErrorKind::NotRsa));
    }
    from_pkcs1_der(info.private_key.as_bytes())
}

fn from_encrypted_pkcs8_der(der: &[u8], pass: Option<&[u8]>) -> Result<(RsaPrivateKey, bool), Error> {
    let info = EncryptedPrivateKeyInfoRef::from_der(der).map_err(|_| Error::Key(KeyErrorKind::Malformed))?;
    let pass = pass.ok_or(Error::Key(KeyErrorKind::PassphraseRequired))?;
    let doc = info.decrypt(pass).map_err(|_| Error::Key(KeyErrorKind::WrongPassphrase))?;
    from_pkcs8_der(doc.as_bytes())
}

impl Key {
    pub fn load(data: &[u8], pass: Option<&[u8]>) -> Result<Key, Error> {
        let key = if let Some(text) = is_pem(data) {
            let kind = pem_kind(text);
            // Before decoding: the strict RFC 7468 decoder refuses the block's `Proc-Type`/`DEK-Info` header lines,
            // which made this `malformed` (found comparing the backends on the fuzz corpus, tests/fuzz_regressions.rs).
            if kind == PemKind::LegacyEncryptedPkcs1 {
                return Err(Error::Key(KeyErrorKind::Unsupported));
            }
            let der = pem_decode(text)?;
            match kind {
                PemKind::Pkcs8 => from_pkcs8_der(&der)?,
                PemKind::EncryptedPkcs8 => from_encrypted_pkcs8_der(&der, pass)?,
                PemKind::Pkcs1 => from_pkcs1_der(&der)?,
                _ => return Err(Error::Key(KeyErrorKind::Malformed)),
            }
        } else if let Ok(k) = from_pkcs8_der(data) {
            k
        } else if let Ok(k) = from_pkcs1_der(data) {
            k
        } else if EncryptedPrivateKeyInfoRef::from_der(data).is_ok() {
            from_encrypted_pkcs8_der(data, pass)?
        } else if spki_is_public(data) {
            return Err(Error::Key(KeyErrorKind::PublicKey));
        } else {
            // Distinguish a non-RSA PKCS#8 key from garbage.
            return Err(match from_pkcs8_der(data) {
                Err(e @ Error::Key(KeyErrorKind::NotRsa)) => e,
                _ => Error::Key(KeyErrorKind::Malformed),
            });
        };
        Ok(Key(key.0, key.1))
    }

    pub fn bits(&self) -> u32 {
        (self.0.size() * 8) as u32
    }

    /// The `rsa` crate's key check (n = p·q, d·e ≡ 1 mod p−1 and q−1), and the file's CRT values.
    pub fn check_key(&self) -> bool {
        self.1 && self.0.validate().is_ok()
    }

    /// RSA-OAEP-SHA256 with the public half (for the pairwise check at load).
    pub fn encrypt_oaep_sha256(&self, plaintext: &[u8]) -> Result<Vec<u8>, ()> {
        self.0.to_public_key().encrypt(&mut crypto_common::getrandom::SysRng, Oaep::<Sha256>::new(), plaintext).map_err(|_| ())
    }

    pub fn decrypt_oaep_sha256(&self, ciphertext: &[u8]) -> Result<Vec<u8>, ()> {
        self.0.decrypt(Oaep::<Sha256>::new(), ciphertext).map_err(|_| ())
    }
}

/// `N` bytes from the operating system's CSPRNG.
pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut out = [0u8; N];
    // A failing CSPRNG leaves zeros: the pairwise check still detects an inconsistent key with them.
    let _ = crypto_common::getrandom::fill(&mut out);
    out
}

/// SubjectPublicKeyInfo or PKCS#1 RSAPublicKey.
fn spki_is_public(der: &[u8]) -> bool {
    use rsa::pkcs1::DecodeRsaPublicKey;
    pkcs8::SubjectPublicKeyInfoRef::from_der(der).is_ok() || rsa::PublicKey::from_pkcs1_der(der).is_ok()
}

fn pem_decode(text: &str) -> Result<Vec<u8>, Error> {
    // Take the private-key PEM block; pem-rfc7468 is strict about surrounding text, so cut it out first.
    let label = super::pem_key_label(text);
    let start = text.find(&format!("-----BEGIN {label}-----")).ok_or(Error::Key(KeyErrorKind::Malformed))?;
    let rest = &text[start..];
    let end_marker = rest.find("-----END ").ok_or(Error::Key(KeyErrorKind::Malformed))?;
    let end = rest[end_marker..].find('\n').map(|i| end_marker + i).unwrap_or(rest.len());
    let block = rest[..end].trim_end();
    let (_label, der) = pkcs8::der::pem::decode_vec(block.as_bytes()).map_err(|_| Error::Key(KeyErrorKind::Malformed))?;
    Ok(der)
}
