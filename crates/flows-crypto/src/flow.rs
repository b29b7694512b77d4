//! The Flows data-exchange scheme: RSA-OAEP-SHA256 unwraps a 16-byte AES key; the body is AES-128-GCM with a
//! 16-byte IV and the tag appended; the response uses the same key and the IV with every byte inverted.
use aes_gcm::aead::consts::U16;
use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{aes::Aes128, AesGcm, Nonce};
use zeroize::Zeroizing;

use crate::error::InputErrorKind;
use crate::{Error, PrivateKey};

pub const AES_KEY_LEN: usize = 16;
pub const IV_LEN: usize = 16;
pub const TAG_LEN: usize = 16;

type Aes128Gcm16 = AesGcm<Aes128, U16>;

fn cipher(aes_key: &[u8]) -> Result<Aes128Gcm16, Error> {
    if aes_key.len() != AES_KEY_LEN {
        return Err(Error::InvalidInput(InputErrorKind::AesKeyLength));
    }
    Aes128Gcm16::new_from_slice(aes_key).map_err(|_| Error::InvalidInput(InputErrorKind::AesKeyLength))
}

fn check_iv(iv: &[u8]) -> Result<(), Error> {
    if iv.len() != IV_LEN {
        return Err(Error::InvalidInput(InputErrorKind::IvLength));
    }
    Ok(())
}

/// AES-128-GCM decryption of `ciphertext ‖ tag` with a 16-byte IV. Any failure is `Error::Decryption`.
pub fn gcm_decrypt(aes_key: &[u8], iv: &[u8], ciphertext_and_tag: &[u8]) -> Result<Vec<u8>, Error> {
    check_iv(iv)?;
    let c = cipher(aes_key)?;
    if ciphertext_and_tag.len() < TAG_LEN {
        return Err(Error::Decryption);
    }
    let nonce = Nonce::<U16>::try_from(iv).map_err(|_| Error::InvalidInput(InputErrorKind::IvLength))?;
    c.decrypt(&nonce, ciphertext_and_tag).map_err(|_| Error::Decryption)
}

/// AES-128-GCM encryption with a 16-byte IV; returns `ciphertext ‖ tag`.
pub fn gcm_encrypt(aes_key: &[u8], iv: &[u8], plaintext: &[u8]) -> Result<Vec<u8>, Error> {
    check_iv(iv)?;
    let c = cipher(aes_key)?;
    let nonce = Nonce::<U16>::try_from(iv).map_err(|_| Error::InvalidInput(InputErrorKind::IvLength))?;
    c.encrypt(&nonce, plaintext).map_err(|_| Error::Encryption)
}

/// Decrypts a Flows request: returns the AES key (zeroized on drop) and the UTF-8 JSON plaintext bytes.
pub fn decrypt_request(
    key: &PrivateKey,
    encrypted_aes_key: &[u8],
    iv: &[u8],
    encrypted_flow_data: &[u8],
) -> Result<(Zeroizing<Vec<u8>>, Vec<u8>), Error> {
    check_iv(iv)?;
    let aes_key = key.decrypt_oaep_sha256(encrypted_aes_key)?;
    if aes_key.len() != AES_KEY_LEN {
        return Err(Error::Decryption);
    }
    let plaintext = gcm_decrypt(&aes_key, iv, encrypted_flow_data)?;
    Ok((aes_key, plaintext))
}

/// The response IV: every byte of the request IV inverted.
pub fn flip_iv(iv: &[u8]) -> Vec<u8> {
    iv.iter().map(|b| !b).collect()
}

/// Encrypts a response body with the request's AES key and the inverted request IV (`iv` is the request IV).
pub fn encrypt_response(aes_key: &[u8], iv: &[u8], plaintext: &[u8]) -> Result<Vec<u8>, Error> {
    check_iv(iv)?;
    gcm_encrypt(aes_key, &flip_iv(iv), plaintext)
}
