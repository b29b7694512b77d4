//! What an export hands to JavaScript: bytes given to a Buffer without a copy (large ones from the recycled
//! buffer pool, returned to it when the Buffer is collected), secrets copied into a Buffer and wiped here, or a
//! list of outputs.
use napi::bindgen_prelude::*;
use napi::sys;
use zeroize::Zeroizing;

pub enum Output {
    /// Bytes given to JS without a copy where possible.
    Bytes(Vec<u8>),
    /// Secret or decrypted bytes: copied into a Buffer, then wiped here.
    Secret(Zeroizing<Vec<u8>>),
    /// An array of outputs.
    List(Vec<Output>),
}

/// Below this size a copy is cheaper than an external buffer with a finalizer.
const EXTERNAL_MIN: usize = 64 * 1024;

impl ToNapiValue for Output {
    unsafe fn to_napi_value(env: sys::napi_env, val: Self) -> Result<sys::napi_value> {
        let js_env = Env::from_raw(env);
        match val {
            Output::Bytes(mut v) if v.len() >= EXTERNAL_MIN => {
                let (ptr, len) = (v.as_mut_ptr(), v.len());
                // The Vec moves into the finalizer hint; its heap block (what `ptr` points to) stays put.
                let buf = BufferSlice::from_external(&js_env, ptr, len, v, |_env, v: Vec<u8>| flows_crypto::buffer::recycle(v))?;
                ToNapiValue::to_napi_value(env, &buf)
            }
            Output::Bytes(v) => ToNapiValue::to_napi_value(env, &BufferSlice::copy_from(&js_env, &v)?),
            Output::Secret(v) => ToNapiValue::to_napi_value(env, &BufferSlice::copy_from(&js_env, &*v)?),
            Output::List(items) => Vec::<Output>::to_napi_value(env, items),
        }
    }
}

impl TypeName for Output {
    fn type_name() -> &'static str {
        "Buffer"
    }
    fn value_type() -> ValueType {
        ValueType::Object
    }
}
