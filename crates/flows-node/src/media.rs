//! Exports for media: one-shot decryptMedia and a streaming decryptor handle (update/final, in order).
//!
//! Inputs are copied on the JS thread before the job starts: a worker never reads JavaScript memory, which
//! the caller could modify or detach (transfer) while the job runs.
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use flows_crypto::media::{decrypt_media_with, Join, Sequential};
use flows_crypto::{MediaDecryptor, MediaKeys};

use crate::napi::{Args, Env, JsError, JsResult};
use crate::pool::{self, Output};
use crate::sys::{napi_type_tag, napi_value};

const MEDIA_TAG: napi_type_tag = napi_type_tag { lower: 0x5741_464c_4d45_4449, upper: 0x41c7_0e92_b35d_6f14 };

struct Stream {
    state: Mutex<MediaDecryptor>,
    /// Set while an update/final job runs: calls must be sequential.
    busy: AtomicBool,
}

/// `rayon::join` on the addon's pool: `b` runs on an idle pool thread if there is one, else right after `a` on
/// this thread, so concurrent jobs (a batch) never start more threads than the pool has.
struct PoolJoin;

impl Join for PoolJoin {
    fn join(&self, a: &mut (dyn FnMut() + Send), b: &mut (dyn FnMut() + Send)) {
        rayon::join(a, b);
    }
}

/// The joiner for the current thread: the pool's on a pool thread, sequential elsewhere (libuv's threads).
fn joiner() -> &'static dyn Join {
    if rayon::current_thread_index().is_some() {
        &PoolJoin
    } else {
        &Sequential
    }
}

/// Arguments 0..5 are encryption_key, hmac_key, iv, plaintext_hash, encrypted_hash (decoded bytes).
fn keys(args: &Args, first: usize) -> JsResult<MediaKeys> {
    let names = ["encryptionKey", "hmacKey", "iv", "plaintextHash", "encryptedHash"];
    let v = names.iter().enumerate().map(|(i, n)| args.bytes(first + i, n)).collect::<JsResult<Vec<_>>>()?;
    Ok(MediaKeys::new(&v[0], &v[1], &v[2], &v[3], &v[4])?)
}

/// decryptMedia(cdnFile, encryptionKey, hmacKey, iv, plaintextHash, encryptedHash): Promise<Buffer>
fn decrypt_media(args: &Args) -> JsResult<napi_value> {
    let keys = keys(args, 1)?;
    let file = args.bytes(0, "cdnFile")?;
    pool::spawn(args.env, Box::new(move || {
        let result = decrypt_media_with(&file, &keys, joiner());
        flows_crypto::buffer::recycle(file);
        Ok(Output::Bytes(result?))
    }))
}

/// mediaDecryptor(encryptionKey, hmacKey, iv, plaintextHash, encryptedHash): External
fn media_decryptor(args: &Args) -> JsResult<napi_value> {
    let keys = keys(args, 0)?;
    let stream = Arc::new(Stream { state: Mutex::new(MediaDecryptor::new(&keys)), busy: AtomicBool::new(false) });
    args.env.external::<Arc<Stream>>(stream, &MEDIA_TAG)
}

fn run_step(args: &Args, step: impl FnOnce(&mut MediaDecryptor) -> Result<Vec<u8>, flows_crypto::Error> + Send + 'static) -> JsResult<napi_value> {
    let stream = args.external::<Arc<Stream>>(0, &MEDIA_TAG, "decryptor")?.clone();
    if stream.busy.swap(true, Ordering::AcqRel) {
        return Err(JsError::new("ERR_MEDIA_STREAM_BUSY", "the previous update() or final() has not finished yet"));
    }
    pool::spawn(
        args.env,
        Box::new(move || {
            let result = match stream.state.lock() {
                Ok(mut d) => step(&mut d).map_err(JsError::from),
                Err(_) => Err(JsError::internal("the media decryptor is unusable after an internal error")),
            };
            stream.busy.store(false, Ordering::Release);
            result.map(Output::Bytes)
        }),
    )
}

/// mediaUpdate(handle, chunk): Promise<Buffer> — plaintext so far, unverified until mediaFinal resolves.
fn media_update(args: &Args) -> JsResult<napi_value> {
    let chunk = args.bytes(1, "chunk")?;
    run_step(args, move |d| {
        let result = d.update_with(&chunk, joiner());
        flows_crypto::buffer::recycle(chunk);
        result
    })
}

/// mediaFinal(handle): Promise<Buffer> — the last plaintext bytes; rejects if any check fails.
fn media_final(args: &Args) -> JsResult<napi_value> {
    run_step(args, |d| d.finish())
}

js_function!(js_decrypt_media => decrypt_media);
js_function!(js_media_update => media_update);
js_function!(js_media_decryptor => media_decryptor);
js_function!(js_media_final => media_final);

pub fn register(env: Env, exports: napi_value) -> JsResult<()> {
    env.export(exports, "decryptMedia", js_decrypt_media)?;
    env.export(exports, "mediaDecryptor", js_media_decryptor)?;
    env.export(exports, "mediaUpdate", js_media_update)?;
    env.export(exports, "mediaFinal", js_media_final)?;
    Ok(())
}
