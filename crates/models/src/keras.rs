//! Keras-compatible building blocks: 'same' padding as TensorFlow computes it (asymmetric for even
//! kernels: the extra pixel goes right and bottom) and Glorot-uniform initialisation with zero
//! biases, Keras' defaults, so that reproductions start where the report's models started.

use tch::{nn, Tensor};

/// Glorot (Xavier) uniform bound for the given fans.
pub fn glorot_bound(fan_in: i64, fan_out: i64) -> f64 {
    (6.0 / (fan_in + fan_out) as f64).sqrt()
}

/// A 2-D convolution with Keras 'same' or 'valid' padding and Keras' initialisation.
#[derive(Debug)]
pub struct Conv2d {
    conv: nn::Conv2D,
    /// (left, right, top, bottom) zero padding applied before the convolution.
    pad: [i64; 4],
}

/// Padding mode, as Keras names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Padding {
    /// Output size = ceil(input / stride); zero padding split with the extra pixel at the end.
    Same,
    /// No padding.
    Valid,
}

impl Conv2d {
    /// `Conv2D(out, kernel, strides=stride, padding=padding)` on `inp` input channels.
    pub fn new(p: nn::Path, inp: i64, out: i64, kernel: i64, stride: i64, padding: Padding) -> Conv2d {
        let bound = glorot_bound(inp * kernel * kernel, out * kernel * kernel);
        let cfg = nn::ConvConfig {
            stride,
            ws_init: nn::Init::Uniform { lo: -bound, up: bound },
            bs_init: nn::Init::Const(0.0),
            ..Default::default()
        };
        let pad = match padding {
            // stride-1 'same': total kernel-1; TensorFlow puts the odd pixel after.
            Padding::Same => {
                let total = kernel - 1;
                let before = total / 2;
                [before, total - before, before, total - before]
            }
            Padding::Valid => [0; 4],
        };
        Conv2d { conv: nn::conv2d(p, inp, out, kernel, cfg), pad }
    }
}

impl nn::Module for Conv2d {
    fn forward(&self, xs: &Tensor) -> Tensor {
        if self.pad == [0; 4] {
            xs.apply(&self.conv)
        } else {
            xs.constant_pad_nd(self.pad).apply(&self.conv)
        }
    }
}

/// `Dense(out)` with Keras' initialisation.
pub fn dense(p: nn::Path, inp: i64, out: i64) -> nn::Linear {
    let bound = glorot_bound(inp, out);
    let cfg = nn::LinearConfig {
        ws_init: nn::Init::Uniform { lo: -bound, up: bound },
        bs_init: Some(nn::Init::Const(0.0)),
        bias: true,
    };
    nn::linear(p, inp, out, cfg)
}

#[cfg(test)]
mod tests {
    use super::*;
    use tch::{Device, Kind};

    #[test]
    fn even_kernel_same_padding_matches_tensorflow() {
        // TF 'same', k=2, stride 1, on a 3x3 input: pads one column right, one row bottom.
        let vs = nn::VarStore::new(Device::Cpu);
        let conv = Conv2d::new(vs.root(), 1, 1, 2, 1, Padding::Same);
        assert_eq!(conv.pad, [0, 1, 0, 1]);
        tch::no_grad(|| {
            for (_, v) in vs.variables() {
                let _ = v.shallow_clone().fill_(1.0);
            }
        });
        let x = Tensor::arange(9, (Kind::Float, Device::Cpu)).view([1, 1, 3, 3]);
        let y = nn::Module::forward(&conv, &x);
        assert_eq!(y.size(), vec![1, 1, 3, 3]);
        // bottom-right output sees only x[2,2] (=8) plus three zeros, plus bias 1
        assert_eq!(y.double_value(&[0, 0, 2, 2]), 9.0);
        // top-left sees 0+1+3+4 = 8, plus bias 1
        assert_eq!(y.double_value(&[0, 0, 0, 0]), 9.0);
        assert_eq!(y.double_value(&[0, 0, 1, 1]), 4.0 + 5.0 + 7.0 + 8.0 + 1.0);
    }
}
