//! Article 3: Agbo-Ajala & Viriri (2020), "Deeply Learned Classifiers for Age and Gender
//! Predictions of Unfiltered Faces" (The Scientific World Journal, 1289408).
//!
//! Four convolution blocks, each Conv2D(f, k, 'same') -> ReLU -> BatchNorm -> MaxPool 2 ->
//! Dropout .25, then Flatten -> FC 512 -> ReLU -> BatchNorm -> Dropout .5 -> FC heads.
//!
//! The paper's filter counts and kernel sizes could not be retrieved here, so they are options with
//! a documented default: `filters = [32, 64, 128, 256]`, `kernel = 3`, 'same' padding (so the four
//! 2x2 poolings alone set the map size: 64 px -> 4x4). Default input 3x64x64 (our choice). Keras
//! initialisation and batch-norm defaults (epsilon 1e-3, momentum 0.99).

use crate::layers::{Activation, Builder, Init, Network, Pad, Vars};
use crate::{HeadSpec, InputShape, ModelError};

/// The architecture's name.
pub const NAME: &str = "article3";

/// Default filters of the four blocks.
pub fn default_filters() -> Vec<i64> {
    vec![32, 64, 128, 256]
}

/// Default kernel side.
pub fn default_kernel() -> i64 {
    3
}

/// Builds the network with the given block filters (one block per entry) and kernel side.
pub fn build(
    vars: &Vars,
    input: InputShape,
    heads: &[HeadSpec],
    filters: &[i64],
    kernel: i64,
) -> Result<Network, ModelError> {
    if filters.is_empty() {
        return Err(ModelError::BadInput { model: NAME, reason: "`filters` needs at least one block".into() });
    }
    let mut b = Builder::new(NAME, vars, Init::Keras, input)?;
    for (i, &f) in filters.iter().enumerate() {
        b.set_context(Some(format!("block {}", i + 1)));
        b.conv(None, f, kernel, 1, Pad::Same, Activation::Relu)?;
        b.batch_norm(None)?;
        b.max_pool(None, 2, 2, Pad::Valid, false)?;
        b.dropout(None, 0.25)?;
    }
    b.set_context(None);
    b.flatten(None)?;
    b.dense(None, 512, Activation::Relu)?;
    b.batch_norm(None)?;
    b.dropout(None, 0.5)?;
    b.finish_single("out", heads)
}
