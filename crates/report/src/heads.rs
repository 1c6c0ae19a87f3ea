//! Numbers derived from one head's per-face predictions (predictions.csv): ROC scores,
//! confidence and calibration, through the metrics crate.

use crate::run::{HeadPredictions, Run};
use crate::tables::Computed;

/// Confidence bins of the reliability diagrams.
pub(crate) const CALIBRATION_BINS: usize = 10;

/// Probability of `class` and whether `class` is true, per face.
pub(crate) fn class_scores(truth: &[usize], probs: &[Vec<f64>], class: usize) -> (Vec<f64>, Vec<bool>) {
    let scores = probs.iter().map(|r| r.get(class).copied().unwrap_or(f64::NAN)).collect();
    (scores, truth.iter().map(|&t| t == class).collect())
}

/// Max probability and correctness of each prediction.
pub(crate) fn confidence(truth: &[usize], pred: &[usize], probs: &[Vec<f64>]) -> (Vec<f64>, Vec<bool>) {
    let conf = probs.iter().map(|r| r.iter().copied().fold(f64::NAN, f64::max)).collect();
    let correct = truth.iter().zip(pred).map(|(t, p)| t == p).collect();
    (conf, correct)
}

/// The one-vs-rest ROC of one class: that class against all others.
pub(crate) struct ClassRoc {
    /// The class.
    pub class: String,
    /// Faces whose true class it is.
    pub support: usize,
    /// (false positive rate, true positive rate) points.
    pub points: Vec<(f64, f64)>,
    /// Area under the curve; `None` when the test set lacks the class or has only it.
    pub auc: Option<f64>,
}

/// One-vs-rest ROC curves of a multi-class head, one per class.
pub(crate) fn one_vs_rest(classes: &[String], truth: &[usize], probs: &[Vec<f64>]) -> Vec<ClassRoc> {
    classes
        .iter()
        .enumerate()
        .map(|(k, class)| {
            let (scores, positives) = class_scores(truth, probs, k);
            ClassRoc {
                class: class.clone(),
                support: positives.iter().filter(|&&p| p).count(),
                points: metrics::roc_curve(&scores, &positives),
                auc: metrics::roc_auc(&scores, &positives),
            }
        })
        .collect()
}

/// Mean of the defined AUCs (the macro average over classes).
pub(crate) fn macro_auc(rocs: &[ClassRoc]) -> Option<f64> {
    let aucs: Vec<f64> = rocs.iter().filter_map(|r| r.auc).collect();
    (!aucs.is_empty()).then(|| aucs.iter().sum::<f64>() / aucs.len() as f64)
}

/// The ECE of classification head `name` from predictions.csv, where available (its AUC is
/// test-metrics.json's, computed by the same function when the run ended).
pub(crate) fn computed_metrics(run: &Run, name: &str) -> Computed {
    let mut c = Computed { ece: None };
    let Some(p) = &run.predictions else {
        return c;
    };
    for h in &p.heads {
        if let HeadPredictions::Classification { name: n, truth, pred, probs, .. } = h {
            if n != name {
                continue;
            }
            let (conf, correct) = confidence(truth, pred, probs);
            c.ece = metrics::expected_calibration_error(&metrics::reliability_bins(&conf, &correct, CALIBRATION_BINS));
        }
    }
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_vs_rest_scores_each_class_against_the_others() {
        let classes: Vec<String> = ["a", "b", "c"].iter().map(|s| (*s).to_owned()).collect();
        // Class a is ranked perfectly; b and c are swapped for one face each.
        let truth = [0, 0, 1, 1, 2, 2];
        let probs = vec![
            vec![0.8, 0.1, 0.1],
            vec![0.7, 0.2, 0.1],
            vec![0.1, 0.6, 0.3],
            vec![0.1, 0.3, 0.6],
            vec![0.1, 0.3, 0.6],
            vec![0.1, 0.6, 0.3],
        ];
        let rocs = one_vs_rest(&classes, &truth, &probs);
        assert_eq!(rocs.len(), 3);
        assert_eq!(rocs[0].auc, Some(1.0));
        assert_eq!(rocs[0].support, 2);
        // b: positives score 0.6, 0.3; negatives 0.1, 0.2, 0.3, 0.6. By pairs, 0.6 beats three
        // and ties one (3.5), 0.3 beats two and ties one (2.5): 6 of 8. c is the mirror case.
        assert_eq!(rocs[1].auc, Some(0.75));
        assert_eq!(macro_auc(&rocs), Some((1.0 + 0.75 + 0.75) / 3.0));
    }
}
