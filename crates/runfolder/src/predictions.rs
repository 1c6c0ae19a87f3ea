//! `predictions.csv`: one row per evaluated face, `file,age,gender,race` (the face's true labels
//! from its name), then per head `<head>_true,<head>_pred` and, for a classification head, one
//! softmax probability `<head>_p<k>` per class.

use std::collections::HashMap;
use std::path::Path;

use crate::epochs::{malformed, read_records};
use crate::RunFolderError;

/// What a head predicts, as far as its columns go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HeadKind {
    /// Class indices and one probability per class.
    Classification {
        /// Class names in index order.
        classes: Vec<String>,
    },
    /// A number (years).
    Regression,
}

/// A head's name and kind: what it takes to read its columns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeadSpec {
    /// Head name.
    pub name: String,
    /// Its kind.
    pub kind: HeadKind,
}

/// One head's predictions, one entry per face.
#[derive(Debug, Clone, PartialEq)]
pub enum HeadPredictions {
    /// A classification head.
    Classification {
        /// Head name.
        name: String,
        /// Class names in index order.
        classes: Vec<String>,
        /// True class index.
        truth: Vec<usize>,
        /// Predicted class index.
        pred: Vec<usize>,
        /// `probs[i][k]`: probability of class `k` for face `i`.
        probs: Vec<Vec<f64>>,
    },
    /// A regression head.
    Regression {
        /// Head name.
        name: String,
        /// True value (years).
        truth: Vec<f64>,
        /// Predicted value (years).
        pred: Vec<f64>,
    },
}

impl HeadPredictions {
    /// The head's name.
    pub fn name(&self) -> &str {
        match self {
            HeadPredictions::Classification { name, .. } | HeadPredictions::Regression { name, .. } => name,
        }
    }
}

/// `predictions.csv`, column by column.
#[derive(Debug, Clone, PartialEq)]
pub struct Predictions {
    /// The face's image file name.
    pub file: Vec<String>,
    /// True age in years.
    pub age: Vec<f64>,
    /// True gender code (0 male, 1 female); `None` when the cell is empty.
    pub gender: Vec<Option<u8>>,
    /// True race code (0 white, 1 black, 2 asian, 3 indian, 4 others); `None` when empty.
    pub race: Vec<Option<u8>>,
    /// Per head, in column order.
    pub heads: Vec<HeadPredictions>,
}

fn code(v: Option<u8>) -> String {
    v.map(|c| c.to_string()).unwrap_or_default()
}

impl Predictions {
    /// The true and predicted values of the regression head `name`, if there is one.
    pub fn regression(&self, name: &str) -> Option<(&[f64], &[f64])> {
        self.heads.iter().find_map(|h| match h {
            HeadPredictions::Regression { name: n, truth, pred } if n == name => Some((&truth[..], &pred[..])),
            _ => None,
        })
    }

    /// The file's text: probabilities with 5 decimals, predicted years with 3, the rest exact.
    pub fn to_csv(&self) -> String {
        let mut out = String::from("file,age,gender,race");
        for h in &self.heads {
            out.push_str(&format!(",{0}_true,{0}_pred", h.name()));
            if let HeadPredictions::Classification { name, classes, .. } = h {
                for c in 0..classes.len() {
                    out.push_str(&format!(",{name}_p{c}"));
                }
            }
        }
        out.push('\n');
        for row in 0..self.file.len() {
            out.push_str(&format!(
                "{},{},{},{}",
                self.file[row],
                self.age[row],
                code(self.gender[row]),
                code(self.race[row])
            ));
            for h in &self.heads {
                match h {
                    HeadPredictions::Classification { truth, pred, probs, .. } => {
                        out.push_str(&format!(",{},{}", truth[row], pred[row]));
                        for p in &probs[row] {
                            out.push_str(&format!(",{p:.5}"));
                        }
                    }
                    HeadPredictions::Regression { truth, pred, .. } => {
                        out.push_str(&format!(",{},{:.3}", truth[row], pred[row]))
                    }
                }
            }
            out.push('\n');
        }
        out
    }

    /// Writes the file atomically.
    pub fn write(&self, path: &Path) -> Result<(), RunFolderError> {
        crate::write_atomic(path, self.to_csv().as_bytes())
    }

    /// Reads the file; `heads` (from the test metrics or the manifest) says which columns to expect.
    pub fn read(path: &Path, heads: &[HeadSpec]) -> Result<Predictions, RunFolderError> {
        let (header, rows) = read_records(path, "per-face predictions (file, age, gender, race, per-head columns)")?;
        let index: HashMap<&str, usize> = header.iter().enumerate().map(|(i, h)| (h.as_str(), i)).collect();
        let col = |c: &str, expected: &str| {
            index.get(c).copied().ok_or_else(|| RunFolderError::MissingColumn {
                path: path.to_path_buf(),
                column: c.to_owned(),
                expected: expected.to_owned(),
            })
        };
        let floats = |c: &str, expected: &str| -> Result<Vec<f64>, RunFolderError> {
            let i = col(c, expected)?;
            rows.iter()
                .map(|(line, r)| match r[i].as_str() {
                    "" => Ok(f64::NAN),
                    s => s.parse().map_err(|_| malformed(path, *line, c, expected, s)),
                })
                .collect()
        };
        let indices = |c: &str, limit: usize, expected: &str| -> Result<Vec<Option<usize>>, RunFolderError> {
            let i = col(c, expected)?;
            rows.iter()
                .map(|(line, r)| match r[i].as_str() {
                    "" => Ok(None),
                    s => match s.parse::<usize>() {
                        Ok(v) if v < limit => Ok(Some(v)),
                        _ => Err(malformed(path, *line, c, expected, s)),
                    },
                })
                .collect()
        };
        let file_col = col("file", "the face's image file name")?;
        let file = rows.iter().map(|(_, r)| r[file_col].clone()).collect();
        let age = floats("age", "the true age in years")?;
        let small = |v: Vec<Option<usize>>| v.into_iter().map(|x| x.map(|x| x as u8)).collect();
        let gender = small(indices("gender", 2, "a gender code: 0 male, 1 female")?);
        let race = small(indices("race", 5, "a race code: 0 white, 1 black, 2 asian, 3 indian, 4 others")?);
        let mut out = Vec::with_capacity(heads.len());
        for h in heads {
            let name = &h.name;
            match &h.kind {
                HeadKind::Classification { classes } => {
                    let k = classes.len();
                    let what = format!("a class index of head `{name}` in 0..{k}");
                    let required = |c: &str| -> Result<Vec<usize>, RunFolderError> {
                        indices(c, k, &what)?
                            .into_iter()
                            .zip(&rows)
                            .map(|(v, (line, _))| v.ok_or_else(|| malformed(path, *line, c, &what, "")))
                            .collect()
                    };
                    let truth = required(&format!("{name}_true"))?;
                    let pred = required(&format!("{name}_pred"))?;
                    let mut cols = Vec::with_capacity(k);
                    for j in 0..k {
                        let c = format!("{name}_p{j}");
                        let p = floats(&c, "a softmax probability in 0..1")?;
                        if let Some(((line, _), bad)) = rows.iter().zip(&p).find(|(_, v)| !(0.0..=1.0).contains(*v)) {
                            return Err(malformed(path, *line, &c, "a softmax probability in 0..1", &bad.to_string()));
                        }
                        cols.push(p);
                    }
                    let probs = (0..rows.len()).map(|i| cols.iter().map(|c| c[i]).collect()).collect();
                    out.push(HeadPredictions::Classification {
                        name: name.clone(),
                        classes: classes.clone(),
                        truth,
                        pred,
                        probs,
                    });
                }
                HeadKind::Regression => {
                    let truth = floats(&format!("{name}_true"), "the true value in years")?;
                    let pred = floats(&format!("{name}_pred"), "the predicted value in years")?;
                    out.push(HeadPredictions::Regression { name: name.clone(), truth, pred });
                }
            }
        }
        Ok(Predictions { file, age, gender, race, heads: out })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_byte_for_byte() {
        let d = tempfile::tempdir().unwrap();
        let p = Predictions {
            file: vec!["25_0_1_x.jpg".into(), "61_1_0_y.jpg".into()],
            age: vec![25.0, 61.0],
            gender: vec![Some(0), Some(1)],
            race: vec![Some(1), Some(0)],
            heads: vec![
                HeadPredictions::Classification {
                    name: "gender".into(),
                    classes: vec!["male".into(), "female".into()],
                    truth: vec![0, 1],
                    pred: vec![0, 0],
                    probs: vec![vec![0.875, 0.125], vec![0.5, 0.5]],
                },
                HeadPredictions::Regression {
                    name: "age_years".into(),
                    truth: vec![25.0, 61.0],
                    pred: vec![27.5, 50.125],
                },
            ],
        };
        let text = p.to_csv();
        assert_eq!(
            text,
            "file,age,gender,race,gender_true,gender_pred,gender_p0,gender_p1,age_years_true,age_years_pred\n\
             25_0_1_x.jpg,25,0,1,0,0,0.87500,0.12500,25,27.500\n\
             61_1_0_y.jpg,61,1,0,1,0,0.50000,0.50000,61,50.125\n"
        );
        let path = d.path().join("predictions.csv");
        p.write(&path).unwrap();
        let specs = [
            HeadSpec {
                name: "gender".into(),
                kind: HeadKind::Classification { classes: vec!["male".into(), "female".into()] },
            },
            HeadSpec { name: "age_years".into(), kind: HeadKind::Regression },
        ];
        let back = Predictions::read(&path, &specs).unwrap();
        assert_eq!(back, p);
        assert_eq!(back.regression("age_years").unwrap().1, &[27.5, 50.125]);
        std::fs::write(&path, text.replace("0.12500", "1.5")).unwrap();
        let e = Predictions::read(&path, &specs).unwrap_err().to_string();
        assert!(e.contains(":2:") && e.contains("gender_p1"), "{e}");
    }
}
