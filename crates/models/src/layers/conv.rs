//! Convolutions: plain, grouped and depthwise, with a bias, Keras' 'valid' / TensorFlow's 'same'
//! or Caffe's symmetric padding, and the activation fused in.

use tch::{nn, Tensor};

use super::builder::Builder;
use super::network::Op;
use super::shape::{same_pad_2d, Pad, Shape};
use super::Activation;
use crate::ModelError;

/// A convolution as the network runs it.
#[derive(Debug)]
pub(super) struct Conv {
    ws: Tensor,
    bs: Tensor,
    kernel: i64,
    stride: i64,
    pad: Pad,
    groups: i64,
    act: Activation,
}

impl Conv {
    pub(super) fn forward(&self, xs: &Tensor) -> Tensor {
        let (k, s) = (self.kernel, self.stride);
        let (xs, ph, pw) = match self.pad {
            Pad::Valid => (xs.shallow_clone(), 0, 0),
            Pad::Explicit(p) => (xs.shallow_clone(), p, p),
            Pad::Same => match same_pad_2d(xs, k, s) {
                // symmetric: libtorch pads inside the convolution
                [l, r, t, b] if t == b && l == r => (xs.shallow_clone(), t, l),
                lrtb => (xs.constant_pad_nd(lrtb), 0, 0),
            },
        };
        self.act.apply(xs.conv2d(&self.ws, Some(&self.bs), [s, s], [ph, pw], [1, 1], self.groups))
    }
}

impl<'a> Builder<'a> {
    /// A 2-D convolution (`groups` > 1 for grouped / depthwise convolutions) with a bias.
    #[allow(clippy::too_many_arguments)]
    pub fn conv_grouped(
        &mut self,
        name: Option<&str>,
        filters: i64,
        kernel: i64,
        stride: i64,
        pad: Pad,
        groups: i64,
        act: Activation,
    ) -> Result<(), ModelError> {
        let depthwise = groups > 1 && groups == filters;
        let what = if depthwise { "depthwise conv" } else { "conv" };
        let (c, _, _) = self.map(what)?;
        if filters < 1 || kernel < 1 || stride < 1 {
            return Err(self.err(
                what,
                format!("filters, kernel and stride must be positive (got {filters}, {kernel}, {stride})"),
            ));
        }
        if groups < 1 || c % groups != 0 || filters % groups != 0 {
            return Err(
                self.err(what, format!("{groups} groups must divide both {c} input channels and {filters} filters"))
            );
        }
        let (oh, ow) = self.window(what, "kernel", kernel, stride, pad, false)?;
        let cin = c / groups;
        let shape = [filters, cin, kernel, kernel];
        self.reserve(what, &[&shape, &[filters]])?;
        let name = self.name(name, if depthwise { "depthwise_conv2d" } else { "conv2d" });
        let ws = self.learned(&name, "weight", &shape, self.init.conv(cin, filters, kernel));
        let bs = self.learned(&name, "bias", &[filters], nn::Init::Const(0.0));
        let kind = format!("{}{}", if depthwise { "DepthwiseConv2D" } else { "Conv2D" }, act.suffix());
        let macs = oh * ow * filters * cin * kernel * kernel;
        let op =
            Op::Conv(Conv { ws: ws.1.shallow_clone(), bs: bs.1.shallow_clone(), kernel, stride, pad, groups, act });
        self.push(name, kind, op, Shape::Map { c: filters, h: oh, w: ow }, macs, vec![ws, bs], vec![]);
        Ok(())
    }

    /// A 2-D convolution with a bias.
    pub fn conv(
        &mut self,
        name: Option<&str>,
        filters: i64,
        kernel: i64,
        stride: i64,
        pad: Pad,
        act: Activation,
    ) -> Result<(), ModelError> {
        self.conv_grouped(name, filters, kernel, stride, pad, 1, act)
    }

    /// A depthwise convolution (one `kernel`x`kernel` filter per input channel, depth multiplier 1).
    pub fn depthwise(
        &mut self,
        name: Option<&str>,
        kernel: i64,
        stride: i64,
        pad: Pad,
        act: Activation,
    ) -> Result<(), ModelError> {
        let (c, _, _) = self.map("depthwise conv")?;
        self.conv_grouped(name, c, kernel, stride, pad, c, act)
    }
}

#[cfg(test)]
mod tests {
    use tch::{nn, Device, Kind, Tensor};

    use crate::layers::{Activation, Builder, Init, Pad, Shape, Vars};
    use crate::{HeadSpec, InputShape};

    #[test]
    fn even_kernel_same_padding_matches_tensorflow() {
        // TF 'same', k=2, stride 1, on a 3x3 input: pads one column right, one row bottom.
        let vs = nn::VarStore::new(Device::Cpu);
        let mut b =
            Builder::new("t", &Vars::Store(vs.root()), Init::Keras, InputShape { channels: 1, size: 3 }).unwrap();
        b.conv(None, 1, 2, 1, Pad::Same, Activation::None).unwrap();
        tch::no_grad(|| {
            for (_, v) in vs.variables() {
                let _ = v.shallow_clone().fill_(1.0);
            }
        });
        let x = Tensor::arange(9, (Kind::Float, Device::Cpu)).view([1, 1, 3, 3]);
        let y = b.layers[0].forward_t(&x, false);
        assert_eq!(y.size(), vec![1, 1, 3, 3]);
        // bottom-right output sees only x[2,2] (=8) plus three zeros, plus bias 1
        assert_eq!(y.double_value(&[0, 0, 2, 2]), 9.0);
        // top-left sees 0+1+3+4 = 8, plus bias 1
        assert_eq!(y.double_value(&[0, 0, 0, 0]), 9.0);
        assert_eq!(y.double_value(&[0, 0, 1, 1]), 4.0 + 5.0 + 7.0 + 8.0 + 1.0);
    }

    #[test]
    fn strided_same_conv_output_and_asymmetric_padding() {
        let mut b = Builder::new("t", &Vars::Shapes, Init::Keras, InputShape { channels: 2, size: 28 }).unwrap();
        b.conv(None, 4, 3, 2, Pad::Same, Activation::None).unwrap();
        b.depthwise(None, 3, 2, Pad::Same, Activation::Relu).unwrap();
        assert_eq!(b.shape(), Shape::Map { c: 4, h: 7, w: 7 });
        let net = b.finish_single("out", &[HeadSpec { name: "x".into(), outputs: 3 }]).unwrap();
        for (name, got, want) in net.trace(&Tensor::randn([2, 2, 28, 28], (Kind::Float, Device::Cpu))) {
            assert_eq!(got, want, "{name}");
        }
        // depthwise: 3*3*1*4 + 4
        let dw = &net.summary().rows[1];
        assert_eq!((dw.kind.as_str(), dw.params), ("DepthwiseConv2D", 3 * 3 * 4 + 4));
    }
}
