//! 1-off accuracy: a prediction counts as right when it is within one class of the truth, for
//! ordered classes such as age groups (Levi & Hassner's "1-off").

/// Counts of a confusion matrix (`counts[true][pred]`) whose predicted class is within `off`
/// classes of the true one; `off` 0 gives the exact hits.
pub fn hits_within<C: Copy + Into<u64>>(counts: &[Vec<C>], off: usize) -> u64 {
    counts
        .iter()
        .enumerate()
        .flat_map(|(t, row)| {
            row.iter().enumerate().filter(move |(p, _)| t.abs_diff(*p) <= off).map(|(_, c)| (*c).into())
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_the_band_around_the_diagonal() {
        let counts: Vec<Vec<u64>> = vec![vec![1, 1, 0], vec![0, 2, 0], vec![1, 0, 1]];
        assert_eq!(hits_within(&counts, 0), 4);
        assert_eq!(hits_within(&counts, 1), 5, "only (2 -> 0) is two away");
        assert_eq!(hits_within(&counts, 2), 6);
    }
}
