//! The report's Model 1: a two-headed CNN on 64x64 grayscale faces (age and gender at once).
//!
//! Conv2D(32, 3) -> Conv2D(64, 3) -> MaxPool 2 -> Conv2D(128, 3) -> MaxPool 2 -> Conv2D(256, 3) ->
//! Conv2D(256, 3) -> Flatten, all convolutions 'valid' (Keras' default, the report does not say
//! 'same') with ReLU; then one tower per head: Dense 256-128-64-32 (ReLU) -> Dense(head outputs).
//! In the report the age head is Dense(1, softmax) trained with MSE and the gender head
//! Dense(1, sigmoid) with binary cross-entropy; here the towers end in raw outputs and the runner's
//! task config applies the activation and loss. Keras initialisation.

use crate::layers::{Activation, Builder, Init, Network, Pad, Vars};
use crate::{HeadSpec, InputShape, ModelError};

/// The architecture's name.
pub const NAME: &str = "model1";

/// Builds Model 1.
pub fn build(vars: &Vars, input: InputShape, heads: &[HeadSpec]) -> Result<Network, ModelError> {
    let relu = Activation::Relu;
    let mut b = Builder::new(NAME, vars, Init::Keras, input)?;
    b.conv(None, 32, 3, 1, Pad::Valid, relu)?;
    b.conv(None, 64, 3, 1, Pad::Valid, relu)?;
    b.max_pool(None, 2, 2, Pad::Valid, false)?;
    b.conv(None, 128, 3, 1, Pad::Valid, relu)?;
    b.max_pool(None, 2, 2, Pad::Valid, false)?;
    b.conv(None, 256, 3, 1, Pad::Valid, relu)?;
    b.conv(None, 256, 3, 1, Pad::Valid, relu)?;
    b.flatten(None)?;
    b.finish_towers(heads, &|t| {
        for units in [256, 128, 64, 32] {
            t.dense(None, units, Activation::Relu)?;
        }
        Ok(())
    })
}
