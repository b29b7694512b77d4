//! Large byte buffers for media, recycled: allocating and faulting in fresh memory for every file costs more
//! than a sixth of a batch's CPU time (and on machines that reclaim idle memory, far more), so buffers of at
//! least 256 KiB come from (and return to) a small pool.
//! Linux buffers of 4 MiB and more also ask for transparent huge pages (the common `madvise` THP mode).
use std::sync::Mutex;

/// Buffers at least this large are pooled.
const POOL_MIN: usize = 256 * 1024;
/// At most this many bytes are kept in the pool by default: room for a 64 MiB file's input and output.
/// WA_FLOWS_BUFFER_POOL_MB overrides it (0 disables pooling).
const POOL_MAX_BYTES: usize = 160 << 20;

fn pool_max_bytes() -> usize {
    static MAX: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *MAX.get_or_init(|| {
        std::env::var("WA_FLOWS_BUFFER_POOL_MB")
            .ok()
            .and_then(|v| v.trim().parse::<usize>().ok())
            .map(|mb| mb.min(1 << 20) << 20)
            .unwrap_or(POOL_MAX_BYTES)
    })
}
/// Buffers at least this large get the huge-page advice.
const HUGE_MIN: usize = 4 << 20;

struct Pool {
    free: Vec<Vec<u8>>,
    bytes: usize,
}

static POOL: Mutex<Pool> = Mutex::new(Pool { free: Vec::new(), bytes: 0 });

/// An empty buffer with room for `len` bytes: from the pool when one fits (at most 25 % larger), else new.
fn with_capacity(len: usize) -> Vec<u8> {
    if len >= POOL_MIN {
        if let Ok(mut pool) = POOL.lock() {
            let best = (0..pool.free.len())
                .filter(|&i| (len..=len + len / 4).contains(&pool.free[i].capacity()))
                .min_by_key(|&i| pool.free[i].capacity());
            if let Some(i) = best {
                let mut v = pool.free.swap_remove(i);
                pool.bytes -= v.capacity();
                v.clear();
                return v;
            }
        }
    }
    let mut v = Vec::with_capacity(len);
    advise(&mut v);
    v
}

/// Returns a buffer to the pool (or frees it). Its old contents are overwritten before any reuse.
pub fn recycle(v: Vec<u8>) {
    let cap = v.capacity();
    if cap < POOL_MIN {
        return;
    }
    if let Ok(mut pool) = POOL.lock() {
        if pool.bytes + cap <= pool_max_bytes() {
            pool.bytes += cap;
            pool.free.push(v);
        }
    }
}

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
    if len < POOL_MIN {
        return vec![0; len];
    }
    let mut v = with_capacity(len);
    v.resize(len, 0);
    v
}

/// A copy of `src`.
pub fn copy_of(src: &[u8]) -> Vec<u8> {
    if src.len() < POOL_MIN {
        return src.to_vec();
    }
    let mut v = with_capacity(src.len());
    v.extend_from_slice(src);
    v
}
