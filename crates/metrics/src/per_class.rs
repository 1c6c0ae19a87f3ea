//! Precision, recall and F1 per class, and their unweighted (macro) mean.

use serde::{Deserialize, Serialize};

use crate::accuracy::ratio;

/// Precision, recall, F1 and support of one class (an entry of `per_class` in
/// `test-metrics.json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClassScores {
    /// Class name.
    pub class: String,
    /// TP / (TP + FP); 0 when nothing was predicted as this class.
    pub precision: f64,
    /// TP / (TP + FN); 0 when the class is absent.
    pub recall: f64,
    /// Harmonic mean of the two.
    pub f1: f64,
    /// True members of the class.
    pub support: u64,
}

/// Per-class scores of a confusion matrix (`counts[true][pred]`), classes named by `names` (by
/// index where a name is missing).
pub fn per_class(counts: &[Vec<u64>], names: &[String]) -> Vec<ClassScores> {
    let k = counts.len();
    (0..k)
        .map(|c| {
            let tp = counts[c][c];
            let support: u64 = counts[c].iter().sum();
            let predicted: u64 = (0..k).map(|t| counts[t][c]).sum();
            let precision = ratio(tp, predicted);
            let recall = ratio(tp, support);
            let f1 = if precision + recall > 0.0 { 2.0 * precision * recall / (precision + recall) } else { 0.0 };
            ClassScores {
                class: names.get(c).cloned().unwrap_or_else(|| c.to_string()),
                precision,
                recall,
                f1,
                support,
            }
        })
        .collect()
}

/// Unweighted mean F1 over classes (0 without classes).
pub fn macro_f1(scores: &[ClassScores]) -> f64 {
    scores.iter().map(|c| c.f1).sum::<f64>() / scores.len().max(1) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores_match_a_hand_computed_case() {
        // Equivalent Python: sklearn.metrics.precision_recall_fscore_support([0,0,1,1,2,2],[0,1,1,1,0,2])
        let counts = vec![vec![1, 1, 0], vec![0, 2, 0], vec![1, 0, 1]];
        let s = per_class(&counts, &["a".into(), "b".into()]);
        assert!((s[1].precision - 2.0 / 3.0).abs() < 1e-12);
        assert_eq!(s[1].recall, 1.0);
        assert!((s[0].f1 - 0.5).abs() < 1e-12);
        assert_eq!(s[2].support, 2);
        assert_eq!(s[2].class, "2", "unnamed classes go by index");
        let want = (0.5 + 0.8 + 2.0 / 3.0) / 3.0;
        assert!((macro_f1(&s) - want).abs() < 1e-12);
        assert_eq!(macro_f1(&[]), 0.0);
    }
}
