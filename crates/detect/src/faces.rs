//! Faces out of whole photos, the report's Model 5 pipeline: the Haar cascade finds each face,
//! whose box is grown by margins and cropped (or, without detection, each image is one face).
//! Shared by `agelab predict --detect` and `agelab evaluate --faces --detect`.

use image::DynamicImage;

use crate::{Cascade, DetectError, DetectParams};

/// A face box: x, y, width, height in the photo's pixels.
pub type FaceBox = (u32, u32, u32, u32);

/// Margins added around a detected face before cropping, as fractions of its box. The defaults
/// frame a face as UTKFace's training crops do (medians over 566 crops where the cascade finds
/// the face; `scripts/utkface-framing.sh`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Margins {
    /// Left and right, as a fraction of the width.
    pub side: f64,
    /// Above, as a fraction of the height.
    pub top: f64,
    /// Below (UTKFace's crops keep the chin and some neck), as a fraction of the height.
    pub bottom: f64,
}

impl Default for Margins {
    fn default() -> Self {
        Margins { side: 0.10, top: 0.02, bottom: 0.18 }
    }
}

/// The face of a photo that is scored, from [`FaceFinder::largest`].
#[derive(Debug, Clone)]
pub struct LargestFace {
    /// The crop the model sees.
    pub crop: DynamicImage,
    /// Its box before margins.
    pub face_box: FaceBox,
    /// How many faces were found; `None` when the box was given.
    pub found: Option<usize>,
}

/// Finds faces: every face the cascade detects, or the whole image when not detecting.
pub struct FaceFinder {
    cascade: Option<Cascade>,
    params: DetectParams,
    margins: Margins,
}

impl FaceFinder {
    /// Takes each image whole, as one face crop (no detection); crops still clip a given box.
    pub fn whole_images(margins: Margins) -> Result<FaceFinder, DetectError> {
        check_margins(&margins)?;
        Ok(FaceFinder { cascade: None, params: DetectParams::default(), margins })
    }

    /// Detects with the bundled frontal-face cascade and `params`, cropping with `margins`. Bad
    /// parameters are refused here, not turned into photos without faces later.
    pub fn detecting(params: DetectParams, margins: Margins) -> Result<FaceFinder, DetectError> {
        params.validate()?;
        check_margins(&margins)?;
        Ok(FaceFinder { cascade: Some(Cascade::frontal_face_default()?), params, margins })
    }

    /// How faces are cut out, in words (for reports).
    pub fn describe(&self) -> String {
        let Margins { side, top, bottom } = self.margins;
        format!("grown by {side:.2} of its width left and right, {top:.2} of its height above and {bottom:.2} below")
    }

    /// Whether faces are detected (rather than each image taken as one face).
    pub fn detects(&self) -> bool {
        self.cascade.is_some()
    }

    /// Face boxes in `img`, in the cascade's order.
    pub fn boxes(&self, img: &DynamicImage) -> Vec<FaceBox> {
        match &self.cascade {
            None => vec![(0, 0, img.width(), img.height())],
            Some(c) => c.detect(img, &self.params).iter().map(|d| (d.x, d.y, d.width, d.height)).collect(),
        }
    }

    /// The crop of one box, grown by the margins and clipped to the photo; `None` when nothing of
    /// it lies inside the photo (a box from a label file can be wrong). A box that is the whole
    /// image (no detection) stays the whole image.
    pub fn crop(&self, img: &DynamicImage, (x, y, w, h): FaceBox) -> Option<DynamicImage> {
        let Margins { side, top, bottom } = self.margins;
        let grow = |size: u32, m: f64| (f64::from(size) * m).round() as i64;
        let (x, y, w, h) = (i64::from(x), i64::from(y), i64::from(w), i64::from(h));
        let (iw, ih) = (i64::from(img.width()), i64::from(img.height()));
        let x0 = (x - grow(w as u32, side)).clamp(0, iw);
        let y0 = (y - grow(h as u32, top)).clamp(0, ih);
        let x1 = (x + w + grow(w as u32, side)).clamp(0, iw);
        let y1 = (y + h + grow(h as u32, bottom)).clamp(0, ih);
        (x1 > x0 && y1 > y0).then(|| img.crop_imm(x0 as u32, y0 as u32, (x1 - x0) as u32, (y1 - y0) as u32))
    }

    /// The one face a labelled photo is scored on: the `given` box (a label file's), else the
    /// largest face found. Errs with the reason, in words, when there is none to score.
    pub fn largest(&self, img: &DynamicImage, given: Option<FaceBox>) -> Result<LargestFace, String> {
        let (face_box, found) = match given {
            Some(b) => (b, None),
            None => {
                let boxes = self.boxes(img);
                let largest = boxes.iter().copied().max_by_key(|b| u64::from(b.2) * u64::from(b.3));
                (largest.ok_or_else(|| "no face found".to_string())?, Some(boxes.len()))
            }
        };
        let crop = self
            .crop(img, face_box)
            .ok_or_else(|| format!("box {face_box:?} lies outside the {}x{} photo", img.width(), img.height()))?;
        Ok(LargestFace { crop, face_box, found })
    }

    /// Every face of `img` with its box, in the cascade's order (boxes outside the photo dropped).
    pub fn faces(&self, img: &DynamicImage) -> Vec<(FaceBox, DynamicImage)> {
        self.boxes(img).into_iter().filter_map(|b| self.crop(img, b).map(|c| (b, c))).collect()
    }
}

fn check_margins(m: &Margins) -> Result<(), DetectError> {
    for (name, v) in [("margin", m.side), ("margin_top", m.top), ("margin_bottom", m.bottom)] {
        if !(v >= 0.0 && v.is_finite()) {
            return Err(DetectError::InvalidParams { what: format!("{name} must be a number >= 0, got {v}") });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_largest_face_is_the_given_box_or_none_found() {
        let img = DynamicImage::new_rgb8(100, 80);
        let f = FaceFinder::whole_images(Margins { side: 0.0, top: 0.0, bottom: 0.0 }).unwrap();
        let whole = f.largest(&img, None).unwrap();
        assert_eq!((whole.face_box, whole.found, whole.crop.width()), ((0, 0, 100, 80), Some(1), 100));
        let given = f.largest(&img, Some((10, 10, 20, 30))).unwrap();
        assert_eq!((given.found, given.crop.width(), given.crop.height()), (None, 20, 30));
        let outside = f.largest(&img, Some((200, 200, 5, 5))).unwrap_err();
        assert!(outside.contains("outside the 100x80 photo"), "{outside}");
        let blank = FaceFinder::detecting(DetectParams::default(), Margins::default()).unwrap();
        assert_eq!(blank.largest(&img, None).unwrap_err(), "no face found");
    }

    #[test]
    fn crops_grow_by_each_margin_and_stay_inside_the_photo() {
        let img = DynamicImage::new_rgb8(300, 300);
        let size = |c: Option<DynamicImage>| c.map(|c| (c.width(), c.height()));
        let f = FaceFinder::whole_images(Margins::default()).unwrap();
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
        assert_eq!(f.faces(&img).len(), 1, "without detection the image is the face");
    }

    #[test]
    fn out_of_range_parameters_are_refused_when_the_finder_is_made() {
        for bad in [f64::NAN, -0.1, f64::INFINITY] {
            let m = Margins { top: bad, ..Default::default() };
            let err = FaceFinder::whole_images(m).err().expect("refused").to_string();
            assert!(err.contains("margin_top"), "{err}");
        }
        for scale_factor in [1.0, 0.5, f64::NAN] {
            let p = DetectParams { scale_factor, ..Default::default() };
            let err = FaceFinder::detecting(p, Margins::default()).err().expect("refused").to_string();
            assert!(err.contains("scale_factor"), "{err}");
        }
        let p = DetectParams { max_side: Some(0), ..Default::default() };
        assert!(FaceFinder::detecting(p, Margins::default()).is_err());
        assert!(FaceFinder::detecting(DetectParams::default(), Margins::default()).unwrap().detects());
    }
}
