//! SHA-256 and HMAC-SHA256 states that can advance two independent streams at once. With SHA-NI each
//! `sha256rnds2` waits for the previous one, so one stream leaves the unit idle half the time; interleaving two
//! streams' rounds fills it. Media verification hashes the file and MACs the ciphertext over the same bytes:
//! `update2` runs both in one pass. Without SHA-NI it falls back to `sha2::block_api::compress256`, one stream at a time.

const BLOCK: usize = 64;
const IV: [u32; 8] = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];

/// A streaming SHA-256.
#[derive(Clone)]
pub struct Sha256 {
    h: [u32; 8],
    buf: [u8; BLOCK],
    buf_len: usize,
    len: u64,
}

impl Default for Sha256 {
    fn default() -> Self {
        Sha256 { h: IV, buf: [0; BLOCK], buf_len: 0, len: 0 }
    }
}

impl Sha256 {
    pub fn new() -> Self {
        Self::default()
    }

    /// Completes a partial block from `data`; returns the rest of `data`.
    fn fill<'a>(&mut self, data: &'a [u8]) -> &'a [u8] {
        if self.buf_len == 0 {
            return data;
        }
        let take = (BLOCK - self.buf_len).min(data.len());
        self.buf[self.buf_len..self.buf_len + take].copy_from_slice(&data[..take]);
        self.buf_len += take;
        if self.buf_len == BLOCK {
            let block = self.buf;
            compress_blocks(&mut self.h, &block);
            self.buf_len = 0;
        }
        &data[take..]
    }

    /// Keeps a tail shorter than a block.
    fn keep(&mut self, tail: &[u8]) {
        debug_assert!(self.buf_len == 0 && tail.len() < BLOCK);
        self.buf[..tail.len()].copy_from_slice(tail);
        self.buf_len = tail.len();
    }

    pub fn update(&mut self, data: &[u8]) {
        self.len += data.len() as u64;
        let rest = self.fill(data);
        if rest.is_empty() {
            return;
        }
        let whole = rest.len() / BLOCK * BLOCK;
        compress_blocks(&mut self.h, &rest[..whole]);
        self.keep(&rest[whole..]);
    }

    pub fn finalize(mut self) -> [u8; 32] {
        let bits = self.len.wrapping_mul(8);
        let mut pad = [0u8; 2 * BLOCK];
        pad[0] = 0x80;
        let n = if self.buf_len < 56 { 56 - self.buf_len } else { 120 - self.buf_len };
        pad[n..n + 8].copy_from_slice(&bits.to_be_bytes());
        let len = self.len;
        self.update(&pad[..n + 8]);
        self.len = len;
        debug_assert_eq!(self.buf_len, 0);
        let mut out = [0u8; 32];
        for (o, w) in out.chunks_exact_mut(4).zip(self.h) {
            o.copy_from_slice(&w.to_be_bytes());
        }
        out
    }
}

/// Advances `a` over `da` and `b` over `db`, interleaving the two streams' whole blocks.
pub fn update2(a: &mut Sha256, da: &[u8], b: &mut Sha256, db: &[u8]) {
    a.len += da.len() as u64;
    b.len += db.len() as u64;
    let ra = a.fill(da);
    let rb = b.fill(db);
    let (na, nb) = (if a.buf_len == 0 { ra.len() / BLOCK } else { 0 }, if b.buf_len == 0 { rb.len() / BLOCK } else { 0 });
    let both = na.min(nb);
    compress_pair(&mut a.h, &ra[..both * BLOCK], &mut b.h, &rb[..both * BLOCK]);
    for (s, r, n) in [(&mut *a, ra, na), (&mut *b, rb, nb)] {
        if s.buf_len != 0 {
            continue; // everything went into the partial block
        }
        compress_blocks(&mut s.h, &r[both * BLOCK..n * BLOCK]);
        s.keep(&r[n * BLOCK..]);
    }
}

/// HMAC-SHA256 over the streaming state above.
#[derive(Clone)]
pub struct HmacSha256 {
    inner: Sha256,
    outer: Sha256,
}

impl HmacSha256 {
    pub fn new(key: &[u8]) -> Self {
        let mut k = [0u8; BLOCK];
        if key.len() > BLOCK {
            let mut h = Sha256::new();
            h.update(key);
            k[..32].copy_from_slice(&h.finalize());
        } else {
            k[..key.len()].copy_from_slice(key);
        }
        let (mut ipad, mut opad) = ([0x36u8; BLOCK], [0x5cu8; BLOCK]);
        for i in 0..BLOCK {
            ipad[i] ^= k[i];
            opad[i] ^= k[i];
        }
        let (mut inner, mut outer) = (Sha256::new(), Sha256::new());
        inner.update(&ipad);
        outer.update(&opad);
        zeroize::Zeroize::zeroize(&mut k);
        zeroize::Zeroize::zeroize(&mut ipad);
        zeroize::Zeroize::zeroize(&mut opad);
        HmacSha256 { inner, outer }
    }

    pub fn update(&mut self, data: &[u8]) {
        self.inner.update(data);
    }

    /// The inner hash state, for `update2`.
    pub fn inner_mut(&mut self) -> &mut Sha256 {
        &mut self.inner
    }

    pub fn finalize(self) -> [u8; 32] {
        let inner = self.inner.finalize();
        let mut outer = self.outer;
        outer.update(&inner);
        outer.finalize()
    }
}

fn compress_blocks(h: &mut [u32; 8], blocks: &[u8]) {
    if blocks.is_empty() {
        return;
    }
    let (blocks, rest) = blocks.as_chunks::<BLOCK>();
    debug_assert!(rest.is_empty());
    sha2::block_api::compress256(h, blocks);
}

fn compress_pair(ha: &mut [u32; 8], a: &[u8], hb: &mut [u32; 8], b: &[u8]) {
    debug_assert_eq!(a.len(), b.len());
    if a.is_empty() {
        return;
    }
    #[cfg(target_arch = "x86_64")]
    if shani::available() {
        // SAFETY: the CPU supports SHA-NI, SSSE3 and SSE4.1 (checked at run time).
        unsafe { shani::compress2(ha, a, hb, b) };
        return;
    }
    compress_blocks(ha, a);
    compress_blocks(hb, b);
}

#[cfg(target_arch = "x86_64")]
mod shani {
    use std::arch::x86_64::*;

    pub fn available() -> bool {
        use std::sync::OnceLock;
        static OK: OnceLock<bool> = OnceLock::new();
        *OK.get_or_init(|| is_x86_feature_detected!("sha") && is_x86_feature_detected!("ssse3") && is_x86_feature_detected!("sse4.1"))
    }

    const K: [u32; 64] = [
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be,
        0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa,
        0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85,
        0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3,
        0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f,
        0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
    ];

    /// State words a..h → the (ABEF, CDGH) register pair the SHA instructions work on.
    #[target_feature(enable = "sha,ssse3,sse4.1")]
    unsafe fn load(h: &[u32; 8]) -> (__m128i, __m128i) {
        let abcd = _mm_loadu_si128(h.as_ptr().cast());
        let efgh = _mm_loadu_si128(h.as_ptr().add(4).cast());
        let badc = _mm_shuffle_epi32(abcd, 0xB1);
        let hgfe = _mm_shuffle_epi32(efgh, 0x1B);
        (_mm_alignr_epi8(badc, hgfe, 8), _mm_blend_epi16(hgfe, badc, 0xF0))
    }

    #[target_feature(enable = "sha,ssse3,sse4.1")]
    unsafe fn store(h: &mut [u32; 8], abef: __m128i, cdgh: __m128i) {
        let abef_r = _mm_shuffle_epi32(abef, 0x1B);
        let cdgh_r = _mm_shuffle_epi32(cdgh, 0xB1);
        _mm_storeu_si128(h.as_mut_ptr().cast(), _mm_blend_epi16(abef_r, cdgh_r, 0xF0));
        _mm_storeu_si128(h.as_mut_ptr().add(4).cast(), _mm_alignr_epi8(cdgh_r, abef_r, 8));
    }

    /// One stream's registers while a block is processed.
    struct Lane {
        abef: __m128i,
        cdgh: __m128i,
        w: [__m128i; 4],
    }

    impl Lane {
        /// Four rounds with message words `w[i % 4]` (already scheduled) and constants K[4i..4i+4].
        #[inline(always)]
        unsafe fn rounds(&mut self, i: usize) {
            let k = _mm_loadu_si128(K.as_ptr().add(4 * i).cast());
            let m = _mm_add_epi32(self.w[i % 4], k);
            self.cdgh = _mm_sha256rnds2_epu32(self.cdgh, self.abef, m);
            let m = _mm_shuffle_epi32(m, 0x0E);
            // After two rounds the old ABEF is the new CDGH: after four, the names hold again.
            self.abef = _mm_sha256rnds2_epu32(self.abef, self.cdgh, m);
        }

        /// Message words 4i..4i+4 for i ≥ 4, from the previous sixteen, into w[i % 4].
        #[inline(always)]
        unsafe fn schedule(&mut self, i: usize) {
            let (w4, w3, w2, w1) = (self.w[i % 4], self.w[(i + 1) % 4], self.w[(i + 2) % 4], self.w[(i + 3) % 4]);
            let x = _mm_add_epi32(_mm_sha256msg1_epu32(w4, w3), _mm_alignr_epi8(w1, w2, 4));
            self.w[i % 4] = _mm_sha256msg2_epu32(x, w1);
        }
    }

    /// Compresses `a` into `ha` and `b` into `hb` (equal lengths, whole blocks), the two streams' rounds
    /// interleaved.
    #[target_feature(enable = "sha,ssse3,sse4.1")]
    pub unsafe fn compress2(ha: &mut [u32; 8], a: &[u8], hb: &mut [u32; 8], b: &[u8]) {
        let mask = _mm_set_epi64x(0x0c0d_0e0f_0809_0a0b, 0x0405_0607_0001_0203);
        let (abef, cdgh) = load(ha);
        let mut x = Lane { abef, cdgh, w: [_mm_setzero_si128(); 4] };
        let (abef, cdgh) = load(hb);
        let mut y = Lane { abef, cdgh, w: [_mm_setzero_si128(); 4] };
        for (ba, bb) in a.chunks_exact(64).zip(b.chunks_exact(64)) {
            let (xs, ys) = ((x.abef, x.cdgh), (y.abef, y.cdgh));
            for j in 0..4 {
                x.w[j] = _mm_shuffle_epi8(_mm_loadu_si128(ba.as_ptr().add(16 * j).cast()), mask);
                y.w[j] = _mm_shuffle_epi8(_mm_loadu_si128(bb.as_ptr().add(16 * j).cast()), mask);
            }
            for i in 0..16 {
                if i >= 4 {
                    x.schedule(i);
                    y.schedule(i);
                }
                x.rounds(i);
                y.rounds(i);
            }
            x.abef = _mm_add_epi32(x.abef, xs.0);
            x.cdgh = _mm_add_epi32(x.cdgh, xs.1);
            y.abef = _mm_add_epi32(y.abef, ys.0);
            y.cdgh = _mm_add_epi32(y.cdgh, ys.1);
        }
        store(ha, x.abef, x.cdgh);
        store(hb, y.abef, y.cdgh);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sha2::Digest;

    fn bytes(n: usize, seed: u8) -> Vec<u8> {
        (0..n).map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed)).collect()
    }

    #[test]
    fn matches_sha2_for_every_split() {
        for n in [0, 1, 55, 56, 63, 64, 65, 127, 128, 1000, 4096 + 17] {
            let data = bytes(n, 7);
            let want: [u8; 32] = sha2::Sha256::digest(&data).into();
            let mut h = Sha256::new();
            for part in data.chunks(13) {
                h.update(part);
            }
            assert_eq!(h.finalize(), want, "n = {n}");
        }
    }

    #[test]
    fn update2_matches_two_separate_hashes() {
        for (la, lb, step) in [(0, 0, 1), (64, 64, 64), (1000, 1000, 100), (5000, 4990, 333), (130, 7000, 65), (70_000, 70_016, 65_536)] {
            let (da, db) = (bytes(la, 1), bytes(lb, 2));
            let (mut a, mut b) = (Sha256::new(), Sha256::new());
            a.update(&da[..la.min(3)]);
            let (mut ia, mut ib) = (la.min(3), 0);
            while ia < la || ib < lb {
                let (ea, eb) = ((ia + step).min(la), (ib + step).min(lb));
                update2(&mut a, &da[ia..ea], &mut b, &db[ib..eb]);
                (ia, ib) = (ea, eb);
            }
            assert_eq!(a.finalize(), <[u8; 32]>::from(sha2::Sha256::digest(&da)), "a {la}/{lb}/{step}");
            assert_eq!(b.finalize(), <[u8; 32]>::from(sha2::Sha256::digest(&db)), "b {la}/{lb}/{step}");
        }
    }

    #[test]
    fn hmac_matches_the_hmac_crate() {
        use hmac::Mac;
        for key_len in [0, 16, 32, 64, 65, 200] {
            let key = bytes(key_len, 3);
            let data = bytes(3000, 4);
            let mut want = <hmac::Hmac<sha2::Sha256> as hmac::KeyInit>::new_from_slice(&key).unwrap();
            want.update(&data);
            let mut got = HmacSha256::new(&key);
            let mut other = Sha256::new();
            update2(&mut other, &data, got.inner_mut(), &data);
            assert_eq!(got.finalize().as_slice(), want.finalize().into_bytes().as_slice(), "key {key_len}");
        }
    }
}
