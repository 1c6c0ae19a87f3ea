//! Shape inference: the shape of one example between layers, the two padding vocabularies and the
//! output side of a window. It is what lets a network be checked, and summarised, without running it.

use serde::{Deserialize, Serialize};

/// Shape of one example between layers (the batch dimension left out).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// A feature map, channels first as libtorch stores it.
    Map {
        /// Channels.
        c: i64,
        /// Height.
        h: i64,
        /// Width.
        w: i64,
    },
    /// A flat feature vector.
    Flat(i64),
}

impl Shape {
    /// The dimensions in libtorch order (`[C, H, W]` or `[F]`).
    pub fn dims(&self) -> Vec<i64> {
        match *self {
            Shape::Map { c, h, w } => vec![c, h, w],
            Shape::Flat(f) => vec![f],
        }
    }

    /// Number of values per example.
    pub fn numel(&self) -> i64 {
        self.dims().iter().product()
    }

    /// "a 4x6x6 feature map", for error messages.
    pub(super) fn describe(&self) -> String {
        match *self {
            Shape::Map { c, h, w } => format!("a {c}x{h}x{w} feature map"),
            Shape::Flat(f) => format!("a flat vector of {f}"),
        }
    }
}

/// Padding of a convolution or pooling, as the experiment TOML names it (Keras' two modes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Padding {
    /// No padding (Keras' default).
    #[default]
    Valid,
    /// TensorFlow 'same': output side = ceil(input / stride), the odd padding pixel after.
    Same,
}

/// Padding as the engine applies it: Keras' two modes plus Caffe/PyTorch's symmetric `pad`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pad {
    /// No padding.
    Valid,
    /// TensorFlow 'same' (possibly asymmetric, computed from the actual input size).
    Same,
    /// The same number of zeros on every side.
    Explicit(i64),
}

impl From<Padding> for Pad {
    fn from(p: Padding) -> Pad {
        match p {
            Padding::Valid => Pad::Valid,
            Padding::Same => Pad::Same,
        }
    }
}

/// TensorFlow's 'same' padding for one axis: (before, after), the extra pixel after.
pub fn same_pad(input: i64, kernel: i64, stride: i64) -> (i64, i64) {
    let out = (input + stride - 1) / stride;
    let total = ((out - 1) * stride + kernel - input).max(0);
    (total / 2, total - total / 2)
}

/// TensorFlow's 'same' padding of an `[N, C, H, W]` batch for a square window, in the
/// `[left, right, top, bottom]` order of libtorch's `pad`.
pub(super) fn same_pad_2d(xs: &tch::Tensor, kernel: i64, stride: i64) -> [i64; 4] {
    let size = xs.size();
    let (t, b) = same_pad(size[2], kernel, stride);
    let (l, r) = same_pad(size[3], kernel, stride);
    [l, r, t, b]
}

/// Output side of a convolution or pooling along one axis, `None` when the window does not fit.
pub(super) fn out_side(input: i64, kernel: i64, stride: i64, pad: Pad, ceil: bool) -> Option<i64> {
    let p = match pad {
        // ceil(input / stride), written so that no stride can overflow it
        Pad::Same => return Some((input - 1) / stride + 1),
        Pad::Valid => 0,
        Pad::Explicit(p) => p,
    };
    let span = input + 2 * p - kernel;
    if span < 0 {
        return None;
    }
    if !ceil {
        return Some(span / stride + 1);
    }
    // PyTorch / Caffe ceil mode: the last window must start inside the input or the left pad.
    let mut out = (span + stride - 1) / stride + 1;
    if (out - 1) * stride >= input + p {
        out -= 1;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_padding_matches_tensorflow() {
        assert_eq!(same_pad(3, 2, 1), (0, 1));
        assert_eq!(same_pad(32, 3, 1), (1, 1));
        assert_eq!(same_pad(27, 3, 2), (1, 1));
        assert_eq!(same_pad(28, 3, 2), (0, 1));
        assert_eq!(same_pad(5, 1, 2), (0, 0));
        assert_eq!(out_side(28, 3, 2, Pad::Same, false), Some(14));
        assert_eq!(out_side(27, 3, 2, Pad::Same, false), Some(14));
        assert_eq!(out_side(1, 3, i64::MAX, Pad::Same, false), Some(1));
    }

    #[test]
    fn ceil_mode_pooling_matches_caffe() {
        // Caffe: 56 -> 3x3/2 -> 28 (ceil), PyTorch floor gives 27.
        assert_eq!(out_side(56, 3, 2, Pad::Valid, true), Some(28));
        assert_eq!(out_side(56, 3, 2, Pad::Valid, false), Some(27));
        assert_eq!(out_side(55, 3, 2, Pad::Valid, true), Some(27));
        assert_eq!(out_side(2, 3, 2, Pad::Valid, true), None);
    }

    #[test]
    fn a_flat_shape_reports_itself() {
        assert_eq!(Shape::Flat(5).dims(), vec![5]);
        assert_eq!(Shape::Map { c: 4, h: 6, w: 6 }.numel(), 144);
        assert_eq!(Shape::Map { c: 4, h: 6, w: 6 }.describe(), "a 4x6x6 feature map");
    }
}
