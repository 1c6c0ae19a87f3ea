//! Article 6's AlexNet-like network (Krizhevsky, Sutskever & Hinton 2012, "ImageNet Classification
//! with Deep Convolutional Neural Networks"), 227x227 RGB input. The article puts an SVM (hinge
//! loss) on top: that is a loss, chosen in the runner's task config; this is the architecture.
//!
//! conv1 96 11x11 stride 4 -> ReLU -> LRN -> MaxPool 3/2 -> conv2 256 5x5 pad 2 -> ReLU -> LRN ->
//! MaxPool 3/2 -> conv3 384 3x3 pad 1 -> conv4 384 3x3 pad 1 -> conv5 256 3x3 pad 1 (ReLU each) ->
//! MaxPool 3/2 -> fc6 4096 -> ReLU -> Dropout .5 -> fc7 4096 -> ReLU -> Dropout .5 -> fc8 heads.
//!
//! The original filter counts (96/256/384/384/256, not torchvision's 64/192/384/256/256) and
//! Caffe's LRN (size 5, alpha 1e-4, beta 0.75) and ceil-mode pooling; the two-GPU filter groups of
//! the 2012 model are not reproduced (one group, as in torchvision). At 227 px the maps are
//! 55 -> 27 -> 27 -> 13 -> 13 -> 6 and fc6 sees 256x6x6 = 9,216 values. torchvision initialisation.

use crate::layers::{Activation, Builder, Init, Network, Pad, Vars};
use crate::{HeadSpec, InputShape, ModelError};

/// The architecture's name.
pub const NAME: &str = "alexnet_svm";

/// Builds the AlexNet-like network.
pub fn build(vars: &Vars, input: InputShape, heads: &[HeadSpec]) -> Result<Network, ModelError> {
    let relu = Activation::Relu;
    let mut b = Builder::new(NAME, vars, Init::Torch, input)?;
    b.conv(Some("conv1"), 96, 11, 4, Pad::Valid, relu)?;
    b.lrn(Some("norm1"), 5, 1e-4, 0.75, 1.0)?;
    b.max_pool(Some("pool1"), 3, 2, Pad::Valid, true)?;
    b.conv(Some("conv2"), 256, 5, 1, Pad::Explicit(2), relu)?;
    b.lrn(Some("norm2"), 5, 1e-4, 0.75, 1.0)?;
    b.max_pool(Some("pool2"), 3, 2, Pad::Valid, true)?;
    b.conv(Some("conv3"), 384, 3, 1, Pad::Explicit(1), relu)?;
    b.conv(Some("conv4"), 384, 3, 1, Pad::Explicit(1), relu)?;
    b.conv(Some("conv5"), 256, 3, 1, Pad::Explicit(1), relu)?;
    b.max_pool(Some("pool5"), 3, 2, Pad::Valid, true)?;
    b.flatten(Some("flatten"))?;
    b.dense(Some("fc6"), 4096, relu)?;
    b.dropout(Some("drop6"), 0.5)?;
    b.dense(Some("fc7"), 4096, relu)?;
    b.dropout(Some("drop7"), 0.5)?;
    b.finish_single("fc8", heads)
}
