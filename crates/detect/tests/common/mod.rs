//! Composed test photos: real UTKFace face crops pasted at known places and sizes onto plain
//! or noisy backgrounds. Shared by the integration tests and `examples/compare_opencv.rs`.
//!
//! Nothing here is committed as pixels: photos are generated in memory (or in a temp dir)
//! from the UTKFace folder found through `AGELAB_DATA` (the folder that contains `UTKFace/`).

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use detect::Detection;
use image::{imageops, Rgb, RgbImage};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Where the expected face box lies relative to a pasted UTKFace crop, as fractions of the
/// pasted size: `(left, top, width, height)`.
///
/// UTKFace's "aligned & cropped" images are tight: the crop runs from about the eyebrows to
/// the chin, while Haar's box (trained on Lienhart's looser face windows) also takes in the
/// forehead, so it is slightly larger than the crop and sits higher. Measured with this
/// detector (identical to OpenCV 4.14 on this data) on 300 crops picked with seed 7, each
/// pasted at 200 px on a gray canvas: 282 gave one box, 17 none, 1 two; mean box =
/// (-0.023, -0.099, 1.033, 1.033) of the crop, sd (0.05, 0.05, 0.12, 0.12).
/// Re-measure with `cargo run --release -p detect --example compare_opencv -- --calibrate 300`.
pub const FACE_BOX: (f64, f64, f64, f64) = (-0.023, -0.099, 1.033, 1.033);

/// One pasted face.
#[derive(Debug, Clone)]
pub struct Placed {
    /// UTKFace file name.
    pub file: String,
    /// Top-left corner and side of the pasted (square) crop.
    pub x: u32,
    pub y: u32,
    pub size: u32,
}

impl Placed {
    /// The box a face detector is expected to return for this crop (see [`FACE_BOX`]),
    /// clipped to the canvas like OpenCV clips its detections.
    pub fn expected(&self, canvas_w: u32, canvas_h: u32) -> Detection {
        let s = self.size as f64;
        let (l, t, w, h) = FACE_BOX;
        let x0 = (self.x as f64 + l * s).round().max(0.0);
        let y0 = (self.y as f64 + t * s).round().max(0.0);
        let x1 = (self.x as f64 + (l + w) * s).round().min(canvas_w as f64);
        let y1 = (self.y as f64 + (t + h) * s).round().min(canvas_h as f64);
        Detection::new(x0 as u32, y0 as u32, (x1 - x0) as u32, (y1 - y0) as u32)
    }
}

/// A composed photo and what was pasted where.
pub struct Photo {
    pub name: String,
    pub image: RgbImage,
    pub faces: Vec<Placed>,
    /// "plain" or "noisy".
    pub background: &'static str,
}

impl Photo {
    /// Expected boxes of all pasted faces.
    pub fn truths(&self) -> Vec<Detection> {
        self.faces.iter().map(|f| f.expected(self.image.width(), self.image.height())).collect()
    }
}

/// All UTKFace image files, sorted by name so a seed always picks the same faces.
pub fn list_faces(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().and_then(|e| e.to_str()).is_some_and(|e| e.eq_ignore_ascii_case("jpg")))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

/// Picks `n` distinct face files with a seeded RNG.
pub fn pick_faces(files: &[PathBuf], n: usize, seed: u64) -> Vec<PathBuf> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut idx: Vec<usize> = (0..files.len()).collect();
    idx.shuffle(&mut rng);
    idx.into_iter().take(n).map(|i| files[i].clone()).collect()
}

fn load_face(path: &Path, size: u32) -> RgbImage {
    let img = image::open(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display())).to_rgb8();
    imageops::resize(&img, size, size, imageops::FilterType::Triangle)
}

/// Fills a canvas with a plain colour or with per-pixel noise around a base colour.
fn background(w: u32, h: u32, noisy: bool, rng: &mut ChaCha8Rng) -> RgbImage {
    let base = [rng.random_range(40..220u8), rng.random_range(40..220u8), rng.random_range(40..220u8)];
    if !noisy {
        return RgbImage::from_pixel(w, h, Rgb(base));
    }
    let amp = rng.random_range(20..60i32);
    RgbImage::from_fn(w, h, |_, _| {
        let d = rng.random_range(-amp..=amp);
        Rgb(base.map(|c| (c as i32 + d + rng.random_range(-8..=8)).clamp(0, 255) as u8))
    })
}

fn overlaps(a: &Placed, x: u32, y: u32, size: u32, margin: u32) -> bool {
    x < a.x + a.size + margin && a.x < x + size + margin && y < a.y + a.size + margin && a.y < y + size + margin
}

/// A fixed, seeded set of `count` photos with 1-4 non-overlapping faces each, pasted at
/// 80-220 px on plain (even index) or noisy (odd index) backgrounds of 640x480 to 1024x768.
pub fn compose_set(dir: &Path, count: usize, seed: u64) -> Vec<Photo> {
    let files = list_faces(dir);
    assert!(!files.is_empty(), "no .jpg files in {}", dir.display());
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let faces = pick_faces(&files, count * 4, seed ^ 0x5eed);
    let mut next_face = faces.iter();
    let sizes = [(640u32, 480u32), (800, 600), (1024, 768)];
    (0..count)
        .map(|i| {
            let (w, h) = sizes[rng.random_range(0..sizes.len())];
            let noisy = i % 2 == 1;
            let mut canvas = background(w, h, noisy, &mut rng);
            let want = rng.random_range(1..=4usize);
            let mut placed: Vec<Placed> = Vec::new();
            let mut tries = 0;
            while placed.len() < want && tries < 200 {
                tries += 1;
                let size = rng.random_range(80..=220u32);
                let x = rng.random_range(0..=w - size);
                let y = rng.random_range(0..=h - size);
                if placed.iter().any(|p| overlaps(p, x, y, size, 12)) {
                    continue;
                }
                let Some(file) = next_face.next() else { break };
                let face = load_face(file, size);
                imageops::replace(&mut canvas, &face, x as i64, y as i64);
                placed.push(Placed {
                    file: file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(),
                    x,
                    y,
                    size,
                });
            }
            Photo {
                name: format!("photo_{i:02}.png"),
                image: canvas,
                faces: placed,
                background: if noisy { "noisy" } else { "plain" },
            }
        })
        .collect()
}

/// A single crop pasted at `size` px in the middle of a gray canvas twice its size.
pub fn single_face(path: &Path, size: u32) -> Photo {
    let mut canvas = RgbImage::from_pixel(size * 2, size * 2, Rgb([128, 128, 128]));
    let face = load_face(path, size);
    let off = size / 2;
    imageops::replace(&mut canvas, &face, off as i64, off as i64);
    Photo {
        name: path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(),
        image: canvas,
        faces: vec![Placed {
            file: path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(),
            x: off,
            y: off,
            size,
        }],
        background: "plain",
    }
}

/// Greedy one-to-one matching at `min_iou`: returns (true positives, detections, truths).
pub fn match_boxes(dets: &[Detection], truths: &[Detection], min_iou: f64) -> (usize, usize, usize) {
    let mut pairs: Vec<(f64, usize, usize)> = Vec::new();
    for (i, d) in dets.iter().enumerate() {
        for (j, t) in truths.iter().enumerate() {
            let v = detect::iou(d, t);
            if v >= min_iou {
                pairs.push((v, i, j));
            }
        }
    }
    pairs.sort_by(|a, b| b.0.total_cmp(&a.0));
    let (mut used_d, mut used_t) = (vec![false; dets.len()], vec![false; truths.len()]);
    let mut tp = 0;
    for (_, i, j) in pairs {
        if !used_d[i] && !used_t[j] {
            used_d[i] = true;
            used_t[j] = true;
            tp += 1;
        }
    }
    (tp, dets.len(), truths.len())
}

/// A cartoon face (skin oval, dark eyes and brows, nose, mouth, blurred) of `size` x `size`
/// on a dark square: no data files needed, and the frontal-face cascade finds it with about
/// a hundred neighbors. Its Haar box is close to the whole square.
pub fn synthetic_face(size: u32) -> image::GrayImage {
    let s = size as f64;
    let mut px = vec![60f64; (size * size) as usize];
    let mut ellipse = |cx: f64, cy: f64, a: f64, b: f64, v: f64| {
        for y in 0..size {
            for x in 0..size {
                let (dx, dy) = ((x as f64 - cx) / a, (y as f64 - cy) / b);
                if dx * dx + dy * dy <= 1.0 {
                    px[(y * size + x) as usize] = v;
                }
            }
        }
    };
    let (cx, cy) = (s / 2.0, s / 2.0);
    ellipse(cx, cy + 0.025 * s, 0.36 * s, 0.46 * s, 190.0);
    for side in [-1.0, 1.0] {
        let (ex, ey) = (cx + side * 0.17 * s, cy - 0.08 * s);
        ellipse(ex, ey, 0.09 * s, 0.04 * s, 40.0);
        ellipse(ex, ey - 0.09 * s, 0.10 * s, 0.02 * s, 70.0);
    }
    ellipse(cx, cy + 0.08 * s, 0.04 * s, 0.10 * s, 150.0);
    ellipse(cx, cy + 0.25 * s, 0.14 * s, 0.035 * s, 80.0);
    // Two passes of a box blur approximate the Gaussian that softens the edges.
    let r = ((0.02 * s) as usize).max(1);
    for _ in 0..2 {
        px = box_blur(&px, size as usize, r);
    }
    image::GrayImage::from_fn(size, size, |x, y| image::Luma([px[(y * size + x) as usize].round() as u8]))
}

/// Separable box blur with edge clamping.
fn box_blur(px: &[f64], n: usize, r: usize) -> Vec<f64> {
    let mut tmp = vec![0f64; n * n];
    let mut out = vec![0f64; n * n];
    let k = (2 * r + 1) as f64;
    for y in 0..n {
        for x in 0..n {
            let s: f64 = (0..=2 * r).map(|i| px[y * n + (x + i).saturating_sub(r).min(n - 1)]).sum();
            tmp[y * n + x] = s / k;
        }
    }
    for y in 0..n {
        for x in 0..n {
            let s: f64 = (0..=2 * r).map(|i| tmp[(y + i).saturating_sub(r).min(n - 1) * n + x]).sum();
            out[y * n + x] = s / k;
        }
    }
    out
}

/// A `w` x `h` gray canvas of level `bg` with a synthetic face of `size` at (`x`, `y`).
pub fn canvas_with_synthetic_face(w: u32, h: u32, bg: u8, x: u32, y: u32, size: u32) -> image::GrayImage {
    let mut canvas = image::GrayImage::from_pixel(w, h, image::Luma([bg]));
    imageops::replace(&mut canvas, &synthetic_face(size), x as i64, y as i64);
    canvas
}
