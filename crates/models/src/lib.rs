//! agelab's model zoo. One file per architecture, each a `tch::nn::ModuleT` whose `train` flag
//! switches dropout (and batch norm). A model maps `[N, C, H, W]` floats to `[N, sum of head
//! outputs]`: the heads' raw outputs (logits; no softmax or sigmoid inside the models, the runner's
//! losses apply them) concatenated in `heads` order, so the runner's single training loop slices
//! them per task. Single-tower models end in one linear layer over all heads; multi-task models
//! (`model1`, `lmtcnn`, `custom` with a `tower`) give each head its own tower.
//!
//! Entry points: [`build`] / [`build_with_notes`] (a trainable network in a `VarStore`),
//! [`summary()`] (a Keras-style table of layers, shapes, parameters and multiply-adds), [`list`]
//! (the catalogue) and [`zoo_table`] (the README table).
//!
//! Apart from the hand-written [`model4`], every architecture is assembled with the layer engine
//! of [`layers`], which reproduces Keras' padding ('valid' by default, TensorFlow's asymmetric
//! 'same'), Keras or torchvision initialisation as the source used, and Caffe's LRN.
#![warn(missing_docs)]

pub mod alexnet_svm;
pub mod article3;
pub mod custom;
pub mod keras;
pub mod layers;
pub mod levi_hassner;
pub mod lmtcnn;
pub mod model1;
pub mod model2;
pub mod model3;
pub mod model4;
pub mod summary;
pub mod vgg16;
pub mod zoo;

use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use tch::{nn, Device};

pub use custom::LayerSpec;
pub use layers::{Activation, Network, Padding};
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

/// Which architecture, as an experiment's `[model]` table names it (`arch = "model4"`), with the
/// architecture's options as further keys of the table (`arch = "vgg16"`, `frozen_blocks = 3`).
/// Unknown keys are errors, for architectures without options too.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "arch", rename_all = "snake_case", deny_unknown_fields, from = "SpecDe")]
pub enum ModelSpec {
    /// The report's Model 1 (64x64 gray, five valid convolutions, one dense tower per head).
    Model1,
    /// The report's Model 2 (32x32 RGB gender, two 2x2 'same' conv blocks, Dense 256).
    Model2,
    /// The report's Model 3 (128x128 RGB gender, four valid 3x3 convolutions, Dense 64).
    Model3,
    /// The report's Model 4 (32x32 RGB, two conv blocks, Dense 256).
    Model4,
    /// Levi & Hassner 2015 (227x227, LRN, FC 512 x2).
    LeviHassner,
    /// Agbo-Ajala & Viriri 2020: four conv-ReLU-BN-pool-dropout blocks, FC 512.
    Article3 {
        /// Filters of each block (one block per entry).
        #[serde(default = "article3::default_filters")]
        filters: Vec<i64>,
        /// Kernel side of the blocks' convolutions.
        #[serde(default = "article3::default_kernel")]
        kernel: i64,
    },
    /// Article 6's AlexNet (the SVM is a hinge loss, chosen in the task config).
    AlexnetSvm,
    /// Lee et al. 2018's lightweight multi-task CNN.
    Lmtcnn {
        /// Pointwise width multiplier of the first separable convolution: 1 = LMTCNN-1-1,
        /// 2 = LMTCNN-2-1.
        #[serde(default = "lmtcnn::default_width")]
        width: i64,
    },
    /// VGG-16 in torchvision's layout.
    Vgg16 {
        /// safetensors file with torchvision's names to initialise `features` and `classifier`
        /// (relative paths are relative to the working directory).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pretrained: Option<PathBuf>,
        /// How many leading conv blocks (0..=5) to freeze.
        #[serde(default)]
        frozen_blocks: usize,
        /// How the classifier receives the last feature map.
        #[serde(default)]
        classifier_input: ClassifierInput,
    },
    /// A CNN described layer by layer in the experiment file.
    Custom {
        /// The shared layers.
        layers: Vec<LayerSpec>,
        /// Hidden layers repeated per head (one tower per head); empty: one output layer.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        tower: Vec<LayerSpec>,
    },
}

/// `ModelSpec` as read: serde ignores `deny_unknown_fields` for the unit variants of an internally
/// tagged enum (`arch = "model4"` with a stray `frozen_blocks = 3` would pass), so they are read
/// as empty struct variants here.
#[derive(Deserialize)]
#[serde(tag = "arch", rename_all = "snake_case", deny_unknown_fields)]
enum SpecDe {
    Model1 {},
    Model2 {},
    Model3 {},
    Model4 {},
    LeviHassner {},
    Article3 {
        #[serde(default = "article3::default_filters")]
        filters: Vec<i64>,
        #[serde(default = "article3::default_kernel")]
        kernel: i64,
    },
    AlexnetSvm {},
    Lmtcnn {
        #[serde(default = "lmtcnn::default_width")]
        width: i64,
    },
    Vgg16 {
        #[serde(default)]
        pretrained: Option<PathBuf>,
        #[serde(default)]
        frozen_blocks: usize,
        #[serde(default)]
        classifier_input: ClassifierInput,
    },
    Custom {
        layers: Vec<LayerSpec>,
        #[serde(default)]
        tower: Vec<LayerSpec>,
    },
}

impl From<SpecDe> for ModelSpec {
    fn from(s: SpecDe) -> ModelSpec {
        match s {
            SpecDe::Model1 {} => ModelSpec::Model1,
            SpecDe::Model2 {} => ModelSpec::Model2,
            SpecDe::Model3 {} => ModelSpec::Model3,
            SpecDe::Model4 {} => ModelSpec::Model4,
            SpecDe::LeviHassner {} => ModelSpec::LeviHassner,
            SpecDe::Article3 { filters, kernel } => ModelSpec::Article3 { filters, kernel },
            SpecDe::AlexnetSvm {} => ModelSpec::AlexnetSvm,
            SpecDe::Lmtcnn { width } => ModelSpec::Lmtcnn { width },
            SpecDe::Vgg16 { pretrained, frozen_blocks, classifier_input } => {
                ModelSpec::Vgg16 { pretrained, frozen_blocks, classifier_input }
            }
            SpecDe::Custom { layers, tower } => ModelSpec::Custom { layers, tower },
        }
    }
}

impl ModelSpec {
    /// The architecture's name.
    pub fn name(&self) -> &'static str {
        match self {
            ModelSpec::Model1 => model1::NAME,
            ModelSpec::Model2 => model2::NAME,
            ModelSpec::Model3 => model3::NAME,
            ModelSpec::Model4 => "model4",
            ModelSpec::LeviHassner => levi_hassner::NAME,
            ModelSpec::Article3 { .. } => article3::NAME,
            ModelSpec::AlexnetSvm => alexnet_svm::NAME,
            ModelSpec::Lmtcnn { .. } => lmtcnn::NAME,
            ModelSpec::Vgg16 { .. } => vgg16::NAME,
            ModelSpec::Custom { .. } => custom::NAME,
        }
    }

    /// The spec of a zoo architecture by name, with default options (`custom`: the documented
    /// example layers).
    pub fn from_name(name: &str) -> Option<ModelSpec> {
        list().into_iter().find(|e| e.name == name).map(|e| e.spec)
    }
}

/// Errors building a model.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    /// The input does not suit the architecture.
    #[error("model {model}: {reason}")]
    BadInput {
        /// The architecture.
        model: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// No head to predict.
    #[error("model {0}: at least one head (task) is needed")]
    NoHeads(&'static str),
    /// A layer does not fit (its input, or its own options).
    #[error("model {model}: {layer}: {reason}")]
    BadLayer {
        /// The architecture.
        model: &'static str,
        /// Which layer: `layers[3] (dense)`.
        layer: String,
        /// What is wrong.
        reason: String,
    },
    /// A pretrained weights file lacks tensors or has tensors of the wrong shape.
    #[error("model {model}: pretrained weights {} do not fit the model ({} problem(s)): {}", path.display(), problems.len(), problems.join("; "))]
    Pretrained {
        /// The architecture.
        model: &'static str,
        /// The weights file.
        path: PathBuf,
        /// Every missing or mismatched tensor.
        problems: Vec<String>,
    },
    /// A pretrained weights file cannot be read.
    #[error("model {model}: cannot read pretrained weights {}: {reason}", path.display())]
    PretrainedRead {
        /// The architecture.
        model: &'static str,
        /// The weights file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
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
    if heads.is_empty() {
        return Err(ModelError::NoHeads(spec.name()));
    }
    if let ModelSpec::Model4 = spec {
        let outputs: i64 = heads.iter().map(|h| h.outputs as i64).sum();
        let net = model4::Model4::new(path, input, outputs)?;
        let summary = summary(spec, input, heads)?;
        return Ok(Built { net: Box::new(net), notes: Vec::new(), summary });
    }
    let (net, notes) = network(spec, path, input, heads, true)?;
    let summary = net.summary();
    Ok(Built { net: Box::new(net), notes, summary })
}

/// The engine-built network of a spec. `model4` gets its engine twin (same layers, variable names
/// and shapes as [`model4::Model4`]), used for its summary. `load`: read pretrained files.
pub fn network(
    spec: &ModelSpec,
    p: &nn::Path,
    input: InputShape,
    heads: &[HeadSpec],
    load: bool,
) -> Result<(Network, Vec<String>), ModelError> {
    if heads.is_empty() {
        return Err(ModelError::NoHeads(spec.name()));
    }
    let net = match spec {
        ModelSpec::Model1 => model1::build(p, input, heads)?,
        ModelSpec::Model2 => model2::build(p, input, heads)?,
        ModelSpec::Model3 => model3::build(p, input, heads)?,
        ModelSpec::Model4 => model4_twin(p, input, heads)?,
        ModelSpec::LeviHassner => levi_hassner::build(p, input, heads)?,
        ModelSpec::Article3 { filters, kernel } => article3::build(p, input, heads, filters, *kernel)?,
        ModelSpec::AlexnetSvm => alexnet_svm::build(p, input, heads)?,
        ModelSpec::Lmtcnn { width } => lmtcnn::build(p, input, heads, *width)?,
        ModelSpec::Vgg16 { pretrained, frozen_blocks, classifier_input } => {
            let opts = vgg16::Options {
                pretrained: pretrained.as_deref(),
                frozen_blocks: *frozen_blocks,
                classifier_input: *classifier_input,
                load,
            };
            return vgg16::build(p, input, heads, &opts);
        }
        ModelSpec::Custom { layers, tower } => custom::build(p, input, heads, layers, tower)?,
    };
    Ok((net, Vec::new()))
}

/// Model 4 rebuilt with the layer engine, for its summary: same layers, names and shapes as
/// [`model4::Model4`] (a test checks both give the same outputs from the same weights).
fn model4_twin(p: &nn::Path, input: InputShape, heads: &[HeadSpec]) -> Result<Network, ModelError> {
    use layers::{Builder, Init, Pad};
    if input.size % 4 != 0 || input.size < 4 {
        return Err(ModelError::BadInput {
            model: "model4",
            reason: format!("image size must be a multiple of 4 (two 2x2 poolings), got {}", input.size),
        });
    }
    let relu = Activation::Relu;
    let mut b = Builder::new("model4", p, Init::Keras, input)?;
    b.conv(Some("conv1"), 128, 2, 1, Pad::Same, relu)?;
    b.max_pool(None, 2, 2, Pad::Valid, false)?;
    b.dropout(None, 0.3)?;
    b.conv(Some("conv2"), 64, 2, 1, Pad::Same, relu)?;
    b.max_pool(None, 2, 2, Pad::Valid, false)?;
    b.dropout(None, 0.3)?;
    b.flatten(None)?;
    b.dense(Some("fc1"), 256, relu)?;
    b.dropout(None, 0.5)?;
    b.finish_single("out", heads)
}

/// The Keras-style summary of an architecture for an input and heads (built in a scratch CPU
/// `VarStore`; a pretrained file is not read, frozen blocks are counted as non-trainable).
pub fn summary(spec: &ModelSpec, input: InputShape, heads: &[HeadSpec]) -> Result<Summary, ModelError> {
    let vs = nn::VarStore::new(Device::Cpu);
    let (net, _) = network(spec, &vs.root(), input, heads, false)?;
    Ok(net.summary())
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
