//! The layer engine every zoo architecture (except the hand-written `model4`) is assembled with.
//!
//! A [`Builder`] appends layers one at a time, tracking the feature-map shape analytically so that
//! a layer that does not fit its input (a pooling larger than the map, a `dense` on an unflattened
//! map) fails at build time with a message naming the layer, and so that a [`Summary`]
//! costs no forward pass. The result is a [`Network`]: a shared trunk plus either nothing more (the
//! trunk already ends in the concatenated heads) or one tower per head whose outputs are
//! concatenated in `heads` order.
//!
//! Variables are named `<layer name>.<weight|bias|running_mean|running_var>`, the layer name being
//! split on dots into `nn::Path` components, so a layer called `features.0` owns
//! `features.0.weight`, exactly as in a PyTorch state dict.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use tch::{nn, Tensor};

use crate::keras::glorot_bound;
use crate::summary::{Summary, SummaryRow};
use crate::{HeadSpec, InputShape, ModelError};

/// Shape of one example between layers (the batch dimension left out).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// A feature map, channels first as libtorch stores it.
    Map {
        /// Channels.
        c: i64,
        /// Height.
        h: i64,
        /// Width.
        w: i64,
    },
    /// A flat feature vector.
    Flat(i64),
}

impl Shape {
    /// The dimensions in libtorch order (`[C, H, W]` or `[F]`).
    pub fn dims(&self) -> Vec<i64> {
        match *self {
            Shape::Map { c, h, w } => vec![c, h, w],
            Shape::Flat(f) => vec![f],
        }
    }

    /// Number of values per example.
    pub fn numel(&self) -> i64 {
        self.dims().iter().product()
    }

    fn describe(&self) -> String {
        match *self {
            Shape::Map { c, h, w } => format!("a {c}x{h}x{w} feature map"),
            Shape::Flat(f) => format!("a flat vector of {f}"),
        }
    }
}

/// Padding of a convolution or pooling, as the experiment TOML names it (Keras' two modes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Padding {
    /// No padding (Keras' default).
    #[default]
    Valid,
    /// TensorFlow 'same': output side = ceil(input / stride), the odd padding pixel after.
    Same,
}

/// Padding as the engine applies it: Keras' two modes plus Caffe/PyTorch's symmetric `pad`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pad {
    /// No padding.
    Valid,
    /// TensorFlow 'same' (possibly asymmetric, computed from the actual input size).
    Same,
    /// The same number of zeros on every side.
    Explicit(i64),
}

impl From<Padding> for Pad {
    fn from(p: Padding) -> Pad {
        match p {
            Padding::Valid => Pad::Valid,
            Padding::Same => Pad::Same,
        }
    }
}

/// TensorFlow's 'same' padding for one axis: (before, after), the extra pixel after.
pub fn same_pad(input: i64, kernel: i64, stride: i64) -> (i64, i64) {
    let out = (input + stride - 1) / stride;
    let total = ((out - 1) * stride + kernel - input).max(0);
    (total / 2, total - total / 2)
}

/// Output side of a convolution or pooling along one axis, `None` when the window does not fit.
fn out_side(input: i64, kernel: i64, stride: i64, pad: Pad, ceil: bool) -> Option<i64> {
    match pad {
        Pad::Same => Some((input + stride - 1) / stride),
        Pad::Valid | Pad::Explicit(_) => {
            let p = if let Pad::Explicit(p) = pad { p } else { 0 };
            let span = input + 2 * p - kernel;
            if span < 0 {
                return None;
            }
            if ceil {
                // PyTorch / Caffe ceil mode: the last window must start inside the input or left pad.
                let mut out = (span + stride - 1) / stride + 1;
                if (out - 1) * stride >= input + p {
                    out -= 1;
                }
                Some(out)
            } else {
                Some(span / stride + 1)
            }
        }
    }
}

/// Activation applied after a convolution or dense layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Activation {
    /// max(0, x).
    #[default]
    Relu,
    /// Identity.
    None,
    /// tanh.
    Tanh,
    /// Logistic sigmoid.
    Sigmoid,
    /// ELU (alpha 1).
    Elu,
}

impl Activation {
    fn apply(self, xs: Tensor) -> Tensor {
        match self {
            Activation::Relu => xs.relu(),
            Activation::None => xs,
            Activation::Tanh => xs.tanh(),
            Activation::Sigmoid => xs.sigmoid(),
            Activation::Elu => xs.elu(),
        }
    }

    fn suffix(self) -> &'static str {
        match self {
            Activation::Relu => "",
            Activation::None => ", linear",
            Activation::Tanh => ", tanh",
            Activation::Sigmoid => ", sigmoid",
            Activation::Elu => ", elu",
        }
    }
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
    fn conv(self, cin_per_group: i64, cout: i64, k: i64) -> nn::Init {
        match self {
            Init::Keras => {
                let b = glorot_bound(cin_per_group * k * k, cout * k * k);
                nn::Init::Uniform { lo: -b, up: b }
            }
            Init::Torch => nn::Init::Randn { mean: 0.0, stdev: (2.0 / (cout * k * k) as f64).sqrt() },
        }
    }

    fn dense(self, inp: i64, out: i64) -> nn::Init {
        match self {
            Init::Keras => {
                let b = glorot_bound(inp, out);
                nn::Init::Uniform { lo: -b, up: b }
            }
            Init::Torch => nn::Init::Randn { mean: 0.0, stdev: 0.01 },
        }
    }
}

/// Local response normalisation across channels, Caffe's formulation (also PyTorch's
/// `local_response_norm`): `b_c = a_c / (k + alpha / n * sum_{c' in window(c)} a_c'^2)^beta` with
/// a window of `n = size` channels centred on `c`, zero-padded at the ends. libtorch has no LRN
/// kernel, so it is built from `avg_pool3d` over a channel window.
pub fn local_response_norm(xs: &Tensor, size: i64, alpha: f64, beta: f64, k: f64) -> Tensor {
    let sq = xs.square().unsqueeze(1).constant_pad_nd([0, 0, 0, 0, size / 2, (size - 1) / 2]);
    let avg = sq.avg_pool3d([size, 1, 1], [1, 1, 1], [0, 0, 0], false, true, None::<i64>).squeeze_dim(1);
    xs / (avg * alpha + k).pow_tensor_scalar(beta)
}

#[derive(Debug)]
enum Op {
    Conv { ws: Tensor, bs: Option<Tensor>, kernel: i64, stride: i64, pad: Pad, groups: i64, act: Activation },
    Dense { ws: Tensor, bs: Tensor, act: Activation },
    MaxPool { kernel: i64, stride: i64, pad: Pad, ceil: bool },
    AvgPool { kernel: i64, stride: i64, pad: Pad },
    GlobalAvgPool,
    AdaptiveAvgPool(i64),
    Lrn { size: i64, alpha: f64, beta: f64, k: f64 },
    BatchNorm(nn::BatchNorm),
    Dropout(f64),
    Flatten,
}

/// One layer of a [`Network`].
#[derive(Debug)]
pub struct Layer {
    name: String,
    kind: String,
    op: Op,
    out: Shape,
    macs: i64,
    /// Learnable tensors, by local name (`weight`, `bias`).
    params: Vec<(&'static str, Tensor)>,
    /// Non-learnable state (batch norm running statistics), by local name.
    buffers: Vec<(&'static str, Tensor)>,
}

impl Layer {
    fn forward_t(&self, xs: &Tensor, train: bool) -> Tensor {
        match &self.op {
            Op::Conv { ws, bs, kernel, stride, pad, groups, act } => {
                let (k, s) = (*kernel, *stride);
                let (xs, ph, pw) = match *pad {
                    Pad::Valid => (xs.shallow_clone(), 0, 0),
                    Pad::Explicit(p) => (xs.shallow_clone(), p, p),
                    Pad::Same => {
                        let size = xs.size();
                        let (t, b) = same_pad(size[2], k, s);
                        let (l, r) = same_pad(size[3], k, s);
                        if t == b && l == r {
                            (xs.shallow_clone(), t, l)
                        } else {
                            (xs.constant_pad_nd([l, r, t, b]), 0, 0)
                        }
                    }
                };
                act.apply(xs.conv2d(ws, bs.as_ref(), [s, s], [ph, pw], [1, 1], *groups))
            }
            Op::Dense { ws, bs, act } => act.apply(xs.linear(ws, Some(bs))),
            Op::MaxPool { kernel, stride, pad, ceil } => {
                let (k, s) = (*kernel, *stride);
                match *pad {
                    Pad::Same => {
                        let size = xs.size();
                        let (t, b) = same_pad(size[2], k, s);
                        let (l, r) = same_pad(size[3], k, s);
                        xs.pad([l, r, t, b], "constant", f64::NEG_INFINITY).max_pool2d(
                            [k, k],
                            [s, s],
                            [0, 0],
                            [1, 1],
                            false,
                        )
                    }
                    Pad::Valid => xs.max_pool2d([k, k], [s, s], [0, 0], [1, 1], *ceil),
                    Pad::Explicit(p) => xs.max_pool2d([k, k], [s, s], [p, p], [1, 1], *ceil),
                }
            }
            Op::AvgPool { kernel, stride, pad } => {
                let (k, s) = (*kernel, *stride);
                match *pad {
                    Pad::Same => {
                        // TensorFlow averages over the valid pixels only: divide the zero-padded
                        // sum by the pooled count of ones.
                        let size = xs.size();
                        let (t, b) = same_pad(size[2], k, s);
                        let (l, r) = same_pad(size[3], k, s);
                        let sum = xs.constant_pad_nd([l, r, t, b]).avg_pool2d(
                            [k, k],
                            [s, s],
                            [0, 0],
                            false,
                            true,
                            None::<i64>,
                        );
                        let ones = Tensor::ones([1, 1, size[2], size[3]], (xs.kind(), xs.device()));
                        let count = ones.constant_pad_nd([l, r, t, b]).avg_pool2d(
                            [k, k],
                            [s, s],
                            [0, 0],
                            false,
                            true,
                            None::<i64>,
                        );
                        sum / count
                    }
                    Pad::Valid => xs.avg_pool2d([k, k], [s, s], [0, 0], false, true, None::<i64>),
                    Pad::Explicit(p) => xs.avg_pool2d([k, k], [s, s], [p, p], false, true, None::<i64>),
                }
            }
            Op::GlobalAvgPool => xs.mean_dim([2i64, 3].as_slice(), false, None),
            Op::AdaptiveAvgPool(side) => xs.adaptive_avg_pool2d([*side, *side]),
            Op::Lrn { size, alpha, beta, k } => local_response_norm(xs, *size, *alpha, *beta, *k),
            // libtorch refuses batch statistics over a single value per channel (a batch of one
            // flat vector, e.g. a loader's last batch): use the running statistics for it.
            Op::BatchNorm(bn) => nn::ModuleT::forward_t(bn, xs, train && (xs.dim() > 2 || xs.size()[0] > 1)),
            Op::Dropout(p) => xs.dropout(*p, train),
            Op::Flatten => xs.flatten(1, -1),
        }
    }

    fn row(&self, prefix: &str) -> SummaryRow {
        let count = |ts: &[(&'static str, Tensor)], trainable: bool| -> i64 {
            ts.iter().filter(|(_, t)| t.requires_grad() == trainable).map(|(_, t)| t.numel() as i64).sum()
        };
        let trainable = count(&self.params, true);
        let frozen = count(&self.params, false);
        let buffers: i64 = self.buffers.iter().map(|(_, t)| t.numel() as i64).sum();
        SummaryRow {
            name: format!("{prefix}{}", self.name),
            kind: self.kind.clone(),
            output_shape: self.out.dims(),
            params: trainable + frozen + buffers,
            trainable_params: trainable,
            mult_adds: self.macs,
        }
    }
}

/// Builds a sequence of layers under a `nn::Path`, tracking the output shape.
pub struct Builder<'a> {
    model: &'static str,
    input: InputShape,
    root: nn::Path<'a>,
    prefix: String,
    init: Init,
    shape: Shape,
    layers: Vec<Layer>,
    counters: HashMap<&'static str, usize>,
    context: Option<String>,
}

impl<'a> Builder<'a> {
    /// A builder for `model` whose first layer receives `input`.
    pub fn new(
        model: &'static str,
        root: &nn::Path<'a>,
        init: Init,
        input: InputShape,
    ) -> Result<Builder<'a>, ModelError> {
        if input.channels < 1 || input.size < 1 {
            return Err(ModelError::BadInput {
                model,
                reason: format!(
                    "input must have at least one channel and one pixel, got {}x{}x{}",
                    input.channels, input.size, input.size
                ),
            });
        }
        Ok(Builder {
            model,
            input,
            root: root.clone(),
            prefix: String::new(),
            init,
            shape: Shape::Map { c: input.channels, h: input.size, w: input.size },
            layers: Vec::new(),
            counters: HashMap::new(),
            context: None,
        })
    }

    /// The shape the next layer receives.
    pub fn shape(&self) -> Shape {
        self.shape
    }

    /// Names the spec element the next layers come from (`layers[3]`), for error messages.
    pub fn set_context(&mut self, context: Option<String>) {
        self.context = context;
    }

    fn err(&self, what: &str, reason: String) -> ModelError {
        match &self.context {
            Some(ctx) => ModelError::BadLayer { model: self.model, layer: format!("{ctx} ({what})"), reason },
            None => ModelError::BadInput { model: self.model, reason: format!("{what}: {reason}") },
        }
    }

    fn name(&mut self, explicit: Option<&str>, auto: &'static str) -> String {
        match explicit {
            Some(n) => n.to_string(),
            None => {
                let n = self.counters.entry(auto).or_insert(0);
                let name = if *n == 0 { auto.to_string() } else { format!("{auto}_{n}") };
                *n += 1;
                name
            }
        }
    }

    fn path(&self, name: &str) -> nn::Path<'a> {
        let mut p = self.root.clone();
        for part in name.split('.') {
            p = p.sub(part);
        }
        p
    }

    fn map(&self, what: &str) -> Result<(i64, i64, i64), ModelError> {
        match self.shape {
            Shape::Map { c, h, w } => Ok((c, h, w)),
            Shape::Flat(f) => Err(self.err(
                what,
                format!("needs a feature map but receives a flat vector of {f} (it cannot follow flatten, dense or global pooling)"),
            )),
        }
    }

    fn push(&mut self, name: String, kind: String, op: Op, out: Shape, macs: i64, params: Vec<(&'static str, Tensor)>) {
        self.push_with_buffers(name, kind, op, out, macs, params, Vec::new());
    }

    #[allow(clippy::too_many_arguments)]
    fn push_with_buffers(
        &mut self,
        name: String,
        kind: String,
        op: Op,
        out: Shape,
        macs: i64,
        params: Vec<(&'static str, Tensor)>,
        buffers: Vec<(&'static str, Tensor)>,
    ) {
        let name = format!("{}{name}", self.prefix);
        self.layers.push(Layer { name, kind, op, out, macs, params, buffers });
        self.shape = out;
    }

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
        let (c, h, w) = self.map(what)?;
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
        let (Some(oh), Some(ow)) = (out_side(h, kernel, stride, pad, false), out_side(w, kernel, stride, pad, false))
        else {
            return Err(self.err(what, format!("{kernel}x{kernel} kernel does not fit {}", self.shape.describe())));
        };
        let auto = if depthwise { "depthwise_conv2d" } else { "conv2d" };
        let name = self.name(name, auto);
        let p = self.path(&name);
        let cin = c / groups;
        let ws = p.var("weight", &[filters, cin, kernel, kernel], self.init.conv(cin, filters, kernel));
        let bs = p.var("bias", &[filters], nn::Init::Const(0.0));
        let kind = format!("{}{}", if depthwise { "DepthwiseConv2D" } else { "Conv2D" }, act.suffix());
        let macs = oh * ow * filters * cin * kernel * kernel;
        let op = Op::Conv { ws: ws.shallow_clone(), bs: Some(bs.shallow_clone()), kernel, stride, pad, groups, act };
        self.push(name, kind, op, Shape::Map { c: filters, h: oh, w: ow }, macs, vec![("weight", ws), ("bias", bs)]);
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

    /// A fully connected layer; needs a flat input.
    pub fn dense(&mut self, name: Option<&str>, units: i64, act: Activation) -> Result<(), ModelError> {
        let inp = match self.shape {
            Shape::Flat(f) => f,
            Shape::Map { .. } => {
                return Err(self.err(
                    "dense",
                    format!(
                        "receives {}; flatten it first (a `flatten` or `global_avg_pool` layer)",
                        self.shape.describe()
                    ),
                ))
            }
        };
        if units < 1 {
            return Err(self.err("dense", format!("units must be positive, got {units}")));
        }
        let name = self.name(name, "dense");
        let p = self.path(&name);
        let ws = p.var("weight", &[units, inp], self.init.dense(inp, units));
        let bs = p.var("bias", &[units], nn::Init::Const(0.0));
        let op = Op::Dense { ws: ws.shallow_clone(), bs: bs.shallow_clone(), act };
        self.push(
            name,
            format!("Dense{}", act.suffix()),
            op,
            Shape::Flat(units),
            inp * units,
            vec![("weight", ws), ("bias", bs)],
        );
        Ok(())
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
        let (c, h, w) = self.map("max pool")?;
        if kernel < 1 || stride < 1 {
            return Err(self.err("max pool", format!("size and stride must be positive (got {kernel}, {stride})")));
        }
        let (Some(oh), Some(ow)) = (out_side(h, kernel, stride, pad, ceil), out_side(w, kernel, stride, pad, ceil))
        else {
            return Err(
                self.err("max pool", format!("{kernel}x{kernel} pooling does not fit {}", self.shape.describe()))
            );
        };
        let name = self.name(name, "max_pooling2d");
        self.push(
            name,
            "MaxPooling2D".into(),
            Op::MaxPool { kernel, stride, pad, ceil },
            Shape::Map { c, h: oh, w: ow },
            0,
            vec![],
        );
        Ok(())
    }

    /// Average pooling (TensorFlow semantics for 'same': padded pixels are not counted).
    pub fn avg_pool(&mut self, name: Option<&str>, kernel: i64, stride: i64, pad: Pad) -> Result<(), ModelError> {
        let (c, h, w) = self.map("avg pool")?;
        if kernel < 1 || stride < 1 {
            return Err(self.err("avg pool", format!("size and stride must be positive (got {kernel}, {stride})")));
        }
        let (Some(oh), Some(ow)) = (out_side(h, kernel, stride, pad, false), out_side(w, kernel, stride, pad, false))
        else {
            return Err(
                self.err("avg pool", format!("{kernel}x{kernel} pooling does not fit {}", self.shape.describe()))
            );
        };
        let name = self.name(name, "average_pooling2d");
        self.push(
            name,
            "AveragePooling2D".into(),
            Op::AvgPool { kernel, stride, pad },
            Shape::Map { c, h: oh, w: ow },
            0,
            vec![],
        );
        Ok(())
    }

    /// Global average pooling: a `C`-vector per example.
    pub fn global_avg_pool(&mut self, name: Option<&str>) -> Result<(), ModelError> {
        let (c, _, _) = self.map("global avg pool")?;
        let name = self.name(name, "global_average_pooling2d");
        self.push(name, "GlobalAveragePooling2D".into(), Op::GlobalAvgPool, Shape::Flat(c), 0, vec![]);
        Ok(())
    }

    /// Adaptive average pooling to `side`x`side` (torchvision's `avgpool` in VGG).
    pub fn adaptive_avg_pool(&mut self, name: Option<&str>, side: i64) -> Result<(), ModelError> {
        let (c, _, _) = self.map("adaptive avg pool")?;
        let name = self.name(name, "adaptive_avg_pool2d");
        self.push(
            name,
            "AdaptiveAvgPool2D".into(),
            Op::AdaptiveAvgPool(side),
            Shape::Map { c, h: side, w: side },
            0,
            vec![],
        );
        Ok(())
    }

    /// Caffe's across-channel LRN (see [`local_response_norm`]).
    pub fn lrn(&mut self, name: Option<&str>, size: i64, alpha: f64, beta: f64, k: f64) -> Result<(), ModelError> {
        self.map("lrn")?;
        if size < 1 {
            return Err(self.err("lrn", format!("size must be positive, got {size}")));
        }
        let name = self.name(name, "lrn");
        let out = self.shape;
        self.push(name, "LRN".into(), Op::Lrn { size, alpha, beta, k }, out, 0, vec![]);
        Ok(())
    }

    /// Batch normalisation (Keras' defaults: epsilon 1e-3, moving-average momentum 0.99, i.e.
    /// libtorch momentum 0.01; gamma 1, beta 0).
    pub fn batch_norm(&mut self, name: Option<&str>) -> Result<(), ModelError> {
        let name = self.name(name, "batch_normalization");
        let p = self.path(&name);
        let cfg = nn::BatchNormConfig {
            eps: 1e-3,
            momentum: 0.01,
            ws_init: nn::Init::Const(1.0),
            bs_init: nn::Init::Const(0.0),
            ..Default::default()
        };
        let bn = match self.shape {
            Shape::Map { c, .. } => nn::batch_norm2d(&p, c, cfg),
            Shape::Flat(f) => nn::batch_norm1d(&p, f, cfg),
        };
        let params = vec![
            ("weight", bn.ws.as_ref().expect("affine batch norm").shallow_clone()),
            ("bias", bn.bs.as_ref().expect("affine batch norm").shallow_clone()),
        ];
        let buffers =
            vec![("running_mean", bn.running_mean.shallow_clone()), ("running_var", bn.running_var.shallow_clone())];
        let out = self.shape;
        self.push_with_buffers(name, "BatchNormalization".into(), Op::BatchNorm(bn), out, 0, params, buffers);
        Ok(())
    }

    /// Dropout with drop probability `rate` (active only when training).
    pub fn dropout(&mut self, name: Option<&str>, rate: f64) -> Result<(), ModelError> {
        if !(0.0..1.0).contains(&rate) {
            return Err(self.err("dropout", format!("rate must be in [0, 1), got {rate}")));
        }
        let name = self.name(name, "dropout");
        let out = self.shape;
        self.push(name, "Dropout".into(), Op::Dropout(rate), out, 0, vec![]);
        Ok(())
    }

    /// Flattens a feature map (channels-first order, libtorch's layout).
    pub fn flatten(&mut self, name: Option<&str>) -> Result<(), ModelError> {
        self.map("flatten")?;
        let name = self.name(name, "flatten");
        let out = Shape::Flat(self.shape.numel());
        self.push(name, "Flatten".into(), Op::Flatten, out, 0, vec![]);
        Ok(())
    }

    /// Ends the network with one linear layer named `name` whose outputs are all the heads
    /// concatenated (a feature map is flattened first).
    pub fn finish_single(mut self, name: &str, heads: &[HeadSpec]) -> Result<Network, ModelError> {
        check_heads(self.model, heads)?;
        if matches!(self.shape, Shape::Map { .. }) {
            self.flatten(None)?;
        }
        self.set_context(None);
        let outputs: i64 = heads.iter().map(|h| h.outputs as i64).sum();
        self.dense(Some(name), outputs, Activation::None)?;
        Ok(Network {
            model: self.model,
            input: self.input,
            heads: heads.to_vec(),
            trunk: self.layers,
            towers: Vec::new(),
        })
    }

    /// Ends the network with one tower per head: `tower` appends the head's hidden layers to a
    /// builder rooted at `heads.<head name>` (receiving the trunk's output as it is), then a linear
    /// `out` layer gives the head's outputs (a feature map is flattened first). The towers'
    /// outputs are concatenated in `heads` order.
    pub fn finish_towers(
        self,
        heads: &[HeadSpec],
        tower: &dyn Fn(&mut Builder<'a>) -> Result<(), ModelError>,
    ) -> Result<Network, ModelError> {
        check_heads(self.model, heads)?;
        let mut towers = Vec::new();
        for head in heads {
            let prefix = format!("heads.{}", sanitize(&head.name));
            let mut b = Builder {
                model: self.model,
                input: self.input,
                root: self.path(&prefix),
                prefix: format!("{prefix}."),
                init: self.init,
                shape: self.shape,
                layers: Vec::new(),
                counters: HashMap::new(),
                context: None,
            };
            tower(&mut b)?;
            b.set_context(None);
            if matches!(b.shape, Shape::Map { .. }) {
                b.flatten(None)?;
            }
            b.dense(Some("out"), head.outputs as i64, Activation::None)?;
            towers.push(b.layers);
        }
        Ok(Network { model: self.model, input: self.input, heads: heads.to_vec(), trunk: self.layers, towers })
    }
}

/// Head names become variable-path components: dots and odd characters are replaced by `_`.
fn sanitize(name: &str) -> String {
    let s: String =
        name.chars().map(|c| if c.is_ascii_alphanumeric() || c == '_' || c == '-' { c } else { '_' }).collect();
    if s.is_empty() {
        "_".into()
    } else {
        s
    }
}

fn check_heads(model: &'static str, heads: &[HeadSpec]) -> Result<(), ModelError> {
    if heads.is_empty() {
        return Err(ModelError::NoHeads(model));
    }
    if let Some(h) = heads.iter().find(|h| h.outputs == 0) {
        return Err(ModelError::BadInput { model, reason: format!("head {:?} has zero outputs", h.name) });
    }
    Ok(())
}

/// A built network of the zoo: forward maps `[N, C, H, W]` to `[N, sum of head outputs]`.
#[derive(Debug)]
pub struct Network {
    model: &'static str,
    input: InputShape,
    heads: Vec<HeadSpec>,
    trunk: Vec<Layer>,
    towers: Vec<Vec<Layer>>,
}

impl Network {
    /// The architecture's name.
    pub fn model(&self) -> &'static str {
        self.model
    }

    fn all_layers(&self) -> impl Iterator<Item = &Layer> {
        self.trunk.iter().chain(self.towers.iter().flatten())
    }

    /// Learnable tensors by full name (`features.0.weight`), frozen ones included.
    pub fn named_parameters(&self) -> Vec<(String, Tensor)> {
        self.all_layers()
            .flat_map(|l| l.params.iter().map(move |(n, t)| (format!("{}.{n}", l.name), t.shallow_clone())))
            .collect()
    }

    /// Marks the learnable tensors of every layer whose name satisfies `frozen` as not requiring
    /// gradients: backward leaves them without a gradient, so optimisers skip them.
    pub fn freeze(&self, frozen: impl Fn(&str) -> bool) {
        for layer in self.all_layers().filter(|l| frozen(&l.name)) {
            for (_, t) in &layer.params {
                let _ = t.set_requires_grad(false);
            }
        }
    }

    /// The Keras-style summary.
    pub fn summary(&self) -> Summary {
        let mut rows: Vec<SummaryRow> = self.trunk.iter().map(|l| l.row("")).collect();
        for tower in &self.towers {
            rows.extend(tower.iter().map(|l| l.row("")));
        }
        if self.towers.len() > 1 {
            let outputs: i64 = self.heads.iter().map(|h| h.outputs as i64).sum();
            rows.push(SummaryRow {
                name: "heads".into(),
                kind: "Concatenate".into(),
                output_shape: vec![outputs],
                params: 0,
                trainable_params: 0,
                mult_adds: 0,
            });
        }
        Summary::new(self.model, self.input, self.heads.clone(), rows)
    }

    /// Runs the network layer by layer, returning each layer's output (for shape checks).
    pub fn trace(&self, xs: &Tensor) -> Vec<(String, Vec<i64>, Vec<i64>)> {
        let mut out = Vec::new();
        let mut x = xs.shallow_clone();
        for l in &self.trunk {
            x = l.forward_t(&x, false);
            out.push((l.name.clone(), x.size()[1..].to_vec(), l.out.dims()));
        }
        for tower in &self.towers {
            let mut y = x.shallow_clone();
            for l in tower {
                y = l.forward_t(&y, false);
                out.push((l.name.clone(), y.size()[1..].to_vec(), l.out.dims()));
            }
        }
        out
    }
}

impl nn::ModuleT for Network {
    fn forward_t(&self, xs: &Tensor, train: bool) -> Tensor {
        let mut x = xs.shallow_clone();
        for l in &self.trunk {
            x = l.forward_t(&x, train);
        }
        match self.towers.len() {
            0 => x,
            1 => self.towers[0].iter().fold(x, |y, l| l.forward_t(&y, train)),
            _ => {
                let outs: Vec<Tensor> = self
                    .towers
                    .iter()
                    .map(|t| t.iter().fold(x.shallow_clone(), |y, l| l.forward_t(&y, train)))
                    .collect();
                Tensor::cat(&outs, 1)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tch::{Device, Kind};

    #[test]
    fn same_padding_matches_tensorflow() {
        assert_eq!(same_pad(3, 2, 1), (0, 1));
        assert_eq!(same_pad(32, 3, 1), (1, 1));
        assert_eq!(same_pad(27, 3, 2), (1, 1));
        assert_eq!(same_pad(28, 3, 2), (0, 1));
        assert_eq!(same_pad(5, 1, 2), (0, 0));
    }

    #[test]
    fn ceil_mode_pooling_matches_caffe() {
        // Caffe: 56 -> 3x3/2 -> 28 (ceil), PyTorch floor gives 27.
        assert_eq!(out_side(56, 3, 2, Pad::Valid, true), Some(28));
        assert_eq!(out_side(56, 3, 2, Pad::Valid, false), Some(27));
        assert_eq!(out_side(55, 3, 2, Pad::Valid, true), Some(27));
        assert_eq!(out_side(2, 3, 2, Pad::Valid, true), None);
    }

    #[test]
    fn lrn_matches_the_caffe_formula() {
        let x = Tensor::arange(2 * 7 * 2 * 2, (Kind::Double, Device::Cpu)).view([2, 7, 2, 2]) / 10.0;
        let (n, alpha, beta, k) = (5i64, 1e-1, 0.75, 2.0);
        let y = local_response_norm(&x, n, alpha, beta, k);
        for b in 0..2 {
            for c in 0..7i64 {
                let lo = (c - n / 2).max(0);
                let hi = (c + (n - 1) / 2).min(6);
                let sum: f64 = (lo..=hi).map(|cc| x.double_value(&[b, cc, 1, 0]).powi(2)).sum();
                let want = x.double_value(&[b, c, 1, 0]) / (k + alpha / n as f64 * sum).powf(beta);
                let got = y.double_value(&[b, c, 1, 0]);
                assert!((want - got).abs() < 1e-12, "c={c}: {want} vs {got}");
            }
        }
    }

    #[test]
    fn same_max_pool_pads_with_minus_infinity() {
        let vs = nn::VarStore::new(Device::Cpu);
        let mut b = Builder::new("t", &vs.root(), Init::Keras, InputShape { channels: 1, size: 3 }).unwrap();
        b.max_pool(None, 2, 2, Pad::Same, false).unwrap();
        assert_eq!(b.shape(), Shape::Map { c: 1, h: 2, w: 2 });
        let x = -(Tensor::arange(9, (Kind::Float, Device::Cpu)).view([1, 1, 3, 3]) + 1.0);
        let y = b.layers[0].forward_t(&x, false);
        // bottom-right window holds only x[2,2] = -9 and padding
        assert_eq!(y.double_value(&[0, 0, 1, 1]), -9.0);
        assert_eq!(y.double_value(&[0, 0, 0, 0]), -1.0);
    }

    #[test]
    fn strided_same_conv_output_and_asymmetric_padding() {
        let vs = nn::VarStore::new(Device::Cpu);
        let mut b = Builder::new("t", &vs.root(), Init::Keras, InputShape { channels: 2, size: 28 }).unwrap();
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

    #[test]
    fn errors_name_the_layer() {
        let vs = nn::VarStore::new(Device::Cpu);
        let mut b = Builder::new("t", &vs.root(), Init::Keras, InputShape { channels: 1, size: 4 }).unwrap();
        b.set_context(Some("layers[0]".into()));
        let err = b.dense(None, 3, Activation::Relu).unwrap_err().to_string();
        assert!(err.contains("layers[0] (dense)") && err.contains("flatten"), "{err}");
        b.set_context(Some("layers[1]".into()));
        let err = b.max_pool(None, 5, 5, Pad::Valid, false).unwrap_err().to_string();
        assert!(err.contains("layers[1] (max pool)") && err.contains("1x4x4"), "{err}");
    }
}
