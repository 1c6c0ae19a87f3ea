//! The cascade model: stages of boosted weak classifiers over Haar features, as OpenCV
//! holds it after `CascadeClassifierImpl::Data::read` (flat arrays, thresholds already as `f32`).

use std::path::Path;

use crate::error::DetectError;
use crate::xml;

/// The cascade bundled with this crate (Intel License Agreement; its header is kept in the file).
const FRONTAL_FACE_DEFAULT: &str = include_str!("../data/haarcascade_frontalface_default.xml");

/// An axis-aligned rectangle in window coordinates (pixels of the training window).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct WinRect {
    pub x: u32,
    pub y: u32,
    pub w: u32,
    pub h: u32,
}

/// One Haar feature: up to three weighted rectangles. Unused rectangles have weight 0,
/// which is how OpenCV marks them too (it skips the third when its weight is 0).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct HaarFeature {
    pub rects: [WinRect; 3],
    pub weights: [f32; 3],
}

/// A node of a weak classifier's tree. `left`/`right` > 0 index another node of the same tree,
/// <= 0 index a leaf as `-value` (OpenCV's encoding).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Node {
    pub left: i32,
    pub right: i32,
    pub feature: u32,
    pub threshold: f32,
}

/// A weak classifier: a tree whose nodes are `nodes[node_start..node_start+node_count]`
/// and whose leaves are `leaves[leaf_start..leaf_start+node_count+1]`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Tree {
    pub node_start: u32,
    pub node_count: u32,
    pub leaf_start: u32,
}

/// A stage: the sum of its weak classifiers' leaf values must reach `threshold` to go on.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Stage {
    pub first_tree: u32,
    pub tree_count: u32,
    /// Already lowered by OpenCV's `THRESHOLD_EPS` (1e-5) as OpenCV does at load time.
    pub threshold: f32,
}

/// A boosted Haar cascade loaded from OpenCV's XML format (`opencv-cascade-classifier`,
/// stage type BOOST, feature type HAAR, upright features).
#[derive(Debug, Clone, PartialEq)]
pub struct Cascade {
    pub(crate) source_name: String,
    pub(crate) window: (u32, u32),
    pub(crate) stages: Vec<Stage>,
    pub(crate) trees: Vec<Tree>,
    pub(crate) nodes: Vec<Node>,
    pub(crate) leaves: Vec<f32>,
    pub(crate) features: Vec<HaarFeature>,
}

impl Cascade {
    /// Parses a cascade from XML text. Errors name the source as `<string>`.
    pub fn from_xml_str(xml: &str) -> Result<Self, DetectError> {
        xml::parse_cascade(xml, "<string>")
    }

    /// Reads and parses a cascade file. Errors name the file.
    pub fn from_file(path: &Path) -> Result<Self, DetectError> {
        let text =
            std::fs::read_to_string(path).map_err(|source| DetectError::Io { path: path.to_path_buf(), source })?;
        xml::parse_cascade(&text, &path.display().to_string())
    }

    /// OpenCV's `haarcascade_frontalface_default.xml` (Lienhart's 24x24 stump cascade),
    /// compiled into the crate so detection needs no file at run time.
    pub fn frontal_face_default() -> Result<Self, DetectError> {
        xml::parse_cascade(FRONTAL_FACE_DEFAULT, "bundled haarcascade_frontalface_default.xml")
    }

    /// Where the cascade came from (path, `<string>` or the bundled file): used in messages.
    pub fn source_name(&self) -> &str {
        &self.source_name
    }

    /// The training window (width, height) in pixels; the smallest object it can find.
    pub fn window_size(&self) -> (u32, u32) {
        self.window
    }

    /// Number of stages.
    pub fn stage_count(&self) -> usize {
        self.stages.len()
    }

    /// Number of weak classifiers in each stage, in order.
    pub fn weak_counts(&self) -> Vec<usize> {
        self.stages.iter().map(|s| s.tree_count as usize).collect()
    }

    /// Number of Haar features in the `<features>` list.
    pub fn feature_count(&self) -> usize {
        self.features.len()
    }

    /// True when every weak classifier is a single split (a stump), the fast path OpenCV takes too.
    pub fn is_stump_based(&self) -> bool {
        self.trees.iter().all(|t| t.node_count == 1)
    }
}
