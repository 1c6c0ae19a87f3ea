//! Article 7's LMTCNN: Lee, Chan, Chen & Chen (2018), "Joint Estimation of Age and Gender from
//! Unconstrained Face Images using Lightweight Multi-task CNN for Mobile Applications" (IEEE MIPR).
//!
//! Levi & Hassner's network with its second and third convolutions replaced by depthwise-separable
//! ones and one shared trunk for all tasks. Layer choices follow the authors' TensorFlow code
//! (github.com/ivclab/agegenderLMTCNN, `dp_multitask`), 227x227 RGB:
//!
//! - conv1: Conv 96 7x7 stride 4 'valid' + ReLU -> MaxPool 3/2 'valid' -> LRN;
//! - convdp1: depthwise 3x3 stride 1 'same' + ReLU -> BN -> pointwise 1x1 `256 * width` + ReLU -> BN;
//! - convdp2: depthwise 3x3 stride 2 'same' + ReLU -> BN -> pointwise 1x1 384 + ReLU -> BN;
//! - MaxPool 3/2 'valid' -> Flatten (384x6x6 at 227 px) -> FC 512 + ReLU -> Dropout .5 ->
//!   FC 512 + ReLU -> Dropout .5 (shared);
//! - one tower per head: its own linear output layer on the shared 512 features (the authors'
//!   `ageoutput` / `genderoutput`), outputs concatenated in `heads` order.
//!
//! `width` is the pointwise width multiplier of convdp1: 1 for LMTCNN-1-1 (the default), 2 for
//! LMTCNN-2-1. The LRN uses Caffe's formula (size 5, alpha 1e-4, beta 0.75) like `levi_hassner`;
//! the authors' TensorFlow call passes `depth_radius=5`, an 11-channel window, which we take for a
//! port artefact. Glorot-uniform initialisation (the authors' Xavier) and Keras batch-norm defaults.

use crate::layers::{Activation, Builder, Init, Network, Pad, Vars};
use crate::{HeadSpec, InputShape, ModelError};

/// The architecture's name.
pub const NAME: &str = "lmtcnn";

/// Default pointwise width multiplier (LMTCNN-1-1).
pub fn default_width() -> i64 {
    1
}

/// Builds LMTCNN with the given width multiplier of the first separable convolution.
pub fn build(vars: &Vars, input: InputShape, heads: &[HeadSpec], width: i64) -> Result<Network, ModelError> {
    if width < 1 {
        return Err(ModelError::BadInput { model: NAME, reason: format!("width must be at least 1, got {width}") });
    }
    let relu = Activation::Relu;
    let mut b = Builder::new(NAME, vars, Init::Keras, input)?;
    b.conv(Some("conv1"), 96, 7, 4, Pad::Valid, relu)?;
    b.max_pool(Some("pool1"), 3, 2, Pad::Valid, false)?;
    b.lrn(Some("norm1"), 5, 1e-4, 0.75, 1.0)?;
    for (block, filters, stride) in [("convdp1", 256 * width, 1), ("convdp2", 384, 2)] {
        b.depthwise(Some(&format!("{block}.depthwise")), 3, stride, Pad::Same, relu)?;
        b.batch_norm(Some(&format!("{block}.dw_bn")))?;
        b.conv(Some(&format!("{block}.pointwise")), filters, 1, 1, Pad::Valid, relu)?;
        b.batch_norm(Some(&format!("{block}.pw_bn")))?;
    }
    b.max_pool(Some("pool3"), 3, 2, Pad::Valid, false)?;
    b.flatten(Some("flatten"))?;
    b.dense(Some("full1"), 512, relu)?;
    b.dropout(Some("drop1"), 0.5)?;
    b.dense(Some("full2"), 512, relu)?;
    b.dropout(Some("drop2"), 0.5)?;
    b.finish_towers(heads, &|_| Ok(()))
}
