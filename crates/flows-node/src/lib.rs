//! The whatsapp-flows Node addon: registers the exported functions. The binding layer (`sys`, `napi`,
//! `pool`) is hand-written; `flow` and `media` are the exports, thin over `flows-crypto`.
pub mod sys;
#[macro_use]
pub mod napi;
mod flow;
mod media;
mod pool;

use napi::{Args, Env, JsError, JsResult};
use sys::{napi_env, napi_value};

fn version(args: &Args) -> JsResult<napi_value> {
    args.env.string(env!("CARGO_PKG_VERSION"))
}

fn rsa_backend(args: &Args) -> JsResult<napi_value> {
    args.env.string(flows_crypto::RSA_BACKEND)
}

fn set_thread_pool(args: &Args) -> JsResult<napi_value> {
    let mode = match args.string(0, "mode")?.as_str() {
        "own" => pool::Mode::Own,
        "libuv" => pool::Mode::Libuv,
        _ => return Err(JsError::type_error("mode must be 'own' or 'libuv'")),
    };
    pool::set_mode(args.env, mode)?;
    args.env.undefined()
}

fn thread_pool(args: &Args) -> JsResult<napi_value> {
    args.env.string(match pool::mode(args.env)? {
        pool::Mode::Own => "own",
        pool::Mode::Libuv => "libuv",
    })
}

/// __liveHandles(): number — native handles not yet finalized (for leak tests).
fn live_handles(args: &Args) -> JsResult<napi_value> {
    args.env.uint32(napi::LIVE_HANDLES.load(std::sync::atomic::Ordering::Relaxed) as u32)
}

/// __panic(where: 'sync' | 'async') — panics on purpose, to prove a panic becomes a JS Error (for tests).
fn test_panic(args: &Args) -> JsResult<napi_value> {
    match args.string(0, "where")?.as_str() {
        "sync" => panic!("deliberate panic (sync)"),
        "async" => pool::spawn(args.env, Box::new(|| panic!("deliberate panic (async)"))),
        _ => Err(JsError::type_error("where must be 'sync' or 'async'")),
    }
}

js_function!(js_version => version);
js_function!(js_live_handles => live_handles);
js_function!(js_test_panic => test_panic);
js_function!(js_rsa_backend => rsa_backend);
js_function!(js_set_thread_pool => set_thread_pool);
js_function!(js_thread_pool => thread_pool);

fn register(env: Env, exports: napi_value) -> JsResult<()> {
    pool::init(env)?;
    env.export(exports, "version", js_version)?;
    env.export(exports, "rsaBackend", js_rsa_backend)?;
    env.export(exports, "setThreadPool", js_set_thread_pool)?;
    env.export(exports, "threadPool", js_thread_pool)?;
    env.export(exports, "__liveHandles", js_live_handles)?;
    env.export(exports, "__panic", js_test_panic)?;
    flow::register(env, exports)?;
    media::register(env, exports)?;
    Ok(())
}

/// Node-API module entry point (looked up by name when the `.node` file is loaded).
///
/// # Safety
/// Called by Node with a valid environment and exports object.
#[no_mangle]
pub unsafe extern "C" fn napi_register_module_v1(env: napi_env, exports: napi_value) -> napi_value {
    let env_ = Env(env);
    match std::panic::catch_unwind(|| register(env_, exports)) {
        Ok(Ok(())) => exports,
        Ok(Err(e)) => {
            env_.throw(&e);
            std::ptr::null_mut()
        }
        Err(_) => {
            env_.throw(&JsError::internal("the native addon panicked while loading"));
            std::ptr::null_mut()
        }
    }
}

/// The Node-API version this addon is written against (8: type-tagged objects).
#[no_mangle]
pub extern "C" fn node_api_module_get_api_version_v1() -> i32 {
    8
}
