//! agelab's model zoo. One file per architecture, each a `tch::nn::ModuleT` whose `train` flag
//! switches dropout (and batch norm). Every model ends in one linear layer whose outputs are the
//! concatenated heads (`HeadSpec`), so the runner's single training loop slices them per task.
#![warn(missing_docs)]

pub mod keras;
pub mod model4;

use serde::{Deserialize, Serialize};
use tch::nn;

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

/// Which architecture, as an experiment's `[model]` table names it (`arch = "model4"`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "arch", rename_all = "snake_case", deny_unknown_fields)]
pub enum ModelSpec {
    /// The report's Model 4 (32x32 RGB, two conv blocks, Dense 256).
    Model4,
}

impl ModelSpec {
    /// The architecture's name.
    pub fn name(&self) -> &'static str {
        match self {
            ModelSpec::Model4 => "model4",
        }
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
}

/// A built network: forward maps `[N, C, H, W]` floats to `[N, sum of head outputs]`.
pub type Net = Box<dyn nn::ModuleT + Send>;

/// Builds an architecture under `path` (its variables go into the path's `VarStore`).
pub fn build(spec: &ModelSpec, path: &nn::Path, input: InputShape, heads: &[HeadSpec]) -> Result<Net, ModelError> {
    if heads.is_empty() {
        return Err(ModelError::NoHeads(spec.name()));
    }
    let outputs: i64 = heads.iter().map(|h| h.outputs as i64).sum();
    match spec {
        ModelSpec::Model4 => Ok(Box::new(model4::Model4::new(path, input, outputs)?)),
    }
}

/// Number of trainable parameters in a `VarStore`.
pub fn parameter_count(vs: &nn::VarStore) -> i64 {
    vs.trainable_variables().iter().map(|t| t.numel() as i64).sum()
}
