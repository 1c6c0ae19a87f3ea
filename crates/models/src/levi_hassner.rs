//! Levi & Hassner (2015), "Age and Gender Classification using Convolutional Neural Networks"
//! (CVPR workshops): the Adience baseline, 227x227 RGB crops.
//!
//! Conv 96 7x7 stride 4 -> ReLU -> MaxPool 3/2 -> LRN -> Conv 256 5x5 pad 2 -> ReLU -> MaxPool 3/2
//! -> LRN -> Conv 384 3x3 pad 1 -> ReLU -> MaxPool 3/2 -> FC 512 -> ReLU -> Dropout .5 -> FC 512 ->
//! ReLU -> Dropout .5 -> FC heads.
//!
//! As in the authors' Caffe model: LRN with local size 5, alpha 1e-4, beta 0.75 (Caffe's formula,
//! alpha divided by the window size), and max pooling rounding up (Caffe's ceil mode), so 227 px
//! gives 56 -> 28 -> 14 -> 7 and the first FC layer sees 384x7x7 = 18,816 values (TensorFlow ports
//! such as rude-carnie pool with 'valid' flooring and get 6x6). Initialisation: torchvision's
//! scheme (He-normal convolutions, N(0, 0.01) dense layers, zero biases) rather than the paper's
//! Gaussian std 0.01, which trains slowly without the original learning-rate schedule.

use crate::layers::{Activation, Builder, Init, Network, Pad, Vars};
use crate::{HeadSpec, InputShape, ModelError};

/// The architecture's name.
pub const NAME: &str = "levi_hassner";

/// Builds the Levi-Hassner network.
pub fn build(vars: &Vars, input: InputShape, heads: &[HeadSpec]) -> Result<Network, ModelError> {
    let relu = Activation::Relu;
    let mut b = Builder::new(NAME, vars, Init::Torch, input)?;
    b.conv(Some("conv1"), 96, 7, 4, Pad::Valid, relu)?;
    b.max_pool(Some("pool1"), 3, 2, Pad::Valid, true)?;
    b.lrn(Some("norm1"), 5, 1e-4, 0.75, 1.0)?;
    b.conv(Some("conv2"), 256, 5, 1, Pad::Explicit(2), relu)?;
    b.max_pool(Some("pool2"), 3, 2, Pad::Valid, true)?;
    b.lrn(Some("norm2"), 5, 1e-4, 0.75, 1.0)?;
    b.conv(Some("conv3"), 384, 3, 1, Pad::Explicit(1), relu)?;
    b.max_pool(Some("pool3"), 3, 2, Pad::Valid, true)?;
    b.flatten(Some("flatten"))?;
    b.dense(Some("fc6"), 512, relu)?;
    b.dropout(Some("drop6"), 0.5)?;
    b.dense(Some("fc7"), 512, relu)?;
    b.dropout(Some("drop7"), 0.5)?;
    b.finish_single("fc8", heads)
}
