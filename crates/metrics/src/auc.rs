//! ROC curve and the area under it (AUC) for a binary question: one class against the rest.

/// The pairs whose score is finite (NaN scores would break the tie grouping).
fn finite(scores: &[f64], positives: &[bool]) -> (Vec<f64>, Vec<bool>) {
    scores.iter().zip(positives).filter(|(s, _)| s.is_finite()).map(|(&s, &p)| (s, p)).unzip()
}

/// Points `(false positive rate, true positive rate)` of the ROC curve, from `(0, 0)` to `(1, 1)`.
///
/// `scores` are the predicted probabilities of the positive class; tied scores form one step.
/// Empty when there are no positives or no negatives.
pub fn roc_curve(scores: &[f64], positives: &[bool]) -> Vec<(f64, f64)> {
    let (scores, positives) = finite(scores, positives);
    let n = scores.len();
    let n_pos = positives.iter().filter(|&&p| p).count();
    let n_neg = n - n_pos;
    if n_pos == 0 || n_neg == 0 {
        return Vec::new();
    }
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]));
    let mut points = vec![(0.0, 0.0)];
    let (mut tp, mut fp) = (0usize, 0usize);
    let mut i = 0;
    while i < n {
        let s = scores[order[i]];
        while i < n && scores[order[i]] == s {
            if positives[order[i]] {
                tp += 1;
            } else {
                fp += 1;
            }
            i += 1;
        }
        points.push((fp as f64 / n_neg as f64, tp as f64 / n_pos as f64));
    }
    points
}

/// Area under the ROC curve: the chance that a random positive scores above a random
/// negative, ties counting one half. `None` without both positives and negatives.
pub fn roc_auc(scores: &[f64], positives: &[bool]) -> Option<f64> {
    let (scores, positives) = finite(scores, positives);
    let n = scores.len();
    let n_pos = positives.iter().filter(|&&p| p).count();
    let n_neg = n - n_pos;
    if n_pos == 0 || n_neg == 0 {
        return None;
    }
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| scores[a].total_cmp(&scores[b]));
    // Mann-Whitney U with average ranks for ties.
    let mut rank_sum_pos = 0.0;
    let mut i = 0;
    while i < n {
        let mut j = i;
        while j < n && scores[order[j]] == scores[order[i]] {
            j += 1;
        }
        let avg_rank = (i + 1 + j) as f64 / 2.0;
        rank_sum_pos += avg_rank * order[i..j].iter().filter(|&&k| positives[k]).count() as f64;
        i = j;
    }
    let u = rank_sum_pos - (n_pos * (n_pos + 1)) as f64 / 2.0;
    Some(u / (n_pos as f64 * n_neg as f64))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-12
    }

    #[test]
    fn known_values() {
        // Equivalent Python: sklearn.metrics.roc_auc_score([0,0,1,1],[0.1,0.4,0.35,0.8]) == 0.75
        assert_eq!(roc_auc(&[0.1, 0.4, 0.35, 0.8], &[false, false, true, true]), Some(0.75));
        assert_eq!(roc_auc(&[0.5, 0.5], &[false, true]), Some(0.5));
    }

    #[test]
    fn auc_of_perfectly_separated_scores_is_one() {
        let s = [0.9, 0.8, 0.3, 0.1];
        let p = [true, true, false, false];
        assert_eq!(roc_auc(&s, &p), Some(1.0));
        let inverted = [false, false, true, true];
        assert_eq!(roc_auc(&s, &inverted), Some(0.0));
    }

    #[test]
    fn auc_of_a_small_known_case() {
        // Positives 0.8, 0.4; negatives 0.6, 0.2.
        // Pairs (pos > neg): 0.8>0.6, 0.8>0.2, 0.4>0.2 = 3 of 4.
        let s = [0.8, 0.6, 0.4, 0.2];
        let p = [true, false, true, false];
        assert!(close(roc_auc(&s, &p).unwrap_or(f64::NAN), 0.75));
    }

    #[test]
    fn auc_counts_ties_as_half() {
        let s = [0.5, 0.5, 0.9, 0.1];
        let p = [true, false, true, false];
        // Positives {0.5, 0.9}, negatives {0.5, 0.1}:
        // 0.5 vs 0.5 = 0.5, 0.5 vs 0.1 = 1, 0.9 vs 0.5 = 1, 0.9 vs 0.1 = 1 -> 3.5 / 4.
        assert!(close(roc_auc(&s, &p).unwrap_or(f64::NAN), 0.875));
    }

    #[test]
    fn auc_skips_nan_scores() {
        let s = [0.9, f64::NAN, 0.1];
        let p = [true, true, false];
        assert_eq!(roc_auc(&s, &p), Some(1.0));
        assert_eq!(roc_curve(&s, &p).len(), 3);
    }

    #[test]
    fn auc_needs_both_classes() {
        assert_eq!(roc_auc(&[0.1, 0.2], &[true, true]), None);
        assert_eq!(roc_auc(&[], &[]), None);
        assert!(roc_curve(&[0.1], &[false]).is_empty());
    }

    #[test]
    fn roc_trapezoid_area_matches_auc() {
        let s = [0.9, 0.7, 0.7, 0.6, 0.55, 0.4, 0.3, 0.3, 0.2, 0.1];
        let p = [true, true, false, true, false, true, false, true, false, false];
        let pts = roc_curve(&s, &p);
        assert_eq!(pts.first(), Some(&(0.0, 0.0)));
        assert_eq!(pts.last(), Some(&(1.0, 1.0)));
        let area: f64 = pts.windows(2).map(|w| (w[1].0 - w[0].0) * (w[1].1 + w[0].1) / 2.0).sum();
        assert!(close(area, roc_auc(&s, &p).unwrap_or(f64::NAN)));
    }
}
