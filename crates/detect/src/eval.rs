//! Running the cascade on one window, as OpenCV's `HaarEvaluator::setWindow` plus
//! `predictOrderedStump` / `predictOrdered` do.
//!
//! Features are "compiled" for a given integral-table stride into corner offsets relative to
//! the window's top-left corner, so evaluating a feature is 8 or 12 loads and a few float
//! operations; stumps are laid out in stage order with their feature inlined so the early
//! stages, which reject most windows, stay in cache. The float arithmetic (f32 feature sums
//! times an f32 normalisation factor, f64 stage sums) follows OpenCV's operation order so that
//! values near a threshold fall on the same side.

use crate::cascade::{Cascade, WinRect};
use crate::integral::{rect_sum, Integral};

/// Corner offsets and weights of one feature for a fixed stride.
#[derive(Clone, Copy)]
struct CFeature {
    ofs: [[u32; 4]; 3],
    weights: [f32; 3],
}

/// A stump with its feature inlined.
#[derive(Clone, Copy)]
struct CStump {
    feature: CFeature,
    threshold: f32,
    left: f32,
    right: f32,
}

#[derive(Clone, Copy)]
struct CStage {
    first: u32,
    count: u32,
    threshold: f32,
}

/// Why a window did not pass the cascade, or that it did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// Passed every stage: a candidate.
    Accept,
    /// Rejected by the first stage. OpenCV then also skips the next window position in the row.
    RejectFirst,
    /// Rejected by a later stage, or the window was skipped (flat: standard deviation <= 10).
    Reject,
}

/// The cascade with features turned into offsets for one stride.
pub(crate) struct Compiled<'c> {
    cascade: &'c Cascade,
    stride: usize,
    /// Present when every weak classifier is a stump (OpenCV's fast path).
    stumps: Option<Vec<CStump>>,
    /// Per-feature offsets for the general tree path.
    features: Vec<CFeature>,
    stages: Vec<CStage>,
    norm_ofs: [u32; 4],
    norm_area: f64,
}

fn offsets(r: &WinRect, stride: usize) -> [u32; 4] {
    let (x, y, w, h) = (r.x as usize, r.y as usize, r.w as usize, r.h as usize);
    [
        (y * stride + x) as u32,
        (y * stride + x + w) as u32,
        ((y + h) * stride + x) as u32,
        ((y + h) * stride + x + w) as u32,
    ]
}

impl<'c> Compiled<'c> {
    /// Prepares `cascade` for integral tables whose rows are `stride` entries long.
    pub fn new(cascade: &'c Cascade, stride: usize) -> Self {
        let features: Vec<CFeature> = cascade
            .features
            .iter()
            .map(|f| CFeature {
                ofs: [offsets(&f.rects[0], stride), offsets(&f.rects[1], stride), offsets(&f.rects[2], stride)],
                weights: f.weights,
            })
            .collect();
        let stumps = cascade.is_stump_based().then(|| {
            cascade
                .trees
                .iter()
                .map(|t| {
                    let n = &cascade.nodes[t.node_start as usize];
                    let l = t.leaf_start as usize;
                    CStump {
                        feature: features[n.feature as usize],
                        threshold: n.threshold,
                        left: cascade.leaves[l],
                        right: cascade.leaves[l + 1],
                    }
                })
                .collect()
        });
        let stages = cascade
            .stages
            .iter()
            .map(|s| CStage { first: s.first_tree, count: s.tree_count, threshold: s.threshold })
            .collect();
        // OpenCV normalises by the window shrunk by one pixel on each side.
        let (ww, wh) = cascade.window;
        let norm = WinRect { x: 1, y: 1, w: ww - 2, h: wh - 2 };
        Compiled {
            cascade,
            stride,
            stumps,
            features,
            stages,
            norm_ofs: offsets(&norm, stride),
            norm_area: (norm.w * norm.h) as f64,
        }
    }

    /// Evaluates the window whose top-left pixel is `(x, y)`. The caller guarantees that the
    /// window lies inside the image of `ii` and that `ii.stride == self.stride()`.
    #[inline]
    pub fn run_at(&self, ii: &Integral, x: usize, y: usize) -> Outcome {
        debug_assert_eq!(ii.stride, self.stride);
        let base = y * self.stride + x;
        let valsum = rect_sum(&ii.sum, base, &self.norm_ofs) as i32;
        let valsqsum = rect_sum(&ii.sqsum, base, &self.norm_ofs);
        let nf = self.norm_area * valsqsum as f64 - valsum as f64 * valsum as f64;
        if nf <= 0.0 {
            return Outcome::Reject;
        }
        let vnf = (1.0 / nf.sqrt()) as f32;
        // Skip windows whose standard deviation is at most 10 grey levels (OpenCV 3+).
        if self.norm_area * vnf as f64 >= 0.1 {
            return Outcome::Reject;
        }
        match &self.stumps {
            Some(stumps) => self.run_stumps(stumps, &ii.sum, base, vnf),
            None => self.run_trees(&ii.sum, base, vnf),
        }
    }

    fn run_stumps(&self, stumps: &[CStump], sum: &[u32], base: usize, vnf: f32) -> Outcome {
        for (si, stage) in self.stages.iter().enumerate() {
            let first = stage.first as usize;
            let mut acc = 0f64;
            for st in &stumps[first..first + stage.count as usize] {
                let value = feature_value(&st.feature, sum, base) * vnf;
                acc += if value < st.threshold { st.left } else { st.right } as f64;
            }
            if acc < stage.threshold as f64 {
                return if si == 0 { Outcome::RejectFirst } else { Outcome::Reject };
            }
        }
        Outcome::Accept
    }

    fn run_trees(&self, sum: &[u32], base: usize, vnf: f32) -> Outcome {
        let c = self.cascade;
        for (si, stage) in self.stages.iter().enumerate() {
            let mut acc = 0f64;
            let first = stage.first as usize;
            for tree in &c.trees[first..first + stage.count as usize] {
                let mut idx: i32 = 0;
                loop {
                    let node = &c.nodes[tree.node_start as usize + idx as usize];
                    let value = feature_value(&self.features[node.feature as usize], sum, base) * vnf;
                    idx = if value < node.threshold { node.left } else { node.right };
                    if idx <= 0 {
                        break;
                    }
                }
                acc += c.leaves[tree.leaf_start as usize + (-idx) as usize] as f64;
            }
            if acc < stage.threshold as f64 {
                return if si == 0 { Outcome::RejectFirst } else { Outcome::Reject };
            }
        }
        Outcome::Accept
    }
}

/// Weighted rectangle sum, in OpenCV's order: `w0*s0 + w1*s1`, then `+ w2*s2` if `w2 != 0`.
#[inline(always)]
fn feature_value(f: &CFeature, sum: &[u32], base: usize) -> f32 {
    let s0 = rect_sum(sum, base, &f.ofs[0]) as i32 as f32;
    let s1 = rect_sum(sum, base, &f.ofs[1]) as i32 as f32;
    let mut ret = f.weights[0] * s0 + f.weights[1] * s1;
    if f.weights[2] != 0.0 {
        ret += f.weights[2] * rect_sum(sum, base, &f.ofs[2]) as i32 as f32;
    }
    ret
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 24x24 cascade over one feature, "bottom half minus top half", with the given stages
    /// (each a list of `(internalNodes, leafValues)` weak classifiers and a threshold).
    fn cascade(stages: &[(&[(&str, &str)], f32)]) -> Cascade {
        let mut s = String::new();
        for (weaks, thr) in stages {
            s += &format!(
                "<_><maxWeakCount>{}</maxWeakCount><stageThreshold>{thr}</stageThreshold><weakClassifiers>",
                weaks.len()
            );
            for (nodes, leaves) in weaks.iter() {
                s += &format!("<_><internalNodes>{nodes}</internalNodes><leafValues>{leaves}</leafValues></_>");
            }
            s += "</weakClassifiers></_>";
        }
        let xml = format!(
            "<opencv_storage><cascade><stageType>BOOST</stageType><featureType>HAAR</featureType>\
             <height>24</height><width>24</width><featureParams><maxCatCount>0</maxCatCount></featureParams>\
             <stages>{s}</stages><features><_><rects><_>0 0 24 12 -1.</_><_>0 12 24 12 1.</_></rects></_></features>\
             </cascade></opencv_storage>"
        );
        Cascade::from_xml_str(&xml).expect("test cascade parses")
    }

    /// 24x24 image, top half around `top`, bottom half around `bottom`, with a checker
    /// ripple of +-20 so the window is never flat.
    fn integral(top: u8, bottom: u8) -> Integral {
        let px: Vec<u8> = (0..24 * 24)
            .map(|i| {
                let (x, y) = (i % 24, i / 24);
                let base = if y < 12 { top } else { bottom } as i32;
                (base + if (x + y) % 2 == 0 { 20 } else { -20 }).clamp(0, 255) as u8
            })
            .collect();
        Integral::with_stride(&px, 24, 24, 25)
    }

    #[test]
    fn stumps_accept_reject_and_flag_first_stage() {
        // value < 0 (top brighter) -> -1, else +1; the stage needs >= -0.5.
        let c = cascade(&[(&[("0 -1 0 0.0", "-1 1")], -0.5)]);
        let k = Compiled::new(&c, 25);
        assert!(k.stumps.is_some());
        assert_eq!(k.run_at(&integral(60, 200), 0, 0), Outcome::Accept);
        assert_eq!(k.run_at(&integral(200, 60), 0, 0), Outcome::RejectFirst);
        // A flat window (sd <= 10) is skipped before any stage.
        let flat = Integral::with_stride(&[128u8; 24 * 24], 24, 24, 25);
        assert_eq!(k.run_at(&flat, 0, 0), Outcome::Reject);
        // Passing stage 0 but failing stage 1 is a plain rejection.
        let c2 = cascade(&[(&[("0 -1 0 0.0", "-1 1")], -0.5), (&[("0 -1 0 0.0", "1 -1")], 0.0)]);
        assert_eq!(Compiled::new(&c2, 25).run_at(&integral(60, 200), 0, 0), Outcome::Reject);
    }

    #[test]
    fn trees_follow_left_right_links_to_leaves() {
        // Node 0: value < 0 -> node 1, else leaf 1 (+0.5). Node 1: value < -0.2 -> leaf 0
        // (-1), else leaf 2 (+1). Stage passes at >= 0.
        let c = cascade(&[(&[("1 -1 0 0.0 0 -2 0 -0.2", "-1 0.5 1")], 0.0)]);
        let k = Compiled::new(&c, 25);
        assert!(k.stumps.is_none());
        assert_eq!(k.run_at(&integral(60, 200), 0, 0), Outcome::Accept); // leaf 1
        assert_eq!(k.run_at(&integral(200, 60), 0, 0), Outcome::RejectFirst); // leaf 0
        assert_eq!(k.run_at(&integral(125, 120), 0, 0), Outcome::Accept); // leaf 2: value about -0.15
    }
}
