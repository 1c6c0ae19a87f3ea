//! Image shrinking.
//!
//! [`resize_linear`] reproduces the bilinear resize that OpenCV 4.x's `detectMultiScale`
//! uses to build each pyramid level: `resize(..., INTER_LINEAR_EXACT)` for 8-bit gray, the
//! "bit-exact" variant (8-bit fixed-point weights, exact integer rounding). The cascade
//! is sensitive to a pixel's exact value near its thresholds, so matching OpenCV's
//! arithmetic is what makes the candidate windows agree. (Checked against cv2 4.14: the
//! candidates of a level built from `INTER_LINEAR_EXACT` match OpenCV's, those built from
//! plain `INTER_LINEAR` differ by a few percent.)
//!
//! [`resize_area`] is a plain area-average shrink used for `max_side` (a large reduction
//! where bilinear sampling would alias).

/// Fractional bits of OpenCV's `ufixedpoint16` (pixel values and weights).
const FRAC_BITS: u32 = 8;
const ONE: u32 = 1 << FRAC_BITS;

/// Source index and weights for each destination index along one axis, as OpenCV's
/// `interpolationLinear::getCoeffs` computes them, plus the range `[min, max)` of indices
/// that interpolate; those before `min` copy the first source pixel, those from `max` on
/// copy the last.
struct Axis {
    offsets: Vec<usize>,
    weights: Vec<[u32; 2]>,
    min: usize,
    max: usize,
}

fn axis(src_len: usize, dst_len: usize) -> Axis {
    // OpenCV derives the scale from the sizes: inv = dst/src, then scale = 1/inv.
    let inv = dst_len as f64 / src_len as f64;
    let scale = 1.0 / inv;
    let (mut min, mut max) = (0, dst_len);
    let mut offsets = vec![0usize; dst_len];
    let mut weights = vec![[ONE, 0]; dst_len];
    for d in 0..dst_len {
        let f = scale * (d as f64 + 0.5) - 0.5;
        let i = f.floor();
        if i >= 0.0 && src_len > 1 {
            let i = i as usize;
            if i < src_len - 1 {
                // ufixedpoint16(softdouble): round half to even of frac * 256.
                let w1 = ((f - i as f64) * ONE as f64).round_ties_even() as u32;
                offsets[d] = i;
                weights[d] = [ONE - w1, w1];
            } else {
                offsets[d] = src_len - 1;
                max = max.min(d);
            }
        } else {
            min = min.max(d + 1);
        }
    }
    Axis { offsets, weights, min, max }
}

/// One source row resized horizontally into 8.8 fixed point.
fn hline(s: &[u8], ax: &Axis, out: &mut [u32]) {
    let last = s[ax.offsets[out.len() - 1].min(s.len() - 1)] as u32;
    for (d, o) in out.iter_mut().enumerate() {
        *o = if d < ax.min {
            (s[0] as u32) << FRAC_BITS
        } else if d < ax.max {
            let i = ax.offsets[d];
            let [w0, w1] = ax.weights[d];
            w0 * s[i] as u32 + w1 * s[i + 1] as u32
        } else {
            last << FRAC_BITS
        };
    }
}

/// OpenCV-compatible bilinear resize (`INTER_LINEAR_EXACT`) of an 8-bit single-channel
/// image (row-major, no padding).
pub(crate) fn resize_linear(src: &[u8], sw: usize, sh: usize, dw: usize, dh: usize) -> Vec<u8> {
    if sw == 0 || sh == 0 || dw == 0 || dh == 0 {
        return vec![0; dw * dh];
    }
    if sw == dw && sh == dh {
        return src[..sw * sh].to_vec();
    }
    // OpenCV switches an exact halving (both axes) to its fast area path.
    let is_half = |s: usize, d: usize| ((s as f64 / d as f64) - 2.0).abs() < f64::EPSILON;
    if is_half(sw, dw) && is_half(sh, dh) {
        return halve(src, sw, dw, dh);
    }
    let xa = axis(sw, dw);
    let ya = axis(sh, dh);
    let row = |y: usize| &src[y * sw..(y + 1) * sw];

    // Horizontal results for the two source rows in use, reused by the next destination row
    // when it needs the same ones (the common case when shrinking by less than 2).
    let mut cache: [(usize, Vec<u32>); 2] = [(usize::MAX, vec![0; dw]), (usize::MAX, vec![0; dw])];
    let fetch = |y: usize, keep: usize, cache: &mut [(usize, Vec<u32>); 2]| -> usize {
        if let Some(k) = cache.iter().position(|c| c.0 == y) {
            return k;
        }
        let slot = if cache[0].0 == keep { 1 } else { 0 };
        hline(row(y), &xa, &mut cache[slot].1);
        cache[slot].0 = y;
        slot
    };

    let mut dst = vec![0u8; dw * dh];
    for (dy, out) in dst.chunks_exact_mut(dw).enumerate() {
        if dy < ya.min || dy >= ya.max {
            // Above the first / below the last source row: copy that row, rounded.
            let y = if dy < ya.min { 0 } else { sh - 1 };
            let k = fetch(y, usize::MAX, &mut cache);
            for (o, &v) in out.iter_mut().zip(&cache[k].1) {
                *o = ((v + (ONE >> 1)) >> FRAC_BITS).min(255) as u8;
            }
            continue;
        }
        let y0 = ya.offsets[dy];
        let [m0, m1] = ya.weights[dy];
        let k0 = fetch(y0, y0 + 1, &mut cache);
        let k1 = fetch(y0 + 1, y0, &mut cache);
        let (r0, r1) = (&cache[k0].1, &cache[k1].1);
        for ((o, &a), &b) in out.iter_mut().zip(r0).zip(r1) {
            // 8.8 x 8.8 -> 16.16, rounded to an integer.
            *o = ((a * m0 + b * m1 + (1 << 15)) >> 16).min(255) as u8;
        }
    }
    dst
}

/// Exact 2x2 average with rounding, OpenCV's `resizeAreaFast` for a scale of exactly 2.
fn halve(src: &[u8], sw: usize, dw: usize, dh: usize) -> Vec<u8> {
    let mut dst = vec![0u8; dw * dh];
    for y in 0..dh {
        let r0 = &src[2 * y * sw..];
        let r1 = &src[(2 * y + 1) * sw..];
        for x in 0..dw {
            let s = r0[2 * x] as u32 + r0[2 * x + 1] as u32 + r1[2 * x] as u32 + r1[2 * x + 1] as u32;
            dst[y * dw + x] = ((s + 2) >> 2) as u8;
        }
    }
    dst
}

/// Area-average shrink (each destination pixel is the mean of the source area it covers,
/// fractional pixels weighted by coverage). Only for shrinking: `dw <= sw`, `dh <= sh`.
pub(crate) fn resize_area(src: &[u8], sw: usize, sh: usize, dw: usize, dh: usize) -> Vec<u8> {
    if sw == dw && sh == dh {
        return src[..sw * sh].to_vec();
    }
    let xw = area_weights(sw, dw);
    let yw = area_weights(sh, dh);
    // Horizontal pass into f32 rows, then weighted sums of those rows.
    let mut tmp = vec![0f32; dw * sh];
    for y in 0..sh {
        let s = &src[y * sw..(y + 1) * sw];
        let t = &mut tmp[y * dw..(y + 1) * dw];
        for (o, taps) in t.iter_mut().zip(&xw) {
            *o = taps.iter().map(|&(i, w)| s[i] as f32 * w).sum();
        }
    }
    let mut dst = vec![0u8; dw * dh];
    let mut acc = vec![0f32; dw];
    for (dy, taps) in yw.iter().enumerate() {
        acc.iter_mut().for_each(|a| *a = 0.0);
        for &(sy, w) in taps {
            for (a, &v) in acc.iter_mut().zip(&tmp[sy * dw..(sy + 1) * dw]) {
                *a += v * w;
            }
        }
        for (o, a) in dst[dy * dw..(dy + 1) * dw].iter_mut().zip(&acc) {
            *o = a.round().clamp(0.0, 255.0) as u8;
        }
    }
    dst
}

/// For each destination index, the source indices it covers and their normalised weights.
fn area_weights(src_len: usize, dst_len: usize) -> Vec<Vec<(usize, f32)>> {
    let scale = src_len as f64 / dst_len as f64;
    (0..dst_len)
        .map(|d| {
            let start = d as f64 * scale;
            let end = ((d + 1) as f64 * scale).min(src_len as f64);
            let mut taps = Vec::new();
            let mut s = start.floor() as usize;
            while (s as f64) < end && s < src_len {
                let lo = start.max(s as f64);
                let hi = end.min(s as f64 + 1.0);
                if hi > lo {
                    taps.push((s, ((hi - lo) / (end - start)) as f32));
                }
                s += 1;
            }
            taps
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_size_is_a_copy() {
        let src: Vec<u8> = (0..12).collect();
        assert_eq!(resize_linear(&src, 4, 3, 4, 3), src);
    }

    #[test]
    fn flat_image_stays_flat() {
        let src = vec![77u8; 50 * 40];
        assert!(resize_linear(&src, 50, 40, 37, 29).iter().all(|&v| v == 77));
        assert!(resize_area(&src, 50, 40, 13, 9).iter().all(|&v| v == 77));
    }

    #[test]
    fn halving_averages_blocks() {
        let src = vec![0, 2, 10, 10, 1, 1, 10, 11];
        assert_eq!(resize_linear(&src, 4, 2, 2, 1), vec![1, 10]);
    }

    #[test]
    fn area_shrink_keeps_mean() {
        let src: Vec<u8> = (0..100 * 60).map(|i| (i % 251) as u8).collect();
        let dst = resize_area(&src, 100, 60, 30, 17);
        let m0 = src.iter().map(|&v| v as f64).sum::<f64>() / src.len() as f64;
        let m1 = dst.iter().map(|&v| v as f64).sum::<f64>() / dst.len() as f64;
        assert!((m0 - m1).abs() < 2.0, "{m0} vs {m1}");
    }
}
