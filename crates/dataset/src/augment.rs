//! Crops and mirrors on CHW `u8` images, as Levi & Hassner use them: train on a random
//! `227 x 227` crop of the `256 x 256` face, mirrored half the time; test on the centre crop, or
//! average over 10 views (the four corner crops and the centre crop, and their mirrors).
//! Pure functions on buffers, so the runner can apply them per batch before making tensors.
//!
//! # Panics
//! Every function checks its buffer lengths and crop geometry and panics on a mismatch: those are
//! bugs in the caller, not properties of the data.

use rand::Rng;

fn check(chw: &[u8], channels: usize, size: usize, side: usize) {
    assert_eq!(
        chw.len(),
        channels * size * size,
        "image buffer holds {} bytes, expected {channels}x{size}x{size}",
        chw.len()
    );
    assert!(side > 0 && side <= size, "crop side {side} does not fit in a {size}x{size} image");
}

/// Copies the `side x side` window whose top-left corner is `(x, y)` out of a `size x size` CHW
/// image into `out` (`channels * side * side` bytes).
pub fn crop(chw: &[u8], channels: usize, size: usize, x: usize, y: usize, side: usize, out: &mut [u8]) {
    check(chw, channels, size, side);
    assert!(x + side <= size && y + side <= size, "crop at ({x}, {y}) of side {side} leaves the {size}x{size} image");
    assert_eq!(
        out.len(),
        channels * side * side,
        "crop output holds {} bytes, expected {channels}x{side}x{side}",
        out.len()
    );
    for c in 0..channels {
        let plane = &chw[c * size * size..(c + 1) * size * size];
        let dst = &mut out[c * side * side..(c + 1) * side * side];
        for (row, d) in dst.chunks_exact_mut(side).enumerate() {
            let start = (y + row) * size + x;
            d.copy_from_slice(&plane[start..start + side]);
        }
    }
}

/// Flips a square `size x size` CHW image left to right, in place.
pub fn mirror(chw: &mut [u8], channels: usize, size: usize) {
    assert_eq!(
        chw.len(),
        channels * size * size,
        "image buffer holds {} bytes, expected {channels}x{size}x{size}",
        chw.len()
    );
    if size > 0 {
        chw.chunks_exact_mut(size).for_each(<[u8]>::reverse);
    }
}

/// The offset of a centred crop (rounded down, as Caffe does).
pub fn centre_offset(size: usize, side: usize) -> usize {
    (size - side) / 2
}

/// The centre `side x side` crop.
pub fn centre_crop(chw: &[u8], channels: usize, size: usize, side: usize, out: &mut [u8]) {
    check(chw, channels, size, side);
    let o = centre_offset(size, side);
    crop(chw, channels, size, o, o, side, out);
}

/// Top-left corners of the five crops, in Caffe's `oversample` order: top-left, top-right,
/// bottom-left, bottom-right, centre.
pub fn five_crop_offsets(size: usize, side: usize) -> [(usize, usize); 5] {
    let far = size - side;
    let c = centre_offset(size, side);
    [(0, 0), (far, 0), (0, far), (far, far), (c, c)]
}

/// The five crops back to back in `out` (`5 * channels * side * side` bytes).
pub fn five_crops(chw: &[u8], channels: usize, size: usize, side: usize, out: &mut [u8]) {
    check(chw, channels, size, side);
    let len = channels * side * side;
    assert_eq!(out.len(), 5 * len, "five_crops output holds {} bytes, expected 5x{channels}x{side}x{side}", out.len());
    for ((x, y), dst) in five_crop_offsets(size, side).into_iter().zip(out.chunks_exact_mut(len)) {
        crop(chw, channels, size, x, y, side, dst);
    }
}

/// Levi & Hassner's over-sampling: the five crops, then the same five mirrored
/// (`10 * channels * side * side` bytes). Average the ten predictions.
pub fn ten_crops(chw: &[u8], channels: usize, size: usize, side: usize, out: &mut [u8]) {
    let len = channels * side * side;
    assert_eq!(out.len(), 10 * len, "ten_crops output holds {} bytes, expected 10x{channels}x{side}x{side}", out.len());
    let (plain, mirrored) = out.split_at_mut(5 * len);
    five_crops(chw, channels, size, side, plain);
    mirrored.copy_from_slice(plain);
    for m in mirrored.chunks_exact_mut(len) {
        mirror(m, channels, side);
    }
}

/// A uniformly placed `side x side` crop, mirrored with probability 1/2. Returns `(x, y, mirrored)`.
pub fn random_crop_mirror<R: Rng + ?Sized>(
    rng: &mut R,
    chw: &[u8],
    channels: usize,
    size: usize,
    side: usize,
    out: &mut [u8],
) -> (usize, usize, bool) {
    check(chw, channels, size, side);
    let x = rng.random_range(0..=size - side);
    let y = rng.random_range(0..=size - side);
    let flip = rng.random_bool(0.5);
    crop(chw, channels, size, x, y, side, out);
    if flip {
        mirror(out, channels, side);
    }
    (x, y, flip)
}

fn per_image(
    batch: &[u8],
    channels: usize,
    size: usize,
    views: usize,
    side: usize,
    mut f: impl FnMut(&[u8], &mut [u8]),
) -> Vec<u8> {
    let len = channels * size * size;
    assert!(
        len > 0 && batch.len().is_multiple_of(len),
        "batch of {} bytes is not a whole number of {channels}x{size}x{size} images",
        batch.len()
    );
    let out_len = views * channels * side * side;
    let mut out = vec![0u8; batch.len() / len * out_len];
    for (src, dst) in batch.chunks_exact(len).zip(out.chunks_exact_mut(out_len.max(1))) {
        f(src, dst);
    }
    out
}

/// [`random_crop_mirror`] on every image of an NCHW batch (training augmentation).
pub fn random_crop_mirror_batch<R: Rng + ?Sized>(
    rng: &mut R,
    batch: &[u8],
    channels: usize,
    size: usize,
    side: usize,
) -> Vec<u8> {
    per_image(batch, channels, size, 1, side, |src, dst| {
        random_crop_mirror(rng, src, channels, size, side, dst);
    })
}

/// [`centre_crop`] on every image of an NCHW batch (single-view testing).
pub fn centre_crop_batch(batch: &[u8], channels: usize, size: usize, side: usize) -> Vec<u8> {
    per_image(batch, channels, size, 1, side, |src, dst| centre_crop(src, channels, size, side, dst))
}

/// [`ten_crops`] on every image of an NCHW batch: `10 * N` images, the ten views of image 0 first.
pub fn ten_crops_batch(batch: &[u8], channels: usize, size: usize, side: usize) -> Vec<u8> {
    per_image(batch, channels, size, 10, side, |src, dst| ten_crops(src, channels, size, side, dst))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    /// A 2-channel 4x4 image whose pixel value encodes (channel, y, x).
    fn image() -> Vec<u8> {
        (0..2).flat_map(|c| (0..4).flat_map(move |y| (0..4).map(move |x| (c * 100 + y * 10 + x) as u8))).collect()
    }

    #[test]
    fn crop_takes_the_window_in_every_channel() {
        let mut out = vec![0; 2 * 2 * 2];
        crop(&image(), 2, 4, 1, 2, 2, &mut out);
        assert_eq!(out, vec![21, 22, 31, 32, 121, 122, 131, 132]);
    }

    #[test]
    fn mirror_flips_rows_and_twice_is_identity() {
        let mut img = image();
        mirror(&mut img, 2, 4);
        assert_eq!(&img[..4], &[3, 2, 1, 0]);
        assert_eq!(&img[16..20], &[103, 102, 101, 100]);
        mirror(&mut img, 2, 4);
        assert_eq!(img, image());
    }

    #[test]
    fn centre_and_five_crops_follow_caffe() {
        assert_eq!(centre_offset(256, 227), 14);
        assert_eq!(five_crop_offsets(256, 227), [(0, 0), (29, 0), (0, 29), (29, 29), (14, 14)]);
        let mut out = vec![0; 10 * 2 * 3 * 3];
        ten_crops(&image(), 2, 4, 3, &mut out);
        let view = |k: usize| &out[k * 18..k * 18 + 3];
        assert_eq!(view(0), &[0, 1, 2]); // top-left, first row of channel 0
        assert_eq!(view(1), &[1, 2, 3]); // top-right
        assert_eq!(view(3), &[11, 12, 13]); // bottom-right
        assert_eq!(view(5), &[2, 1, 0]); // mirrored top-left
    }

    #[test]
    fn random_crops_are_seeded_in_range_and_sometimes_mirrored() {
        let img = image();
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let mut out = vec![0; 2 * 3 * 3];
        let draws: Vec<_> = (0..64).map(|_| random_crop_mirror(&mut rng, &img, 2, 4, 3, &mut out)).collect();
        assert!(draws.iter().all(|&(x, y, _)| x <= 1 && y <= 1));
        assert!(draws.iter().any(|d| d.2) && draws.iter().any(|d| !d.2));
        let mut again = ChaCha8Rng::seed_from_u64(1);
        assert_eq!(random_crop_mirror(&mut again, &img, 2, 4, 3, &mut out), draws[0]);
    }

    #[test]
    fn batches_keep_image_order() {
        let mut batch = image();
        batch.extend(image().iter().map(|v| v + 50));
        let centre = centre_crop_batch(&batch, 2, 4, 2);
        assert_eq!(centre.len(), 2 * 8);
        assert_eq!(centre[0], 11);
        assert_eq!(centre[8], 61);
        assert_eq!(ten_crops_batch(&batch, 2, 4, 2).len(), 2 * 10 * 8);
        let mut rng = ChaCha8Rng::seed_from_u64(0);
        assert_eq!(random_crop_mirror_batch(&mut rng, &batch, 2, 4, 4).len(), batch.len());
    }

    #[test]
    #[should_panic(expected = "does not fit")]
    fn a_crop_larger_than_the_image_is_a_bug() {
        centre_crop(&image(), 2, 4, 5, &mut [0; 50]);
    }
}
