//! What one head's predictions on some faces were, kept whole so that every figure (through the
//! `metrics` crate) and the predictions file can be derived from it.

use metrics::Confusion;
use runfolder::{ClassMetrics, HeadMetrics, HeadPredictions, RegressionMetrics};

/// One head's outputs and truths over the faces evaluated.
#[derive(Debug, Clone)]
pub enum HeadOutputs {
    /// Class probabilities (row-major `n x k`) and true classes.
    Classes {
        /// Number of classes.
        k: usize,
        /// Softmax probabilities.
        probs: Vec<f32>,
        /// True class per image.
        truth: Vec<i64>,
    },
    /// Predicted and true values (years).
    Values {
        /// Predictions.
        pred: Vec<f64>,
        /// Truth.
        truth: Vec<f64>,
    },
}

impl HeadOutputs {
    /// Predicted class per image (arg-max), for classification heads; empty for a values head.
    pub fn predicted_classes(&self) -> Vec<usize> {
        match self {
            HeadOutputs::Classes { k, probs, .. } => probs
                .chunks(*k)
                .map(|row| row.iter().enumerate().max_by(|a, b| a.1.total_cmp(b.1)).map(|(i, _)| i).unwrap_or(0))
                .collect(),
            HeadOutputs::Values { .. } => Vec::new(),
        }
    }

    /// True class per image as indices (classification heads).
    fn true_classes(truth: &[i64]) -> Vec<usize> {
        truth.iter().map(|&t| t as usize).collect()
    }

    /// The head's headline figure: accuracy (higher is better) or MAE in years (lower is better).
    pub fn headline(&self) -> f64 {
        match self {
            HeadOutputs::Classes { truth, .. } => {
                metrics::accuracy(&HeadOutputs::true_classes(truth), &self.predicted_classes())
            }
            HeadOutputs::Values { pred, truth } => metrics::mae(pred, truth),
        }
    }

    /// All figures of the head, as `test-metrics.json` stores them.
    pub fn summarize(&self, classes: Option<&[String]>, ordinal: bool) -> HeadMetrics {
        match self {
            HeadOutputs::Classes { k, probs, truth } => {
                let names: Vec<String> =
                    classes.map(|c| c.to_vec()).unwrap_or_else(|| (0..*k).map(|i| i.to_string()).collect());
                let pairs = HeadOutputs::true_classes(truth).into_iter().zip(self.predicted_classes());
                let confusion = Confusion::from_pairs(*k, pairs);
                let per_class = confusion.per_class(&names);
                let auc = (*k == 2)
                    .then(|| {
                        let scores: Vec<f64> = probs.chunks(2).map(|r| r[1] as f64).collect();
                        let pos: Vec<bool> = truth.iter().map(|t| *t == 1).collect();
                        metrics::roc_auc(&scores, &pos)
                    })
                    .flatten();
                HeadMetrics::Classification(ClassMetrics {
                    classes: names,
                    ordinal,
                    accuracy: confusion.accuracy(),
                    one_off: ordinal.then(|| confusion.one_off()),
                    macro_f1: metrics::macro_f1(&per_class),
                    per_class,
                    auc,
                    confusion: confusion.counts,
                })
            }
            HeadOutputs::Values { pred, truth } => HeadMetrics::Regression(RegressionMetrics {
                mae: metrics::mae(pred, truth),
                rmse: metrics::rmse(pred, truth),
            }),
        }
    }

    /// The head's columns of `predictions.csv`.
    pub fn predictions(&self, name: &str, classes: Option<&[String]>) -> HeadPredictions {
        match self {
            HeadOutputs::Classes { k, probs, truth } => HeadPredictions::Classification {
                name: name.to_owned(),
                classes: classes.map(|c| c.to_vec()).unwrap_or_else(|| (0..*k).map(|i| i.to_string()).collect()),
                truth: HeadOutputs::true_classes(truth),
                pred: self.predicted_classes(),
                probs: probs.chunks(*k).map(|r| r.iter().map(|&p| f64::from(p)).collect()).collect(),
            },
            HeadOutputs::Values { pred, truth } => {
                HeadPredictions::Regression { name: name.to_owned(), truth: truth.clone(), pred: pred.clone() }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_come_from_the_one_metrics_crate() {
        let o = HeadOutputs::Classes { k: 2, probs: vec![0.9, 0.1, 0.3, 0.7, 0.6, 0.4], truth: vec![0, 1, 1] };
        assert_eq!(o.predicted_classes(), vec![0, 1, 0]);
        assert!((o.headline() - 2.0 / 3.0).abs() < 1e-12);
        let HeadMetrics::Classification(c) = o.summarize(Some(&["m".into(), "f".into()]), false) else { panic!() };
        assert_eq!(c.accuracy, o.headline());
        assert_eq!(c.confusion, vec![vec![1, 0], vec![1, 1]]);
        assert_eq!(c.auc, Some(1.0));
        assert_eq!(c.one_off, None);
        let v = HeadOutputs::Values { pred: vec![20.0, 30.0], truth: vec![25.0, 30.0] };
        assert_eq!(v.headline(), 2.5);
        let HeadPredictions::Classification { probs, .. } = o.predictions("gender", None) else { panic!() };
        assert_eq!(probs[1], vec![f64::from(0.3f32), f64::from(0.7f32)]);
    }
}
