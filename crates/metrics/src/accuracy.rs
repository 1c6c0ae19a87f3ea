//! Exact accuracy: the fraction of predictions equal to the truth.

/// `hits / n`, 0 when `n` is 0 (an empty part has no accuracy to speak of; callers that must
/// tell the two apart check `n` first).
pub fn ratio(hits: u64, n: u64) -> f64 {
    if n == 0 {
        0.0
    } else {
        hits as f64 / n as f64
    }
}

/// How many of `pred` equal `truth`, pair by pair (what an interval on the accuracy counts).
pub fn hits<T: PartialEq>(truth: &[T], pred: &[T]) -> usize {
    truth.iter().zip(pred).filter(|(t, p)| t == p).count()
}

/// Fraction of `pred` equal to `truth` (pairs beyond the shorter slice are ignored); 0 when empty.
pub fn accuracy<T: PartialEq>(truth: &[T], pred: &[T]) -> f64 {
    let n = truth.len().min(pred.len());
    ratio(hits(truth, pred) as u64, n as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fraction_of_hits() {
        assert_eq!(accuracy(&[0, 1, 1, 2], &[0, 1, 0, 2]), 0.75);
        assert_eq!(hits(&[0, 1, 1, 2], &[0, 1, 0, 2]), 3);
        assert_eq!(accuracy::<usize>(&[], &[]), 0.0);
        assert_eq!(ratio(3, 4), 0.75);
        assert_eq!(ratio(0, 0), 0.0);
    }
}
