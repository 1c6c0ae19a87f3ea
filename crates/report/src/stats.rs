//! Small pure statistics used by the figures and tables: ROC/AUC, calibration, group means.

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
pub fn auc(scores: &[f64], positives: &[bool]) -> Option<f64> {
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

/// One bin of a reliability diagram.
#[derive(Debug, Clone, PartialEq)]
pub struct ReliabilityBin {
    /// Lower edge of the confidence bin.
    pub lower: f64,
    /// Upper edge of the confidence bin.
    pub upper: f64,
    /// Predictions whose confidence falls in the bin.
    pub count: usize,
    /// Mean confidence in the bin (0 when empty).
    pub mean_confidence: f64,
    /// Fraction of correct predictions in the bin (0 when empty).
    pub accuracy: f64,
}

/// Splits `[0, 1]` into `n_bins` equal bins of confidence and measures accuracy in each.
///
/// A confidence of exactly 1 falls in the last bin; values outside `[0, 1]` are clamped.
pub fn reliability_bins(confidence: &[f64], correct: &[bool], n_bins: usize) -> Vec<ReliabilityBin> {
    let n_bins = n_bins.max(1);
    let mut count = vec![0usize; n_bins];
    let mut conf_sum = vec![0.0; n_bins];
    let mut hits = vec![0usize; n_bins];
    for (&c, &ok) in confidence.iter().zip(correct) {
        if !c.is_finite() {
            continue;
        }
        let c = c.clamp(0.0, 1.0);
        let b = ((c * n_bins as f64) as usize).min(n_bins - 1);
        count[b] += 1;
        conf_sum[b] += c;
        hits[b] += usize::from(ok);
    }
    (0..n_bins)
        .map(|b| {
            let (mean_confidence, accuracy) = if count[b] == 0 {
                (0.0, 0.0)
            } else {
                (conf_sum[b] / count[b] as f64, hits[b] as f64 / count[b] as f64)
            };
            ReliabilityBin {
                lower: b as f64 / n_bins as f64,
                upper: (b + 1) as f64 / n_bins as f64,
                count: count[b],
                mean_confidence,
                accuracy,
            }
        })
        .collect()
}

/// Expected calibration error: the count-weighted mean of |accuracy − confidence| over bins.
/// `None` when the bins hold no predictions.
pub fn expected_calibration_error(bins: &[ReliabilityBin]) -> Option<f64> {
    let total: usize = bins.iter().map(|b| b.count).sum();
    if total == 0 {
        return None;
    }
    Some(bins.iter().map(|b| b.count as f64 / total as f64 * (b.accuracy - b.mean_confidence).abs()).sum())
}

/// The mean of a per-face value within one group (e.g. one race code).
#[derive(Debug, Clone, PartialEq)]
pub struct GroupMean {
    /// The group's code; `None` for faces whose code is unknown.
    pub code: Option<u8>,
    /// Faces in the group.
    pub count: usize,
    /// Mean of the value over the group.
    pub mean: f64,
}

/// Means of `values` per group code, sorted by code (unknown last); non-finite values are skipped.
pub fn group_means(codes: &[Option<u8>], values: &[f64]) -> Vec<GroupMean> {
    let mut acc: std::collections::BTreeMap<(bool, u8), (usize, f64)> = Default::default();
    for (&code, &v) in codes.iter().zip(values) {
        if !v.is_finite() {
            continue;
        }
        let key = (code.is_none(), code.unwrap_or(0));
        let e = acc.entry(key).or_insert((0, 0.0));
        e.0 += 1;
        e.1 += v;
    }
    acc.into_iter()
        .map(|((unknown, code), (count, sum))| GroupMean {
            code: (!unknown).then_some(code),
            count,
            mean: sum / count as f64,
        })
        .collect()
}

/// 95% Wilson score interval of a proportion `hits / n` (well-behaved near 0 and 1 and for small
/// `n`, unlike the normal approximation); `(0, 1)` when `n` is 0.
pub fn wilson_interval(hits: usize, n: usize) -> (f64, f64) {
    if n == 0 {
        return (0.0, 1.0);
    }
    let (z, n, p) = (1.96_f64, n as f64, hits as f64 / n as f64);
    let centre = (p + z * z / (2.0 * n)) / (1.0 + z * z / n);
    let half = z / (1.0 + z * z / n) * (p * (1.0 - p) / n + z * z / (4.0 * n * n)).sqrt();
    ((centre - half).max(0.0), (centre + half).min(1.0))
}

/// Mean of the finite `values` with its 95% Student's t interval `(mean, low, high)`;
/// `None` with fewer than two finite values.
pub fn mean_interval(values: &[f64]) -> Option<(f64, f64, f64)> {
    let v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    if v.len() < 2 {
        return None;
    }
    let n = v.len() as f64;
    let mean = v.iter().sum::<f64>() / n;
    let var = v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
    let half = t975(v.len() - 1) * (var / n).sqrt();
    Some((mean, mean - half, mean + half))
}

/// Student's t quantile for a two-sided 95% interval with `df` degrees of freedom: the table's
/// values up to 30 (a held-out MAE over 13 faces needs 2.18, not 1.96), then the Cornish-Fisher
/// expansion around the normal's 1.96, within 1e-4 of the exact quantile from df = 30 on.
pub fn t975(df: usize) -> f64 {
    const TABLE: [f64; 30] = [
        12.7062, 4.3027, 3.1824, 2.7764, 2.5706, 2.4469, 2.3646, 2.3060, 2.2622, 2.2281, 2.2010, 2.1788, 2.1604,
        2.1448, 2.1314, 2.1199, 2.1098, 2.1009, 2.0930, 2.0860, 2.0796, 2.0739, 2.0687, 2.0639, 2.0595, 2.0555, 2.0518,
        2.0484, 2.0452, 2.0423,
    ];
    match df {
        0 => f64::NAN,
        1..=30 => TABLE[df - 1],
        _ => {
            let (z, d) = (1.959_963_985_f64, df as f64);
            z + (z.powi(3) + z) / (4.0 * d)
                + (5.0 * z.powi(5) + 16.0 * z.powi(3) + 3.0 * z) / (96.0 * d * d)
                + (3.0 * z.powi(7) + 19.0 * z.powi(5) + 17.0 * z.powi(3) - 15.0 * z) / (384.0 * d.powi(3))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-12
    }

    #[test]
    fn auc_of_perfectly_separated_scores_is_one() {
        let s = [0.9, 0.8, 0.3, 0.1];
        let p = [true, true, false, false];
        assert_eq!(auc(&s, &p), Some(1.0));
        let inverted = [false, false, true, true];
        assert_eq!(auc(&s, &inverted), Some(0.0));
    }

    #[test]
    fn auc_of_a_small_known_case() {
        // Positives 0.8, 0.4; negatives 0.6, 0.2.
        // Pairs (pos > neg): 0.8>0.6, 0.8>0.2, 0.4>0.2 = 3 of 4.
        let s = [0.8, 0.6, 0.4, 0.2];
        let p = [true, false, true, false];
        assert!(close(auc(&s, &p).unwrap_or(f64::NAN), 0.75));
    }

    #[test]
    fn auc_counts_ties_as_half() {
        let s = [0.5, 0.5, 0.9, 0.1];
        let p = [true, false, true, false];
        // Positives {0.5, 0.9}, negatives {0.5, 0.1}:
        // 0.5 vs 0.5 = 0.5, 0.5 vs 0.1 = 1, 0.9 vs 0.5 = 1, 0.9 vs 0.1 = 1 -> 3.5 / 4.
        assert!(close(auc(&s, &p).unwrap_or(f64::NAN), 0.875));
    }

    #[test]
    fn auc_skips_nan_scores() {
        let s = [0.9, f64::NAN, 0.1];
        let p = [true, true, false];
        assert_eq!(auc(&s, &p), Some(1.0));
        assert_eq!(roc_curve(&s, &p).len(), 3);
    }

    #[test]
    fn auc_needs_both_classes() {
        assert_eq!(auc(&[0.1, 0.2], &[true, true]), None);
        assert_eq!(auc(&[], &[]), None);
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
        assert!(close(area, auc(&s, &p).unwrap_or(f64::NAN)));
    }

    #[test]
    fn ece_of_a_known_case() {
        // Bin [0.9, 1.0]: confidences 0.95, 0.95, one right, one wrong -> |0.5 - 0.95| = 0.45.
        // Bin [0.6, 0.7): confidences 0.65, 0.65, both right -> |1 - 0.65| = 0.35.
        // ECE = 2/4 * 0.45 + 2/4 * 0.35 = 0.40.
        let c = [0.95, 0.95, 0.65, 0.65];
        let ok = [true, false, true, true];
        let bins = reliability_bins(&c, &ok, 10);
        assert_eq!(bins.len(), 10);
        assert_eq!(bins[9].count, 2);
        assert_eq!(bins[6].count, 2);
        assert!(close(bins[9].accuracy, 0.5));
        assert!(close(expected_calibration_error(&bins).unwrap_or(f64::NAN), 0.40));
    }

    #[test]
    fn ece_is_zero_when_calibrated_and_edges_are_binned() {
        // Confidence 1.0 goes to the last bin; all correct -> perfectly calibrated.
        let bins = reliability_bins(&[1.0, 1.0], &[true, true], 10);
        assert_eq!(bins[9].count, 2);
        assert!(close(expected_calibration_error(&bins).unwrap_or(f64::NAN), 0.0));
        assert_eq!(expected_calibration_error(&reliability_bins(&[], &[], 10)), None);
    }

    #[test]
    fn group_means_by_code() {
        let codes = [Some(1), Some(0), Some(1), None, Some(0)];
        let vals = [1.0, 0.0, 0.0, 1.0, 1.0];
        let g = group_means(&codes, &vals);
        assert_eq!(
            g,
            vec![
                GroupMean { code: Some(0), count: 2, mean: 0.5 },
                GroupMean { code: Some(1), count: 2, mean: 0.5 },
                GroupMean { code: None, count: 1, mean: 1.0 },
            ]
        );
    }

    #[test]
    fn wilson_interval_matches_reference_values() {
        // 88.2% of 704 (Model 2's test accuracy): the interval is about +-2.4 points.
        let (lo, hi) = wilson_interval(621, 704);
        assert!((lo - 0.8562).abs() < 1e-3 && (hi - 0.9039).abs() < 1e-3, "{lo} {hi}");
        assert_eq!(wilson_interval(0, 0), (0.0, 1.0));
        let (lo, hi) = wilson_interval(10, 10);
        assert!(lo > 0.69 && lo < 0.73 && hi == 1.0, "{lo} {hi}");
    }

    #[test]
    fn mean_interval_widens_with_spread() {
        let (m, lo, hi) = mean_interval(&[1.0, 2.0, 3.0, 4.0]).unwrap();
        assert_eq!(m, 2.5);
        // sd = 1.291, se = 0.6455, 3 degrees of freedom: t = 3.1824, half = 2.0542
        assert!((hi - m - 2.0542).abs() < 1e-3 && (m - lo - 2.0542).abs() < 1e-3);
        assert!(mean_interval(&[1.0, f64::NAN]).is_none());
    }

    #[test]
    fn t_quantiles_join_the_table_and_approach_the_normal() {
        assert_eq!(t975(12), 2.1788);
        // beyond the table: 2.0423 at 30 from both sides; 40: 2.0211, 120: 1.9799 (exact)
        assert!((t975(31) - 2.0395).abs() < 2e-4, "{}", t975(31));
        assert!((t975(40) - 2.0211).abs() < 1e-4, "{}", t975(40));
        assert!((t975(120) - 1.9799).abs() < 1e-4, "{}", t975(120));
        assert!((t975(100_000) - 1.96).abs() < 1e-3);
        assert!(t975(0).is_nan());
    }
}
