//! Pooling: max and average windows (TensorFlow's 'same' semantics, Caffe's ceil mode), global
//! average pooling and torchvision's adaptive pooling.

use tch::Tensor;

use super::builder::Builder;
use super::network::Op;
use super::shape::{same_pad_2d, Pad, Shape};
use crate::ModelError;

/// A max-pooling window as the network runs it.
#[derive(Debug)]
pub(super) struct MaxPool {
    kernel: i64,
    stride: i64,
    pad: Pad,
    ceil: bool,
}

impl MaxPool {
    pub(super) fn forward(&self, xs: &Tensor) -> Tensor {
        let (k, s) = (self.kernel, self.stride);
        match self.pad {
            // -inf padding: a window over the border takes the maximum of its real pixels
            Pad::Same => xs.pad(same_pad_2d(xs, k, s), "constant", f64::NEG_INFINITY).max_pool2d(
                [k, k],
                [s, s],
                [0, 0],
                [1, 1],
                false,
            ),
            Pad::Valid => xs.max_pool2d([k, k], [s, s], [0, 0], [1, 1], self.ceil),
            Pad::Explicit(p) => xs.max_pool2d([k, k], [s, s], [p, p], [1, 1], self.ceil),
        }
    }
}

/// An average-pooling window as the network runs it.
#[derive(Debug)]
pub(super) struct AvgPool {
    kernel: i64,
    stride: i64,
    pad: Pad,
}

impl AvgPool {
    pub(super) fn forward(&self, xs: &Tensor) -> Tensor {
        let (k, s) = (self.kernel, self.stride);
        let pool = |t: &Tensor, p: i64| t.avg_pool2d([k, k], [s, s], [p, p], false, true, None::<i64>);
        match self.pad {
            Pad::Same => {
                // TensorFlow averages over the valid pixels only: divide the zero-padded sum by
                // the pooled count of ones.
                let lrtb = same_pad_2d(xs, k, s);
                let size = xs.size();
                let ones = Tensor::ones([1, 1, size[2], size[3]], (xs.kind(), xs.device()));
                pool(&xs.constant_pad_nd(lrtb), 0) / pool(&ones.constant_pad_nd(lrtb), 0)
            }
            Pad::Valid => pool(xs, 0),
            Pad::Explicit(p) => pool(xs, p),
        }
    }
}

impl<'a> Builder<'a> {
    /// The output map of a pooling window, after checking its size and stride.
    fn pooled(&self, what: &str, kernel: i64, stride: i64, pad: Pad, ceil: bool) -> Result<Shape, ModelError> {
        let (c, _, _) = self.map(what)?;
        if kernel < 1 || stride < 1 {
            return Err(self.err(what, format!("size and stride must be positive (got {kernel}, {stride})")));
        }
        let (h, w) = self.window(what, "pooling", kernel, stride, pad, ceil)?;
        Ok(Shape::Map { c, h, w })
    }

    /// Max pooling; `ceil` rounds the output size up as Caffe does (only for explicit/valid padding).
    pub fn max_pool(
        &mut self,
        name: Option<&str>,
        kernel: i64,
        stride: i64,
        pad: Pad,
        ceil: bool,
    ) -> Result<(), ModelError> {
        let out = self.pooled("max pool", kernel, stride, pad, ceil)?;
        let name = self.name(name, "max_pooling2d");
        let op = Op::MaxPool(MaxPool { kernel, stride, pad, ceil });
        self.push(name, "MaxPooling2D".into(), op, out, 0, vec![], vec![]);
        Ok(())
    }

    /// Average pooling (TensorFlow semantics for 'same': padded pixels are not counted).
    pub fn avg_pool(&mut self, name: Option<&str>, kernel: i64, stride: i64, pad: Pad) -> Result<(), ModelError> {
        let out = self.pooled("avg pool", kernel, stride, pad, false)?;
        let name = self.name(name, "average_pooling2d");
        let op = Op::AvgPool(AvgPool { kernel, stride, pad });
        self.push(name, "AveragePooling2D".into(), op, out, 0, vec![], vec![]);
        Ok(())
    }

    /// Global average pooling: a `C`-vector per example.
    pub fn global_avg_pool(&mut self, name: Option<&str>) -> Result<(), ModelError> {
        let (c, _, _) = self.map("global avg pool")?;
        let name = self.name(name, "global_average_pooling2d");
        self.push(name, "GlobalAveragePooling2D".into(), Op::GlobalAvgPool, Shape::Flat(c), 0, vec![], vec![]);
        Ok(())
    }

    /// Adaptive average pooling to `side`x`side` (torchvision's `avgpool` in VGG).
    pub fn adaptive_avg_pool(&mut self, name: Option<&str>, side: i64) -> Result<(), ModelError> {
        let (c, _, _) = self.map("adaptive avg pool")?;
        let name = self.name(name, "adaptive_avg_pool2d");
        let out = Shape::Map { c, h: side, w: side };
        self.push(name, "AdaptiveAvgPool2D".into(), Op::AdaptiveAvgPool(side), out, 0, vec![], vec![]);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use tch::{Device, Kind, Tensor};

    use crate::layers::{Builder, Init, Pad, Shape, Vars};
    use crate::InputShape;

    #[test]
    fn same_max_pool_pads_with_minus_infinity() {
        let mut b = Builder::new("t", &Vars::Shapes, Init::Keras, InputShape { channels: 1, size: 3 }).unwrap();
        b.max_pool(None, 2, 2, Pad::Same, false).unwrap();
        assert_eq!(b.shape(), Shape::Map { c: 1, h: 2, w: 2 });
        let x = -(Tensor::arange(9, (Kind::Float, Device::Cpu)).view([1, 1, 3, 3]) + 1.0);
        let y = b.layers[0].forward_t(&x, false);
        // bottom-right window holds only x[2,2] = -9 and padding
        assert_eq!(y.double_value(&[0, 0, 1, 1]), -9.0);
        assert_eq!(y.double_value(&[0, 0, 0, 0]), -1.0);
    }

    #[test]
    fn same_avg_pool_averages_the_real_pixels_only() {
        let mut b = Builder::new("t", &Vars::Shapes, Init::Keras, InputShape { channels: 1, size: 3 }).unwrap();
        b.avg_pool(None, 2, 2, Pad::Same).unwrap();
        let x = Tensor::arange(9, (Kind::Float, Device::Cpu)).view([1, 1, 3, 3]);
        let y = b.layers[0].forward_t(&x, false);
        assert_eq!(y.size(), vec![1, 1, 2, 2]);
        assert_eq!(y.double_value(&[0, 0, 0, 0]), (0.0 + 1.0 + 3.0 + 4.0) / 4.0);
        assert_eq!(y.double_value(&[0, 0, 0, 1]), (2.0 + 5.0) / 2.0);
        assert_eq!(y.double_value(&[0, 0, 1, 1]), 8.0);
    }
}
