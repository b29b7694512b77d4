//! Exports for media: one-shot decryptMedia and a streaming decryptor handle (update/final, in order).
//!
//! Large inputs are not copied: the job reads the caller's Uint8Array in place, kept alive by a reference
//! that is released on the JS thread (through a thread-safe function) when the job is done. The caller must
//! not modify the array until the promise settles (the output is still verified against plaintext_hash
//! whatever happens, but it may then fail a check).
use std::cell::Cell;
use std::ffi::c_void;
use std::ptr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use flows_crypto::media::{decrypt_media_with, Join, Sequential};
use flows_crypto::{MediaDecryptor, MediaKeys};

use crate::napi::{Args, Env, JsError, JsResult};
use crate::pool::{self, Output};
use crate::sys::*;

#[allow(non_camel_case_types)]
type napi_ref = *mut c_void;

extern "C" {
    fn napi_create_reference(env: napi_env, value: napi_value, initial_refcount: u32, result: *mut napi_ref) -> napi_status;
    fn napi_delete_reference(env: napi_env, reference: napi_ref) -> napi_status;
}

/// Inputs shorter than this are copied (cheaper than a reference and a release call).
const BORROW_MIN: usize = 256 * 1024;

thread_local! {
    /// The raw arguments of the current call into decryptMedia/mediaUpdate (`Args` does not expose them; a
    /// reference needs the value itself).
    static RAW_ARGS: Cell<[napi_value; 4]> = const { Cell::new([ptr::null_mut(); 4]) };
    /// This JS thread's channel for releasing input references (one per environment, created on first use).
    static RELEASER: Cell<napi_threadsafe_function> = const { Cell::new(ptr::null_mut()) };
}

unsafe extern "C" fn release_on_js_thread(env: napi_env, _cb: napi_value, _ctx: *mut c_void, data: *mut c_void) {
    if !env.is_null() {
        napi_delete_reference(env, data);
    }
}

unsafe extern "C" fn releaser_finalized(_env: napi_env, _data: *mut c_void, _hint: *mut c_void) {
    RELEASER.with(|r| r.set(ptr::null_mut()));
}

fn releaser(env: Env) -> Option<napi_threadsafe_function> {
    let current = RELEASER.with(|r| r.get());
    if !current.is_null() {
        return Some(current);
    }
    let name = env.string("whatsapp-flows media input").ok()?;
    let mut tsfn = ptr::null_mut();
    let status = unsafe {
        napi_create_threadsafe_function(env.0, ptr::null_mut(), ptr::null_mut(), name, 0, 1, ptr::null_mut(), Some(releaser_finalized), ptr::null_mut(), Some(release_on_js_thread), &mut tsfn)
    };
    if status != NAPI_OK {
        return None;
    }
    // Never keeps the process alive by itself (pending jobs do, through the pool's own channel).
    unsafe { napi_unref_threadsafe_function(env.0, tsfn) };
    RELEASER.with(|r| r.set(tsfn));
    Some(tsfn)
}

/// A job's input: a copy, or the caller's bytes kept alive by a reference released when this is dropped.
enum Input {
    Owned(Vec<u8>),
    Borrowed { data: *const u8, len: usize, reference: napi_ref, releaser: napi_threadsafe_function },
}

// The borrowed bytes are only read, and stay alive until the reference is released on the JS thread.
unsafe impl Send for Input {}

impl Input {
    fn take(args: &Args, i: usize, name: &str) -> JsResult<Input> {
        let (data, len) = args.with_bytes(i, name, |b| (b.as_ptr(), b.len()))?;
        if len >= BORROW_MIN {
            if let Some(releaser) = releaser(args.env) {
                let mut reference = ptr::null_mut();
                let value = RAW_ARGS.with(|a| a.get()).get(i).copied().unwrap_or(ptr::null_mut());
                if !value.is_null() && unsafe { napi_create_reference(args.env.0, value, 1, &mut reference) } == NAPI_OK {
                    return Ok(Input::Borrowed { data, len, reference, releaser });
                }
            }
        }
        Ok(Input::Owned(args.bytes(i, name)?))
    }

    fn bytes(&self) -> &[u8] {
        match self {
            Input::Owned(v) => v,
            Input::Borrowed { data, len, .. } => unsafe { std::slice::from_raw_parts(*data, *len) },
        }
    }
}

impl Drop for Input {
    fn drop(&mut self) {
        if let Input::Borrowed { reference, releaser, .. } = *self {
            // If the environment is closing the call fails and the reference goes with the environment.
            unsafe { napi_call_threadsafe_function(releaser, reference, NAPI_TSFN_NONBLOCKING) };
        }
    }
}

const MEDIA_TAG: napi_type_tag = napi_type_tag { lower: 0x5741_464c_4d45_4449, upper: 0x41c7_0e92_b35d_6f14 };

struct Stream {
    state: Mutex<MediaDecryptor>,
    /// Set while an update/final job runs: calls must be sequential.
    busy: AtomicBool,
}

/// `rayon::join` on the addon's pool: the second closure runs on an idle pool thread if there is one, else
/// inline after the first, so concurrent jobs (a batch) never start more threads than the pool has.
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
    let file = Input::take(args, 0, "cdnFile")?;
    pool::spawn(args.env, Box::new(move || Ok(Output::Bytes(decrypt_media_with(file.bytes(), &keys, joiner())?))))
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
    let chunk = Input::take(args, 1, "chunk")?;
    run_step(args, move |d| d.update_with(chunk.bytes(), joiner()))
}

/// mediaFinal(handle): Promise<Buffer> — the last plaintext bytes; rejects if any check fails.
fn media_final(args: &Args) -> JsResult<napi_value> {
    run_step(args, |d| d.finish())
}

/// Records the raw arguments, then runs `body` through the usual entry (errors, panics).
unsafe fn entry_with_raw_args(env: napi_env, info: napi_callback_info, body: fn(&Args) -> JsResult<napi_value>) -> napi_value {
    let mut argc = 4usize;
    let mut argv = [ptr::null_mut(); 4];
    if napi_get_cb_info(env, info, &mut argc, argv.as_mut_ptr(), ptr::null_mut(), ptr::null_mut()) != NAPI_OK {
        argv = [ptr::null_mut(); 4];
    }
    for v in argv.iter_mut().skip(argc.min(4)) {
        *v = ptr::null_mut();
    }
    RAW_ARGS.with(|a| a.set(argv));
    let result = crate::napi::entry(env, info, body);
    RAW_ARGS.with(|a| a.set([ptr::null_mut(); 4]));
    result
}

unsafe extern "C" fn js_decrypt_media(env: napi_env, info: napi_callback_info) -> napi_value {
    entry_with_raw_args(env, info, decrypt_media)
}

unsafe extern "C" fn js_media_update(env: napi_env, info: napi_callback_info) -> napi_value {
    entry_with_raw_args(env, info, media_update)
}

js_function!(js_media_decryptor => media_decryptor);
js_function!(js_media_final => media_final);

pub fn register(env: Env, exports: napi_value) -> JsResult<()> {
    env.export(exports, "decryptMedia", js_decrypt_media)?;
    env.export(exports, "mediaDecryptor", js_media_decryptor)?;
    env.export(exports, "mediaUpdate", js_media_update)?;
    env.export(exports, "mediaFinal", js_media_final)?;
    Ok(())
}
