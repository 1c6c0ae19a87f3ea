//! Metrics, one per file, and the per-head results that `test-metrics.json` stores.

pub mod auc;
pub mod confusion;
pub mod regression;

use serde::{Deserialize, Serialize};

pub use confusion::{ClassScores, Confusion};

/// What one head's predictions on a part of the data were, kept whole so every metric (and the
/// predictions file) can be derived from it.
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
    /// Predicted class per image (arg-max), for classification heads.
    pub fn predicted_classes(&self) -> Vec<usize> {
        match self {
            HeadOutputs::Classes { k, probs, .. } => probs
                .chunks(*k)
                .map(|row| row.iter().enumerate().max_by(|a, b| a.1.total_cmp(b.1)).map(|(i, _)| i).unwrap_or(0))
                .collect(),
            HeadOutputs::Values { .. } => Vec::new(),
        }
    }

    /// The head's headline metric: accuracy (higher is better) or MAE (lower is better).
    pub fn headline(&self) -> f64 {
        match self {
            HeadOutputs::Classes { truth, .. } => {
                let pred = self.predicted_classes();
                let hits = pred.iter().zip(truth).filter(|(p, t)| **p as i64 == **t).count();
                if truth.is_empty() {
                    0.0
                } else {
                    hits as f64 / truth.len() as f64
                }
            }
            HeadOutputs::Values { pred, truth } => regression::mae(pred, truth),
        }
    }

    /// All metrics for the head.
    pub fn summarize(&self, classes: Option<&[String]>, ordinal: bool) -> HeadMetrics {
        match self {
            HeadOutputs::Classes { k, probs, truth } => {
                let names: Vec<String> =
                    classes.map(|c| c.to_vec()).unwrap_or_else(|| (0..*k).map(|i| i.to_string()).collect());
                let mut confusion = Confusion::new(*k);
                for (p, t) in self.predicted_classes().iter().zip(truth) {
                    confusion.add(*t as usize, *p);
                }
                let per_class = confusion.per_class(&names);
                let macro_f1 = per_class.iter().map(|c| c.f1).sum::<f64>() / per_class.len().max(1) as f64;
                let auc = (*k == 2)
                    .then(|| {
                        let scores: Vec<f64> = probs.chunks(2).map(|r| r[1] as f64).collect();
                        let pos: Vec<bool> = truth.iter().map(|t| *t == 1).collect();
                        auc::roc_auc(&scores, &pos)
                    })
                    .flatten();
                HeadMetrics::Classification {
                    classes: names,
                    ordinal,
                    accuracy: confusion.accuracy(),
                    one_off: ordinal.then(|| confusion.one_off()),
                    per_class,
                    macro_f1,
                    auc,
                    confusion: confusion.counts,
                }
            }
            HeadOutputs::Values { pred, truth } => {
                HeadMetrics::Regression { mae: regression::mae(pred, truth), rmse: regression::rmse(pred, truth) }
            }
        }
    }
}

/// A head's metrics, as stored in `test-metrics.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum HeadMetrics {
    /// Classification head.
    Classification {
        /// Class names.
        classes: Vec<String>,
        /// Whether classes are ordered.
        ordinal: bool,
        /// Exact accuracy.
        accuracy: f64,
        /// Accuracy within one class (ordered classes only).
        one_off: Option<f64>,
        /// Rows = true, columns = predicted.
        confusion: Vec<Vec<u64>>,
        /// Per-class scores.
        per_class: Vec<ClassScores>,
        /// Unweighted mean F1.
        macro_f1: f64,
        /// ROC AUC (binary heads).
        auc: Option<f64>,
    },
    /// Regression head.
    Regression {
        /// Mean absolute error (years).
        mae: f64,
        /// Root mean squared error (years).
        rmse: f64,
    },
}
