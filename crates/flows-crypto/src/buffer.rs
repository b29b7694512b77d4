//! Large byte buffers for media: on Linux they ask for transparent huge pages (the common `madvise` THP mode),
//! so filling fresh memory takes a page fault per 2 MiB instead of per 4 KiB.

/// Buffers at least this large get the huge-page advice.
const HUGE_MIN: usize = 4 << 20;

fn advise(v: &mut Vec<u8>) {
    #[cfg(target_os = "linux")]
    if v.capacity() >= HUGE_MIN {
        const HUGE: usize = 2 << 20;
        let start = v.as_mut_ptr() as usize;
        let aligned = (start + HUGE - 1) & !(HUGE - 1);
        let end = (start + v.capacity()) & !(HUGE - 1);
        if end > aligned {
            // Advice only: failure (THP disabled, old kernel) leaves ordinary pages.
            unsafe { libc::madvise(aligned as *mut libc::c_void, end - aligned, libc::MADV_HUGEPAGE) };
        }
    }
}

/// A zero-filled buffer of `len` bytes.
pub fn zeroed(len: usize) -> Vec<u8> {
    if len < HUGE_MIN {
        return vec![0; len];
    }
    let mut v = Vec::with_capacity(len);
    advise(&mut v);
    v.resize(len, 0);
    v
}

/// A copy of `src`.
pub fn copy_of(src: &[u8]) -> Vec<u8> {
    let mut v = Vec::with_capacity(src.len());
    advise(&mut v);
    v.extend_from_slice(src);
    v
}
