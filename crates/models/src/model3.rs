//! The report's Model 3: gender from 128x128 RGB faces.
//!
//! Conv2D(16, 3) -> MaxPool 2 -> Conv2D(32, 3) -> Conv2D(64, 3) -> MaxPool 2 -> Conv2D(128, 3) ->
//! MaxPool 2 -> Flatten -> Dense 64 -> Dense heads, ReLU activations, 'valid' padding (the report's
//! first convolution has 448 parameters and a 126x126x16 output). Keras initialisation.

use crate::layers::{Activation, Builder, Init, Network, Pad, Vars};
use crate::{HeadSpec, InputShape, ModelError};

/// The architecture's name.
pub const NAME: &str = "model3";

/// Builds Model 3.
pub fn build(vars: &Vars, input: InputShape, heads: &[HeadSpec]) -> Result<Network, ModelError> {
    let relu = Activation::Relu;
    let mut b = Builder::new(NAME, vars, Init::Keras, input)?;
    b.conv(None, 16, 3, 1, Pad::Valid, relu)?;
    b.max_pool(None, 2, 2, Pad::Valid, false)?;
    b.conv(None, 32, 3, 1, Pad::Valid, relu)?;
    b.conv(None, 64, 3, 1, Pad::Valid, relu)?;
    b.max_pool(None, 2, 2, Pad::Valid, false)?;
    b.conv(None, 128, 3, 1, Pad::Valid, relu)?;
    b.max_pool(None, 2, 2, Pad::Valid, false)?;
    b.flatten(None)?;
    b.dense(None, 64, relu)?;
    b.finish_single("out", heads)
}
