//! Private key loading (PEM or DER; PKCS#8 plain or encrypted, PKCS#1 plain or legacy-encrypted) and
//! RSA-OAEP-SHA256 decryption. The implementation is chosen by feature: OpenSSL (default) or `rsa`.
use zeroize::Zeroizing;

use crate::{Error, KeyErrorKind};

#[cfg(feature = "openssl")]
#[path = "key_openssl.rs"]
mod imp;
#[cfg(all(feature = "pure-rust", not(feature = "openssl")))]
#[path = "key_rustcrypto.rs"]
mod imp;

pub const RSA_BACKEND: &str = imp::NAME;

/// Smallest modulus accepted, as Meta requires for Flows keys.
pub const MIN_BITS: u32 = 2048;

/// An RSA private key, parsed once, safe to share across threads.
pub struct PrivateKey {
    inner: imp::Key,
    bits: u32,
}

/// What a PEM document announces about itself, read from its armour before any parsing.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum PemKind {
    Pkcs8,
    EncryptedPkcs8,
    Pkcs1,
    LegacyEncryptedPkcs1,
    Public,
    OtherPrivate,
    Unknown,
}

/// The labels of the PEM blocks in `text`, in order.
fn pem_labels(text: &str) -> impl Iterator<Item = &str> {
    text.lines().filter_map(|l| l.trim().strip_prefix("-----BEGIN ").and_then(|r| r.strip_suffix("-----")))
}

/// The private-key block's label, or else the first block's (bundles often put a certificate first).
pub(crate) fn pem_key_label(text: &str) -> &str {
    pem_labels(text).find(|l| l.ends_with("PRIVATE KEY")).or_else(|| pem_labels(text).next()).unwrap_or("")
}

pub(crate) fn pem_kind(text: &str) -> PemKind {
    let legacy_encrypted = text.lines().any(|l| l.split_whitespace().collect::<String>() == "Proc-Type:4,ENCRYPTED");
    match pem_key_label(text) {
        "PRIVATE KEY" => PemKind::Pkcs8,
        "ENCRYPTED PRIVATE KEY" => PemKind::EncryptedPkcs8,
        "RSA PRIVATE KEY" if legacy_encrypted => PemKind::LegacyEncryptedPkcs1,
        "RSA PRIVATE KEY" => PemKind::Pkcs1,
        "PUBLIC KEY" | "RSA PUBLIC KEY" | "CERTIFICATE" => PemKind::Public,
        l if l.ends_with("PRIVATE KEY") => PemKind::OtherPrivate,
        _ => PemKind::Unknown,
    }
}

pub(crate) fn is_pem(data: &[u8]) -> Option<&str> {
    let text = std::str::from_utf8(data).ok()?;
    text.contains("-----BEGIN ").then_some(text)
}

impl PrivateKey {
    /// Loads a key from PEM text or DER bytes. `passphrase` opens encrypted keys and is ignored otherwise.
    pub fn load(data: &[u8], passphrase: Option<&[u8]>) -> Result<PrivateKey, Error> {
        if data.is_empty() {
            return Err(Error::Key(KeyErrorKind::Empty));
        }
        if let Some(text) = is_pem(data) {
            match pem_kind(text) {
                PemKind::Public => return Err(Error::Key(KeyErrorKind::PublicKey)),
                PemKind::OtherPrivate => return Err(Error::Key(KeyErrorKind::NotRsa)),
                PemKind::EncryptedPkcs8 | PemKind::LegacyEncryptedPkcs1 if passphrase.is_none() => {
                    return Err(Error::Key(KeyErrorKind::PassphraseRequired))
                }
                PemKind::Unknown => return Err(Error::Key(KeyErrorKind::NoPrivateKey)),
                _ => {}
            }
        }
        let inner = imp::Key::load(data, passphrase)?;
        let bits = inner.bits();
        if bits < MIN_BITS {
            return Err(Error::Key(KeyErrorKind::TooSmall { bits }));
        }
        let key = PrivateKey { inner, bits };
        key.check_consistency()?;
        Ok(key)
    }

    /// Refuses a key whose private half does not match its public half: such a key loads, then every request
    /// fails to decrypt (421), and WhatsApp re-fetches the public key in a loop. Runs the implementation's RSA key
    /// check, then a pairwise test: a random 16-byte key encrypted with the public half must decrypt to itself.
    fn check_consistency(&self) -> Result<(), Error> {
        if !self.inner.check_key() {
            return Err(Error::Key(KeyErrorKind::Inconsistent));
        }
        let probe = imp::random_bytes::<16>();
        let ok = self
            .inner
            .encrypt_oaep_sha256(&probe[..])
            .ok()
            .and_then(|ct| self.inner.decrypt_oaep_sha256(&ct).ok())
            .is_some_and(|pt| crate::ct::eq(&pt, &probe[..]));
        if ok {
            Ok(())
        } else {
            Err(Error::Key(KeyErrorKind::Inconsistent))
        }
    }

    /// Modulus size in bits.
    pub fn bits(&self) -> u32 {
        self.bits
    }

    /// RSA-OAEP with SHA-256, MGF1-SHA-256 and an empty label. Any failure is `Error::Decryption`.
    pub fn decrypt_oaep_sha256(&self, ciphertext: &[u8]) -> Result<Zeroizing<Vec<u8>>, Error> {
        self.inner.decrypt_oaep_sha256(ciphertext).map(Zeroizing::new).map_err(|_| Error::Decryption)
    }
}
