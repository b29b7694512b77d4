//! Regressions found by the fuzz targets (fuzz/, docs/fuzzing.md), run on whichever RSA backend the tests build.
mod common;

use base64::Engine;
use flows_crypto::{Error, KeyErrorKind, PrivateKey};

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../__test__/fixtures").join(name)).unwrap()
}

fn pem(label: &str, der: &[u8]) -> Vec<u8> {
    let body = base64::engine::general_purpose::STANDARD.encode(der);
    let lines: Vec<&str> = body.as_bytes().chunks(64).map(|l| std::str::from_utf8(l).unwrap()).collect();
    format!("-----BEGIN {label}-----\n{}\n-----END {label}-----\n", lines.join("\n")).into_bytes()
}

/// key_load (openssl): an encrypted PKCS#8 key in DER with a passphrase holding a NUL byte panicked inside the
/// `openssl` crate (`PKey::private_key_from_pkcs8_passphrase` makes a C string of the passphrase and unwraps),
/// where PEM went through a length-counted callback. A NUL is one byte of the passphrase like any other: the key
/// opens with the whole passphrase only, in DER and in PEM, on both backends.
#[test]
fn a_nul_byte_in_the_passphrase_is_one_more_byte() {
    let der = fixture("pkcs8-nul-passphrase.der");
    for (form, data) in [("DER", der.clone()), ("PEM", pem("ENCRYPTED PRIVATE KEY", &der))] {
        let key = PrivateKey::load(&data, Some(b"pywa\0nul")).unwrap_or_else(|e| panic!("{form}: {e:?}"));
        assert_eq!(key.bits(), 2048);
        // (Not `pywa\0nul\0`: PBKDF2 keys HMAC with the passphrase, and HMAC pads keys with zeros, so trailing NULs
        // never change the derived key.)
        for wrong in [&b"pywa"[..], b"pywa\0", b"\0", b"\0pywa\0nul", b"pywa\0num"] {
            assert_eq!(
                PrivateKey::load(&data, Some(wrong)).err(),
                Some(Error::Key(KeyErrorKind::WrongPassphrase)),
                "{form} opened with {wrong:?}"
            );
        }
        assert_eq!(PrivateKey::load(&data, None).err(), Some(Error::Key(KeyErrorKind::PassphraseRequired)));
    }
}

/// key_load corpus, the two backends compared: a legacy-encrypted PKCS#1 PEM (`Proc-Type: 4,ENCRYPTED`,
/// `DEK-Info`) was `malformed` in the pure-rust build, because its body went through the strict RFC 7468 decoder
/// (which refuses header lines) before the format was looked at. The documented answer is `unsupported-format`, on
/// which the TypeScript layer converts the key with node:crypto; OpenSSL opens it.
#[test]
fn legacy_encrypted_pem_loads_with_openssl_and_is_unsupported_in_pure_rust() {
    let pem = fixture("pkcs1-legacy-aes128.pem");
    let loaded = PrivateKey::load(&pem, Some(b"pywa")).map(|k| k.bits());
    if cfg!(feature = "openssl") {
        assert_eq!(loaded, Ok(2048));
    } else {
        assert_eq!(loaded, Err(Error::Key(KeyErrorKind::Unsupported)));
    }
    assert_eq!(PrivateKey::load(&pem, None).err(), Some(Error::Key(KeyErrorKind::PassphraseRequired)));
}
