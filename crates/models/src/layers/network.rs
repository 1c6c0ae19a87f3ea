//! The built network: its layers in order, how they run (`ModuleT`, the `train` flag switching
//! dropout and batch norm), and the Keras-style summary read off them.

use tch::{nn, Tensor};

use super::builder::Tensors;
use super::conv::Conv;
use super::dense::Dense;
use super::norm::{BatchNorm, Lrn};
use super::pooling::{AvgPool, MaxPool};
use super::shape::Shape;
use crate::summary::{Summary, SummaryRow};
use crate::{HeadSpec, InputShape};

/// What a layer computes.
#[derive(Debug)]
pub(super) enum Op {
    Conv(Conv),
    Dense(Dense),
    MaxPool(MaxPool),
    AvgPool(AvgPool),
    GlobalAvgPool,
    AdaptiveAvgPool(i64),
    Lrn(Lrn),
    BatchNorm(BatchNorm),
    Dropout(f64),
    Flatten,
}

/// One layer of a [`Network`].
#[derive(Debug)]
pub(super) struct Layer {
    pub(super) name: String,
    pub(super) kind: String,
    pub(super) op: Op,
    pub(super) out: Shape,
    pub(super) macs: i64,
    /// Learnable tensors, by local name (`weight`, `bias`).
    pub(super) params: Tensors,
    /// Non-learnable state (batch norm running statistics), by local name.
    pub(super) buffers: Tensors,
}

impl Layer {
    pub(super) fn forward_t(&self, xs: &Tensor, train: bool) -> Tensor {
        match &self.op {
            Op::Conv(conv) => conv.forward(xs),
            Op::Dense(dense) => dense.forward(xs),
            Op::MaxPool(pool) => pool.forward(xs),
            Op::AvgPool(pool) => pool.forward(xs),
            Op::GlobalAvgPool => xs.mean_dim([2i64, 3].as_slice(), false, None),
            Op::AdaptiveAvgPool(side) => xs.adaptive_avg_pool2d([*side, *side]),
            Op::Lrn(lrn) => lrn.forward(xs),
            Op::BatchNorm(bn) => bn.forward_t(xs, train),
            Op::Dropout(p) => xs.dropout(*p, train),
            Op::Flatten => xs.flatten(1, -1),
        }
    }

    fn row(&self) -> SummaryRow {
        let count = |ts: &Tensors, trainable: bool| -> i64 {
            ts.iter().filter(|(_, t)| t.requires_grad() == trainable).map(|(_, t)| t.numel() as i64).sum()
        };
        let trainable = count(&self.params, true);
        let frozen = count(&self.params, false);
        let buffers: i64 = self.buffers.iter().map(|(_, t)| t.numel() as i64).sum();
        SummaryRow {
            name: self.name.clone(),
            kind: self.kind.clone(),
            output_shape: self.out.dims(),
            params: trainable + frozen + buffers,
            trainable_params: trainable,
            mult_adds: self.macs,
        }
    }
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
    pub(super) fn new(
        model: &'static str,
        input: InputShape,
        heads: &[HeadSpec],
        trunk: Vec<Layer>,
        towers: Vec<Vec<Layer>>,
    ) -> Network {
        Network { model, input, heads: heads.to_vec(), trunk, towers }
    }

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
        let mut rows: Vec<SummaryRow> = self.all_layers().map(Layer::row).collect();
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

    /// Runs the network layer by layer in evaluation mode, returning each layer's name, real
    /// output shape and the shape the builder inferred for it (for shape checks).
    pub fn trace(&self, xs: &Tensor) -> Vec<(String, Vec<i64>, Vec<i64>)> {
        let mut out = Vec::new();
        let mut run = |layers: &[Layer], mut x: Tensor| {
            for l in layers {
                x = l.forward_t(&x, false);
                out.push((l.name.clone(), x.size()[1..].to_vec(), l.out.dims()));
            }
            x
        };
        let x = run(&self.trunk, xs.shallow_clone());
        for tower in &self.towers {
            let _ = run(tower, x.shallow_clone());
        }
        out
    }
}

impl nn::ModuleT for Network {
    fn forward_t(&self, xs: &Tensor, train: bool) -> Tensor {
        let run = |layers: &[Layer], x: Tensor| layers.iter().fold(x, |y, l| l.forward_t(&y, train));
        let x = run(&self.trunk, xs.shallow_clone());
        match self.towers.len() {
            0 => x,
            1 => run(&self.towers[0], x),
            _ => Tensor::cat(&self.towers.iter().map(|t| run(t, x.shallow_clone())).collect::<Vec<_>>(), 1),
        }
    }
}
