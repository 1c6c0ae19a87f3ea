//! The report's Model 2: gender from 32x32 RGB faces.
//!
//! Conv2D(64, 2, same, relu) -> MaxPool 2 -> Dropout .3 -> Conv2D(32, 2, same, relu) -> MaxPool 2
//! -> Dropout .3 -> Flatten -> Dense 256 relu -> Dropout .5 -> Dense heads. Keras initialisation;
//! the even kernels' 'same' padding is TensorFlow's (the extra pixel right and bottom).

use crate::layers::{Activation, Builder, Init, Network, Pad, Vars};
use crate::{HeadSpec, InputShape, ModelError};

/// The architecture's name.
pub const NAME: &str = "model2";

/// Builds Model 2.
pub fn build(vars: &Vars, input: InputShape, heads: &[HeadSpec]) -> Result<Network, ModelError> {
    let relu = Activation::Relu;
    let mut b = Builder::new(NAME, vars, Init::Keras, input)?;
    b.conv(None, 64, 2, 1, Pad::Same, relu)?;
    b.max_pool(None, 2, 2, Pad::Valid, false)?;
    b.dropout(None, 0.3)?;
    b.conv(None, 32, 2, 1, Pad::Same, relu)?;
    b.max_pool(None, 2, 2, Pad::Valid, false)?;
    b.dropout(None, 0.3)?;
    b.flatten(None)?;
    b.dense(None, 256, relu)?;
    b.dropout(None, 0.5)?;
    b.finish_single("out", heads)
}
