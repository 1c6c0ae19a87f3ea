//! The report's Model 4: five age groups from 32x32 RGB faces (63.9% test accuracy in the report).
//!
//! Conv2D(128, 2, same, relu) -> MaxPool 2 -> Dropout .3 -> Conv2D(64, 2, same, relu) -> MaxPool 2
//! -> Dropout .3 -> Flatten -> Dense 256 relu -> Dropout .5 -> Dense heads (softmax in the loss).
//! Keras initialisation; the even kernels' 'same' padding is TensorFlow's (the extra pixel right
//! and bottom). Variables `conv1`, `conv2`, `fc1`, `out`, as the report's weights were saved.

use crate::layers::{Activation, Builder, Init, Network, Pad, Vars};
use crate::{HeadSpec, InputShape, ModelError};

/// The architecture's name.
pub const NAME: &str = "model4";

/// Builds Model 4; the heads share one output layer (5 age groups in the report).
pub fn build(vars: &Vars, input: InputShape, heads: &[HeadSpec]) -> Result<Network, ModelError> {
    if input.size % 4 != 0 {
        return Err(ModelError::BadInput {
            model: NAME,
            reason: format!("image size must be a multiple of 4 (two 2x2 poolings), got {}", input.size),
        });
    }
    let relu = Activation::Relu;
    let mut b = Builder::new(NAME, vars, Init::Keras, input)?;
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
