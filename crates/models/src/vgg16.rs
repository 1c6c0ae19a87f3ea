//! VGG-16: Simonyan & Zisserman (2015), "Very Deep Convolutional Networks for Large-Scale Image
//! Recognition" (ICLR), in torchvision's layout so that torchvision's ImageNet weights load.
//!
//! `features`: 3x3 convolutions (padding 1, ReLU) 64, 64, M, 128, 128, M, 256 x3, M, 512 x3, M,
//! 512 x3, M (M = 2x2 max pooling), then the classifier FC 4096 -> ReLU -> Dropout .5 -> FC 4096 ->
//! ReLU -> Dropout .5 -> heads.
//!
//! Variable names follow torchvision's `vgg16` state dict: `features.{0,2,5,7,10,12,14,17,19,21,
//! 24,26,28}.{weight,bias}`, `classifier.0.*` and `classifier.3.*`. torchvision's 1000-class
//! `classifier.6` is replaced by the heads, a linear layer named `head` (`head.weight`,
//! `head.bias`), which is never loaded from a pretrained file.
//!
//! Classifier input (`classifier_input`): torchvision pools the last feature map to 7x7
//! (`avgpool`, adaptive average pooling) so fc6 always sees 512x7x7 = 25,088 values; that is
//! `"adaptive_pool"`, needed for pretrained classifier weights. `"feature_map"` flattens the last
//! feature map as it is (512 x (size/32)^2 values), much smaller for 32-64 px faces (32 px: 512).
//! `"auto"` (the default) is `adaptive_pool` when `pretrained` is set or the input is at least
//! 224 px, `feature_map` otherwise. Inputs need at least 32 px (five 2x2 poolings).
//!
//! `pretrained`: a safetensors file with torchvision names. Every expected `features.*` /
//! `classifier.{0,3}.*` tensor must be present with the model's shape, else building fails with an
//! error listing all the missing and mismatched tensors; other tensors (`classifier.6.*`, ...) are
//! ignored and reported in a note. `frozen_blocks` (0..=5): the convolutions of the first N blocks
//! get `requires_grad = false`, so they receive no gradient and optimisers leave them unchanged.
//! Initialisation without weights: torchvision's (He-normal fan-out convolutions, N(0, 0.01) dense
//! layers, zero biases).

use std::collections::BTreeSet;
use std::path::Path;

use serde::{Deserialize, Serialize};
use tch::Tensor;

use crate::layers::{Activation, Builder, Init, Network, Pad, Vars};
use crate::{HeadSpec, InputShape, ModelError};

/// The architecture's name.
pub const NAME: &str = "vgg16";

/// How the classifier receives the last feature map.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClassifierInput {
    /// `adaptive_pool` with pretrained weights or inputs of 224 px and more, else `feature_map`.
    #[default]
    Auto,
    /// torchvision: adaptive average pooling to 7x7, fc6 sees 25,088 values.
    AdaptivePool,
    /// Flatten the last feature map as it is.
    FeatureMap,
}

/// The convolution layers' indices in `features`, by block (1-based blocks).
const BLOCKS: [&[usize]; 5] = [&[0, 2], &[5, 7], &[10, 12, 14], &[17, 19, 21], &[24, 26, 28]];

/// VGG-16 options.
#[derive(Debug, Clone, Default)]
pub struct Options<'a> {
    /// safetensors file with torchvision names.
    pub pretrained: Option<&'a Path>,
    /// Number of leading conv blocks to freeze (0..=5).
    pub frozen_blocks: usize,
    /// Classifier input mode.
    pub classifier_input: ClassifierInput,
}

/// Builds VGG-16; returns the network and notes about the pretrained file (read only into a
/// `VarStore`: shape-only stand-ins are for summaries).
pub fn build(
    vars: &Vars,
    input: InputShape,
    heads: &[HeadSpec],
    opts: &Options,
) -> Result<(Network, Vec<String>), ModelError> {
    if opts.frozen_blocks > 5 {
        return Err(ModelError::BadInput {
            model: NAME,
            reason: format!("frozen_blocks must be between 0 and 5, got {}", opts.frozen_blocks),
        });
    }
    if input.size < 32 {
        return Err(ModelError::BadInput {
            model: NAME,
            reason: format!("VGG-16's five 2x2 poolings need at least 32 px, got {}", input.size),
        });
    }
    let relu = Activation::Relu;
    let mut b = Builder::new(NAME, vars, Init::Torch, input)?;
    let mut idx = 0;
    for (block, convs) in BLOCKS.iter().enumerate() {
        let filters = [64, 128, 256, 512, 512][block];
        for &i in *convs {
            debug_assert_eq!(i, idx);
            b.conv(Some(&format!("features.{i}")), filters, 3, 1, Pad::Explicit(1), relu)?;
            idx += 2; // the ReLU's index
        }
        b.max_pool(Some(&format!("features.{idx}")), 2, 2, Pad::Valid, false)?;
        idx += 1;
    }
    let adaptive = match opts.classifier_input {
        ClassifierInput::AdaptivePool => true,
        ClassifierInput::FeatureMap => false,
        ClassifierInput::Auto => opts.pretrained.is_some() || input.size >= 224,
    };
    if adaptive {
        b.adaptive_avg_pool(Some("avgpool"), 7)?;
    }
    b.flatten(Some("flatten"))?;
    b.dense(Some("classifier.0"), 4096, relu)?;
    b.dropout(Some("classifier.2"), 0.5)?;
    b.dense(Some("classifier.3"), 4096, relu)?;
    b.dropout(Some("classifier.5"), 0.5)?;
    let net = b.finish_single("head", heads)?;

    let mut notes = Vec::new();
    if let (Some(path), Vars::Store(_)) = (opts.pretrained, vars) {
        notes.extend(load_pretrained(&net, path)?);
    }
    if opts.frozen_blocks > 0 {
        let frozen: BTreeSet<String> =
            BLOCKS[..opts.frozen_blocks].iter().flat_map(|b| b.iter().map(|i| format!("features.{i}"))).collect();
        net.freeze(|name| frozen.contains(name));
    }
    Ok((net, notes))
}

/// Whether a parameter comes from torchvision (everything but the heads).
fn is_torchvision(name: &str) -> bool {
    name.starts_with("features.") || name.starts_with("classifier.")
}

/// Copies the torchvision tensors of `path` into `net`; returns notes (ignored tensors).
fn load_pretrained(net: &Network, path: &Path) -> Result<Vec<String>, ModelError> {
    let expected: Vec<(String, Tensor)> =
        net.named_parameters().into_iter().filter(|(n, _)| is_torchvision(n)).collect();
    let ignored = crate::pretrained::copy_from_safetensors(NAME, &expected, path)?;
    let mut notes = vec![format!("vgg16: loaded {} tensors from {}", expected.len(), path.display())];
    if !ignored.is_empty() {
        notes.push(format!(
            "vgg16: ignored {} tensor(s) of {} that the model does not use (the heads replace classifier.6): {}",
            ignored.len(),
            path.display(),
            ignored.join(", ")
        ));
    }
    Ok(notes)
}
