//! pywa's fixed WhatsApp Flows vectors: the 3DES-PBES2 key, a request, and a byte-exact response.
mod common;
use common::{b64, hex, read_json, vectors};
use flows_crypto::{decrypt_request, encrypt_response, Error, KeyErrorKind, PrivateKey};

fn key_pem() -> Vec<u8> {
    std::fs::read(vectors().join("pywa/private_key.pem")).unwrap()
}

#[test]
fn decrypts_request_and_encrypts_response_byte_exact() {
    let v = read_json("pywa/flow_request.json");
    let key = PrivateKey::load(&key_pem(), Some(v["passphrase"].as_str().unwrap().as_bytes())).expect("pywa key");
    assert_eq!(key.bits(), 2048);
    let r = &v["request"];
    let iv = b64(r["initial_vector"].as_str().unwrap());
    let (aes_key, plaintext) =
        decrypt_request(&key, &b64(r["encrypted_aes_key"].as_str().unwrap()), &iv, &b64(r["encrypted_flow_data"].as_str().unwrap()))
            .unwrap();
    assert_eq!(aes_key.as_slice(), hex(v["expected_aes_key_hex"].as_str().unwrap()).as_slice());
    assert_eq!(String::from_utf8(plaintext).unwrap(), v["expected_plaintext"].as_str().unwrap());
    let ct = encrypt_response(&aes_key, &iv, v["response_plaintext"].as_str().unwrap().as_bytes()).unwrap();
    assert_eq!(ct, b64(v["expected_encrypted_response"].as_str().unwrap()));
}

#[test]
fn key_errors_say_why() {
    let pem = key_pem();
    let kind = |r: Result<PrivateKey, Error>| match r {
        Err(Error::Key(k)) => k,
        Err(e) => panic!("unexpected error {e:?}"),
        Ok(_) => panic!("expected an error"),
    };
    assert_eq!(kind(PrivateKey::load(&pem, None)), KeyErrorKind::PassphraseRequired);
    assert_eq!(kind(PrivateKey::load(&pem, Some(b"wrong"))), KeyErrorKind::WrongPassphrase);
    assert_eq!(kind(PrivateKey::load(b"", None)), KeyErrorKind::Empty);
    assert_eq!(kind(PrivateKey::load(b"not a key at all", None)), KeyErrorKind::Malformed);
    let public = b"-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE=\n-----END PUBLIC KEY-----\n";
    assert_eq!(kind(PrivateKey::load(public, None)), KeyErrorKind::PublicKey);
    let ed25519 =
        b"-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEINTuctv5E1hK1bbY8fdp+K06/nwoy/HU++CXqI9EdVhC\n-----END PRIVATE KEY-----\n";
    assert_eq!(kind(PrivateKey::load(ed25519, None)), KeyErrorKind::NotRsa);
}

#[test]
fn a_bundle_with_a_public_block_first_loads_the_private_key() {
    let public = b"-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE=\n-----END PUBLIC KEY-----\n";
    let bundle = [public.as_slice(), &key_pem()].concat();
    assert_eq!(PrivateKey::load(&bundle, Some(b"pywa")).expect("bundle loads").bits(), 2048);
}

#[test]
fn tampering_is_one_generic_error() {
    let v = read_json("pywa/flow_request.json");
    let key = PrivateKey::load(&key_pem(), Some(b"pywa")).unwrap();
    let r = &v["request"];
    let (ek, iv, data) = (
        b64(r["encrypted_aes_key"].as_str().unwrap()),
        b64(r["initial_vector"].as_str().unwrap()),
        b64(r["encrypted_flow_data"].as_str().unwrap()),
    );
    let mut bad_key = ek.clone();
    bad_key[10] ^= 1;
    assert_eq!(decrypt_request(&key, &bad_key, &iv, &data).err(), Some(Error::Decryption));
    let mut bad_data = data.clone();
    *bad_data.last_mut().unwrap() ^= 1;
    assert_eq!(decrypt_request(&key, &ek, &iv, &bad_data).err(), Some(Error::Decryption));
    assert_eq!(decrypt_request(&key, &ek, &iv[..12], &data).err().map(|e| e.code()), Some("ERR_FLOW_REQUEST_INVALID"));
    assert_eq!(decrypt_request(&key, &ek, &iv, &data[..8]).err(), Some(Error::Decryption));
}
