//! A CNN described in the experiment TOML, so that a new architecture needs no Rust:
//!
//! ```toml
//! [model]
//! arch = "custom"
//! layers = [
//!     { type = "conv", filters = 32, kernel = 3, padding = "same" },
//!     { type = "max_pool", size = 2 },
//!     { type = "dropout", rate = 0.25 },
//!     { type = "batch_norm" },
//!     { type = "flatten" },
//!     { type = "dense", units = 128 },
//! ]
//! # optional: hidden layers repeated for each head (one tower per head), before its output layer
//! tower = [{ type = "dense", units = 32 }]
//! ```
//!
//! Layer types (`type`, then its keys; defaults after `=`):
//! - `conv`: `filters`, `kernel`, `stride = 1`, `padding = "valid"` (or `"same"`), `activation = "relu"`;
//! - `separable_conv`: depthwise `kernel` x `kernel` conv (`stride`, `padding`) then a 1x1 conv to
//!   `filters`, the activation after the pointwise conv (Keras' `SeparableConv2D`, with a bias on
//!   both steps);
//! - `max_pool` / `avg_pool`: `size`, `stride` (default: `size`), `padding = "valid"`;
//! - `global_avg_pool`; `flatten`; `batch_norm`; `dropout`: `rate` in [0, 1);
//! - `lrn`: `size = 5`, `alpha = 1e-4`, `beta = 0.75`, `k = 1.0` (Caffe's formula);
//! - `dense`: `units`, `activation = "relu"`.
//!
//! `activation` is one of "relu", "none", "tanh", "sigmoid", "elu". After the last layer a feature
//! map is flattened automatically, then the heads: one linear layer over all head outputs, or with
//! `tower`, per head the tower's layers then a linear output. Keras initialisation and semantics
//! ('valid' by default, TensorFlow 'same' padding); errors name the offending layer
//! (`layers[3] (dense): ...`).

use serde::{Deserialize, Serialize};

use crate::layers::{Activation, Builder, Init, Network, Pad, Padding, Vars};
use crate::{HeadSpec, InputShape, ModelError};

/// The architecture's name.
pub const NAME: &str = "custom";

/// One layer of a custom architecture, tagged by `type`. (Layers without options are empty struct
/// variants so that serde rejects stray keys on them too.)
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum LayerSpec {
    /// 2-D convolution.
    Conv(ConvSpec),
    /// Depthwise-separable convolution: depthwise `kernel` (with `stride` and `padding`), then
    /// pointwise 1x1 to `filters`, the activation after the pointwise step.
    SeparableConv(ConvSpec),
    /// Max pooling.
    MaxPool(PoolSpec),
    /// Average pooling.
    AvgPool(PoolSpec),
    /// Global average pooling (gives a flat vector).
    GlobalAvgPool {},
    /// Flatten.
    Flatten {},
    /// Batch normalisation (Keras defaults).
    BatchNorm {},
    /// Dropout.
    Dropout {
        /// Drop probability.
        rate: f64,
    },
    /// Local response normalisation across channels.
    Lrn {
        /// Window (channels).
        #[serde(default = "five")]
        size: i64,
        /// alpha.
        #[serde(default = "lrn_alpha")]
        alpha: f64,
        /// beta.
        #[serde(default = "lrn_beta")]
        beta: f64,
        /// k.
        #[serde(default = "lrn_k")]
        k: f64,
    },
    /// Fully connected layer.
    Dense {
        /// Output units.
        units: i64,
        /// Activation.
        #[serde(default)]
        activation: Activation,
    },
}

/// A convolution's keys (`conv`, `separable_conv`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConvSpec {
    /// Output channels.
    pub filters: i64,
    /// Kernel side.
    pub kernel: i64,
    /// Stride.
    #[serde(default = "one")]
    pub stride: i64,
    /// Padding.
    #[serde(default)]
    pub padding: Padding,
    /// Activation.
    #[serde(default)]
    pub activation: Activation,
}

/// A pooling window's keys (`max_pool`, `avg_pool`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PoolSpec {
    /// Window side.
    pub size: i64,
    /// Stride (the window side when absent).
    #[serde(default)]
    pub stride: Option<i64>,
    /// Padding.
    #[serde(default)]
    pub padding: Padding,
}

fn one() -> i64 {
    1
}
fn five() -> i64 {
    5
}
fn lrn_alpha() -> f64 {
    1e-4
}
fn lrn_beta() -> f64 {
    0.75
}
fn lrn_k() -> f64 {
    1.0
}

/// The example architecture of the docs (used by the zoo listing).
pub fn example_layers() -> Vec<LayerSpec> {
    vec![
        LayerSpec::Conv(ConvSpec {
            filters: 32,
            kernel: 3,
            stride: 1,
            padding: Padding::Same,
            activation: Activation::Relu,
        }),
        LayerSpec::MaxPool(PoolSpec { size: 2, stride: None, padding: Padding::Valid }),
        LayerSpec::Dropout { rate: 0.25 },
        LayerSpec::BatchNorm {},
        LayerSpec::Conv(ConvSpec {
            filters: 64,
            kernel: 3,
            stride: 1,
            padding: Padding::Same,
            activation: Activation::Relu,
        }),
        LayerSpec::MaxPool(PoolSpec { size: 2, stride: None, padding: Padding::Valid }),
        LayerSpec::Flatten {},
        LayerSpec::Dense { units: 128, activation: Activation::Relu },
    ]
}

fn add(b: &mut Builder, layer: &LayerSpec) -> Result<(), ModelError> {
    match layer {
        &LayerSpec::Conv(ConvSpec { filters, kernel, stride, padding, activation }) => {
            b.conv(None, filters, kernel, stride, padding.into(), activation)
        }
        &LayerSpec::SeparableConv(ConvSpec { filters, kernel, stride, padding, activation }) => {
            b.depthwise(None, kernel, stride, padding.into(), Activation::None)?;
            b.conv(None, filters, 1, 1, Pad::Valid, activation)
        }
        &LayerSpec::MaxPool(PoolSpec { size, stride, padding }) => {
            b.max_pool(None, size, stride.unwrap_or(size), padding.into(), false)
        }
        &LayerSpec::AvgPool(PoolSpec { size, stride, padding }) => {
            b.avg_pool(None, size, stride.unwrap_or(size), padding.into())
        }
        LayerSpec::GlobalAvgPool {} => b.global_avg_pool(None),
        LayerSpec::Flatten {} => b.flatten(None),
        LayerSpec::BatchNorm {} => b.batch_norm(None),
        &LayerSpec::Dropout { rate } => b.dropout(None, rate),
        &LayerSpec::Lrn { size, alpha, beta, k } => b.lrn(None, size, alpha, beta, k),
        &LayerSpec::Dense { units, activation } => b.dense(None, units, activation),
    }
}

/// Builds a custom architecture.
pub fn build(
    vars: &Vars,
    input: InputShape,
    heads: &[HeadSpec],
    layers: &[LayerSpec],
    tower: &[LayerSpec],
) -> Result<Network, ModelError> {
    let mut b = Builder::new(NAME, vars, Init::Keras, input)?;
    for (i, layer) in layers.iter().enumerate() {
        b.set_context(Some(format!("layers[{i}]")));
        add(&mut b, layer)?;
    }
    b.set_context(None);
    if tower.is_empty() {
        b.finish_single("out", heads)
    } else {
        b.finish_towers(heads, &|t| {
            for (i, layer) in tower.iter().enumerate() {
                t.set_context(Some(format!("tower[{i}]")));
                add(t, layer)?;
            }
            Ok(())
        })
    }
}
