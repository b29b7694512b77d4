//! Fuzz target `key_load`: `PrivateKey::load` on arbitrary bytes, raw (PEM text or DER as given) or with the bytes
//! wrapped as DER in PEM armour of each label (PRIVATE KEY, ENCRYPTED PRIVATE KEY, RSA PRIVATE KEY with and without
//! the legacy `Proc-Type: 4,ENCRYPTED` / `DEK-Info` headers, and labels of things that are not private keys), with
//! or without a passphrase taken from the input.
//!
//! Input: `flags`, then (flags & 0x08) a length byte and that many passphrase bytes, then (wrapping 4) a cipher byte
//! and the DEK-Info IV, then the key bytes. flags & 0x07 picks the wrapping (0, 6, 7: raw; 1: PRIVATE KEY;
//! 2: ENCRYPTED PRIVATE KEY; 3: RSA PRIVATE KEY; 4: the same, legacy-encrypted; 5: another label, by a byte),
//! flags & 0x10 CRLF line ends.
//!
//! Invariants: a loaded key has at least 2048 bits and answers garbage with `Error::Decryption`; a passphrase never
//! changes the outcome for a key that loads without one, and a key that loads with one loads without it or asks
//! for it; every failure is an `Error::Key` with a known reason that fits the input (passphrase-required only
//! without a passphrase, wrong-passphrase only with one, too-small under 2048 bits, ...) and comes again the same
//! on a second load.
#![no_main]

use flows_crypto::key::MIN_BITS;
use flows_crypto::{Error, KeyErrorKind, PrivateKey};
use flows_crypto_fuzz::{pem_armour, slow_kdf, slow_kdf_self_check, Input};
use libfuzzer_sys::{fuzz_target, Corpus};

/// Labels of PEM blocks that are not RSA private keys (and one that is, for a mislabeled body).
const OTHER_LABELS: [&str; 6] = ["PUBLIC KEY", "RSA PUBLIC KEY", "CERTIFICATE", "EC PRIVATE KEY", "PRIVATE KEY", "OPENSSH PRIVATE KEY"];

/// Ciphers of legacy encrypted PEM (`DEK-Info`) and their IV lengths.
const DEK_CIPHERS: [(&str, usize); 5] =
    [("AES-128-CBC", 16), ("AES-192-CBC", 16), ("AES-256-CBC", 16), ("DES-EDE3-CBC", 8), ("DES-CBC", 8)];

const REASONS: [&str; 8] =
    ["passphrase-required", "wrong-passphrase", "public-key", "not-rsa", "too-small", "inconsistent", "unsupported-format", "malformed"];

/// The key bytes and the passphrase the input describes.
fn build(data: &[u8]) -> (Vec<u8>, Option<Vec<u8>>) {
    let mut input = Input::new(data);
    let flags = input.byte();
    let pass = (flags & 0x08 != 0).then(|| {
        let n = input.byte() as usize;
        input.take(n).to_vec()
    });
    let crlf = flags & 0x10 != 0;
    let key = match flags & 0x07 {
        1 => pem_armour("PRIVATE KEY", &[], input.rest(), crlf),
        2 => pem_armour("ENCRYPTED PRIVATE KEY", &[], input.rest(), crlf),
        3 => pem_armour("RSA PRIVATE KEY", &[], input.rest(), crlf),
        4 => {
            let (cipher, iv_len) = DEK_CIPHERS[input.byte() as usize % DEK_CIPHERS.len()];
            let iv: String = input.take(iv_len).iter().map(|b| format!("{b:02X}")).collect();
            let headers = ["Proc-Type: 4,ENCRYPTED".to_string(), format!("DEK-Info: {cipher},{iv}")];
            pem_armour("RSA PRIVATE KEY", &headers, input.rest(), crlf)
        }
        5 => {
            let label = OTHER_LABELS[input.byte() as usize % OTHER_LABELS.len()];
            pem_armour(label, &[], input.rest(), crlf)
        }
        _ => input.rest().to_vec(),
    };
    (key, pass)
}

fn check(key: &[u8], pass: Option<&[u8]>) {
    match PrivateKey::load(key, pass) {
        Ok(k) => {
            assert!(k.bits() >= MIN_BITS, "a {}-bit key was accepted", k.bits());
            let junk = vec![0xff; (k.bits() as usize).div_ceil(8)];
            assert_eq!(k.decrypt_oaep_sha256(&junk).err(), Some(Error::Decryption), "garbage must not decrypt");
            match pass {
                None => match PrivateKey::load(key, Some(b"not the passphrase")) {
                    Ok(again) => assert_eq!(again.bits(), k.bits()),
                    Err(e) => panic!("loads without a passphrase, fails with one: {e:?}"),
                },
                Some(_) => match PrivateKey::load(key, None) {
                    Ok(again) => assert_eq!(again.bits(), k.bits()),
                    Err(Error::Key(KeyErrorKind::PassphraseRequired)) => {}
                    Err(e) => panic!("loads with a passphrase, without one fails with {e:?}"),
                },
            }
        }
        Err(e) => {
            let Error::Key(kind) = e else { panic!("a key load failed with a non-key error: {e:?}") };
            assert_eq!(e.code(), "ERR_FLOW_KEY_INVALID");
            assert!(REASONS.contains(&e.reason()), "unknown reason {}", e.reason());
            match kind {
                KeyErrorKind::TooSmall { bits } => {
                    assert!(bits < MIN_BITS);
                    assert_eq!(e.detail(), Some(bits.to_string()));
                }
                KeyErrorKind::PassphraseRequired => assert!(pass.is_none(), "passphrase-required with a passphrase"),
                KeyErrorKind::WrongPassphrase => assert!(pass.is_some(), "wrong-passphrase without a passphrase"),
                KeyErrorKind::Empty => assert!(key.is_empty()),
                KeyErrorKind::Unsupported if cfg!(feature = "openssl") => panic!("unsupported-format with OpenSSL"),
                _ => {}
            }
            assert!(!key.is_empty() || kind == KeyErrorKind::Empty, "empty input must say so");
            assert_eq!(PrivateKey::load(key, pass).err(), Some(e), "the same input failed differently");
        }
    }
}

fuzz_target!(
    init: slow_kdf_self_check(),
    |data: &[u8]| -> Corpus {
        let (key, pass) = build(data);
        if slow_kdf(&key) {
            return Corpus::Reject;
        }
        check(&key, pass.as_deref());
        Corpus::Keep
    }
);
