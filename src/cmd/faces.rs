//! Faces out of whole photos, shared by `predict --detect` and `evaluate --faces --detect`: the
//! report's Model 5 pipeline (Haar cascade, then the box grown by a margin and cropped).

use anyhow::{Context, Result};

/// Face-finding options.
#[derive(clap::Args, Clone)]
pub struct DetectArgs {
    /// Find faces with the Haar cascade first (for whole photos); without it, each image is a face crop.
    #[arg(long)]
    pub detect: bool,
    /// Margin added left and right of each detected face before cropping, as a fraction of its
    /// width. The three margins' defaults frame a face as UTKFace's training crops do (medians
    /// over 566 crops where the cascade finds the face; `scripts/utkface-framing.sh`).
    #[arg(long, default_value_t = 0.10)]
    pub margin: f64,
    /// Margin above the face, as a fraction of its height.
    #[arg(long, default_value_t = 0.02)]
    pub margin_top: f64,
    /// Margin below the face (UTKFace's crops keep the chin and some neck), as a fraction of its height.
    #[arg(long, default_value_t = 0.18)]
    pub margin_bottom: f64,
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
    /// Left/right, top and bottom margins, as fractions of the box.
    margins: [f64; 3],
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
        Ok(FaceFinder { cascade, params, margins: [a.margin, a.margin_top, a.margin_bottom] })
    }

    /// How faces are cut out, in words (for reports).
    pub fn describe(&self) -> String {
        let [side, top, bottom] = self.margins;
        format!("grown by {side:.2} of its width left and right, {top:.2} of its height above and {bottom:.2} below")
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

    /// The crop of one box, grown by the margins and clipped to the photo; `None` when nothing of
    /// it lies inside the photo (a box from a label file can be wrong). A box that is the whole
    /// image (no detection) stays the whole image.
    pub fn crop(&self, img: &image::DynamicImage, (x, y, w, h): FaceBox) -> Option<image::DynamicImage> {
        let [side, top, bottom] = self.margins;
        let grow = |size: u32, m: f64| (f64::from(size) * m).round() as i64;
        let (x, y, w, h) = (i64::from(x), i64::from(y), i64::from(w), i64::from(h));
        let (iw, ih) = (i64::from(img.width()), i64::from(img.height()));
        let x0 = (x - grow(w as u32, side)).clamp(0, iw);
        let y0 = (y - grow(h as u32, top)).clamp(0, ih);
        let x1 = (x + w + grow(w as u32, side)).clamp(0, iw);
        let y1 = (y + h + grow(h as u32, bottom)).clamp(0, ih);
        (x1 > x0 && y1 > y0).then(|| img.crop_imm(x0 as u32, y0 as u32, (x1 - x0) as u32, (y1 - y0) as u32))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finder(detect: bool) -> FaceFinder {
        let a = DetectArgs {
            detect,
            margin: 0.1,
            margin_top: 0.02,
            margin_bottom: 0.18,
            scale_factor: 1.1,
            min_neighbors: 5,
            max_side: 1600,
        };
        FaceFinder::new(&a).unwrap()
    }

    #[test]
    fn crops_grow_by_each_margin_and_stay_inside_the_photo() {
        let img = image::DynamicImage::new_rgb8(300, 300);
        let size = |c: Option<image::DynamicImage>| c.map(|c| (c.width(), c.height()));
        let f = finder(false);
        assert_eq!(size(f.crop(&img, (50, 50, 100, 100))), Some((120, 120)), "10 + 100 + 10 wide, 2 + 100 + 18 high");
        assert_eq!(size(f.crop(&img, (0, 250, 100, 50))), Some((110, 1 + 50)), "clipped at the left and bottom edges");
        assert_eq!(size(f.crop(&img, (0, 0, 300, 300))), Some((300, 300)), "a whole image stays whole");
        assert_eq!(size(f.crop(&img, (400, 10, 50, 50))), None, "a box right of the photo");
        assert_eq!(size(f.crop(&img, (u32::MAX, u32::MAX, u32::MAX, u32::MAX))), None, "no overflow");
        assert_eq!(
            size(f.crop(&img, (10, 10, 1000, 1000))),
            Some((300, 300)),
            "a box larger than the photo is clipped"
        );
    }
}
