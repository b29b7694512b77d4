//! Exports for request/response crypto: key handles, decryptRequest(Sync), encryptResponse(Sync).
use std::sync::Arc;

use flows_crypto::PrivateKey;
use zeroize::Zeroizing;

use crate::napi::{Args, Env, JsResult};
use crate::pool::{self, Output};
use crate::sys::{napi_type_tag, napi_value};

const KEY_TAG: napi_type_tag = napi_type_tag { lower: 0x5741_464c_4f57_534b, upper: 0x9d3b_61f0_2c47_a811 };

type KeyHandle = Arc<PrivateKey>;

/// loadKey(data: Uint8Array, passphrase?: string): External — parses once, held natively.
fn load_key(args: &Args) -> JsResult<napi_value> {
    let pass = args.opt_string(1, "passphrase")?.map(|p| Zeroizing::new(p.into_bytes()));
    let key = args.with_bytes(0, "key", |data| PrivateKey::load(data, pass.as_ref().map(|p| p.as_slice())))??;
    args.env.external::<KeyHandle>(Arc::new(key), &KEY_TAG)
}

/// keyBits(handle): number
fn key_bits(args: &Args) -> JsResult<napi_value> {
    let key = args.external::<KeyHandle>(0, &KEY_TAG, "key")?;
    args.env.uint32(key.bits())
}

struct RequestParts {
    key: KeyHandle,
    encrypted_aes_key: Vec<u8>,
    iv: Vec<u8>,
    data: Vec<u8>,
}

fn request_parts(args: &Args) -> JsResult<RequestParts> {
    Ok(RequestParts {
        key: args.external::<KeyHandle>(0, &KEY_TAG, "key")?.clone(),
        encrypted_aes_key: args.bytes(1, "encryptedAesKey")?,
        iv: args.bytes(2, "iv")?,
        data: args.bytes(3, "encryptedFlowData")?,
    })
}

fn decrypt(p: RequestParts) -> JsResult<Output> {
    let (aes_key, plaintext) = flows_crypto::decrypt_request(&p.key, &p.encrypted_aes_key, &p.iv, &p.data)?;
    Ok(Output::List(vec![Output::Secret(aes_key), Output::Secret(Zeroizing::new(plaintext))]))
}

/// decryptRequest(key, encryptedAesKey, iv, encryptedFlowData): Promise<[aesKey, plaintext]>
fn decrypt_request(args: &Args) -> JsResult<napi_value> {
    let parts = request_parts(args)?;
    pool::spawn(args.env, Box::new(move || decrypt(parts)))
}

/// decryptRequestSync(...): [aesKey, plaintext]
fn decrypt_request_sync(args: &Args) -> JsResult<napi_value> {
    decrypt(request_parts(args)?)?.to_js(args.env)
}

fn response_parts(args: &Args) -> JsResult<(Zeroizing<Vec<u8>>, Vec<u8>, Vec<u8>)> {
    Ok((Zeroizing::new(args.bytes(0, "aesKey")?), args.bytes(1, "iv")?, args.bytes(2, "plaintext")?))
}

/// encryptResponse(aesKey, requestIv, plaintext): Promise<Buffer> (ciphertext ‖ tag)
fn encrypt_response(args: &Args) -> JsResult<napi_value> {
    let (key, iv, pt) = response_parts(args)?;
    pool::spawn(args.env, Box::new(move || Ok(Output::Bytes(flows_crypto::encrypt_response(&key, &iv, &pt)?))))
}

/// encryptResponseSync(aesKey, requestIv, plaintext): Buffer
fn encrypt_response_sync(args: &Args) -> JsResult<napi_value> {
    // Borrow the inputs directly: nothing leaves the JS thread.
    let key = Zeroizing::new(args.bytes(0, "aesKey")?);
    let iv = args.bytes(1, "iv")?;
    let ct = args.with_bytes(2, "plaintext", |pt| flows_crypto::encrypt_response(&key, &iv, pt))??;
    args.env.buffer_owned(ct)
}

js_function!(js_load_key => load_key);
js_function!(js_key_bits => key_bits);
js_function!(js_decrypt_request => decrypt_request);
js_function!(js_decrypt_request_sync => decrypt_request_sync);
js_function!(js_encrypt_response => encrypt_response);
js_function!(js_encrypt_response_sync => encrypt_response_sync);

pub fn register(env: Env, exports: napi_value) -> JsResult<()> {
    env.export(exports, "loadKey", js_load_key)?;
    env.export(exports, "keyBits", js_key_bits)?;
    env.export(exports, "decryptRequest", js_decrypt_request)?;
    env.export(exports, "decryptRequestSync", js_decrypt_request_sync)?;
    env.export(exports, "encryptResponse", js_encrypt_response)?;
    env.export(exports, "encryptResponseSync", js_encrypt_response_sync)?;
    Ok(())
}
