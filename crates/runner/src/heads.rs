//! Heads: a model's output is the concatenation of its heads; this slices it per task, computes
//! each head's loss, and decodes outputs into class probabilities or ages.

use tch::{Device, Kind, Reduction, Tensor};

use crate::config::{Activation, HeadKind, Loss, Task};
use crate::data::AGE_SCALE;
use crate::RunnerError;

/// A head's decoded predictions for a batch.
pub enum Decoded {
    /// Class probabilities `[N, k]`.
    Probs(Tensor),
    /// Ages in years `[N]`.
    Values(Tensor),
}

/// The tasks of an experiment with their column ranges in the model output.
pub struct Heads {
    /// Tasks in config order.
    pub tasks: Vec<Task>,
    ranges: Vec<(i64, i64)>,
}

impl Heads {
    /// Lays the tasks out side by side.
    pub fn new(tasks: Vec<Task>) -> Heads {
        let mut start = 0;
        let ranges = tasks
            .iter()
            .map(|t| {
                let r = (start, t.outputs() as i64);
                start += t.outputs() as i64;
                r
            })
            .collect();
        Heads { tasks, ranges }
    }

    /// `models::HeadSpec`s for building the network.
    pub fn specs(&self) -> Vec<models::HeadSpec> {
        self.tasks.iter().map(|t| models::HeadSpec { name: t.name.clone(), outputs: t.outputs() }).collect()
    }

    /// The output columns of head `i`.
    pub fn slice(&self, out: &Tensor, i: usize) -> Tensor {
        let (start, len) = self.ranges[i];
        out.narrow(1, start, len)
    }

    /// Weighted sum of the heads' losses (mean over the batch), and each head's unweighted loss.
    pub fn loss(&self, out: &Tensor, labels: &[Tensor]) -> (Tensor, Vec<Tensor>) {
        let parts: Vec<Tensor> =
            self.tasks.iter().enumerate().map(|(i, t)| head_loss(t, &self.slice(out, i), &labels[i])).collect();
        let total = parts
            .iter()
            .zip(&self.tasks)
            .map(|(l, t)| l * t.weight)
            .reduce(|a, b| a + b)
            .unwrap_or_else(|| Tensor::zeros([], (Kind::Float, out.device())));
        (total, parts)
    }

    /// Decodes head `i` of a batch's outputs.
    pub fn decode(&self, out: &Tensor, i: usize) -> Decoded {
        let t = &self.tasks[i];
        let o = self.slice(out, i);
        match &t.kind {
            HeadKind::Classes { .. } => Decoded::Probs(o.softmax(1, Kind::Float)),
            HeadKind::BinaryLogit { .. } => {
                let p = o.sigmoid();
                Decoded::Probs(Tensor::cat(&[1.0 - &p, p], 1))
            }
            HeadKind::ClassIndex { classes, .. } => {
                let k = classes.len() as i64;
                let idx =
                    activate(&o, t.activation).squeeze_dim(1).round().clamp(0.0, (k - 1) as f64).to_kind(Kind::Int64);
                Decoded::Probs(idx.one_hot(k).to_kind(Kind::Float))
            }
            HeadKind::Regress => Decoded::Values(activate(&o, t.activation).squeeze_dim(1) * AGE_SCALE),
            HeadKind::Years { max } => {
                let years = Tensor::arange((*max + 1) as i64, (Kind::Float, o.device()));
                Decoded::Values((o.softmax(1, Kind::Float) * years).sum_dim_intlist(
                    [1i64].as_slice(),
                    false,
                    Kind::Float,
                ))
            }
        }
    }

    /// True labels of head `i` for metrics: class indices (`i64`) or ages in years (`f64`).
    pub fn truth(&self, labels: &Tensor, i: usize) -> Result<Truth, RunnerError> {
        Ok(match &self.tasks[i].kind {
            HeadKind::Classes { .. } | HeadKind::BinaryLogit { .. } | HeadKind::ClassIndex { .. } => Truth::Classes(
                Vec::<i64>::try_from(&labels.to_kind(Kind::Int64).to_device(Device::Cpu))
                    .map_err(RunnerError::tensor("class labels"))?,
            ),
            HeadKind::Regress => Truth::Values(to_f64(&(labels * AGE_SCALE))?.into_iter().map(f64::round).collect()),
            HeadKind::Years { .. } => Truth::Values(to_f64(labels)?),
        })
    }
}

/// True labels of a head, as metrics want them.
pub enum Truth {
    /// Class indices.
    Classes(Vec<i64>),
    /// Ages in years.
    Values(Vec<f64>),
}

fn to_f64(t: &Tensor) -> Result<Vec<f64>, RunnerError> {
    Vec::<f64>::try_from(&t.to_kind(Kind::Double).to_device(Device::Cpu).contiguous().view(-1))
        .map_err(RunnerError::tensor("age labels"))
}

fn activate(o: &Tensor, act: Option<Activation>) -> Tensor {
    match act {
        None => o.shallow_clone(),
        Some(Activation::Softmax) => o.softmax(1, Kind::Float),
        Some(Activation::Sigmoid) => o.sigmoid(),
    }
}

fn head_loss(t: &Task, o: &Tensor, y: &Tensor) -> Tensor {
    match t.loss {
        Loss::CrossEntropy => o.cross_entropy_loss::<Tensor>(y, None, Reduction::Mean, -100, t.label_smoothing),
        Loss::Hinge => {
            // Multi-class hinge as torch's multi_margin_loss (p = 1, margin 1):
            // mean over images of sum over wrong classes j of max(0, 1 - s_y + s_j) / k.
            let k = o.size()[1];
            let s_y: Tensor = o.gather(1, &y.unsqueeze(1), false);
            let wrong: Tensor = y.one_hot(k).to_kind(Kind::Float).neg() + 1.0;
            let margins: Tensor = (o - &s_y + 1.0).clamp_min(0.0);
            let per_image: Tensor = (&margins * &wrong).sum_dim_intlist([1i64].as_slice(), false, Kind::Float);
            per_image.mean(Kind::Float) / k as f64
        }
        Loss::OneHotBinaryCrossEntropy => {
            let target = y.one_hot(o.size()[1]).to_kind(Kind::Float);
            o.binary_cross_entropy_with_logits::<Tensor>(&target, None, None, Reduction::Mean)
        }
        Loss::BinaryCrossEntropy => o.squeeze_dim(1).binary_cross_entropy_with_logits::<Tensor>(
            &y.to_kind(Kind::Float),
            None,
            None,
            Reduction::Mean,
        ),
        Loss::Mse => activate(o, t.activation).squeeze_dim(1).mse_loss(y, Reduction::Mean),
        Loss::L1 => activate(o, t.activation).squeeze_dim(1).l1_loss(y, Reduction::Mean),
    }
}
