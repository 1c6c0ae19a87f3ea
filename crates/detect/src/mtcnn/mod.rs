//! MTCNN face detection (Zhang et al. 2016) with five landmarks, reproducing facenet-pytorch
//! 2.6.0's `MTCNN.detect(img, landmarks=True)` step for step: its pyramid, thresholds, NMS
//! variants, regressions, squaring and crops, with the same libtorch operations for the
//! resampling (`interpolate(mode="area")`) and the networks. The Haar cascade misses turned,
//! tilted and small faces and gives no eyes to align on; MTCNN does both.
//!
//! ```no_run
//! # use std::path::Path;
//! let mtcnn = detect::Mtcnn::load(Path::new("pnet.safetensors"), Path::new("rnet.safetensors"), Path::new("onet.safetensors"))?;
//! let img = image::open("photo.jpg").expect("readable image").to_rgb8();
//! for face in mtcnn.detect(&img) {
//!     println!("{:?} p={} left eye at {:?}", face.bbox, face.score, face.landmarks[0]);
//! }
//! # Ok::<(), detect::DetectError>(())
//! ```

mod boxes;
mod nets;

use std::path::Path;

use image::RgbImage;
use tch::{Kind, Tensor};

use crate::DetectError;
use boxes::{bbreg, crop_window, nms_iou, nms_min, regress_proposal, rerec, Candidate};
use nets::{ONet, PNet, RNet};

/// A face found by [`Mtcnn::detect`], in input pixels (not rounded; corners may lie outside the
/// image, as facenet-pytorch's do).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Face {
    /// `[x1, y1, x2, y2]`: left, top, right, bottom.
    pub bbox: [f32; 4],
    /// O-Net's face probability.
    pub score: f32,
    /// (x, y) of the left eye, right eye, nose, left and right mouth corner, left and right as
    /// seen in the image.
    pub landmarks: [(f32, f32); 5],
}

/// MTCNN's parameters; the defaults are facenet-pytorch's.
#[derive(Debug, Clone, PartialEq)]
pub struct MtcnnParams {
    /// Smallest face searched for, in pixels (20). Smaller means a deeper, slower pyramid.
    pub min_face_size: f64,
    /// Ratio between pyramid levels, in (0, 1) (0.709, about 1/sqrt(2)).
    pub factor: f64,
    /// Probabilities a window needs to pass P-Net, R-Net and O-Net ([0.6, 0.7, 0.7]).
    pub thresholds: [f32; 3],
}

impl Default for MtcnnParams {
    fn default() -> Self {
        MtcnnParams { min_face_size: 20.0, factor: 0.709, thresholds: [0.6, 0.7, 0.7] }
    }
}

impl MtcnnParams {
    /// Refuses a factor outside (0, 1) (the pyramid would never end), a non-positive minimum
    /// face, and thresholds outside [0, 1].
    pub fn validate(&self) -> Result<(), DetectError> {
        let bad = |what: String| Err(DetectError::InvalidParams { what });
        if !(self.factor > 0.0 && self.factor < 1.0) {
            return bad(format!("MTCNN factor must be in (0, 1), got {}", self.factor));
        }
        if !(self.min_face_size > 0.0 && self.min_face_size.is_finite()) {
            return bad(format!("MTCNN min_face_size must be a positive number, got {}", self.min_face_size));
        }
        if let Some(t) = self.thresholds.iter().find(|t| !(0.0..=1.0).contains(*t)) {
            return bad(format!("MTCNN thresholds must be in [0, 1], got {t}"));
        }
        Ok(())
    }
}

/// NMS thresholds facenet-pytorch fixes: within a pyramid level, across levels, after R-Net,
/// after O-Net (intersection over the smaller box there).
const NMS_LEVEL: f32 = 0.5;
const NMS_STAGE: f32 = 0.7;
/// facenet-pytorch runs R-Net and O-Net in batches of this many crops (`fixed_batch_process`).
const BATCH: i64 = 512;

/// The three networks, loaded once; detection runs on the CPU.
pub struct Mtcnn {
    pnet: PNet,
    rnet: RNet,
    onet: ONet,
    params: MtcnnParams,
}

impl Mtcnn {
    /// Loads the networks from facenet-pytorch's weights converted to safetensors (what
    /// `agelab weights fetch mtcnn_pnet mtcnn_rnet mtcnn_onet` puts in the cache), with the
    /// default parameters.
    pub fn load(pnet: &Path, rnet: &Path, onet: &Path) -> Result<Self, DetectError> {
        Ok(Mtcnn {
            pnet: PNet::load(pnet)?,
            rnet: RNet::load(rnet)?,
            onet: ONet::load(onet)?,
            params: MtcnnParams::default(),
        })
    }

    /// The same networks with other parameters, checked.
    pub fn with_params(self, params: MtcnnParams) -> Result<Self, DetectError> {
        params.validate()?;
        Ok(Mtcnn { params, ..self })
    }

    /// The parameters in use.
    pub fn params(&self) -> &MtcnnParams {
        &self.params
    }

    /// Every face in `img`, largest box first (facenet-pytorch's `select_largest` order).
    pub fn detect(&self, img: &RgbImage) -> Vec<Face> {
        tch::no_grad(|| self.run(img))
    }

    fn run(&self, img: &RgbImage) -> Vec<Face> {
        let (w, h) = img.dimensions();
        let pixels = Tensor::from_slice(img.as_raw())
            .view([h as i64, w as i64, 3])
            .permute([2, 0, 1])
            .unsqueeze(0)
            .to_kind(Kind::Float);
        let proposals = self.propose(&pixels, w, h);
        if proposals.is_empty() {
            return Vec::new();
        }
        let refined = self.refine(&pixels, w, h, &proposals);
        if refined.is_empty() {
            return Vec::new();
        }
        self.output(&pixels, w, h, &refined)
    }

    /// Stage 1: P-Net over the pyramid, NMS per level and across levels, regression, squaring.
    fn propose(&self, pixels: &Tensor, w: u32, h: u32) -> Vec<Candidate> {
        let mut all = Vec::new();
        for scale in pyramid(w, h, &self.params) {
            let size = [(h as f64 * scale + 1.0) as i64, (w as f64 * scale + 1.0) as i64];
            let (reg, prob) = self.pnet.forward(&normalise(&pixels.adaptive_avg_pool2d(size)));
            let (rows, cols) = (prob.size()[2] as usize, prob.size()[3] as usize);
            let found = boxes::generate(
                &floats(&prob.select(1, 1)),
                &floats(&reg),
                cols,
                rows,
                scale,
                self.params.thresholds[0],
            );
            all.extend(nms_iou(&found, NMS_LEVEL).into_iter().map(|i| found[i]));
        }
        nms_iou(&all, NMS_STAGE).into_iter().map(|i| rerec(&regress_proposal(&all[i]))).collect()
    }

    /// Stage 2: R-Net on 24x24 crops, threshold, NMS, regression, squaring.
    fn refine(&self, pixels: &Tensor, w: u32, h: u32, proposals: &[Candidate]) -> Vec<Candidate> {
        let Some((kept, batch)) = crops(pixels, w, h, proposals, 24) else { return Vec::new() };
        let outs = batched(&batch, |x| {
            let (reg, prob) = self.rnet.forward(x);
            vec![reg, prob]
        });
        let (reg, prob) = (floats(&outs[0]), floats(&outs[1]));
        let passed: Vec<Candidate> = kept
            .iter()
            .enumerate()
            .filter(|&(k, _)| prob[2 * k + 1] > self.params.thresholds[1])
            .map(|(k, b)| Candidate {
                score: prob[2 * k + 1],
                reg: [reg[4 * k], reg[4 * k + 1], reg[4 * k + 2], reg[4 * k + 3]],
                ..*b
            })
            .collect();
        nms_iou(&passed, NMS_STAGE).into_iter().map(|i| rerec(&bbreg(&passed[i]))).collect()
    }

    /// Stage 3: O-Net on 48x48 crops, threshold, landmarks, regression, 'Min' NMS, largest first.
    fn output(&self, pixels: &Tensor, w: u32, h: u32, refined: &[Candidate]) -> Vec<Face> {
        let Some((kept, batch)) = crops(pixels, w, h, refined, 48) else { return Vec::new() };
        let outs = batched(&batch, |x| {
            let (reg, points, prob) = self.onet.forward(x);
            vec![reg, points, prob]
        });
        let (reg, points, prob) = (floats(&outs[0]), floats(&outs[1]), floats(&outs[2]));
        let mut passed = Vec::new();
        let mut marks = Vec::new();
        for (k, b) in kept.iter().enumerate() {
            let score = prob[2 * k + 1];
            if score <= self.params.thresholds[2] {
                continue;
            }
            let b = Candidate { score, reg: [reg[4 * k], reg[4 * k + 1], reg[4 * k + 2], reg[4 * k + 3]], ..*b };
            // Landmarks are fractions of the (pre-regression) box, with the +1 pixel convention.
            let (bw, bh) = (b.x2 - b.x1 + 1.0, b.y2 - b.y1 + 1.0);
            let p = &points[10 * k..10 * k + 10];
            marks.push(std::array::from_fn(|j| (bw * p[j] + b.x1 - 1.0, bh * p[5 + j] + b.y1 - 1.0)));
            passed.push(bbreg(&b));
        }
        let faces: Vec<Face> = nms_min(&passed, NMS_STAGE)
            .into_iter()
            .map(|i| {
                let b = &passed[i];
                Face { bbox: [b.x1, b.y1, b.x2, b.y2], score: b.score, landmarks: marks[i] }
            })
            .collect();
        // `np.argsort(area)[::-1]`: descending, equal areas in reverse order.
        let area = |f: &Face| (f.bbox[2] - f.bbox[0]) * (f.bbox[3] - f.bbox[1]);
        boxes::ascending(faces.len(), |i| area(&faces[i])).into_iter().rev().map(|i| faces[i]).collect()
    }
}

/// The pyramid's scales: the first maps `min_face_size` to P-Net's 12-pixel window, each next
/// one is `factor` smaller, down to the level whose shorter side is still >= 12 pixels.
fn pyramid(w: u32, h: u32, params: &MtcnnParams) -> Vec<f64> {
    let m = 12.0 / params.min_face_size;
    let mut minl = w.min(h) as f64 * m;
    let mut scale = m;
    let mut scales = Vec::new();
    while minl >= 12.0 {
        scales.push(scale);
        scale *= params.factor;
        minl *= params.factor;
    }
    scales
}

/// Pixels 0..255 to about -1..1, as MTCNN was trained.
fn normalise(x: &Tensor) -> Tensor {
    (x - 127.5) * 0.0078125
}

/// A tensor's values, flattened row-major.
fn floats(t: &Tensor) -> Vec<f32> {
    Vec::<f32>::try_from(t.contiguous().view([-1])).expect("MTCNN outputs are f32 tensors")
}

/// The crops of `boxes` resampled to `size` x `size` (area averaging) and normalised, with the
/// boxes that have one; `None` if none has. A box entirely outside the image has no crop and is
/// dropped: facenet-pytorch skips its crop but keeps the box, which misaligns its boxes with
/// the network's outputs, so dropping is its evident intent.
fn crops(pixels: &Tensor, w: u32, h: u32, boxes: &[Candidate], size: i64) -> Option<(Vec<Candidate>, Tensor)> {
    let (kept, crops): (Vec<Candidate>, Vec<Tensor>) = boxes
        .iter()
        .filter_map(|b| {
            let c = crop_window(b, w, h)?;
            let crop = pixels.narrow(2, c.y, c.height).narrow(3, c.x, c.width);
            Some((*b, crop.adaptive_avg_pool2d([size, size])))
        })
        .unzip();
    (!crops.is_empty()).then(|| (kept, normalise(&Tensor::cat(&crops, 0))))
}

/// `f` over `x` in batches of [`BATCH`], each output concatenated over the batches.
fn batched(x: &Tensor, f: impl Fn(&Tensor) -> Vec<Tensor>) -> Vec<Tensor> {
    let outs: Vec<Vec<Tensor>> = x.split(BATCH, 0).iter().map(&f).collect();
    let Some(first) = outs.first() else { return f(x) };
    (0..first.len()).map(|i| Tensor::cat(&outs.iter().map(|o| o[i].shallow_clone()).collect::<Vec<_>>(), 0)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pyramid_follows_facenet_pytorch() {
        // 200x200, min face 20: minl 120, 85.08, ..., levels while >= 12 (7 of them).
        let s = pyramid(200, 200, &MtcnnParams::default());
        assert_eq!(s.len(), 7);
        assert_eq!(s[0], 0.6);
        assert!((s[6] - 0.6 * 0.709f64.powi(6)).abs() < 1e-12);
        assert!(pyramid(19, 400, &MtcnnParams::default()).is_empty());
        assert_eq!(pyramid(20, 400, &MtcnnParams::default()), vec![0.6]);
    }

    #[test]
    fn bad_params_are_refused() {
        for p in [
            MtcnnParams { factor: 1.0, ..Default::default() },
            MtcnnParams { min_face_size: 0.0, ..Default::default() },
            MtcnnParams { thresholds: [0.6, 1.5, 0.7], ..Default::default() },
        ] {
            assert!(matches!(p.validate(), Err(DetectError::InvalidParams { .. })), "{p:?}");
        }
        MtcnnParams::default().validate().unwrap();
    }
}
