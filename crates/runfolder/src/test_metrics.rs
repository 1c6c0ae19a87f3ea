//! `test-metrics.json`: the figures of one evaluation (a run's test part, or an `agelab evaluate`).

use std::collections::BTreeMap;

use metrics::ClassScores;
use serde::{Deserialize, Serialize};

/// Test figures of a classification head.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClassMetrics {
    /// Class names.
    pub classes: Vec<String>,
    /// Whether classes are ordered (then 1-off accuracy means something).
    pub ordinal: bool,
    /// Exact accuracy.
    pub accuracy: f64,
    /// Accuracy within one class (ordered classes only).
    pub one_off: Option<f64>,
    /// Rows = true class, columns = predicted class, counts.
    pub confusion: Vec<Vec<u64>>,
    /// Per-class scores.
    pub per_class: Vec<ClassScores>,
    /// Unweighted mean F1.
    pub macro_f1: f64,
    /// ROC AUC (binary heads), else `None`.
    pub auc: Option<f64>,
}

/// Test figures of a regression head (years).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegressionMetrics {
    /// Mean absolute error.
    pub mae: f64,
    /// Root mean squared error.
    pub rmse: f64,
}

/// A head's figures, tagged by `kind`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum HeadMetrics {
    /// Classification head.
    Classification(ClassMetrics),
    /// Regression head.
    Regression(RegressionMetrics),
}

/// `test-metrics.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TestMetrics {
    /// Which part was evaluated (`test`, `valid`, `all of <folder>`).
    pub part: String,
    /// Images evaluated.
    pub images: usize,
    /// Mean weighted loss.
    pub loss: f64,
    /// Epoch whose weights were evaluated (0: an ensemble, or unknown).
    pub best_epoch: usize,
    /// Per head, keyed by name (sorted; the manifest gives the config order).
    pub heads: BTreeMap<String, HeadMetrics>,
    /// Per head, with 10-crop over-sampling (when the experiment asks for it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ten_crop: Option<BTreeMap<String, HeadMetrics>>,
}

impl TestMetrics {
    /// The heads in `order` (config order, from the manifest), any others after them by name.
    pub fn heads_in_order<'a>(
        heads: &'a BTreeMap<String, HeadMetrics>,
        order: &[String],
    ) -> Vec<(&'a String, &'a HeadMetrics)> {
        let mut v: Vec<_> = heads.iter().collect();
        v.sort_by_key(|(n, _)| order.iter().position(|o| o == *n).unwrap_or(usize::MAX));
        v
    }

    /// Checks what the types cannot: each confusion matrix is square with one row per class.
    pub fn validate(&self, path: &std::path::Path) -> Result<(), crate::RunFolderError> {
        for (name, head) in self.heads.iter().chain(self.ten_crop.iter().flatten()) {
            if let HeadMetrics::Classification(c) = head {
                let n = c.classes.len();
                if c.confusion.len() != n || c.confusion.iter().any(|r| r.len() != n) {
                    return Err(crate::RunFolderError::Json {
                        path: path.to_path_buf(),
                        expected: format!("head `{name}`: a {n}x{n} confusion matrix (one row and column per class)"),
                        source: serde::de::Error::custom("confusion matrix of the wrong shape"),
                    });
                }
            }
        }
        Ok(())
    }

    /// Reads and validates the file.
    pub fn read(path: &std::path::Path) -> Result<TestMetrics, crate::RunFolderError> {
        let t: TestMetrics =
            crate::read_json(path, "test metrics with `heads` keyed by head name, each with its `kind`")?;
        t.validate(path)?;
        Ok(t)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn sample() -> TestMetrics {
        let gender = HeadMetrics::Classification(ClassMetrics {
            classes: vec!["male".into(), "female".into()],
            ordinal: false,
            accuracy: 0.75,
            one_off: None,
            confusion: vec![vec![2, 1], vec![0, 1]],
            per_class: metrics::per_class(&[vec![2, 1], vec![0, 1]], &["male".into(), "female".into()]),
            macro_f1: 0.7333333333333334,
            auc: Some(0.8),
        });
        let age = HeadMetrics::Regression(RegressionMetrics { mae: 6.25, rmse: 8.5 });
        TestMetrics {
            part: "test".into(),
            images: 4,
            loss: 0.5,
            best_epoch: 3,
            heads: [("gender".to_owned(), gender), ("age_years".to_owned(), age)].into_iter().collect(),
            ten_crop: None,
        }
    }

    #[test]
    fn round_trips_in_the_committed_layout() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("test-metrics.json");
        let t = sample();
        crate::write_json(&p, &t).unwrap();
        let text = std::fs::read_to_string(&p).unwrap();
        assert!(text.contains("\"gender\": {\n      \"kind\": \"classification\",\n      \"classes\""), "{text}");
        assert!(!text.contains("ten_crop"));
        assert_eq!(TestMetrics::read(&p).unwrap(), t);
        let order = ["gender".to_owned(), "age_years".to_owned()];
        let names: Vec<&String> = TestMetrics::heads_in_order(&t.heads, &order).into_iter().map(|(n, _)| n).collect();
        assert_eq!(names, [&order[0], &order[1]]);
    }

    #[test]
    fn a_confusion_matrix_of_the_wrong_shape_is_refused() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("test-metrics.json");
        let mut t = sample();
        if let Some(HeadMetrics::Classification(c)) = t.heads.get_mut("gender") {
            c.confusion.pop();
        }
        crate::write_json(&p, &t).unwrap();
        assert!(TestMetrics::read(&p).unwrap_err().to_string().contains("2x2"));
    }
}
