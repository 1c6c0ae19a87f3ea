//! The face-finding options shared by `predict --detect` and `evaluate --faces --detect`; the
//! finding itself is `detect::FaceFinder`.

use anyhow::{Context, Result};

use super::{non_negative, scale_factor};

/// Face-finding options.
#[derive(clap::Args, Clone)]
pub struct DetectArgs {
    /// Find faces with the Haar cascade first (for whole photos); without it, each image is a face crop.
    #[arg(long)]
    pub detect: bool,
    /// Margin added left and right of each detected face before cropping, as a fraction of its
    /// width. The three margins' defaults frame a face as UTKFace's training crops do (medians
    /// over 566 crops where the cascade finds the face; `scripts/utkface-framing.sh`).
    #[arg(long, default_value_t = detect::Margins::default().side, value_parser = non_negative, allow_negative_numbers = true)]
    pub margin: f64,
    /// Margin above the face, as a fraction of its height.
    #[arg(long, default_value_t = detect::Margins::default().top, value_parser = non_negative, allow_negative_numbers = true)]
    pub margin_top: f64,
    /// Margin below the face (UTKFace's crops keep the chin and some neck), as a fraction of its height.
    #[arg(long, default_value_t = detect::Margins::default().bottom, value_parser = non_negative, allow_negative_numbers = true)]
    pub margin_bottom: f64,
    /// Cascade's scale factor (> 1).
    #[arg(long, default_value_t = 1.1, value_parser = scale_factor, allow_negative_numbers = true)]
    pub scale_factor: f64,
    /// Cascade's minimum neighbours.
    #[arg(long, default_value_t = 5)]
    pub min_neighbors: usize,
    /// Photos larger than this (longest side, pixels) are downscaled for detection only.
    #[arg(long, default_value_t = 1600, value_parser = clap::value_parser!(u32).range(1..))]
    pub max_side: u32,
}

impl DetectArgs {
    /// The finder these options describe.
    pub fn finder(&self) -> Result<detect::FaceFinder> {
        let margins = detect::Margins { side: self.margin, top: self.margin_top, bottom: self.margin_bottom };
        let finder = if self.detect {
            let params = detect::DetectParams {
                scale_factor: self.scale_factor,
                min_neighbors: self.min_neighbors,
                max_side: Some(self.max_side),
                ..Default::default()
            };
            detect::FaceFinder::detecting(params, margins).context("setting up the Haar cascade")?
        } else {
            detect::FaceFinder::whole_images(margins)?
        };
        Ok(finder)
    }
}
