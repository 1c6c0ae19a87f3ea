//! Evaluation: the model in eval mode, without gradients, over a part of the data.

use tch::{nn::ModuleT, Device, Kind, Tensor};

use std::collections::BTreeMap;

use runfolder::{HeadMetrics, Predictions};

use crate::data::Data;
use crate::heads::{Decoded, Heads, Truth};
use crate::outputs::HeadOutputs;
use crate::RunnerError;

/// Outputs of a model on some faces.
pub struct Evaluation {
    /// Indices of the faces, in evaluation order.
    pub indices: Vec<i64>,
    /// Mean weighted loss per image.
    pub loss: f64,
    /// Per head, the whole outputs.
    pub heads: Vec<HeadOutputs>,
}

impl Evaluation {
    /// Every head's figures, keyed by head name, as `test-metrics.json` stores them.
    pub fn summarize(&self, heads: &Heads) -> BTreeMap<String, HeadMetrics> {
        heads
            .tasks
            .iter()
            .zip(&self.heads)
            .map(|(t, o)| (t.name.clone(), o.summarize(t.kind.classes(), t.kind.ordinal())))
            .collect()
    }

    /// The per-face rows of `predictions.csv`: each face's true labels from its name, then every
    /// head's truth, prediction and (classification) probabilities.
    pub fn predictions(&self, data: &Data, heads: &Heads) -> Predictions {
        let faces: Vec<_> = self.indices.iter().map(|&i| &data.faces[i as usize]).collect();
        Predictions {
            file: faces.iter().map(|f| f.file.clone()).collect(),
            age: faces.iter().map(|f| f64::from(f.age)).collect(),
            gender: faces.iter().map(|f| Some(f.gender.index() as u8)).collect(),
            race: faces.iter().map(|f| Some(f.race.index() as u8)).collect(),
            heads: heads.tasks.iter().zip(&self.heads).map(|(t, o)| o.predictions(&t.name, t.kind.classes())).collect(),
        }
    }

    /// Several models' outputs on the same faces averaged per face (class probabilities, ages in
    /// years, losses): an ensemble's evaluation. One evaluation comes back unchanged.
    ///
    /// # Panics
    /// If the evaluations differ in faces or heads (callers check the models agree first).
    pub fn mean(evals: Vec<Evaluation>) -> Evaluation {
        let n = evals.len();
        let mut it = evals.into_iter();
        let mut sum = it.next().expect("at least one evaluation");
        if n == 1 {
            return sum;
        }
        for e in it {
            assert_eq!(e.indices, sum.indices, "an ensemble's members are evaluated on the same faces");
            sum.loss += e.loss;
            for (acc, h) in sum.heads.iter_mut().zip(e.heads) {
                match (acc, h) {
                    (HeadOutputs::Classes { probs, .. }, HeadOutputs::Classes { probs: p, .. }) => {
                        assert_eq!(probs.len(), p.len(), "members' heads have the same classes");
                        probs.iter_mut().zip(p).for_each(|(a, b)| *a += b);
                    }
                    (HeadOutputs::Values { pred, .. }, HeadOutputs::Values { pred: p, .. }) => {
                        pred.iter_mut().zip(p).for_each(|(a, b)| *a += b);
                    }
                    _ => panic!("members' heads agree in kind"),
                }
            }
        }
        sum.loss /= n as f64;
        for h in &mut sum.heads {
            match h {
                HeadOutputs::Classes { probs, .. } => probs.iter_mut().for_each(|p| *p /= n as f32),
                HeadOutputs::Values { pred, .. } => pred.iter_mut().for_each(|p| *p /= n as f64),
            }
        }
        sum
    }
}

/// How test images are looked at (the run folder's `View`, recorded in `evaluation.json`).
pub use runfolder::View as Crops;

/// Runs `net` over `indices` in batches of `batch`.
pub fn evaluate(
    net: &dyn ModuleT,
    data: &Data,
    heads: &Heads,
    indices: &[i64],
    batch: usize,
    device: Device,
    crops: Crops,
) -> Result<Evaluation, RunnerError> {
    let mut loss_sum = 0.0;
    let mut outs: Vec<HeadOutputs> = heads
        .tasks
        .iter()
        .map(|t| match t.kind.classes() {
            Some(c) => HeadOutputs::Classes { k: c.len(), probs: Vec::new(), truth: Vec::new() },
            None => HeadOutputs::Values { pred: Vec::new(), truth: Vec::new() },
        })
        .collect();
    tch::no_grad(|| -> Result<(), RunnerError> {
        for chunk in indices.chunks(batch.max(1)) {
            let (x, ys) = data.batch(chunk, device);
            let views = crate::augment::test_views(&x, crops);
            let outputs: Vec<Tensor> = views.iter().map(|v| net.forward_t(v, false)).collect();
            let (loss, _) = heads.loss(&outputs[0], &ys);
            loss_sum += loss.double_value(&[]) * chunk.len() as f64;
            for (i, acc) in outs.iter_mut().enumerate() {
                let decoded: Vec<Decoded> = outputs.iter().map(|o| heads.decode(o, i)).collect();
                match (acc, heads.truth(&ys[i], i)?) {
                    (HeadOutputs::Classes { probs, truth, .. }, Truth::Classes(t)) => {
                        let mean = mean_of(decoded.into_iter().map(|d| match d {
                            Decoded::Probs(p) => p,
                            Decoded::Values(v) => v,
                        }));
                        probs.extend(to_f32(&mean)?);
                        truth.extend(t);
                    }
                    (HeadOutputs::Values { pred, truth }, Truth::Values(t)) => {
                        let mean = mean_of(decoded.into_iter().map(|d| match d {
                            Decoded::Probs(p) => p,
                            Decoded::Values(v) => v,
                        }));
                        pred.extend(to_f32(&mean)?.into_iter().map(f64::from));
                        truth.extend(t);
                    }
                    _ => unreachable!("a head's outputs and labels agree in kind"),
                }
            }
        }
        Ok(())
    })?;
    let n = indices.len().max(1) as f64;
    Ok(Evaluation { indices: indices.to_vec(), loss: loss_sum / n, heads: outs })
}

fn mean_of(ts: impl Iterator<Item = Tensor>) -> Tensor {
    let ts: Vec<Tensor> = ts.collect();
    if ts.len() == 1 {
        return ts.into_iter().next().expect("one");
    }
    Tensor::stack(&ts, 0).mean_dim(0, false, Kind::Float)
}

fn to_f32(t: &Tensor) -> Result<Vec<f32>, RunnerError> {
    Vec::<f32>::try_from(&t.to_kind(Kind::Float).to_device(Device::Cpu).contiguous().view(-1))
        .map_err(RunnerError::tensor("model outputs"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eval(loss: f64, probs: Vec<f32>, pred: Vec<f64>) -> Evaluation {
        Evaluation {
            indices: vec![4, 9],
            loss,
            heads: vec![
                HeadOutputs::Classes { k: 2, probs, truth: vec![0, 1] },
                HeadOutputs::Values { pred, truth: vec![30.0, 40.0] },
            ],
        }
    }

    #[test]
    fn an_ensemble_averages_its_members_outputs_per_face() {
        let m = Evaluation::mean(vec![
            eval(1.0, vec![0.9, 0.1, 0.2, 0.8], vec![20.0, 50.0]),
            eval(3.0, vec![0.5, 0.5, 0.6, 0.4], vec![30.0, 40.0]),
        ]);
        assert_eq!(m.loss, 2.0);
        assert_eq!(m.indices, vec![4, 9]);
        let HeadOutputs::Classes { probs, truth, .. } = &m.heads[0] else { panic!("classes") };
        assert!(probs.iter().zip([0.7, 0.3, 0.4, 0.6]).all(|(a, b)| (a - b).abs() < 1e-6), "{probs:?}");
        assert_eq!(truth, &vec![0, 1]);
        // the second face's vote changes: 0.8 and 0.4 for class 1 average to 0.6
        assert_eq!(m.heads[0].predicted_classes(), vec![0, 1]);
        let HeadOutputs::Values { pred, .. } = &m.heads[1] else { panic!("values") };
        assert_eq!(pred, &vec![25.0, 45.0]);
    }

    #[test]
    fn one_member_is_itself() {
        let one = Evaluation::mean(vec![eval(1.5, vec![0.9, 0.1, 0.2, 0.8], vec![20.0, 50.0])]);
        assert_eq!(one.loss, 1.5);
        let HeadOutputs::Values { pred, .. } = &one.heads[1] else { panic!("values") };
        assert_eq!(pred, &vec![20.0, 50.0]);
    }
}
