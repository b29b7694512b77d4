//! RSA through OpenSSL's libcrypto: key parsing for every PEM/DER flavour, OAEP decryption with blinding.
use openssl::error::ErrorStack;
use openssl::md::Md;
use openssl::pkey::{Id, PKey, Private};
use openssl::pkey_ctx::PkeyCtx;
use openssl::rsa::Padding;

use super::{is_pem, pem_kind, PemKind};
use crate::{Error, KeyErrorKind};

pub const NAME: &str = "openssl";

pub struct Key(PKey<Private>);

fn passphrase_cb(pass: Option<&[u8]>) -> impl FnOnce(&mut [u8]) -> Result<usize, ErrorStack> + '_ {
    // Never let OpenSSL prompt on a terminal: without a passphrase the callback declines.
    move |buf: &mut [u8]| match pass {
        Some(p) if p.len() <= buf.len() => {
            buf[..p.len()].copy_from_slice(p);
            Ok(p.len())
        }
        _ => Ok(0),
    }
}

impl Key {
    pub fn load(data: &[u8], pass: Option<&[u8]>) -> Result<Key, Error> {
        let pkey = if let Some(text) = is_pem(data) {
            let encrypted = matches!(pem_kind(text), PemKind::EncryptedPkcs8 | PemKind::LegacyEncryptedPkcs1);
            PKey::private_key_from_pem_callback(data, passphrase_cb(pass)).map_err(|_| {
                if encrypted {
                    Error::Key(KeyErrorKind::WrongPassphrase)
                } else {
                    Error::Key(KeyErrorKind::Malformed)
                }
            })?
        } else if let Ok(k) = PKey::private_key_from_der(data) {
            k
        } else if is_public_der(data) {
            return Err(Error::Key(KeyErrorKind::PublicKey));
        } else if looks_encrypted_pkcs8(data) {
            match pass {
                None => return Err(Error::Key(KeyErrorKind::PassphraseRequired)),
                // Through the callback, as for PEM: `private_key_from_pkcs8_passphrase` makes a C string of the
                // passphrase and panics on a NUL byte in it (found by fuzzing, tests/fuzz_regressions.rs).
                Some(_) => PKey::private_key_from_pkcs8_callback(data, passphrase_cb(pass))
                    .map_err(|_| Error::Key(KeyErrorKind::WrongPassphrase))?,
            }
        } else {
            return Err(Error::Key(KeyErrorKind::Malformed));
        };
        if pkey.id() != Id::RSA {
            return Err(Error::Key(KeyErrorKind::NotRsa));
        }
        Ok(Key(pkey))
    }

    pub fn bits(&self) -> u32 {
        self.0.bits()
    }

    /// OpenSSL's RSA key check (RSA_check_key): p and q prime, n = p·q, d·e ≡ 1, and the CRT values.
    pub fn check_key(&self) -> bool {
        self.0.rsa().map(|rsa| rsa.check_key().unwrap_or(false)).unwrap_or(false)
    }

    /// RSA-OAEP-SHA256 with the public half (for the pairwise check at load).
    pub fn encrypt_oaep_sha256(&self, plaintext: &[u8]) -> Result<Vec<u8>, ()> {
        let run = || -> Result<Vec<u8>, ErrorStack> {
            let mut ctx = PkeyCtx::new(&self.0)?;
            ctx.encrypt_init()?;
            ctx.set_rsa_padding(Padding::PKCS1_OAEP)?;
            ctx.set_rsa_oaep_md(Md::sha256())?;
            ctx.set_rsa_mgf1_md(Md::sha256())?;
            let mut out = Vec::new();
            ctx.encrypt_to_vec(plaintext, &mut out)?;
            Ok(out)
        };
        run().map_err(|_| ())
    }

    pub fn decrypt_oaep_sha256(&self, ciphertext: &[u8]) -> Result<Vec<u8>, ()> {
        let run = || -> Result<Vec<u8>, ErrorStack> {
            let mut ctx = PkeyCtx::new(&self.0)?;
            ctx.decrypt_init()?;
            ctx.set_rsa_padding(Padding::PKCS1_OAEP)?;
            ctx.set_rsa_oaep_md(Md::sha256())?;
            ctx.set_rsa_mgf1_md(Md::sha256())?;
            let mut out = Vec::new();
            ctx.decrypt_to_vec(ciphertext, &mut out)?;
            Ok(out)
        };
        // OpenSSL's error queue is per thread; the result carries the stack, so nothing is left behind.
        run().map_err(|_| ())
    }
}

/// `N` bytes from OpenSSL's CSPRNG.
pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut out = [0u8; N];
    // A failing CSPRNG leaves zeros: the pairwise check still detects an inconsistent key with them.
    let _ = openssl::rand::rand_bytes(&mut out);
    out
}

/// SubjectPublicKeyInfo, PKCS#1 RSAPublicKey or an X.509 certificate.
fn is_public_der(der: &[u8]) -> bool {
    PKey::public_key_from_der(der).is_ok()
        || openssl::rsa::Rsa::public_key_from_der_pkcs1(der).is_ok()
        || openssl::x509::X509::from_der(der).is_ok()
}

/// An EncryptedPrivateKeyInfo starts SEQUENCE { SEQUENCE { OID pkcs5PBES2 / pbeWith... } ...}.
fn looks_encrypted_pkcs8(der: &[u8]) -> bool {
    // 1.2.840.113549.1.5 (PKCS#5) appears within the first bytes of the algorithm identifier.
    const PKCS5: &[u8] = &[0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x05];
    der.len() > 32 && der[..32].windows(PKCS5.len()).any(|w| w == PKCS5)
}
