//! Evaluation: the model in eval mode, without gradients, over a part of the data.

use tch::{nn::ModuleT, Device, Kind, Tensor};

use crate::data::{Data, AGE_SCALE};
use crate::heads::Heads;
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

/// Runs `net` over `indices` in batches of `batch`.
pub fn evaluate(net: &dyn ModuleT, data: &Data, heads: &Heads, indices: &[i64], batch: usize, device: Device) -> Evaluation {
    let mut loss_sum = 0.0;
    let mut outs: Vec<HeadOutputs> = heads
        .tasks
        .iter()
        .map(|t| match t.target.classes() {
            Some(c) => HeadOutputs::Classes { k: c.len(), probs: Vec::new(), truth: Vec::new() },
            None => HeadOutputs::Values { pred: Vec::new(), truth: Vec::new() },
        })
        .collect();
    tch::no_grad(|| {
        for chunk in indices.chunks(batch.max(1)) {
            let (x, ys) = data.batch(chunk, device);
            let out = net.forward_t(&x, false);
            let (loss, _) = heads.loss(&out, &ys);
            loss_sum += loss.double_value(&[]) * chunk.len() as f64;
            for (i, acc) in outs.iter_mut().enumerate() {
                let o = heads.slice(&out, i);
                match acc {
                    HeadOutputs::Classes { probs, truth, .. } => {
                        probs.extend(to_f32(&o.softmax(1, Kind::Float)));
                        truth.extend(Vec::<i64>::try_from(&ys[i]).expect("labels are i64"));
                    }
                    HeadOutputs::Values { pred, truth } => {
                        pred.extend(to_f32(&o.squeeze_dim(1)).into_iter().map(|v| v as f64 * AGE_SCALE));
                        truth.extend(to_f32(&ys[i]).into_iter().map(|v| (v as f64 * AGE_SCALE).round()));
                    }
                }
            }
        }
    });
    let n = indices.len().max(1) as f64;
    Evaluation { indices: indices.to_vec(), loss: loss_sum / n, heads: outs }
}

fn to_f32(t: &Tensor) -> Vec<f32> {
    Vec::<f32>::try_from(&t.to_kind(Kind::Float).contiguous().view(-1)).expect("float tensor")
}
