//! Confusion matrix and what derives from it: accuracy, 1-off accuracy, per-class P/R/F1.

use serde::{Deserialize, Serialize};

/// Counts with rows = true class and columns = predicted class.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Confusion {
    /// `counts[true][pred]`.
    pub counts: Vec<Vec<u64>>,
}

/// Precision, recall, F1 and support of one class.
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

impl Confusion {
    /// An empty `k x k` matrix.
    pub fn new(k: usize) -> Confusion {
        Confusion { counts: vec![vec![0; k]; k] }
    }

    /// Counts one prediction.
    pub fn add(&mut self, truth: usize, pred: usize) {
        self.counts[truth][pred] += 1;
    }

    /// Total count.
    pub fn total(&self) -> u64 {
        self.counts.iter().flatten().sum()
    }

    /// Fraction on the diagonal.
    pub fn accuracy(&self) -> f64 {
        let diag: u64 = (0..self.counts.len()).map(|i| self.counts[i][i]).sum();
        ratio(diag, self.total())
    }

    /// Fraction predicted within one class of the truth (for ordered classes such as age groups).
    pub fn one_off(&self) -> f64 {
        let near: u64 = self
            .counts
            .iter()
            .enumerate()
            .flat_map(|(t, row)| row.iter().enumerate().filter(move |(p, _)| t.abs_diff(*p) <= 1).map(|(_, c)| *c))
            .sum();
        ratio(near, self.total())
    }

    /// Per-class scores.
    pub fn per_class(&self, names: &[String]) -> Vec<ClassScores> {
        let k = self.counts.len();
        (0..k)
            .map(|c| {
                let tp = self.counts[c][c];
                let support: u64 = self.counts[c].iter().sum();
                let predicted: u64 = (0..k).map(|t| self.counts[t][c]).sum();
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
}

fn ratio(a: u64, b: u64) -> f64 {
    if b == 0 {
        0.0
    } else {
        a as f64 / b as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores_match_a_hand_computed_case() {
        // Equivalent Python: sklearn.metrics.confusion_matrix([0,0,1,1,2,2],[0,1,1,1,0,2])
        let mut c = Confusion::new(3);
        for (t, p) in [(0, 0), (0, 1), (1, 1), (1, 1), (2, 0), (2, 2)] {
            c.add(t, p);
        }
        assert!((c.accuracy() - 4.0 / 6.0).abs() < 1e-12);
        assert!((c.one_off() - 5.0 / 6.0).abs() < 1e-12); // only (2 -> 0) is two away
        let s = c.per_class(&["a".into(), "b".into(), "c".into()]);
        assert!((s[1].precision - 2.0 / 3.0).abs() < 1e-12);
        assert_eq!(s[1].recall, 1.0);
        assert!((s[0].f1 - 0.5).abs() < 1e-12);
        assert_eq!(s[2].support, 2);
    }
}
