//! [`ModelError`]: why a model could not be built, naming the architecture and, where there is
//! one, the layer or file.

use std::path::PathBuf;

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
