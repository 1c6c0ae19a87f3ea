//! The [`Builder`]: appends layers one at a time, names them as Keras does (`conv2d`, `conv2d_1`,
//! ...) unless the source names them, creates their parameters and refuses what no machine here
//! could hold. The layer kinds live in their own files (`conv.rs`, `dense.rs`, ...), each adding
//! its methods to the builder.

use std::collections::HashMap;

use tch::{nn, Device, Kind, Tensor};

use super::init::Init;
use super::network::{Layer, Op};
use super::shape::{out_side, Pad, Shape};
use crate::{InputShape, ModelError};

/// Most parameters a network may have (2^32, 16 GiB of f32): beyond it building is refused with
/// an error naming the layer, rather than handing libtorch an allocation it aborts on.
pub const MAX_PARAMETERS: i64 = 1 << 32;

/// Where a [`Builder`] puts the parameters it creates.
#[derive(Clone)]
pub enum Vars<'a> {
    /// Initialised variables of a `VarStore`, under this path: a network to train or load.
    Store(nn::Path<'a>),
    /// Shape-only stand-ins (a zero-stride view of a single zero: the parameter's shape in four
    /// bytes, no random draw): a network to summarise or to check an input against, built by the
    /// same code as the real one.
    Shapes,
}

impl<'a> Vars<'a> {
    /// The variables of the layer named `name` (dots make nested path components, so a layer
    /// called `features.0` owns `features.0.weight`, exactly as in a PyTorch state dict).
    pub(super) fn sub(&self, name: &str) -> Vars<'a> {
        match self {
            Vars::Store(p) => Vars::Store(name.split('.').fold(p.clone(), |p, part| p.sub(part))),
            Vars::Shapes => Vars::Shapes,
        }
    }

    fn stand_in(dims: &[i64]) -> Tensor {
        Tensor::zeros([], (Kind::Float, Device::Cpu)).expand(dims, false)
    }

    /// A learnable tensor.
    fn learned(&self, local: &str, dims: &[i64], init: nn::Init) -> Tensor {
        match self {
            Vars::Store(p) => p.var(local, dims, init),
            Vars::Shapes => Vars::stand_in(dims).set_requires_grad(true),
        }
    }

    /// A non-learnable state tensor filled with zeros or ones (batch norm's running statistics).
    fn state(&self, local: &str, dims: &[i64], ones: bool) -> Tensor {
        match (self, ones) {
            (Vars::Store(p), false) => p.zeros_no_train(local, dims),
            (Vars::Store(p), true) => p.ones_no_train(local, dims),
            (Vars::Shapes, _) => Vars::stand_in(dims),
        }
    }
}

/// A layer's parameters and state as [`Builder::push`] records them, by local name.
pub(super) type Tensors = Vec<(&'static str, Tensor)>;

/// Builds a sequence of layers, tracking the output shape.
pub struct Builder<'a> {
    pub(super) model: &'static str,
    pub(super) input: InputShape,
    pub(super) vars: Vars<'a>,
    /// Prepended to the layers' names (a tower's `heads.age.`).
    pub(super) prefix: String,
    pub(super) init: Init,
    pub(super) shape: Shape,
    pub(super) layers: Vec<Layer>,
    counters: HashMap<&'static str, usize>,
    context: Option<String>,
    /// Parameters created so far, the trunk's included in a tower.
    pub(super) parameters: i64,
}

impl<'a> Builder<'a> {
    /// A builder for `model` whose first layer receives `input` (at most
    /// [`InputShape::MAX_CHANNELS`] channels and [`InputShape::MAX_SIDE`] pixels a side).
    pub fn new(model: &'static str, vars: &Vars<'a>, init: Init, input: InputShape) -> Result<Builder<'a>, ModelError> {
        let InputShape { channels, size } = input;
        if !(1..=InputShape::MAX_CHANNELS).contains(&channels) || !(1..=InputShape::MAX_SIDE).contains(&size) {
            return Err(ModelError::BadInput {
                model,
                reason: format!(
                    "input must have 1 to {} channels and 1 to {} pixels a side, got {channels}x{size}x{size}",
                    InputShape::MAX_CHANNELS,
                    InputShape::MAX_SIDE
                ),
            });
        }
        Ok(Builder::starting(
            model,
            input,
            vars.clone(),
            String::new(),
            init,
            Shape::Map { c: channels, h: size, w: size },
            0,
        ))
    }

    /// A builder continuing from `shape` (a tower starts from the trunk's output).
    pub(super) fn starting(
        model: &'static str,
        input: InputShape,
        vars: Vars<'a>,
        prefix: String,
        init: Init,
        shape: Shape,
        parameters: i64,
    ) -> Builder<'a> {
        Builder {
            model,
            input,
            vars,
            prefix,
            init,
            shape,
            layers: Vec::new(),
            counters: HashMap::new(),
            context: None,
            parameters,
        }
    }

    /// The shape the next layer receives.
    pub fn shape(&self) -> Shape {
        self.shape
    }

    /// Names the spec element the next layers come from (`layers[3]`), for error messages.
    pub fn set_context(&mut self, context: Option<String>) {
        self.context = context;
    }

    /// An error about the layer being added (`what`: "conv", "max pool", ...).
    pub(super) fn err(&self, what: &str, reason: String) -> ModelError {
        match &self.context {
            Some(ctx) => ModelError::BadLayer { model: self.model, layer: format!("{ctx} ({what})"), reason },
            None => ModelError::BadInput { model: self.model, reason: format!("{what}: {reason}") },
        }
    }

    /// The layer's name: the source's, or Keras' automatic one (`dense`, `dense_1`, ...).
    pub(super) fn name(&mut self, explicit: Option<&str>, auto: &'static str) -> String {
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

    /// The incoming feature map as (C, H, W); a flat vector is an error for `what`.
    pub(super) fn map(&self, what: &str) -> Result<(i64, i64, i64), ModelError> {
        match self.shape {
            Shape::Map { c, h, w } => Ok((c, h, w)),
            Shape::Flat(f) => Err(self.err(
                what,
                format!("needs a feature map but receives a flat vector of {f} (it cannot follow flatten, dense or global pooling)"),
            )),
        }
    }

    /// The output map of a square `kernel` window sliding over the incoming map (`noun` says what
    /// the window is, for the error: "kernel", "pooling").
    pub(super) fn window(
        &self,
        what: &str,
        noun: &str,
        kernel: i64,
        stride: i64,
        pad: Pad,
        ceil: bool,
    ) -> Result<(i64, i64), ModelError> {
        let (_, h, w) = self.map(what)?;
        match (out_side(h, kernel, stride, pad, ceil), out_side(w, kernel, stride, pad, ceil)) {
            (Some(oh), Some(ow)) => Ok((oh, ow)),
            _ => Err(self.err(what, format!("{kernel}x{kernel} {noun} does not fit {}", self.shape.describe()))),
        }
    }

    /// Counts a layer's new parameters against [`MAX_PARAMETERS`] before anything is allocated.
    pub(super) fn reserve(&mut self, what: &str, shapes: &[&[i64]]) -> Result<(), ModelError> {
        let total = shapes
            .iter()
            .map(|dims| dims.iter().try_fold(1i64, |n, &d| n.checked_mul(d)))
            .try_fold(self.parameters, |sum, n| sum.checked_add(n?))
            .filter(|&n| n <= MAX_PARAMETERS);
        match total {
            Some(n) => {
                self.parameters = n;
                Ok(())
            }
            None => Err(self.err(
                what,
                format!(
                    "the network would exceed {} parameters (16 GiB of weights); use a smaller input or layer",
                    crate::summary::thousands(MAX_PARAMETERS)
                ),
            )),
        }
    }

    /// A learnable tensor `local` of the layer `name`.
    pub(super) fn learned(
        &self,
        name: &str,
        local: &'static str,
        dims: &[i64],
        init: nn::Init,
    ) -> (&'static str, Tensor) {
        (local, self.vars.sub(name).learned(local, dims, init))
    }

    /// A state tensor `local` of the layer `name`, zeros or ones.
    pub(super) fn state(&self, name: &str, local: &'static str, dims: &[i64], ones: bool) -> (&'static str, Tensor) {
        (local, self.vars.sub(name).state(local, dims, ones))
    }

    /// Appends a layer; `out` becomes the shape the next layer receives.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn push(
        &mut self,
        name: String,
        kind: String,
        op: Op,
        out: Shape,
        macs: i64,
        params: Tensors,
        buffers: Tensors,
    ) {
        let name = format!("{}{name}", self.prefix);
        self.layers.push(Layer { name, kind, op, out, macs, params, buffers });
        self.shape = out;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layers::Activation;

    #[test]
    fn errors_name_the_layer() {
        let mut b = Builder::new("t", &Vars::Shapes, Init::Keras, InputShape { channels: 1, size: 4 }).unwrap();
        b.set_context(Some("layers[0]".into()));
        let err = b.dense(None, 3, Activation::Relu).unwrap_err().to_string();
        assert!(err.contains("layers[0] (dense)") && err.contains("flatten"), "{err}");
        b.set_context(Some("layers[1]".into()));
        let err = b.max_pool(None, 5, 5, Pad::Valid, false).unwrap_err().to_string();
        assert!(err.contains("layers[1] (max pool)") && err.contains("1x4x4"), "{err}");
    }

    #[test]
    fn inputs_and_networks_beyond_the_limits_are_refused_before_allocating() {
        let big = InputShape { channels: 3, size: 100_000 };
        let err = Builder::new("t", &Vars::Shapes, Init::Keras, big).err().unwrap().to_string();
        assert!(err.contains("1 to 4096 pixels a side, got 3x100000x100000"), "{err}");
        // 64x4096x4096 flattened into 300 units: 322 billion weights, refused in a real VarStore
        let vs = nn::VarStore::new(Device::Cpu);
        let input = InputShape { channels: 64, size: 4096 };
        let mut b = Builder::new("t", &Vars::Store(vs.root()), Init::Keras, input).unwrap();
        b.flatten(None).unwrap();
        let err = b.dense(Some("fc"), 300, Activation::Relu).unwrap_err().to_string();
        assert!(err.contains("dense: the network would exceed 4,294,967,296 parameters"), "{err}");
        assert!(vs.variables().is_empty());
        // a shape-only network of 1.07 billion parameters costs nothing
        let mut b = Builder::new("t", &Vars::Shapes, Init::Keras, input).unwrap();
        b.flatten(None).unwrap();
        b.dense(Some("fc"), 1, Activation::Relu).unwrap();
        assert_eq!(b.parameters, 64 * 4096 * 4096 + 1);
        assert_eq!(b.layers[1].params[0].1.size(), vec![1, 64 * 4096 * 4096]);
    }
}
