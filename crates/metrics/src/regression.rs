//! Regression errors in years.

/// Mean absolute error; 0 when empty.
pub fn mae(pred: &[f64], truth: &[f64]) -> f64 {
    if pred.is_empty() {
        return 0.0;
    }
    pred.iter().zip(truth).map(|(p, t)| (p - t).abs()).sum::<f64>() / pred.len() as f64
}

/// Root mean squared error; 0 when empty.
pub fn rmse(pred: &[f64], truth: &[f64]) -> f64 {
    if pred.is_empty() {
        return 0.0;
    }
    (pred.iter().zip(truth).map(|(p, t)| (p - t).powi(2)).sum::<f64>() / pred.len() as f64).sqrt()
}

#[cfg(test)]
mod tests {
    #[test]
    fn errors() {
        assert_eq!(super::mae(&[1.0, 3.0], &[2.0, 1.0]), 1.5);
        assert!((super::rmse(&[1.0, 3.0], &[2.0, 1.0]) - 2.5f64.sqrt()).abs() < 1e-12);
        assert_eq!(super::mae(&[], &[]), 0.0);
    }
}
