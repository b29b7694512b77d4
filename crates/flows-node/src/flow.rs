//! Exports for request/response crypto: the key handle, decryptRequest(Sync), encryptResponse(Sync). Inputs are
//! validated by the TypeScript layer first; here only what memory safety needs is checked (by flows-crypto).
//! Async calls copy their inputs on the JS thread: a pool thread never reads JavaScript memory.
use std::sync::Arc;

use flows_crypto::PrivateKey;
use napi::bindgen_prelude::*;
use napi_derive::napi;
use zeroize::Zeroizing;

use crate::errors::{run, Failure};
use crate::output::Output;
use crate::pool::{self, JobResult};

/// A parsed RSA private key held natively (parsed and checked once, freed when collected).
#[napi]
pub struct FlowKey {
    key: Arc<PrivateKey>,
}

#[napi]
impl FlowKey {
    /// Modulus size in bits.
    #[napi(getter)]
    pub fn bits(&self) -> u32 {
        self.key.bits()
    }
}

#[cfg(feature = "testing")]
impl Drop for FlowKey {
    fn drop(&mut self) {
        crate::testing::handle_dropped();
    }
}

/// Parses PEM text or DER bytes (PKCS#8 or PKCS#1, plain or encrypted), runs the RSA key check and a pairwise test.
#[napi]
pub fn load_key(env: Env, data: &[u8], passphrase: Option<String>) -> Result<FlowKey> {
    let pass = passphrase.map(|p| Zeroizing::new(p.into_bytes()));
    run(&env, || {
        let key = PrivateKey::load(data, pass.as_ref().map(|p| p.as_slice()))?;
        #[cfg(feature = "testing")]
        crate::testing::handle_created();
        Ok(FlowKey { key: Arc::new(key) })
    })
}

fn decrypt(key: &PrivateKey, encrypted_aes_key: &[u8], iv: &[u8], data: &[u8]) -> JobResult {
    let (aes_key, plaintext) = flows_crypto::decrypt_request(key, encrypted_aes_key, iv, data).map_err(Failure::from)?;
    Ok(Output::List(vec![Output::Secret(aes_key), Output::Secret(Zeroizing::new(plaintext))]))
}

/// RSA-OAEP-SHA256 unwrap + AES-128-GCM decryption on the pool: resolves `[aesKey, plaintext]`.
#[napi(ts_return_type = "Promise<[Buffer, Buffer]>")]
pub fn decrypt_request<'env>(
    env: &'env Env,
    key: &FlowKey,
    encrypted_aes_key: &[u8],
    iv: &[u8],
    encrypted_flow_data: &[u8],
) -> Result<PromiseRaw<'env, Output>> {
    let key = key.key.clone();
    let (ek, iv, data) = (encrypted_aes_key.to_vec(), iv.to_vec(), flows_crypto::buffer::copy_of(encrypted_flow_data));
    pool::spawn(env, move || {
        let result = decrypt(&key, &ek, &iv, &data);
        flows_crypto::buffer::recycle(data);
        result
    })
}

/// The same on the calling thread: `[aesKey, plaintext]`.
#[napi(ts_return_type = "[Buffer, Buffer]")]
pub fn decrypt_request_sync(env: Env, key: &FlowKey, encrypted_aes_key: &[u8], iv: &[u8], encrypted_flow_data: &[u8]) -> Result<Output> {
    run(&env, || decrypt(&key.key, encrypted_aes_key, iv, encrypted_flow_data))
}

/// AES-128-GCM with the request IV inverted, on the pool: resolves `ciphertext ‖ tag`.
#[napi(ts_return_type = "Promise<Buffer>")]
pub fn encrypt_response<'env>(env: &'env Env, aes_key: &[u8], iv: &[u8], plaintext: &[u8]) -> Result<PromiseRaw<'env, Output>> {
    let (key, iv, pt) = (Zeroizing::new(aes_key.to_vec()), iv.to_vec(), Zeroizing::new(plaintext.to_vec()));
    pool::spawn(env, move || flows_crypto::encrypt_response(&key, &iv, &pt).map(Output::Bytes).map_err(Failure::from))
}

/// The same on the calling thread (the inputs are borrowed, not copied).
#[napi(ts_return_type = "Buffer")]
pub fn encrypt_response_sync(env: Env, aes_key: &[u8], iv: &[u8], plaintext: &[u8]) -> Result<Output> {
    run(&env, || flows_crypto::encrypt_response(aes_key, iv, plaintext).map(Output::Bytes).map_err(Failure::from))
}
