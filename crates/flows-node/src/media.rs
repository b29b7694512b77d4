//! Exports for media: one-shot decryptMedia and a streaming decryptor (update/final, in order), in three modes:
//! `full` (all four checks and decryption), `verify` (the file hash and HMAC only: no plaintext exists until the
//! file is authenticated) and `decrypt` (decryption, padding and plaintext hash of an authenticated file).
//! Inputs are copied on the JS thread before the job starts: a pool thread never reads JavaScript memory.
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use flows_crypto::media::{decrypt_media_with, Join, MediaMode, Sequential};
use flows_crypto::{MediaDecryptor as State, MediaKeys};
use napi::bindgen_prelude::*;
use napi_derive::napi;

use crate::errors::{run, Failure};
use crate::output::Output;
use crate::pool;

/// `rayon::join` on the addon's pool: `b` runs on an idle pool thread if there is one, else right after `a` on
/// this thread, so concurrent jobs (a batch) never start more threads than the pool has.
struct PoolJoin;

impl Join for PoolJoin {
    fn join(&self, a: &mut (dyn FnMut() + Send), b: &mut (dyn FnMut() + Send)) {
        rayon::join(a, b);
    }
}

/// The joiner for the current thread: the pool's on a pool thread, sequential elsewhere.
fn joiner() -> &'static dyn Join {
    if rayon::current_thread_index().is_some() {
        &PoolJoin
    } else {
        &Sequential
    }
}

fn media_keys(
    encryption_key: &[u8],
    hmac_key: &[u8],
    iv: &[u8],
    plaintext_hash: &[u8],
    encrypted_hash: &[u8],
) -> std::result::Result<MediaKeys, Failure> {
    MediaKeys::new(encryption_key, hmac_key, iv, plaintext_hash, encrypted_hash).map_err(Failure::from)
}

/// Verified one-shot decryption of a CDN file on the pool.
#[napi(ts_return_type = "Promise<Buffer>")]
pub fn decrypt_media<'env>(
    env: &'env Env,
    cdn_file: &[u8],
    encryption_key: &[u8],
    hmac_key: &[u8],
    iv: &[u8],
    plaintext_hash: &[u8],
    encrypted_hash: &[u8],
) -> Result<PromiseRaw<'env, Output>> {
    let keys = match media_keys(encryption_key, hmac_key, iv, plaintext_hash, encrypted_hash) {
        Ok(k) => k,
        Err(f) => return f.raise(env),
    };
    let file = flows_crypto::buffer::copy_of(cdn_file);
    pool::spawn(env, move || {
        let result = decrypt_media_with(&file, &keys, joiner());
        flows_crypto::buffer::recycle(file);
        result.map(Output::Bytes).map_err(Failure::from)
    })
}

/// The streaming state shared with the job in flight.
struct Stream {
    state: Mutex<State>,
    /// Set while an update/final job runs: calls must be sequential.
    busy: AtomicBool,
    #[cfg(feature = "testing")]
    panic_next: AtomicBool,
}

/// Clears `busy` when the job ends, also when it panicked.
struct Busy(Arc<Stream>);

impl Drop for Busy {
    fn drop(&mut self) {
        self.0.busy.store(false, Ordering::Release);
    }
}

/// A streaming verifier/decryptor of one CDN file (create it with `mediaDecryptor`).
#[napi]
pub struct MediaDecryptor {
    stream: Arc<Stream>,
}

#[cfg(feature = "testing")]
impl Drop for MediaDecryptor {
    fn drop(&mut self) {
        crate::testing::handle_dropped();
    }
}

fn mode_of(mode: &str) -> Option<MediaMode> {
    match mode {
        "full" => Some(MediaMode::Full),
        "verify" => Some(MediaMode::Verify),
        "decrypt" => Some(MediaMode::Decrypt),
        _ => None,
    }
}

/// A streaming decryptor in `mode`: `full`, `verify` (no plaintext) or `decrypt` (an authenticated file).
#[napi]
pub fn media_decryptor(
    env: Env,
    #[napi(ts_arg_type = "'full' | 'verify' | 'decrypt'")] mode: String,
    encryption_key: &[u8],
    hmac_key: &[u8],
    iv: &[u8],
    plaintext_hash: &[u8],
    encrypted_hash: &[u8],
) -> Result<MediaDecryptor> {
    run(&env, || {
        let mode = mode_of(&mode).ok_or(Failure::invalid_value("media-mode"))?;
        let keys = media_keys(encryption_key, hmac_key, iv, plaintext_hash, encrypted_hash)?;
        #[cfg(feature = "testing")]
        crate::testing::handle_created();
        Ok(MediaDecryptor {
            stream: Arc::new(Stream {
                state: Mutex::new(State::with_mode(&keys, mode)),
                busy: AtomicBool::new(false),
                #[cfg(feature = "testing")]
                panic_next: AtomicBool::new(false),
            }),
        })
    })
}

impl MediaDecryptor {
    fn step<'env>(
        &self,
        env: &'env Env,
        step: impl FnOnce(&mut State) -> std::result::Result<Vec<u8>, flows_crypto::Error> + Send + 'static,
    ) -> Result<PromiseRaw<'env, Output>> {
        if self.stream.busy.swap(true, Ordering::AcqRel) {
            return Failure::internal("stream-busy").raise(env);
        }
        let busy = Busy(self.stream.clone());
        pool::spawn(env, move || {
            let stream = busy.0.clone();
            let _busy = busy;
            #[cfg(feature = "testing")]
            if stream.panic_next.swap(false, Ordering::AcqRel) {
                panic!("deliberate panic in a media step (testing)");
            }
            let result = match stream.state.lock() {
                Ok(mut d) => step(&mut d).map(Output::Bytes).map_err(Failure::from),
                // A panic during an earlier step left the state unusable.
                Err(_) => Err(Failure::internal("stream-poisoned")),
            };
            result
        })
    }
}

#[napi]
impl MediaDecryptor {
    /// Feeds the next bytes; resolves the plaintext so far (UNVERIFIED until `final` resolves; none in `verify`).
    #[napi(ts_return_type = "Promise<Buffer>")]
    pub fn update<'env>(&self, env: &'env Env, chunk: &[u8]) -> Result<PromiseRaw<'env, Output>> {
        let chunk = flows_crypto::buffer::copy_of(chunk);
        self.step(env, move |d| {
            let result = d.update_with(&chunk, joiner());
            flows_crypto::buffer::recycle(chunk);
            result
        })
    }

    /// Runs every check of the mode; resolves the last plaintext bytes, or rejects with the failed check.
    #[napi(js_name = "final", ts_return_type = "Promise<Buffer>")]
    pub fn finish<'env>(&self, env: &'env Env) -> Result<PromiseRaw<'env, Output>> {
        self.step(env, |d| d.finish())
    }
}

#[cfg(feature = "testing")]
#[napi]
impl MediaDecryptor {
    /// Makes the next step panic inside its job (tests of the glue's panic handling).
    #[napi(js_name = "__panicNextStep")]
    pub fn panic_next_step(&self) {
        self.stream.panic_next.store(true, Ordering::Release);
    }
}
