//! Evaluation: the model in eval mode, without gradients, over a part of the data.

use tch::{nn::ModuleT, Device, Kind, Tensor};

use crate::data::Data;
use crate::heads::{Decoded, Heads, Truth};
use crate::metrics::HeadOutputs;

/// Outputs of a model on some faces.
pub struct Evaluation {
    /// Indices of the faces, in evaluation order.
    pub indices: Vec<i64>,
    /// Mean weighted loss per image.
    pub loss: f64,
    /// Per head, the whole outputs.
    pub heads: Vec<HeadOutputs>,
}

/// How test images are cropped when the experiment trains on random crops.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Crops {
    /// The whole image (no crop configured).
    Full,
    /// The centre crop of this side.
    Centre(i64),
    /// The centre crop of this side (the whole image when it is the image's side) and its
    /// mirror, outputs averaged: faces are left-right symmetric, so the mirror is a free second look.
    Mirror(i64),
    /// Ten crops of this side (corners, centre, and mirrors), outputs averaged.
    Ten(i64),
}

impl Crops {
    /// The views asked for by name (`single`, `mirror`, `ten`) on images whose crop side is `side`.
    pub fn named(name: &str, side: i64) -> Option<Crops> {
        match name {
            "single" => Some(Crops::Centre(side)),
            "mirror" => Some(Crops::Mirror(side)),
            "ten" => Some(Crops::Ten(side)),
            _ => None,
        }
    }
}

/// Runs `net` over `indices` in batches of `batch`.
pub fn evaluate(
    net: &dyn ModuleT,
    data: &Data,
    heads: &Heads,
    indices: &[i64],
    batch: usize,
    device: Device,
    crops: Crops,
) -> Evaluation {
    let mut loss_sum = 0.0;
    let mut outs: Vec<HeadOutputs> = heads
        .tasks
        .iter()
        .map(|t| match t.kind.classes() {
            Some(c) => HeadOutputs::Classes { k: c.len(), probs: Vec::new(), truth: Vec::new() },
            None => HeadOutputs::Values { pred: Vec::new(), truth: Vec::new() },
        })
        .collect();
    tch::no_grad(|| {
        for chunk in indices.chunks(batch.max(1)) {
            let (x, ys) = data.batch(chunk, device);
            let views = crate::augment::test_views(&x, crops);
            let outputs: Vec<Tensor> = views.iter().map(|v| net.forward_t(v, false)).collect();
            let (loss, _) = heads.loss(&outputs[0], &ys);
            loss_sum += loss.double_value(&[]) * chunk.len() as f64;
            for (i, acc) in outs.iter_mut().enumerate() {
                let decoded: Vec<Decoded> = outputs.iter().map(|o| heads.decode(o, i)).collect();
                match (acc, heads.truth(&ys[i], i)) {
                    (HeadOutputs::Classes { probs, truth, .. }, Truth::Classes(t)) => {
                        let mean = mean_of(decoded.into_iter().map(|d| match d {
                            Decoded::Probs(p) => p,
                            Decoded::Values(v) => v,
                        }));
                        probs.extend(to_f32(&mean));
                        truth.extend(t);
                    }
                    (HeadOutputs::Values { pred, truth }, Truth::Values(t)) => {
                        let mean = mean_of(decoded.into_iter().map(|d| match d {
                            Decoded::Probs(p) => p,
                            Decoded::Values(v) => v,
                        }));
                        pred.extend(to_f32(&mean).into_iter().map(f64::from));
                        truth.extend(t);
                    }
                    _ => unreachable!("a head's outputs and labels agree in kind"),
                }
            }
        }
    });
    let n = indices.len().max(1) as f64;
    Evaluation { indices: indices.to_vec(), loss: loss_sum / n, heads: outs }
}

fn mean_of(ts: impl Iterator<Item = Tensor>) -> Tensor {
    let ts: Vec<Tensor> = ts.collect();
    if ts.len() == 1 {
        return ts.into_iter().next().expect("one");
    }
    Tensor::stack(&ts, 0).mean_dim(0, false, Kind::Float)
}

fn to_f32(t: &Tensor) -> Vec<f32> {
    Vec::<f32>::try_from(&t.to_kind(Kind::Float).to_device(Device::Cpu).contiguous().view(-1)).expect("float tensor")
}
