//! The whatsapp-flows Node addon, on napi-rs: each export is declared once with `#[napi]` (the TypeScript
//! declaration is generated from them). `flow` (keys, requests, responses) and `media` are the exports; `pool`
//! runs async work on the addon's own threads and settles promises in batches; `errors` turns crate errors into
//! JS errors carrying `code` and `reason`; `quiet` keeps panics silent and catches them; `testing` (cargo feature
//! `testing`, off in release builds) holds hooks for the test suite only.
// napi-derive registers the exports only outside `cfg(test)`: in the unit-test build they look unused.
#![cfg_attr(test, allow(dead_code))]

mod errors;
mod flow;
mod media;
mod output;
mod pool;
mod quiet;
#[cfg(feature = "testing")]
mod testing;

use napi_derive::napi;

/// The addon's version; the loader refuses a binary whose version differs from the package's.
#[napi]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}

/// The RSA implementation of this build: `openssl` (static) or `pure-rust`.
#[napi(ts_return_type = "'openssl' | 'pure-rust'")]
pub fn rsa_backend() -> String {
    flows_crypto::RSA_BACKEND.to_string()
}
