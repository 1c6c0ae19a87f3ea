//! agelab's model zoo. One file per architecture, each one function assembling the network from
//! the layer engine of [`layers`]; the resulting [`Network`] is a `tch::nn::ModuleT` whose `train`
//! flag switches dropout (and batch norm). A model maps `[N, C, H, W]` floats to `[N, sum of head
//! outputs]`: the heads' raw outputs (logits; no softmax or sigmoid inside the models, the runner's
//! losses apply them) concatenated in `heads` order, so the runner's single training loop slices
//! them per task. Single-tower models end in one linear layer over all heads; multi-task models
//! (`model1`, `lmtcnn`, `custom` with a `tower`) give each head its own tower.
//!
//! Entry points: [`build`] / [`build_with_notes`] (a trainable network in a `VarStore`),
//! [`summary()`] (a Keras-style table of layers, shapes, parameters and multiply-adds, from the
//! same definition built with shape-only parameters), [`input_sides`] (the input sides an
//! architecture takes), [`list`] (the catalogue) and [`zoo_table`] (the README table).
//!
//! The engine reproduces Keras' padding ('valid' by default, TensorFlow's asymmetric 'same'),
//! Keras or torchvision initialisation as the source used, and Caffe's LRN.
#![warn(missing_docs)]

pub mod alexnet_svm;
pub mod article3;
pub mod custom;
mod error;
pub mod layers;
pub mod levi_hassner;
pub mod lmtcnn;
pub mod mobilenet_v2;
pub mod model1;
pub mod model2;
pub mod model3;
pub mod model4;
pub mod pretrained;
mod spec;
pub mod summary;
pub mod vgg16;
pub mod zoo;

use std::ops::RangeInclusive;

use serde::{Deserialize, Serialize};
use tch::nn;

pub use custom::{ConvSpec, LayerSpec, PoolSpec};
pub use error::ModelError;
pub use layers::{Activation, Network, Padding, Vars};
pub use spec::ModelSpec;
pub use summary::{Summary, SummaryRow};
pub use vgg16::ClassifierInput;
pub use zoo::{list, Paper, ZooEntry};

/// One output head: its name and width (classes, or 1 for a regression).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeadSpec {
    /// The head's name (the task's name).
    pub name: String,
    /// Output units.
    pub outputs: usize,
}

/// Input geometry: channels and square side.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct InputShape {
    /// Channels (1 gray, 3 RGB).
    pub channels: i64,
    /// Side in pixels.
    pub size: i64,
}

impl InputShape {
    /// Largest side any model accepts: far beyond face crops, and small enough that no layer's
    /// shape arithmetic can overflow.
    pub const MAX_SIDE: i64 = 4096;
    /// Most channels any model accepts.
    pub const MAX_CHANNELS: i64 = 64;
}

/// A built network: forward maps `[N, C, H, W]` floats to `[N, sum of head outputs]`.
pub type Net = Box<dyn nn::ModuleT + Send>;

/// A built network with what building it had to say.
pub struct Built {
    /// The network.
    pub net: Net,
    /// Remarks for the run log (e.g. pretrained tensors loaded and ignored).
    pub notes: Vec<String>,
    /// The network's summary (frozen layers counted as non-trainable).
    pub summary: Summary,
}

/// Builds an architecture under `path` (its variables go into the path's `VarStore`).
pub fn build(spec: &ModelSpec, path: &nn::Path, input: InputShape, heads: &[HeadSpec]) -> Result<Net, ModelError> {
    build_with_notes(spec, path, input, heads).map(|b| b.net)
}

/// [`build`], also returning the notes (pretrained weights loaded, tensors ignored) and summary.
pub fn build_with_notes(
    spec: &ModelSpec,
    path: &nn::Path,
    input: InputShape,
    heads: &[HeadSpec],
) -> Result<Built, ModelError> {
    let (net, notes) = network(spec, &Vars::Store(path.clone()), input, heads)?;
    let summary = net.summary();
    Ok(Built { net: Box::new(net), notes, summary })
}

/// The network of a spec, its parameters in `vars`; with [`Vars::Store`] a pretrained file is
/// read (VGG-16), with [`Vars::Shapes`] it is not. Also returns notes for the run log.
pub fn network(
    spec: &ModelSpec,
    vars: &Vars,
    input: InputShape,
    heads: &[HeadSpec],
) -> Result<(Network, Vec<String>), ModelError> {
    layers::check_heads(spec.name(), heads)?;
    let net = match spec {
        ModelSpec::Model1 {} => model1::build(vars, input, heads)?,
        ModelSpec::Model2 {} => model2::build(vars, input, heads)?,
        ModelSpec::Model3 {} => model3::build(vars, input, heads)?,
        ModelSpec::Model4 {} => model4::build(vars, input, heads)?,
        ModelSpec::LeviHassner {} => levi_hassner::build(vars, input, heads)?,
        ModelSpec::Article3 { filters, kernel } => article3::build(vars, input, heads, filters, *kernel)?,
        ModelSpec::AlexnetSvm {} => alexnet_svm::build(vars, input, heads)?,
        ModelSpec::Lmtcnn { width } => lmtcnn::build(vars, input, heads, *width)?,
        ModelSpec::Vgg16 { pretrained, frozen_blocks, classifier_input } => {
            let opts = vgg16::Options {
                pretrained: pretrained.as_deref(),
                frozen_blocks: *frozen_blocks,
                classifier_input: *classifier_input,
            };
            return vgg16::build(vars, input, heads, &opts);
        }
        ModelSpec::Custom { layers, tower } => custom::build(vars, input, heads, layers, tower)?,
    };
    Ok((net, Vec::new()))
}

/// The Keras-style summary of an architecture for an input and heads, from the architecture's
/// definition built with shape-only parameters: nothing is allocated or drawn at random, a
/// pretrained file is not read, frozen blocks are counted as non-trainable.
pub fn summary(spec: &ModelSpec, input: InputShape, heads: &[HeadSpec]) -> Result<Summary, ModelError> {
    network(spec, &Vars::Shapes, input, heads).map(|(net, _)| net.summary())
}

/// The smallest and largest square sides (up to [`InputShape::MAX_SIDE`]) for which the
/// architecture builds with `channels` channels and these heads; sides in between may still be
/// refused (Model 4 wants multiples of 4). An error when no side fits: the error at the largest.
pub fn input_sides(spec: &ModelSpec, channels: i64, heads: &[HeadSpec]) -> Result<RangeInclusive<i64>, ModelError> {
    let at = |size| network(spec, &Vars::Shapes, InputShape { channels, size }, heads);
    let mut refusal = None;
    for min in 1..=InputShape::MAX_SIDE {
        match at(min) {
            Ok(_) => {
                let max = (min..=InputShape::MAX_SIDE).rev().find(|&s| at(s).is_ok()).unwrap_or(min);
                return Ok(min..=max);
            }
            Err(e) => refusal = Some(e),
        }
    }
    Err(refusal.expect("MAX_SIDE is at least 1, so a side was tried"))
}

/// The zoo as a Markdown table, numbers computed by [`summary()`] (see `crates/models/README.md`).
pub fn zoo_table() -> Result<String, ModelError> {
    zoo::table()
}

/// Number of trainable parameters in a `VarStore`: variables registered as trainable that
/// currently require gradients (frozen ones, e.g. VGG-16's `frozen_blocks`, are not counted, as
/// Keras' "Trainable params").
pub fn parameter_count(vs: &nn::VarStore) -> i64 {
    vs.trainable_variables().iter().filter(|t| t.requires_grad()).map(|t| t.numel() as i64).sum()
}

#[cfg(test)]
mod tests;
