//! Weight initialisation: Keras' defaults for the Keras-era models, torchvision's for the Caffe /
//! torchvision ones, so that each reproduction starts where its source started. Biases are zero in
//! both schemes.

use tch::nn;

/// Glorot (Xavier) uniform bound for the given fans.
pub fn glorot_bound(fan_in: i64, fan_out: i64) -> f64 {
    (6.0 / (fan_in + fan_out) as f64).sqrt()
}

/// Weight initialisation scheme of a whole model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Init {
    /// Keras' defaults: Glorot-uniform kernels, zero biases.
    Keras,
    /// torchvision's VGG scheme: conv kernels He-normal (fan-out, ReLU gain), dense N(0, 0.01),
    /// zero biases.
    Torch,
}

impl Init {
    /// A convolution kernel of `cout` filters over `cin_per_group` channels.
    pub(super) fn conv(self, cin_per_group: i64, cout: i64, k: i64) -> nn::Init {
        match self {
            Init::Keras => {
                let b = glorot_bound(cin_per_group * k * k, cout * k * k);
                nn::Init::Uniform { lo: -b, up: b }
            }
            Init::Torch => nn::Init::Randn { mean: 0.0, stdev: (2.0 / (cout * k * k) as f64).sqrt() },
        }
    }

    /// A dense layer's weight matrix.
    pub(super) fn dense(self, inp: i64, out: i64) -> nn::Init {
        match self {
            Init::Keras => {
                let b = glorot_bound(inp, out);
                nn::Init::Uniform { lo: -b, up: b }
            }
            Init::Torch => nn::Init::Randn { mean: 0.0, stdev: 0.01 },
        }
    }
}
