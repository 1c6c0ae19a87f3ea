//! Heads: a model's output is the concatenation of its heads; this slices it per task, computes
//! each head's loss, and turns outputs into predictions.

use tch::{Kind, Reduction, Tensor};

use crate::config::{Loss, Task};

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
        let parts: Vec<Tensor> = self
            .tasks
            .iter()
            .enumerate()
            .map(|(i, t)| {
                let o = self.slice(out, i);
                match t.loss {
                    Loss::CrossEntropy => o.cross_entropy_for_logits(&labels[i]),
                    Loss::Mse => o.squeeze_dim(1).mse_loss(&labels[i], Reduction::Mean),
                    Loss::L1 => o.squeeze_dim(1).l1_loss(&labels[i], Reduction::Mean),
                }
            })
            .collect();
        let total = parts
            .iter()
            .zip(&self.tasks)
            .map(|(l, t)| l * t.weight)
            .reduce(|a, b| a + b)
            .unwrap_or_else(|| Tensor::zeros([], (Kind::Float, out.device())));
        (total, parts)
    }
}
