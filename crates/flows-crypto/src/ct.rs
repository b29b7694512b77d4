//! Constant-time byte comparison used by every integrity check.
use subtle::ConstantTimeEq;

/// True when `a == b`; the time taken depends only on the lengths, never on the contents.
pub(crate) fn eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && bool::from(a.ct_eq(b))
}
