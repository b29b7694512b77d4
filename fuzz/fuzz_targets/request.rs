//! Fuzz target `request`: `decrypt_request` with a fixed key (pywa's RSA-2048 vector key) on arbitrary wrapped
//! AES keys, IVs and bodies, and on honest requests (a known wrapped AES key and a body sealed with it) with one
//! byte tampered or the body cut.
//!
//! Input: a mode byte. Mode % 4 == 0 or 1 (raw): a length byte for the wrapped key (below 128: 256 bytes, the
//! modulus size; else (b - 128) * 4), those bytes, an IV length byte (% 33) and the IV, then the body. Mode 2
//! (sealed): a byte choosing the wrapped key (the 16-byte AES key, or wraps of 15, 32 and 0 bytes, or the 16-byte
//! one with a byte flipped), an IV length byte (16 unless >= 224, then % 33), the IV, a tamper byte t and a u16
//! position (t & 0x80 cuts the body at the position, else a non-zero t is XORed in there), then the plaintext.
//! Mode 3: the 16-byte wrapped key, an IV as in mode 2, then an arbitrary body.
//!
//! Invariants: an IV that is not 16 bytes is `InvalidInput(IvLength)` and nothing else; every other failure is
//! `Error::Decryption`; an untampered sealed request decrypts to its AES key and plaintext, and the response
//! encrypted with them opens with the inverted IV; any change to a sealed request fails.
#![no_main]

use std::sync::OnceLock;

use flows_crypto::error::InputErrorKind;
use flows_crypto::flow::{flip_iv, gcm_decrypt, gcm_encrypt};
use flows_crypto::{decrypt_request, encrypt_response, Error, PrivateKey, IV_LEN};
use flows_crypto_fuzz::Input;
use libfuzzer_sys::fuzz_target;

const KEY_PEM: &[u8] = include_bytes!("../../__test__/vectors/pywa/private_key.pem");
const KEY_PASSPHRASE: &[u8] = b"pywa";
/// `fixtures/wrapped-aes-16.bin` opens to this AES key.
const AES_KEY: [u8; 16] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15];
const WRAPPED_16: &[u8] = include_bytes!("../fixtures/wrapped-aes-16.bin");
/// RSA-OAEP-SHA256 wraps, under the same key, of AES keys of the wrong length.
const WRAPPED_WRONG: [&[u8]; 3] = [
    include_bytes!("../fixtures/wrapped-aes-15.bin"),
    include_bytes!("../fixtures/wrapped-aes-32.bin"),
    include_bytes!("../fixtures/wrapped-aes-0.bin"),
];

fn key() -> &'static PrivateKey {
    static KEY: OnceLock<PrivateKey> = OnceLock::new();
    KEY.get_or_init(|| PrivateKey::load(KEY_PEM, Some(KEY_PASSPHRASE)).expect("the pywa key loads"))
}

/// An IV: 16 bytes unless the length byte is 224 or more.
fn iv<'a>(input: &mut Input<'a>) -> &'a [u8] {
    let b = input.byte();
    let len = if b < 224 { IV_LEN } else { b as usize % 33 };
    input.take(len)
}

/// Anything but an IV-length error must be `Decryption`, and an IV-length error comes exactly when it should.
fn assert_failure(iv: &[u8], r: &Result<impl Sized, Error>) {
    match r {
        Err(Error::InvalidInput(InputErrorKind::IvLength)) => assert_ne!(iv.len(), IV_LEN),
        Err(e) => {
            assert_eq!(iv.len(), IV_LEN, "a {}-byte IV was not refused first", iv.len());
            assert_eq!(*e, Error::Decryption);
        }
        Ok(_) => {}
    }
}

/// A successful decryption: the AES key has 16 bytes and a response made with it opens with the inverted IV.
fn assert_success(aes_key: &[u8], iv: &[u8], plaintext: &[u8]) {
    assert_eq!(aes_key.len(), 16);
    let response = encrypt_response(aes_key, iv, plaintext).expect("a response encrypts");
    assert_eq!(gcm_decrypt(aes_key, &flip_iv(iv), &response).as_deref(), Ok(plaintext));
    assert_eq!(encrypt_response(aes_key, &iv[1..], plaintext), Err(Error::InvalidInput(InputErrorKind::IvLength)));
}

fuzz_target!(
    init: {
        key();
    },
    |data: &[u8]| {
        let mut input = Input::new(data);
        match input.byte() % 4 {
            0 | 1 => {
                let b = input.byte() as usize;
                let wrapped = input.take(if b < 128 { 256 } else { (b - 128) * 4 });
                let n = input.byte() as usize % 33;
                let iv = input.take(n);
                let body = input.rest();
                let r = decrypt_request(key(), wrapped, iv, body);
                assert_failure(iv, &r);
                if let Ok((aes_key, plaintext)) = r {
                    assert_success(&aes_key, iv, &plaintext);
                }
            }
            2 => {
                let choice = input.byte();
                let wrapped = match choice % 5 {
                    0 => WRAPPED_16.to_vec(),
                    w @ 1..=3 => WRAPPED_WRONG[w as usize - 1].to_vec(),
                    _ => {
                        let mut w = WRAPPED_16.to_vec();
                        w[choice as usize % 256] ^= 0x40;
                        w
                    }
                };
                let honest_key = choice.is_multiple_of(5);
                let iv = iv(&mut input);
                let (tamper, pos) = (input.byte(), input.u16() as usize);
                let plaintext = input.rest();
                let seal_iv = if iv.len() == IV_LEN { iv } else { &[7u8; IV_LEN][..] };
                let mut body = gcm_encrypt(&AES_KEY, seal_iv, plaintext).expect("sealing works");
                let tampered = if tamper & 0x80 != 0 {
                    body.truncate(pos % body.len());
                    true
                } else if tamper != 0 {
                    let at = pos % body.len();
                    body[at] ^= tamper;
                    true
                } else {
                    false
                };
                let r = decrypt_request(key(), &wrapped, iv, &body);
                assert_failure(iv, &r);
                let should_open = honest_key && !tampered && iv.len() == IV_LEN;
                match r {
                    Ok((aes_key, pt)) => {
                        assert!(should_open, "a changed request decrypted");
                        assert_eq!(&aes_key[..], &AES_KEY[..]);
                        assert_eq!(pt, plaintext);
                        assert_success(&aes_key, iv, &pt);
                    }
                    Err(e) => assert!(!should_open, "an honest request failed: {e:?}"),
                }
            }
            _ => {
                let iv = iv(&mut input);
                let body = input.rest();
                let r = decrypt_request(key(), WRAPPED_16, iv, body);
                assert_failure(iv, &r);
                if let Ok((aes_key, plaintext)) = r {
                    // Only a body sealed under AES_KEY can open: the fuzzer found a valid ciphertext.
                    assert_eq!(gcm_encrypt(&aes_key, iv, &plaintext).as_deref(), Ok(body));
                    assert_success(&aes_key, iv, &plaintext);
                }
            }
        }
    }
);
