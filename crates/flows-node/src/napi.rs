//! A thin safe layer over `sys`: argument extraction with TypeErrors, value creation, errors with codes,
//! type-tagged externals with finalizers, and `entry`, which wraps every exported function in
//! `catch_unwind` so a panic becomes a JS Error instead of aborting the process.
use std::ffi::c_void;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::sys::*;

/// Native handles (Externals) alive right now: incremented on creation, decremented by their finalizer.
pub static LIVE_HANDLES: AtomicUsize = AtomicUsize::new(0);

/// An error to throw (or reject with) in JavaScript: `code` lands on `err.code`.
#[derive(Debug)]
pub struct JsError {
    pub type_error: bool,
    pub code: String,
    pub message: String,
}

impl JsError {
    pub fn new(code: &str, message: impl Into<String>) -> Self {
        JsError { type_error: false, code: code.into(), message: message.into() }
    }
    pub fn type_error(message: impl Into<String>) -> Self {
        JsError { type_error: true, code: "ERR_INVALID_ARG_TYPE".into(), message: message.into() }
    }
    pub fn internal(message: impl Into<String>) -> Self {
        JsError::new("ERR_FLOW_INTERNAL", message)
    }
}

impl From<flows_crypto::Error> for JsError {
    fn from(e: flows_crypto::Error) -> Self {
        let mut err = JsError::new(e.code(), e.to_string());
        if let flows_crypto::Error::Key(kind, _) = &e {
            // The reason is appended as a suffix the TS layer reads back into `FlowKeyError.reason`.
            err.code = format!("{}:{}", e.code(), kind.reason());
        }
        err
    }
}

pub type JsResult<T> = Result<T, JsError>;

fn ok(status: napi_status, what: &str) -> JsResult<()> {
    if status == NAPI_OK {
        Ok(())
    } else {
        Err(JsError::internal(format!("N-API call failed: {what} (status {status})")))
    }
}

/// The JS thread's environment for one call. Only ever used on that thread.
#[derive(Clone, Copy)]
pub struct Env(pub napi_env);

impl Env {
    pub fn string(self, s: &str) -> JsResult<napi_value> {
        let mut v = ptr::null_mut();
        ok(unsafe { napi_create_string_utf8(self.0, s.as_ptr().cast(), s.len(), &mut v) }, "create string")?;
        Ok(v)
    }

    pub fn uint32(self, n: u32) -> JsResult<napi_value> {
        let mut v = ptr::null_mut();
        ok(unsafe { napi_create_uint32(self.0, n, &mut v) }, "create number")?;
        Ok(v)
    }

    pub fn undefined(self) -> JsResult<napi_value> {
        let mut v = ptr::null_mut();
        ok(unsafe { napi_get_undefined(self.0, &mut v) }, "get undefined")?;
        Ok(v)
    }

    /// A Buffer holding a copy of `bytes`.
    pub fn buffer_copy(self, bytes: &[u8]) -> JsResult<napi_value> {
        let mut v = ptr::null_mut();
        let mut data = ptr::null_mut();
        ok(unsafe { napi_create_buffer_copy(self.0, bytes.len(), bytes.as_ptr().cast(), &mut data, &mut v) }, "create buffer")?;
        Ok(v)
    }

    /// A Buffer that takes ownership of `bytes` without copying (large outputs); copies where the runtime
    /// forbids external buffers.
    pub fn buffer_owned(self, bytes: Vec<u8>) -> JsResult<napi_value> {
        if bytes.len() < 64 * 1024 {
            return self.buffer_copy(&bytes);
        }
        unsafe extern "C" fn free_vec(_env: napi_env, _data: *mut c_void, hint: *mut c_void) {
            let v = Box::from_raw(hint as *mut Vec<u8>);
            let _ = catch_unwind(AssertUnwindSafe(|| flows_crypto::buffer::recycle(*v)));
        }
        let mut boxed = Box::new(bytes);
        let (ptr_, len) = (boxed.as_mut_ptr(), boxed.len());
        let hint = Box::into_raw(boxed);
        let mut v = ptr::null_mut();
        let status = unsafe { napi_create_external_buffer(self.0, len, ptr_.cast(), Some(free_vec), hint.cast(), &mut v) };
        if status == NAPI_OK {
            return Ok(v);
        }
        let bytes = unsafe { Box::from_raw(hint) };
        if status == NAPI_NO_EXTERNAL_BUFFERS_ALLOWED {
            return self.buffer_copy(&bytes);
        }
        ok(status, "create external buffer").map(|_| v)
    }

    pub fn array(self, items: &[napi_value]) -> JsResult<napi_value> {
        let mut arr = ptr::null_mut();
        ok(unsafe { napi_create_array_with_length(self.0, items.len(), &mut arr) }, "create array")?;
        for (i, &item) in items.iter().enumerate() {
            ok(unsafe { napi_set_element(self.0, arr, i as u32, item) }, "set element")?;
        }
        Ok(arr)
    }

    pub fn error(self, e: &JsError) -> JsResult<napi_value> {
        let (code, msg) = (self.string(&e.code)?, self.string(&e.message)?);
        let mut v = ptr::null_mut();
        let status = unsafe {
            if e.type_error {
                napi_create_type_error(self.0, code, msg, &mut v)
            } else {
                napi_create_error(self.0, code, msg, &mut v)
            }
        };
        ok(status, "create error")?;
        Ok(v)
    }

    pub fn throw(self, e: &JsError) {
        let mut pending = false;
        unsafe { napi_is_exception_pending(self.0, &mut pending) };
        if pending {
            return;
        }
        if let Ok(err) = self.error(e) {
            unsafe { napi_throw(self.0, err) };
        }
    }

    /// Wraps `value` in a JS External tagged with `tag`; the finalizer drops it when the object is collected.
    pub fn external<T: 'static>(self, value: T, tag: &napi_type_tag) -> JsResult<napi_value> {
        unsafe extern "C" fn finalize<T>(_env: napi_env, data: *mut c_void, _hint: *mut c_void) {
            // Runs on the JS thread during GC or environment teardown; a panic in a Drop must not unwind into C.
            let _ = catch_unwind(AssertUnwindSafe(|| drop(Box::from_raw(data as *mut T))));
            LIVE_HANDLES.fetch_sub(1, Ordering::Relaxed);
        }
        let raw = Box::into_raw(Box::new(value));
        let mut v = ptr::null_mut();
        let status = unsafe { napi_create_external(self.0, raw.cast(), Some(finalize::<T>), ptr::null_mut(), &mut v) };
        if status != NAPI_OK {
            drop(unsafe { Box::from_raw(raw) });
            return ok(status, "create external").map(|_| v);
        }
        LIVE_HANDLES.fetch_add(1, Ordering::Relaxed);
        ok(unsafe { napi_type_tag_object(self.0, v, tag) }, "tag external")?;
        Ok(v)
    }

    pub fn export(self, exports: napi_value, name: &str, f: unsafe extern "C" fn(napi_env, napi_callback_info) -> napi_value) -> JsResult<()> {
        let mut func = ptr::null_mut();
        ok(unsafe { napi_create_function(self.0, name.as_ptr().cast(), name.len(), Some(f), ptr::null_mut(), &mut func) }, "create function")?;
        let cname = std::ffi::CString::new(name).map_err(|_| JsError::internal("bad export name"))?;
        ok(unsafe { napi_set_named_property(self.0, exports, cname.as_ptr(), func) }, "export")
    }
}

/// The arguments of one call.
pub struct Args {
    pub env: Env,
    argv: [napi_value; 8],
    argc: usize,
}

impl Args {
    fn value(&self, i: usize) -> napi_value {
        if i < self.argc {
            self.argv[i]
        } else {
            ptr::null_mut()
        }
    }

    fn type_of(&self, i: usize) -> napi_valuetype {
        let v = self.value(i);
        if v.is_null() {
            return NAPI_UNDEFINED;
        }
        let mut t = NAPI_UNDEFINED;
        unsafe { napi_typeof(self.env.0, v, &mut t) };
        t
    }

    /// A Uint8Array (or Buffer) argument, copied so the worker thread owns its input.
    pub fn bytes(&self, i: usize, name: &str) -> JsResult<Vec<u8>> {
        self.with_bytes(i, name, flows_crypto::buffer::copy_of)
    }

    /// Borrows a Uint8Array argument for the duration of `f` (synchronous use only).
    pub fn with_bytes<R>(&self, i: usize, name: &str, f: impl FnOnce(&[u8]) -> R) -> JsResult<R> {
        let v = self.value(i);
        let mut is_ta = false;
        if !v.is_null() {
            unsafe { napi_is_typedarray(self.env.0, v, &mut is_ta) };
        }
        if !is_ta {
            return Err(JsError::type_error(format!("{name} must be a Uint8Array")));
        }
        let (mut ty, mut len, mut data, mut ab, mut off) = (0, 0usize, ptr::null_mut(), ptr::null_mut(), 0usize);
        ok(unsafe { napi_get_typedarray_info(self.env.0, v, &mut ty, &mut len, &mut data, &mut ab, &mut off) }, "typedarray info")?;
        if ty != NAPI_UINT8_ARRAY {
            return Err(JsError::type_error(format!("{name} must be a Uint8Array")));
        }
        let mut detached = false;
        if !ab.is_null() {
            unsafe { napi_is_detached_arraybuffer(self.env.0, ab, &mut detached) };
        }
        if detached {
            // A transferred buffer reads as empty: refuse it rather than encrypt or hash nothing.
            return Err(JsError::type_error(format!("{name} is backed by a detached ArrayBuffer")));
        }
        let slice = if len == 0 || data.is_null() { &[][..] } else { unsafe { std::slice::from_raw_parts(data as *const u8, len) } };
        Ok(f(slice))
    }

    /// A string argument, or None for undefined/null.
    pub fn opt_string(&self, i: usize, name: &str) -> JsResult<Option<String>> {
        match self.type_of(i) {
            NAPI_UNDEFINED | NAPI_NULL => Ok(None),
            NAPI_STRING => {
                let v = self.value(i);
                let mut len = 0usize;
                ok(unsafe { napi_get_value_string_utf8(self.env.0, v, ptr::null_mut(), 0, &mut len) }, "string length")?;
                let mut buf = vec![0u8; len + 1];
                ok(unsafe { napi_get_value_string_utf8(self.env.0, v, buf.as_mut_ptr().cast(), buf.len(), &mut len) }, "string value")?;
                buf.truncate(len);
                String::from_utf8(buf).map(Some).map_err(|_| JsError::type_error(format!("{name} is not valid UTF-8")))
            }
            _ => Err(JsError::type_error(format!("{name} must be a string"))),
        }
    }

    pub fn string(&self, i: usize, name: &str) -> JsResult<String> {
        self.opt_string(i, name)?.ok_or_else(|| JsError::type_error(format!("{name} must be a string")))
    }

    /// The value behind an External created by `Env::external` with the same tag.
    pub fn external<T: 'static>(&self, i: usize, tag: &napi_type_tag, name: &str) -> JsResult<&T> {
        let v = self.value(i);
        let mut tagged = false;
        if self.type_of(i) == NAPI_EXTERNAL {
            unsafe { napi_check_object_type_tag(self.env.0, v, tag, &mut tagged) };
        }
        if !tagged {
            return Err(JsError::type_error(format!("{name} must be a handle created by this addon")));
        }
        let mut data = ptr::null_mut();
        ok(unsafe { napi_get_value_external(self.env.0, v, &mut data) }, "external value")?;
        // The tag guarantees `data` came from `Env::external::<T>`; the External keeps it alive during the call.
        Ok(unsafe { &*(data as *const T) })
    }
}

/// Runs an exported function: reads its arguments, catches panics, turns errors into JS exceptions.
pub unsafe fn entry(env: napi_env, info: napi_callback_info, body: fn(&Args) -> JsResult<napi_value>) -> napi_value {
    let env_ = Env(env);
    let result = catch_unwind(AssertUnwindSafe(|| {
        let mut args = Args { env: env_, argv: [ptr::null_mut(); 8], argc: 8 };
        ok(napi_get_cb_info(env, info, &mut args.argc, args.argv.as_mut_ptr(), ptr::null_mut(), ptr::null_mut()), "cb info")?;
        args.argc = args.argc.min(8);
        body(&args)
    }));
    match result {
        Ok(Ok(v)) => v,
        Ok(Err(e)) => {
            env_.throw(&e);
            ptr::null_mut()
        }
        Err(_) => {
            env_.throw(&JsError::internal("internal error in the native addon (a Rust panic was caught)"));
            ptr::null_mut()
        }
    }
}

/// Declares an `extern "C"` N-API callback that runs `body` through `entry`.
#[macro_export]
macro_rules! js_function {
    ($name:ident => $body:path) => {
        unsafe extern "C" fn $name(env: $crate::sys::napi_env, info: $crate::sys::napi_callback_info) -> $crate::sys::napi_value {
            $crate::napi::entry(env, info, $body)
        }
    };
}
