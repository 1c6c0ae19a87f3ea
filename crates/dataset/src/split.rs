//! Splits: which face goes to train, valid or test. Every split is seeded, written to the run
//! folder as a CSV listing, and fingerprinted so two runs can be shown to share it.

use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::fingerprint::Fingerprint;
use crate::DatasetError;

/// A part of a split.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Part {
    /// Used to fit weights.
    Train,
    /// Used to choose epochs and hyperparameters.
    Valid,
    /// Used once, to report.
    Test,
}

impl Part {
    /// All parts, in order.
    pub const ALL: [Part; 3] = [Part::Train, Part::Valid, Part::Test];
    /// The lower-case name.
    pub fn name(self) -> &'static str {
        match self {
            Part::Train => "train",
            Part::Valid => "valid",
            Part::Test => "test",
        }
    }
}

/// How to split, as written in an experiment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase", deny_unknown_fields)]
pub enum SplitSpec {
    /// The report's protocol: seeded shuffle, then the first `train` faces, the next `valid`, and
    /// the next `test` (all the rest when `test` is omitted).
    Ordered {
        /// Faces in train.
        train: usize,
        /// Faces in valid.
        valid: usize,
        /// Faces in test (default: the rest).
        #[serde(default)]
        test: Option<usize>,
    },
    /// Seeded shuffle, then fractions (the report's 80/20 is `train = 0.8, valid = 0.0`).
    Fraction {
        /// Fraction in train.
        train: f64,
        /// Fraction in valid (the rest is test).
        #[serde(default)]
        valid: f64,
    },
}

/// A resolved split: the part of each face, by index into the face list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Split {
    parts: Vec<Option<Part>>,
}

impl Split {
    /// Applies a spec to `n` faces with a seed.
    pub fn new(spec: &SplitSpec, n: usize, seed: u64) -> Result<Split, DatasetError> {
        let (train, valid, test) = match *spec {
            SplitSpec::Ordered { train, valid, test } => {
                let fixed = train + valid;
                if fixed > n {
                    return Err(DatasetError::SplitTooLarge { what: "train + valid".into(), wanted: fixed, available: n });
                }
                let test = test.unwrap_or(n - fixed);
                if fixed + test > n {
                    return Err(DatasetError::SplitTooLarge { what: "train + valid + test".into(), wanted: fixed + test, available: n });
                }
                (train, valid, test)
            }
            SplitSpec::Fraction { train, valid } => {
                if !(0.0..=1.0).contains(&train) || !(0.0..=1.0).contains(&valid) || train + valid > 1.0 + 1e-9 {
                    return Err(DatasetError::InvalidSplit(format!(
                        "fractions must be in [0, 1] and sum to at most 1, got train {train}, valid {valid}"
                    )));
                }
                let tr = (train * n as f64).round() as usize;
                let va = ((valid * n as f64).round() as usize).min(n - tr);
                (tr, va, n - tr - va)
            }
        };
        if train == 0 {
            return Err(DatasetError::InvalidSplit("the train part is empty".into()));
        }
        let mut order: Vec<usize> = (0..n).collect();
        order.shuffle(&mut ChaCha8Rng::seed_from_u64(seed));
        let mut parts = vec![None; n];
        for (rank, &i) in order.iter().enumerate() {
            parts[i] = if rank < train {
                Some(Part::Train)
            } else if rank < train + valid {
                Some(Part::Valid)
            } else if rank < train + valid + test {
                Some(Part::Test)
            } else {
                None
            };
        }
        Ok(Split { parts })
    }

    /// Indices of the faces in a part, in face order.
    pub fn indices(&self, part: Part) -> Vec<usize> {
        self.parts.iter().enumerate().filter(|(_, p)| **p == Some(part)).map(|(i, _)| i).collect()
    }

    /// The part of face `i` (`None`: left out).
    pub fn part(&self, i: usize) -> Option<Part> {
        self.parts[i]
    }

    /// Number of faces in each part.
    pub fn sizes(&self) -> [usize; 3] {
        Part::ALL.map(|p| self.parts.iter().filter(|x| **x == Some(p)).count())
    }

    /// The CSV listing `file,part`, one face per row in face order.
    pub fn listing(&self, files: &[&str]) -> String {
        let mut out = String::from("file,part\n");
        for (file, part) in files.iter().zip(&self.parts) {
            out.push_str(file);
            out.push(',');
            out.push_str(part.map(Part::name).unwrap_or("unused"));
            out.push('\n');
        }
        out
    }

    /// A fingerprint of the listing: equal fingerprints mean the same faces in the same parts.
    pub fn fingerprint(&self, files: &[&str]) -> String {
        Fingerprint::of_bytes(self.listing(files).as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordered_split_counts_and_determinism() {
        let spec = SplitSpec::Ordered { train: 60, valid: 25, test: None };
        let a = Split::new(&spec, 100, 7).unwrap();
        assert_eq!(a.sizes(), [60, 25, 15]);
        assert_eq!(a, Split::new(&spec, 100, 7).unwrap());
        assert_ne!(a, Split::new(&spec, 100, 8).unwrap());
        let files: Vec<String> = (0..100).map(|i| format!("f{i}")).collect();
        let files: Vec<&str> = files.iter().map(|s| s.as_str()).collect();
        assert_eq!(a.fingerprint(&files), Split::new(&spec, 100, 7).unwrap().fingerprint(&files));
        assert!(a.listing(&files).starts_with("file,part\nf0,"));
    }

    #[test]
    fn report_split_on_the_shared_set_size() {
        // 22,707 files minus the 3 malformed names: the report's 15008/7000 leaves 696 for test.
        let spec = SplitSpec::Ordered { train: 15008, valid: 7000, test: None };
        assert_eq!(Split::new(&spec, 22704, 1).unwrap().sizes(), [15008, 7000, 696]);
    }

    #[test]
    fn explicit_test_leaves_the_rest_unused() {
        let spec = SplitSpec::Ordered { train: 5, valid: 2, test: Some(2) };
        let s = Split::new(&spec, 10, 0).unwrap();
        assert_eq!(s.sizes(), [5, 2, 2]);
        assert_eq!((0..10).filter(|&i| s.part(i).is_none()).count(), 1);
    }

    #[test]
    fn too_large_and_bad_fractions() {
        let spec = SplitSpec::Ordered { train: 90, valid: 20, test: None };
        assert!(Split::new(&spec, 100, 0).unwrap_err().to_string().contains("110"));
        let spec = SplitSpec::Fraction { train: 0.9, valid: 0.3 };
        assert!(Split::new(&spec, 100, 0).is_err());
        let spec = SplitSpec::Fraction { train: 0.8, valid: 0.0 };
        assert_eq!(Split::new(&spec, 100, 0).unwrap().sizes(), [80, 0, 20]);
    }
}
