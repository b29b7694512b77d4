//! The crate's one error type: a stable public `code` and a `reason`, nothing else. The sentences people read
//! are written once, in the TypeScript error table (src/errors.ts), keyed by code and reason. Decryption failures
//! carry no detail on purpose (no padding/tag oracle).
use std::fmt;

/// Why a private key was refused.
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
    TooSmall { bits: u32 },
    /// The private half does not match the public half (the RSA key check or a pairwise encrypt/decrypt failed):
    /// every request would fail to decrypt.
    Inconsistent,
    /// A format this build cannot read (for instance legacy encrypted PEM in the pure-rust build).
    Unsupported,
    /// Not a key at all, or corrupt.
    Malformed,
    /// No bytes at all (reason `malformed`).
    Empty,
    /// A PEM document without any key block (reason `malformed`).
    NoPrivateKey,
}

impl KeyErrorKind {
    pub fn reason(self) -> &'static str {
        match self {
            KeyErrorKind::PassphraseRequired => "passphrase-required",
            KeyErrorKind::WrongPassphrase => "wrong-passphrase",
            KeyErrorKind::PublicKey => "public-key",
            KeyErrorKind::NotRsa => "not-rsa",
            KeyErrorKind::TooSmall { .. } => "too-small",
            KeyErrorKind::Inconsistent => "inconsistent",
            KeyErrorKind::Unsupported => "unsupported-format",
            KeyErrorKind::Malformed | KeyErrorKind::Empty | KeyErrorKind::NoPrivateKey => "malformed",
        }
    }

    /// What the message may name besides the reason: the modulus size, or which malformed case.
    pub fn detail(self) -> Option<String> {
        match self {
            KeyErrorKind::TooSmall { bits } => Some(bits.to_string()),
            KeyErrorKind::Empty => Some("empty".into()),
            KeyErrorKind::NoPrivateKey => Some("no-private-key".into()),
            _ => None,
        }
    }
}

/// Which media check failed, or what was malformed. Each check has its own code, so a tampered file says where it
/// was caught; the malformed cases share `ERR_MEDIA_MALFORMED` and differ by reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MediaErrorKind {
    EncryptedHashMismatch,
    HmacMismatch,
    PaddingInvalid,
    PlaintextHashMismatch,
    /// Fewer bytes than one ciphertext block and the 10-byte HMAC.
    FileTooShort,
    /// The ciphertext (file minus the HMAC) is not a whole number of 16-byte blocks.
    NotBlockAligned,
    /// A key, IV or hash of the metadata has the wrong length (the TS layer checks first).
    BadMetadata,
    /// The decryptor was used after it finished.
    Finished,
}

impl MediaErrorKind {
    pub fn code(self) -> &'static str {
        match self {
            MediaErrorKind::EncryptedHashMismatch => "ERR_MEDIA_ENCRYPTED_HASH_MISMATCH",
            MediaErrorKind::HmacMismatch => "ERR_MEDIA_HMAC_MISMATCH",
            MediaErrorKind::PaddingInvalid => "ERR_MEDIA_PADDING_INVALID",
            MediaErrorKind::PlaintextHashMismatch => "ERR_MEDIA_PLAINTEXT_HASH_MISMATCH",
            MediaErrorKind::FileTooShort | MediaErrorKind::NotBlockAligned | MediaErrorKind::BadMetadata | MediaErrorKind::Finished => {
                "ERR_MEDIA_MALFORMED"
            }
        }
    }

    pub fn reason(self) -> &'static str {
        match self {
            MediaErrorKind::EncryptedHashMismatch => "encrypted-hash-mismatch",
            MediaErrorKind::HmacMismatch => "hmac-mismatch",
            MediaErrorKind::PaddingInvalid => "padding-invalid",
            MediaErrorKind::PlaintextHashMismatch => "plaintext-hash-mismatch",
            MediaErrorKind::FileTooShort => "file-too-short",
            MediaErrorKind::NotBlockAligned => "not-block-aligned",
            MediaErrorKind::BadMetadata => "bad-metadata",
            MediaErrorKind::Finished => "finished",
        }
    }
}

/// Inputs of the wrong shape, refused before any secret is touched (the TS layer validates first; these keep the
/// crate panic-free when called directly).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputErrorKind {
    IvLength,
    AesKeyLength,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Error {
    /// The private key could not be used.
    Key(KeyErrorKind),
    /// RSA unwrap or AES-GCM authentication failed. Deliberately without detail.
    Decryption,
    /// Inputs of the wrong shape.
    InvalidInput(InputErrorKind),
    /// A media integrity check failed, or the file or its metadata is malformed.
    Media(MediaErrorKind),
    /// Encryption failed (never expected; reported rather than panicking).
    Encryption,
}

impl Error {
    /// The stable error code seen from JavaScript.
    pub fn code(&self) -> &'static str {
        match self {
            Error::Key(_) => "ERR_FLOW_KEY_INVALID",
            Error::Decryption => "ERR_FLOW_DECRYPTION_FAILED",
            Error::InvalidInput(_) => "ERR_FLOW_REQUEST_INVALID",
            Error::Media(kind) => kind.code(),
            Error::Encryption => "ERR_FLOW_INTERNAL",
        }
    }

    /// An optional detail for the message (see `KeyErrorKind::detail`).
    pub fn detail(&self) -> Option<String> {
        match self {
            Error::Key(kind) => kind.detail(),
            _ => None,
        }
    }

    /// The stable reason within the code.
    pub fn reason(&self) -> &'static str {
        match self {
            Error::Key(kind) => kind.reason(),
            Error::Decryption => "decryption-failed",
            Error::InvalidInput(InputErrorKind::IvLength) => "iv-length",
            Error::InvalidInput(InputErrorKind::AesKeyLength) => "aes-key-length",
            Error::Media(kind) => kind.reason(),
            Error::Encryption => "encryption-failed",
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.code(), self.reason())
    }
}

impl std::error::Error for Error {}
