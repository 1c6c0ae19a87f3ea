//! Means of a per-face value per group (race, gender, age band): the fairness tables.

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

#[cfg(test)]
mod tests {
    use super::*;

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
}
