//! Faces out of whole photos, shared by `predict --detect` and `evaluate --faces --detect`: the
//! report's Model 5 pipeline (Haar cascade, then the box grown by a margin and cropped).

use anyhow::{Context, Result};

/// Face-finding options.
#[derive(clap::Args, Clone)]
pub struct DetectArgs {
    /// Find faces with the Haar cascade first (for whole photos); without it, each image is a face crop.
    #[arg(long)]
    pub detect: bool,
    /// Margin added around each detected face before cropping, as a fraction of its size.
    #[arg(long, default_value_t = 0.2)]
    pub margin: f64,
    /// Cascade's scale factor.
    #[arg(long, default_value_t = 1.1)]
    pub scale_factor: f64,
    /// Cascade's minimum neighbours.
    #[arg(long, default_value_t = 5)]
    pub min_neighbors: usize,
    /// Photos larger than this (longest side, pixels) are downscaled for detection only.
    #[arg(long, default_value_t = 1600)]
    pub max_side: u32,
}

/// A face box: x, y, width, height in the photo's pixels.
pub type FaceBox = (u32, u32, u32, u32);

/// Finds faces as `DetectArgs` say: every detected face, or the whole image when not detecting.
pub struct FaceFinder {
    cascade: Option<detect::Cascade>,
    params: detect::DetectParams,
    margin: f64,
}

impl FaceFinder {
    /// Loads the bundled cascade when detecting.
    pub fn new(a: &DetectArgs) -> Result<FaceFinder> {
        let cascade = if a.detect {
            Some(detect::Cascade::frontal_face_default().context("loading the bundled Haar cascade")?)
        } else {
            None
        };
        let params = detect::DetectParams {
            scale_factor: a.scale_factor,
            min_neighbors: a.min_neighbors,
            max_side: Some(a.max_side),
            ..Default::default()
        };
        Ok(FaceFinder { cascade, params, margin: if a.detect { a.margin } else { 0.0 } })
    }

    /// Whether faces are detected (rather than each image taken as one face).
    pub fn detects(&self) -> bool {
        self.cascade.is_some()
    }

    /// Face boxes in `img`, in the cascade's order.
    pub fn boxes(&self, img: &image::DynamicImage) -> Vec<FaceBox> {
        match &self.cascade {
            None => vec![(0, 0, img.width(), img.height())],
            Some(c) => c.detect(img, &self.params).iter().map(|d| (d.x, d.y, d.width, d.height)).collect(),
        }
    }

    /// The crop of one box, grown by the margin and clipped to the photo.
    pub fn crop(&self, img: &image::DynamicImage, (x, y, w, h): FaceBox) -> image::DynamicImage {
        let mx = (w as f64 * self.margin) as i64;
        let my = (h as f64 * self.margin) as i64;
        let x0 = (x as i64 - mx).max(0) as u32;
        let y0 = (y as i64 - my).max(0) as u32;
        let x1 = ((x + w) as i64 + mx).min(img.width() as i64) as u32;
        let y1 = ((y + h) as i64 + my).min(img.height() as i64) as u32;
        img.crop_imm(x0, y0, x1 - x0, y1 - y0)
    }
}
