//! RSA through RustCrypto's `rsa` crate (feature `pure-rust`). Note RUSTSEC-2023-0071: `rsa` 0.9 is exposed
//! to the Marvin timing attack; this build exists for targets where OpenSSL is impractical.
use pkcs8::der::Decode;
use pkcs8::{EncryptedPrivateKeyInfo, PrivateKeyInfo};
use rsa::pkcs1::DecodeRsaPrivateKey;
use rsa::traits::PrivateKeyParts;
use rsa::traits::PublicKeyParts;
use rsa::{Oaep, RsaPrivateKey};
use sha2::Sha256;

use super::{is_pem, pem_kind, PemKind};
use crate::{Error, KeyErrorKind};

pub const NAME: &str = "pure-rust";

pub struct Key(RsaPrivateKey, bool);

const RSA_OID: &str = "1.2.840.113549.1.1.1";

/// A parsed key, and whether the file's CRT values (dp, dq, qinv) are the ones its d, p and q give: `rsa` recomputes
/// them and ignores the file's, where OpenSSL and WebCrypto use them as stored.
fn from_pkcs1_der(der: &[u8]) -> Result<(RsaPrivateKey, bool), Error> {
    let stored = pkcs1::RsaPrivateKey::from_der(der).map_err(|_| Error::key(KeyErrorKind::Malformed, "the RSA private key could not be parsed"))?;
    // The structure is a PKCS#1 key, yet `rsa` refuses its numbers: they do not make one key.
    let key = RsaPrivateKey::from_pkcs1_der(der)
        .map_err(|_| Error::key(KeyErrorKind::Inconsistent, "the private key is inconsistent: its private half does not match its public half"))?;
    let same = |stored: pkcs1::UintRef<'_>, computed: Option<rsa::BigUint>| computed.is_some_and(|c| rsa::BigUint::from_bytes_be(stored.as_bytes()) == c);
    let crt_ok = same(stored.exponent1, key.dp().cloned()) && same(stored.exponent2, key.dq().cloned()) && same(stored.coefficient, key.crt_coefficient());
    Ok((key, crt_ok))
}

fn from_pkcs8_der(der: &[u8]) -> Result<(RsaPrivateKey, bool), Error> {
    let info = PrivateKeyInfo::from_der(der)
        .map_err(|_| Error::key(KeyErrorKind::Malformed, "the PKCS#8 private key could not be parsed"))?;
    if info.algorithm.oid.to_string() != RSA_OID {
        return Err(Error::key(KeyErrorKind::NotRsa, "this is not an RSA private key; WhatsApp Flows needs RSA-2048 or larger"));
    }
    from_pkcs1_der(info.private_key)
}

fn from_encrypted_pkcs8_der(der: &[u8], pass: Option<&[u8]>) -> Result<(RsaPrivateKey, bool), Error> {
    let info = EncryptedPrivateKeyInfo::from_der(der)
        .map_err(|_| Error::key(KeyErrorKind::Malformed, "the encrypted PKCS#8 key could not be parsed"))?;
    let pass = pass.ok_or_else(|| Error::key(KeyErrorKind::PassphraseRequired, "the private key is encrypted and no passphrase was given"))?;
    let doc = info
        .decrypt(pass)
        .map_err(|_| Error::key(KeyErrorKind::WrongPassphrase, "the passphrase does not decrypt the private key"))?;
    from_pkcs8_der(doc.as_bytes())
}

impl Key {
    pub fn load(data: &[u8], pass: Option<&[u8]>) -> Result<Key, Error> {
        let key = if let Some(text) = is_pem(data) {
            let (label, der) = pem_decode(text)?;
            match pem_kind(text) {
                PemKind::Pkcs8 => from_pkcs8_der(&der)?,
                PemKind::EncryptedPkcs8 => from_encrypted_pkcs8_der(&der, pass)?,
                PemKind::Pkcs1 => from_pkcs1_der(&der)?,
                PemKind::LegacyEncryptedPkcs1 => {
                    return Err(Error::key(
                        KeyErrorKind::Unsupported,
                        "legacy encrypted PEM (Proc-Type: 4,ENCRYPTED) is not supported by the pure-rust build; convert it with `openssl pkcs8 -topk8 -v2 aes-256-cbc -in key.pem -out key-pkcs8.pem`",
                    ))
                }
                _ => return Err(Error::key(KeyErrorKind::Malformed, format!("unexpected PEM label {label}"))),
            }
        } else if let Ok(k) = from_pkcs8_der(data) {
            k
        } else if let Ok(k) = from_pkcs1_der(data) {
            k
        } else if EncryptedPrivateKeyInfo::from_der(data).is_ok() {
            from_encrypted_pkcs8_der(data, pass)?
        } else if spki_is_public(data) {
            return Err(Error::key(KeyErrorKind::PublicKey, "this is a public key; the endpoint needs the RSA private key"));
        } else {
            // Distinguish a non-RSA PKCS#8 key from garbage.
            return Err(match from_pkcs8_der(data) {
                Err(e @ Error::Key(KeyErrorKind::NotRsa, _)) => e,
                _ => Error::key(KeyErrorKind::Malformed, "the data is neither a PEM nor a DER private key"),
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
        self.0.to_public_key().encrypt(&mut rand_core::OsRng, Oaep::new::<Sha256>(), plaintext).map_err(|_| ())
    }

    pub fn decrypt_oaep_sha256(&self, ciphertext: &[u8]) -> Result<Vec<u8>, ()> {
        self.0.decrypt(Oaep::new::<Sha256>(), ciphertext).map_err(|_| ())
    }
}

/// `N` bytes from the operating system's CSPRNG.
pub fn random_bytes<const N: usize>() -> [u8; N] {
    use rand_core::RngCore;
    let mut out = [0u8; N];
    rand_core::OsRng.fill_bytes(&mut out);
    out
}

/// SubjectPublicKeyInfo or PKCS#1 RSAPublicKey.
fn spki_is_public(der: &[u8]) -> bool {
    use rsa::pkcs1::DecodeRsaPublicKey;
    pkcs8::SubjectPublicKeyInfoRef::from_der(der).is_ok() || rsa::RsaPublicKey::from_pkcs1_der(der).is_ok()
}

fn pem_decode(text: &str) -> Result<(String, Vec<u8>), Error> {
    // Take the private-key PEM block; pem-rfc7468 is strict about surrounding text, so cut it out first.
    let label = super::pem_key_label(text);
    let start = text.find(&format!("-----BEGIN {label}-----")).ok_or_else(|| Error::key(KeyErrorKind::Malformed, "no PEM block"))?;
    let rest = &text[start..];
    let end_marker = rest.find("-----END ").ok_or_else(|| Error::key(KeyErrorKind::Malformed, "unterminated PEM block"))?;
    let end = rest[end_marker..].find('\n').map(|i| end_marker + i).unwrap_or(rest.len());
    let block = rest[..end].trim_end();
    let (label, der) = pkcs8::der::pem::decode_vec(block.as_bytes())
        .map_err(|_| Error::key(KeyErrorKind::Malformed, "the PEM block could not be decoded"))?;
    Ok((label.to_string(), der))
}
