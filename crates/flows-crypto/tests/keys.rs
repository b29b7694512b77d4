//! Key loading refuses keys whose private half does not match the public half (issue 9 #7), on both RSA
//! implementations: a modulus from another key, and CRT values that do not belong to the key.
mod common;

use flows_crypto::{Error, KeyErrorKind, PrivateKey};

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../__test__/fixtures").join(name)).unwrap()
}

#[test]
fn inconsistent_keys_are_refused_at_load() {
    for name in ["inconsistent-modulus.pem", "inconsistent-crt.pem"] {
        match PrivateKey::load(&fixture(name), None) {
            Err(Error::Key(KeyErrorKind::Inconsistent)) => {}
            Err(e) => panic!("{name}: wrong error {e:?}"),
            Ok(_) => panic!("{name}: an inconsistent key was accepted"),
        }
    }
}

#[test]
fn a_consistent_key_passes_the_check() {
    let v = common::read_json("pywa/flow_request.json");
    let pem = std::fs::read(common::vectors().join("pywa/private_key.pem")).unwrap();
    let key = PrivateKey::load(&pem, Some(v["passphrase"].as_str().unwrap().as_bytes())).expect("pywa's key loads");
    assert_eq!(key.bits(), 2048);
}
