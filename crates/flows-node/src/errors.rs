//! Crate errors on their way to JavaScript: one `Failure` (the public `code` and `reason`, no message text) that
//! becomes a JS Error object with `code` and `reason` properties. The TypeScript error table (src/errors.ts) turns
//! it into the package's error class and message.
use napi::bindgen_prelude::*;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub code: &'static str,
    pub reason: &'static str,
    /// What the message may name (a key's size in bits, which malformed case), as `detail`.
    pub detail: Option<String>,
}

impl Failure {
    /// A failure of the addon itself (a caught panic, a Node-API call that failed).
    pub const fn internal(reason: &'static str) -> Self {
        Failure { code: "ERR_FLOW_INTERNAL", reason, detail: None }
    }

    /// An invalid argument value (a mode name the TypeScript layer never sends).
    pub const fn invalid_value(reason: &'static str) -> Self {
        Failure { code: "ERR_INVALID_ARG_VALUE", reason, detail: None }
    }

    /// The JS error object, built on the JS thread: `message` is `code (reason)`, for logs of code that bypasses
    /// the TypeScript layer.
    pub fn to_js(&self, env: &Env) -> Result<Error> {
        let mut obj = env.create_error(Error::new(Status::GenericFailure, format!("{} ({})", self.code, self.reason)))?;
        obj.set_named_property("code", self.code)?;
        obj.set_named_property("reason", self.reason)?;
        if let Some(detail) = &self.detail {
            obj.set_named_property("detail", detail.as_str())?;
        }
        Ok(Error::from(obj.to_unknown()))
    }

    /// `Err` with the JS error (or the error of building it).
    pub fn raise<T>(self, env: &Env) -> Result<T> {
        Err(self.to_js(env)?)
    }
}

impl From<flows_crypto::Error> for Failure {
    fn from(e: flows_crypto::Error) -> Self {
        Failure { code: e.code(), reason: e.reason(), detail: e.detail() }
    }
}

/// Runs an export's body with panics caught, turning failures into thrown JS errors.
pub fn run<T>(env: &Env, body: impl FnOnce() -> std::result::Result<T, Failure>) -> Result<T> {
    match crate::quiet::guarded(body) {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(f)) => f.raise(env),
        Err(()) => Failure::internal("panic").raise(env),
    }
}
