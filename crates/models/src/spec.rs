//! [`ModelSpec`]: which architecture an experiment's `[model]` table asks for, with its options.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::custom::LayerSpec;
use crate::vgg16::ClassifierInput;
use crate::{alexnet_svm, article3, custom, levi_hassner, lmtcnn, model1, model2, model3, model4, vgg16, zoo};

/// Which architecture, as an experiment's `[model]` table names it (`arch = "model4"`), with the
/// architecture's options as further keys of the table (`arch = "vgg16"`, `frozen_blocks = 3`).
/// Unknown keys are errors, for architectures without options too: those are empty struct
/// variants (`Model4 {}`), because serde ignores `deny_unknown_fields` for the unit variants of an
/// internally tagged enum (`arch = "model4"` with a stray `frozen_blocks = 3` would pass).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "arch", rename_all = "snake_case", deny_unknown_fields)]
pub enum ModelSpec {
    /// The report's Model 1 (64x64 gray, five valid convolutions, one dense tower per head).
    Model1 {},
    /// The report's Model 2 (32x32 RGB gender, two 2x2 'same' conv blocks, Dense 256).
    Model2 {},
    /// The report's Model 3 (128x128 RGB gender, four valid 3x3 convolutions, Dense 64).
    Model3 {},
    /// The report's Model 4 (32x32 RGB, two conv blocks, Dense 256).
    Model4 {},
    /// Levi & Hassner 2015 (227x227, LRN, FC 512 x2).
    LeviHassner {},
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
    AlexnetSvm {},
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

impl ModelSpec {
    /// The architecture's name.
    pub fn name(&self) -> &'static str {
        match self {
            ModelSpec::Model1 {} => model1::NAME,
            ModelSpec::Model2 {} => model2::NAME,
            ModelSpec::Model3 {} => model3::NAME,
            ModelSpec::Model4 {} => model4::NAME,
            ModelSpec::LeviHassner {} => levi_hassner::NAME,
            ModelSpec::Article3 { .. } => article3::NAME,
            ModelSpec::AlexnetSvm {} => alexnet_svm::NAME,
            ModelSpec::Lmtcnn { .. } => lmtcnn::NAME,
            ModelSpec::Vgg16 { .. } => vgg16::NAME,
            ModelSpec::Custom { .. } => custom::NAME,
        }
    }

    /// The spec of a zoo architecture by name, with default options (`custom`: the documented
    /// example layers).
    pub fn from_name(name: &str) -> Option<ModelSpec> {
        zoo::list().into_iter().find(|e| e.name == name).map(|e| e.spec)
    }
}
