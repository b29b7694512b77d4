//! The crate's error type. Decryption failures carry no detail on purpose (no padding/tag oracle).
use std::fmt;

/// Why a private key was refused; the message says which, without echoing key material.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyErrorKind {
    /// Encrypted key and no passphrase given.
    PassphraseRequired,
    /// Encrypted key and the passphrase does not open it.
    WrongPassphrase,
    /// A public key or certificate where a private key is expected.
    PublicKey,
    /// A private key of another type (EC, Ed25519, ...).
    NotRsa,
    /// RSA, but under 2048 bits.
    TooSmall,
    /// The private half does not match the public half (the RSA key check or a pairwise encrypt/decrypt failed):
    /// every request would fail to decrypt.
    Inconsistent,
    /// A format this build cannot read (for instance legacy encrypted PEM in the pure-rust build).
    Unsupported,
    /// Not a key at all, or corrupt.
    Malformed,
}

impl KeyErrorKind {
    /// A stable machine-readable reason, exposed to JavaScript.
    pub fn reason(self) -> &'static str {
        match self {
            KeyErrorKind::PassphraseRequired => "passphrase-required",
            KeyErrorKind::WrongPassphrase => "wrong-passphrase",
            KeyErrorKind::PublicKey => "public-key",
            KeyErrorKind::NotRsa => "not-rsa",
            KeyErrorKind::TooSmall => "too-small",
            KeyErrorKind::Inconsistent => "inconsistent",
            KeyErrorKind::Unsupported => "unsupported-format",
            KeyErrorKind::Malformed => "malformed",
        }
    }
}

/// Which media check failed. Each has its own code so a tampered file says where it was caught.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MediaErrorKind {
    EncryptedHashMismatch,
    HmacMismatch,
    PaddingInvalid,
    PlaintextHashMismatch,
    Malformed,
}

impl MediaErrorKind {
    pub fn code(self) -> &'static str {
        match self {
            MediaErrorKind::EncryptedHashMismatch => "ERR_MEDIA_ENCRYPTED_HASH_MISMATCH",
            MediaErrorKind::HmacMismatch => "ERR_MEDIA_HMAC_MISMATCH",
            MediaErrorKind::PaddingInvalid => "ERR_MEDIA_PADDING_INVALID",
            MediaErrorKind::PlaintextHashMismatch => "ERR_MEDIA_PLAINTEXT_HASH_MISMATCH",
            MediaErrorKind::Malformed => "ERR_MEDIA_MALFORMED",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// The private key could not be used.
    Key(KeyErrorKind, String),
    /// RSA unwrap or AES-GCM authentication failed. Deliberately without detail.
    Decryption,
    /// Inputs of the wrong shape (IV length, key length, ...), detected before any secret is touched.
    InvalidInput(String),
    /// A media integrity check failed.
    Media(MediaErrorKind, String),
    /// Encryption failed (never expected; reported rather than panicking).
    Encryption,
}

impl Error {
    /// The stable error code seen from JavaScript.
    pub fn code(&self) -> &'static str {
        match self {
            Error::Key(..) => "ERR_FLOW_KEY_INVALID",
            Error::Decryption => "ERR_FLOW_DECRYPTION_FAILED",
            Error::InvalidInput(_) => "ERR_FLOW_REQUEST_INVALID",
            Error::Media(kind, _) => kind.code(),
            Error::Encryption => "ERR_FLOW_ENCRYPTION_FAILED",
        }
    }

    pub(crate) fn key(kind: KeyErrorKind, msg: impl Into<String>) -> Self {
        Error::Key(kind, msg.into())
    }

    pub(crate) fn media(kind: MediaErrorKind, msg: impl Into<String>) -> Self {
        Error::Media(kind, msg.into())
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Key(_, m) | Error::InvalidInput(m) | Error::Media(_, m) => f.write_str(m),
            Error::Decryption => f.write_str("Could not decrypt the request"),
            Error::Encryption => f.write_str("Could not encrypt the response"),
        }
    }
}

impl std::error::Error for Error {}
