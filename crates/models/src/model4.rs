//! The report's Model 4: five age groups from 32x32 RGB faces (63.9% test accuracy in the report).
//!
//! Conv2D(128, 2, same, relu) -> MaxPool 2 -> Dropout .3 -> Conv2D(64, 2, same, relu) -> MaxPool 2
//! -> Dropout .3 -> Flatten -> Dense 256 relu -> Dropout .5 -> Dense heads (softmax in the loss).

use tch::{nn, Tensor};

use crate::keras::{dense, Conv2d, Padding};
use crate::{InputShape, ModelError};

/// Model 4.
#[derive(Debug)]
pub struct Model4 {
    conv1: Conv2d,
    conv2: Conv2d,
    fc1: nn::Linear,
    out: nn::Linear,
}

impl Model4 {
    /// Builds Model 4 for an input shape; `outputs` is the total head width (5 in the report).
    pub fn new(p: &nn::Path, input: InputShape, outputs: i64) -> Result<Model4, ModelError> {
        if input.size % 4 != 0 || input.size < 4 {
            return Err(ModelError::BadInput {
                model: "model4",
                reason: format!("image size must be a multiple of 4 (two 2x2 poolings), got {}", input.size),
            });
        }
        let flat = 64 * (input.size / 4) * (input.size / 4);
        Ok(Model4 {
            conv1: Conv2d::new(p / "conv1", input.channels, 128, 2, 1, Padding::Same),
            conv2: Conv2d::new(p / "conv2", 128, 64, 2, 1, Padding::Same),
            fc1: dense(p / "fc1", flat, 256),
            out: dense(p / "out", 256, outputs),
        })
    }
}

impl nn::ModuleT for Model4 {
    fn forward_t(&self, xs: &Tensor, train: bool) -> Tensor {
        xs.apply(&self.conv1)
            .relu()
            .max_pool2d_default(2)
            .dropout(0.3, train)
            .apply(&self.conv2)
            .relu()
            .max_pool2d_default(2)
            .dropout(0.3, train)
            .flatten(1, -1)
            .apply(&self.fc1)
            .relu()
            .dropout(0.5, train)
            .apply(&self.out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{build, parameter_count, HeadSpec, ModelSpec};
    use tch::{Device, Kind};

    #[test]
    fn parameter_count_equals_keras() {
        // Keras counts for the same layers (kernel + bias):
        let conv1 = 2 * 2 * 3 * 128 + 128; // 1,664
        let conv2 = 2 * 2 * 128 * 64 + 64; // 32,832
        let fc1 = 8 * 8 * 64 * 256 + 256; // 1,048,832
        let out = 256 * 5 + 5; // 1,285
        let keras_total = conv1 + conv2 + fc1 + out;
        assert_eq!(keras_total, 1_084_613);
        let vs = nn::VarStore::new(Device::Cpu);
        let heads = [HeadSpec { name: "age".into(), outputs: 5 }];
        let net = build(&ModelSpec::Model4, &vs.root(), InputShape { channels: 3, size: 32 }, &heads).unwrap();
        assert_eq!(parameter_count(&vs), keras_total);
        let y = net.forward_t(&Tensor::zeros([4, 3, 32, 32], (Kind::Float, Device::Cpu)), false);
        assert_eq!(y.size(), vec![4, 5]);
    }

    #[test]
    fn rejects_sizes_the_poolings_cannot_halve() {
        let vs = nn::VarStore::new(Device::Cpu);
        let err = Model4::new(&vs.root(), InputShape { channels: 3, size: 30 }, 5).unwrap_err();
        assert!(err.to_string().contains("multiple of 4"));
    }
}
