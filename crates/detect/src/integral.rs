//! Integral images (sum and sum of squares) with a zero first row and column, as
//! `cv::integral(img, sum, sqsum, CV_32S, CV_32S)` builds them for the Haar evaluator.
//!
//! Both tables hold `u32` values that wrap on overflow, exactly like OpenCV's 32-bit tables
//! on big images: every quantity the cascade reads is a difference of four corners over at
//! most one window, which is small, so modular arithmetic gives the exact value.

/// Integral tables of one image; entry `(x, y)` covers pixels `[0, x) x [0, y)`.
pub(crate) struct Integral {
    /// Row length of both tables (at least image width + 1).
    pub stride: usize,
    pub sum: Vec<u32>,
    pub sqsum: Vec<u32>,
}

impl Integral {
    /// Builds both tables from a row-major 8-bit image of `width x height`, with rows of
    /// `stride >= width + 1` entries (a wider stride lets all pyramid levels share one set of
    /// feature offsets; the extra entries are never read).
    pub fn with_stride(pixels: &[u8], width: usize, height: usize, stride: usize) -> Self {
        debug_assert!(stride > width);
        let len = stride * (height + 1);
        let mut sum = vec![0u32; len];
        let mut sqsum = vec![0u32; len];
        for y in 0..height {
            let row = &pixels[y * width..(y + 1) * width];
            let (prev_s, cur_s) = sum.split_at_mut((y + 1) * stride);
            let (prev_q, cur_q) = sqsum.split_at_mut((y + 1) * stride);
            let above_s = &prev_s[y * stride..];
            let above_q = &prev_q[y * stride..];
            let (mut rs, mut rq) = (0u32, 0u32);
            for x in 0..width {
                let v = row[x] as u32;
                rs = rs.wrapping_add(v);
                rq = rq.wrapping_add(v * v);
                cur_s[x + 1] = above_s[x + 1].wrapping_add(rs);
                cur_q[x + 1] = above_q[x + 1].wrapping_add(rq);
            }
        }
        Integral { stride, sum, sqsum }
    }
}

/// Sum over a rectangle given the index of its top-left corner and its corner offsets
/// `[0, w, h*stride, h*stride + w]` (OpenCV's `CALC_SUM_OFS`).
#[inline(always)]
pub(crate) fn rect_sum(table: &[u32], base: usize, ofs: &[u32; 4]) -> u32 {
    table[base + ofs[0] as usize]
        .wrapping_sub(table[base + ofs[1] as usize])
        .wrapping_sub(table[base + ofs[2] as usize])
        .wrapping_add(table[base + ofs[3] as usize])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sums_match_brute_force() {
        let (w, h) = (7usize, 5usize);
        let px: Vec<u8> = (0..w * h).map(|i| (i * 37 % 256) as u8).collect();
        let ii = Integral::with_stride(&px, w, h, w + 3);
        for (x, y, rw, rh) in [(0, 0, 7, 5), (1, 2, 3, 2), (6, 4, 1, 1), (2, 0, 0, 3)] {
            let brute: u32 = (y..y + rh)
                .flat_map(|yy| (x..x + rw).map(move |xx| (xx, yy)))
                .map(|(xx, yy)| px[yy * w + xx] as u32)
                .sum();
            let brute_sq: u32 = (y..y + rh)
                .flat_map(|yy| (x..x + rw).map(move |xx| (xx, yy)))
                .map(|(xx, yy)| (px[yy * w + xx] as u32).pow(2))
                .sum();
            let s = ii.stride;
            let ofs = [0, rw as u32, (rh * s) as u32, (rh * s + rw) as u32];
            let base = y * s + x;
            assert_eq!(rect_sum(&ii.sum, base, &ofs), brute);
            assert_eq!(rect_sum(&ii.sqsum, base, &ofs), brute_sq);
        }
    }

    #[test]
    fn wrapping_keeps_local_sums_exact() {
        // 300x300 of 255 overflows a u32 square-sum table; local sums must stay right.
        let (w, h) = (300usize, 300usize);
        let px = vec![255u8; w * h];
        let ii = Integral::with_stride(&px, w, h, w + 3);
        let s = ii.stride;
        let ofs = [0, 10, (10 * s) as u32, (10 * s + 10) as u32];
        let base = 250 * s + 250;
        assert_eq!(rect_sum(&ii.sqsum, base, &ofs), 100 * 255 * 255);
    }
}
