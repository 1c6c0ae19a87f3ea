//! 95% intervals: Wilson's for proportions (accuracies), Student's t for means (MAE).

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
