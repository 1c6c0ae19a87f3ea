//! The confusion matrix, and the accuracy and 1-off accuracy read off it.

use crate::accuracy::ratio;
use crate::one_off::hits_within;
use crate::per_class::{per_class, ClassScores};

/// Counts with rows = true class and columns = predicted class.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Confusion {
    /// `counts[true][pred]`.
    pub counts: Vec<Vec<u64>>,
}

impl Confusion {
    /// An empty `k x k` matrix.
    pub fn new(k: usize) -> Confusion {
        Confusion { counts: vec![vec![0; k]; k] }
    }

    /// A `k x k` matrix of (true, predicted) pairs.
    pub fn from_pairs(k: usize, pairs: impl IntoIterator<Item = (usize, usize)>) -> Confusion {
        let mut c = Confusion::new(k);
        for (t, p) in pairs {
            c.add(t, p);
        }
        c
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
        ratio(hits_within(&self.counts, 0), self.total())
    }

    /// Fraction predicted within one class of the truth (for ordered classes such as age groups).
    pub fn one_off(&self) -> f64 {
        ratio(hits_within(&self.counts, 1), self.total())
    }

    /// Per-class scores.
    pub fn per_class(&self, names: &[String]) -> Vec<ClassScores> {
        per_class(&self.counts, names)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores_match_a_hand_computed_case() {
        // Equivalent Python: sklearn.metrics.confusion_matrix([0,0,1,1,2,2],[0,1,1,1,0,2])
        let c = Confusion::from_pairs(3, [(0, 0), (0, 1), (1, 1), (1, 1), (2, 0), (2, 2)]);
        assert_eq!(c.counts, vec![vec![1, 1, 0], vec![0, 2, 0], vec![1, 0, 1]]);
        assert_eq!(c.total(), 6);
        assert!((c.accuracy() - 4.0 / 6.0).abs() < 1e-12);
        assert!((c.one_off() - 5.0 / 6.0).abs() < 1e-12); // only (2 -> 0) is two away
        assert_eq!(c.per_class(&[]).len(), 3);
        assert_eq!(Confusion::new(2).accuracy(), 0.0);
    }
}
