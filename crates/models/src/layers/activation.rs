//! The activation fused into a convolution or dense layer (Keras' `activation=` argument).

use serde::{Deserialize, Serialize};
use tch::Tensor;

/// Activation applied after a convolution or dense layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Activation {
    /// max(0, x).
    #[default]
    Relu,
    /// Identity.
    None,
    /// tanh.
    Tanh,
    /// Logistic sigmoid.
    Sigmoid,
    /// ELU (alpha 1).
    Elu,
}

impl Activation {
    pub(super) fn apply(self, xs: Tensor) -> Tensor {
        match self {
            Activation::Relu => xs.relu(),
            Activation::None => xs,
            Activation::Tanh => xs.tanh(),
            Activation::Sigmoid => xs.sigmoid(),
            Activation::Elu => xs.elu(),
        }
    }

    /// What the summary appends to the layer type (ReLU, the usual case, says nothing).
    pub(super) fn suffix(self) -> &'static str {
        match self {
            Activation::Relu => "",
            Activation::None => ", linear",
            Activation::Tanh => ", tanh",
            Activation::Sigmoid => ", sigmoid",
            Activation::Elu => ", elu",
        }
    }
}
