//! Haar-cascade face detection in pure Rust, reading OpenCV's cascade XML files and
//! reproducing `cv::CascadeClassifier::detectMultiScale` (OpenCV 4.x, CPU path).
//!
//! ```no_run
//! use detect::{Cascade, DetectParams};
//! let cascade = Cascade::frontal_face_default()?;
//! let img = image::open("photo.jpg").expect("readable image"); // agelab reads photos with dataset::images::open_photo
//! for face in cascade.detect(&img, &DetectParams::default()) {
//!     println!("{}x{} at ({}, {}), {} neighbors", face.width, face.height, face.x, face.y, face.neighbors);
//! }
//! # Ok::<(), detect::DetectError>(())
//! ```
//!
//! What is reproduced, and where it lives:
//! - cascade format and load-time adjustments: `xml`, `cascade`;
//! - BGR→gray conversion: `gray`; pyramid resizing (`INTER_LINEAR_EXACT` fixed point): `resize`;
//! - integral tables: `integral`; window evaluation with variance normalisation: `eval`;
//! - pyramid, window stepping and stripes: `detect`; `groupRectangles`: `group`.
//!
//! [`Mtcnn`] is the other detector: facenet-pytorch's MTCNN (libtorch networks), which also
//! finds turned and small faces and gives five landmarks.

#![warn(missing_docs)]

mod cascade;
mod detect;
mod error;
mod eval;
mod faces;
mod gray;
mod group;
mod integral;
mod mtcnn;
mod resize;
mod xml;

use image::{DynamicImage, GrayImage};

pub use cascade::Cascade;
pub use error::DetectError;
pub use faces::{FaceBox, FaceFinder, LargestFace, Margins};
pub use gray::to_gray;
pub use mtcnn::{Face, Mtcnn, MtcnnParams};

/// Parameters of [`Cascade::detect`], named after OpenCV's `detectMultiScale` arguments.
#[derive(Debug, Clone, PartialEq)]
pub struct DetectParams {
    /// Ratio between successive pyramid levels; must be > 1. OpenCV's default: 1.1.
    pub scale_factor: f64,
    /// A detection needs more than this many overlapping candidate windows
    /// (OpenCV's `minNeighbors`). 0 returns the raw, ungrouped candidates.
    pub min_neighbors: usize,
    /// Smallest object (width, height) in input pixels. The default is (30, 30), the value
    /// commonly passed for faces; OpenCV's own default, `Size()`, means the cascade window
    /// (24x24 here) and is what `(0, 0)` gives.
    pub min_size: (u32, u32),
    /// Largest object (width, height) in input pixels; `None` means the image size.
    pub max_size: Option<(u32, u32)>,
    /// If the input's longer side exceeds this, detection runs on a copy shrunk (area
    /// average) to this longer side, and boxes are mapped back to input coordinates.
    /// Speeds up huge photos; faces smaller than about `24 * long_side / max_side` are lost.
    pub max_side: Option<u32>,
    /// Use rayon's thread pool (levels and row blocks in parallel). `false` runs on the
    /// calling thread only, e.g. to compare with OpenCV under `cv2.setNumThreads(1)`.
    /// The result is the same either way.
    pub parallel: bool,
}

impl DetectParams {
    /// Refuses what OpenCV asserts on (`scale_factor <= 1`, `max_side == 0`), as an error.
    pub fn validate(&self) -> Result<(), DetectError> {
        detect::validate(self)
    }
}

impl Default for DetectParams {
    /// scale 1.1, minNeighbors 5, min size 30x30, no max size, no shrinking, parallel.
    fn default() -> Self {
        DetectParams {
            scale_factor: 1.1,
            min_neighbors: 5,
            min_size: (30, 30),
            max_size: None,
            max_side: None,
            parallel: true,
        }
    }
}

/// A detected object in input-image pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Detection {
    /// Left edge.
    pub x: u32,
    /// Top edge.
    pub y: u32,
    /// Width.
    pub width: u32,
    /// Height.
    pub height: u32,
    /// How many candidate windows were merged into this one (OpenCV's `numDetections`);
    /// a rough confidence. 1 for ungrouped output (`min_neighbors == 0`).
    pub neighbors: usize,
}

impl Detection {
    /// A box with no neighbor count, e.g. a ground-truth box.
    pub fn new(x: u32, y: u32, width: u32, height: u32) -> Self {
        Detection { x, y, width, height, neighbors: 0 }
    }
}

/// Intersection over union of two boxes (0 when either is empty).
pub fn iou(a: &Detection, b: &Detection) -> f64 {
    let ix0 = a.x.max(b.x) as f64;
    let iy0 = a.y.max(b.y) as f64;
    let ix1 = (a.x as f64 + a.width as f64).min(b.x as f64 + b.width as f64);
    let iy1 = (a.y as f64 + a.height as f64).min(b.y as f64 + b.height as f64);
    let inter = (ix1 - ix0).max(0.0) * (iy1 - iy0).max(0.0);
    let union = a.width as f64 * a.height as f64 + b.width as f64 * b.height as f64 - inter;
    if union <= 0.0 {
        0.0
    } else {
        inter / union
    }
}

impl Cascade {
    /// Detects objects in any image (converted to gray with OpenCV's weights; alpha ignored).
    /// Invalid parameters (e.g. `scale_factor <= 1`) give an empty list; use
    /// [`Cascade::try_detect`] to get the reason instead.
    pub fn detect(&self, img: &DynamicImage, params: &DetectParams) -> Vec<Detection> {
        self.try_detect(img, params).unwrap_or_default()
    }

    /// Like [`Cascade::detect`] but reports invalid parameters.
    pub fn try_detect(&self, img: &DynamicImage, params: &DetectParams) -> Result<Vec<Detection>, DetectError> {
        match img {
            DynamicImage::ImageLuma8(g) => detect::detect_gray(self, g, params),
            other => detect::detect_gray(self, &to_gray(other), params),
        }
    }

    /// Detects objects in an 8-bit grayscale image (no conversion or copy of the input).
    pub fn detect_gray(&self, img: &GrayImage, params: &DetectParams) -> Result<Vec<Detection>, DetectError> {
        detect::detect_gray(self, img, params)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iou_basics() {
        let a = Detection::new(0, 0, 10, 10);
        assert_eq!(iou(&a, &a), 1.0);
        assert_eq!(iou(&a, &Detection::new(20, 20, 5, 5)), 0.0);
        let b = Detection::new(5, 0, 10, 10);
        assert!((iou(&a, &b) - 50.0 / 150.0).abs() < 1e-12);
        assert_eq!(iou(&Detection::new(0, 0, 0, 0), &Detection::new(0, 0, 0, 0)), 0.0);
    }

    #[test]
    fn bad_scale_factor_is_an_error_not_a_hang() {
        let c = Cascade::frontal_face_default().expect("bundled cascade parses");
        let img = DynamicImage::ImageLuma8(GrayImage::new(64, 64));
        let p = DetectParams { scale_factor: 1.0, ..Default::default() };
        assert!(matches!(c.try_detect(&img, &p), Err(DetectError::InvalidParams { .. })));
        assert!(c.detect(&img, &p).is_empty());
    }
}
