//! WhatsApp Flows cryptography in pure Rust (no N-API): private key loading, the RSA-OAEP unwrap of the
//! per-request AES key, AES-128-GCM (16-byte IV) request decryption and response encryption, and verified
//! streaming decryption of uploaded media (AES-256-CBC + HMAC-SHA256).

#[cfg(not(any(feature = "openssl", feature = "pure-rust")))]
compile_error!("enable the `openssl` (default) or the `pure-rust` feature of flows-crypto");

pub mod buffer;
mod ct;
pub mod error;
pub mod flow;
pub mod key;
pub mod media;
pub mod sha256x2;

pub use error::{Error, InputErrorKind, KeyErrorKind, MediaErrorKind};
pub use flow::{decrypt_request, encrypt_response, AES_KEY_LEN, IV_LEN, TAG_LEN};
pub use key::PrivateKey;
pub use media::{decrypt_media, MediaDecryptor, MediaKeys, MediaMode};

/// Which RSA implementation this build uses: `"openssl"` or `"pure-rust"`.
pub const RSA_BACKEND: &str = key::RSA_BACKEND;
