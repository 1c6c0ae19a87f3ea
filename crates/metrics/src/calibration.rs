//! Calibration: reliability bins and the expected calibration error (ECE).

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

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-12
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
}
