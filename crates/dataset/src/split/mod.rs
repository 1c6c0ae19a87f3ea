//! Splits: which face goes to train, valid or test. Every split is seeded, written to the run
//! folder as a CSV listing, and fingerprinted so two runs can be shown to share it.
//!
//! `ordered` and `fraction` need only the number of faces ([`Split::new`]); the other kinds need
//! per-face inputs (a label to stratify by, a subject key, Adience's fold), given to [`Split::build`].

mod assign;

pub use assign::{fivesplit_folders, folders, FOLDERS};

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
    /// Fractions as `fraction`, drawn within each class of a label, so every part keeps the
    /// label's proportions: per class, train and test are within one face of their share and
    /// valid within two; the train total is exactly `fraction`'s (train + valid to within one). The runner passes
    /// the classes of the task named `by` as [`SplitInputs::strata`].
    Stratified {
        /// Fraction in train.
        train: f64,
        /// Fraction in valid (the rest is test).
        #[serde(default)]
        valid: f64,
        /// The task (or label) whose classes are the strata.
        by: String,
    },
    /// Adience's protocol: fold `test` is the test set; valid is fold `valid_fold`, or the fraction
    /// `valid` of the other faces (drawn by subject when subjects are known), or nothing; the rest
    /// train. Folds come from [`SplitInputs::folds`].
    Kfold {
        /// The test fold (0-based).
        test: usize,
        /// A whole fold as valid.
        #[serde(default)]
        valid_fold: Option<usize>,
        /// Or this fraction of the non-test faces as valid.
        #[serde(default)]
        valid: f64,
    },
    /// Subject-aware fractions: all faces of one subject ([`SplitInputs::groups`], Adience's
    /// `user_id`) go to the same part. Subjects are shuffled (seeded) and laid end to end; a
    /// subject goes to the part its middle face falls in, so parts match the fractions to within
    /// half a subject at each boundary.
    Subject {
        /// Fraction of faces in train.
        train: f64,
        /// Fraction of faces in valid (the rest is test).
        #[serde(default)]
        valid: f64,
    },
    /// The 5-split protocol of Paplhám & Franc (CVPR 2024): the faces are dealt into 10 seeded
    /// folders of equal size (whole subjects when [`SplitInputs::groups`] is given); split `i`
    /// (0-4) tests on folders `2i` and `2i+1`, validates on `2i+2` and `2i+3` (mod 10), and trains
    /// on the other six. Over the five splits each folder is tested once. Use the same seed for all
    /// five, so that they share the folders.
    Fivesplit {
        /// Which of the five splits (0-4).
        split: usize,
    },
}

/// Which per-face inputs a spec uses, so the caller knows what to put in [`SplitInputs`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SplitNeeds<'a> {
    /// The label whose classes are the strata (`stratified`).
    pub strata_by: Option<&'a str>,
    /// Subject keys: required by `subject`, used when given by `kfold` (a valid fraction) and
    /// `fivesplit` (whole subjects per folder).
    pub groups: bool,
    /// Adience fold of each face (`kfold`).
    pub folds: bool,
}

impl SplitSpec {
    /// The per-face inputs this kind uses.
    pub fn needs(&self) -> SplitNeeds<'_> {
        let mut needs = SplitNeeds { strata_by: None, groups: false, folds: false };
        match self {
            SplitSpec::Ordered { .. } | SplitSpec::Fraction { .. } => {}
            SplitSpec::Stratified { by, .. } => needs.strata_by = Some(by),
            SplitSpec::Kfold { .. } => {
                needs.folds = true;
                needs.groups = true;
            }
            SplitSpec::Subject { .. } | SplitSpec::Fivesplit { .. } => needs.groups = true,
        }
        needs
    }

    /// Checks what can be checked without the data (fractions in range, a 5-split index in 0..=4),
    /// so an experiment file is refused at load, not minutes later when the split is built.
    pub fn validate(&self) -> Result<(), DatasetError> {
        match *self {
            SplitSpec::Fraction { train, valid }
            | SplitSpec::Stratified { train, valid, .. }
            | SplitSpec::Subject { train, valid } => assign::check_fractions(train, valid),
            SplitSpec::Kfold { valid, .. } if !(0.0..1.0).contains(&valid) => {
                Err(DatasetError::InvalidSplit(format!("the valid fraction must be in [0, 1), got {valid}")))
            }
            SplitSpec::Fivesplit { split } if split >= 5 => {
                Err(DatasetError::InvalidSplit(format!("fivesplit has splits 0..=4, got {split}")))
            }
            SplitSpec::Ordered { train: 0, .. } => Err(DatasetError::InvalidSplit("the train part is empty".into())),
            _ => Ok(()),
        }
    }
}

/// What [`Split::build`] splits: how many faces, the seed, and the per-face inputs some kinds need
/// (each slice has one entry per face).
#[derive(Debug, Clone, Copy, Default)]
pub struct SplitInputs<'a> {
    /// Number of faces.
    pub n: usize,
    /// The seed.
    pub seed: u64,
    /// A class index per face, for `stratified`.
    pub strata: Option<&'a [usize]>,
    /// A subject key per face (Adience's `user_id`), for `subject`, `kfold` and `fivesplit`.
    pub groups: Option<&'a [String]>,
    /// Adience fold per face (0-4), for `kfold`.
    pub folds: Option<&'a [usize]>,
}

impl<'a> SplitInputs<'a> {
    /// `n` faces and a seed, no per-face inputs.
    pub fn new(n: usize, seed: u64) -> Self {
        SplitInputs { n, seed, ..Default::default() }
    }
    /// With a class per face.
    pub fn strata(mut self, strata: &'a [usize]) -> Self {
        self.strata = Some(strata);
        self
    }
    /// With a subject key per face.
    pub fn groups(mut self, groups: &'a [String]) -> Self {
        self.groups = Some(groups);
        self
    }
    /// With an Adience fold per face.
    pub fn folds(mut self, folds: &'a [usize]) -> Self {
        self.folds = Some(folds);
        self
    }
}

/// A resolved split: the part of each face, by index into the face list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Split {
    parts: Vec<Option<Part>>,
}

impl Split {
    /// Applies a spec to `n` faces with a seed. Kinds that need per-face inputs (see
    /// [`SplitSpec::needs`]) say so in the error; use [`Split::build`] for them.
    pub fn new(spec: &SplitSpec, n: usize, seed: u64) -> Result<Split, DatasetError> {
        Split::build(spec, &SplitInputs::new(n, seed))
    }

    /// Applies any spec to the faces `inputs` describes.
    pub fn build(spec: &SplitSpec, inputs: &SplitInputs<'_>) -> Result<Split, DatasetError> {
        let (n, seed) = (inputs.n, inputs.seed);
        assign::check_lengths(inputs)?;
        let (train, valid, test) = match *spec {
            SplitSpec::Ordered { train, valid, test } => {
                let fixed = train + valid;
                if fixed > n {
                    return Err(DatasetError::SplitTooLarge {
                        what: "train + valid".into(),
                        wanted: fixed,
                        available: n,
                    });
                }
                let test = test.unwrap_or(n - fixed);
                if fixed + test > n {
                    return Err(DatasetError::SplitTooLarge {
                        what: "train + valid + test".into(),
                        wanted: fixed + test,
                        available: n,
                    });
                }
                (train, valid, test)
            }
            SplitSpec::Fraction { train, valid } => {
                assign::check_fractions(train, valid)?;
                let tr = (train * n as f64).round() as usize;
                let va = ((valid * n as f64).round() as usize).min(n - tr);
                (tr, va, n - tr - va)
            }
            SplitSpec::Stratified { train, valid, ref by } => {
                assign::check_fractions(train, valid)?;
                let strata =
                    assign::require(inputs.strata, "stratified", &format!("the class of each face under '{by}'"))?;
                return Split::checked(assign::stratified(strata, train, valid, seed));
            }
            SplitSpec::Kfold { test, valid_fold, valid } => {
                let folds = assign::require(inputs.folds, "kfold", "the Adience fold of each face")?;
                return Split::checked(assign::kfold(folds, test, valid_fold, valid, inputs.groups, seed)?);
            }
            SplitSpec::Subject { train, valid } => {
                assign::check_fractions(train, valid)?;
                let groups = assign::require(inputs.groups, "subject", "the subject (user_id) of each face")?;
                return Split::checked(assign::by_groups(groups, train, valid, seed));
            }
            SplitSpec::Fivesplit { split } => {
                return Split::checked(assign::fivesplit(n, split, inputs.groups, seed)?);
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

    fn checked(parts: Vec<Option<Part>>) -> Result<Split, DatasetError> {
        if !parts.contains(&Some(Part::Train)) {
            return Err(DatasetError::InvalidSplit("the train part is empty".into()));
        }
        Ok(Split { parts })
    }

    /// Number of faces the split covers.
    pub fn len(&self) -> usize {
        self.parts.len()
    }

    /// Whether the split covers no face.
    pub fn is_empty(&self) -> bool {
        self.parts.is_empty()
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

    fn names(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("f{i}")).collect()
    }

    fn count(s: &Split, idx: &[usize], part: Part) -> usize {
        idx.iter().filter(|&&i| s.part(i) == Some(part)).count()
    }

    #[test]
    fn kinds_that_need_inputs_say_so() {
        let spec = SplitSpec::Stratified { train: 0.8, valid: 0.1, by: "gender".into() };
        let err = Split::new(&spec, 10, 0).unwrap_err().to_string();
        assert!(err.contains("'stratified' needs the class of each face under 'gender'"), "{err}");
        let err =
            Split::new(&SplitSpec::Kfold { test: 0, valid_fold: None, valid: 0.0 }, 10, 0).unwrap_err().to_string();
        assert!(err.contains("Adience fold"), "{err}");
        let err = Split::new(&SplitSpec::Subject { train: 0.8, valid: 0.0 }, 10, 0).unwrap_err().to_string();
        assert!(err.contains("subject (user_id)"), "{err}");
        let strata = [0; 3];
        let err = Split::build(&spec, &SplitInputs::new(10, 0).strata(&strata)).unwrap_err().to_string();
        assert!(err.contains("3 strata given for 10 faces"), "{err}");
        assert_eq!(spec.needs(), SplitNeeds { strata_by: Some("gender"), groups: false, folds: false });
    }

    #[test]
    fn specs_read_from_their_kind_tag() {
        let spec: SplitSpec =
            serde_json::from_str(r#"{"kind": "stratified", "train": 0.7, "valid": 0.1, "by": "age"}"#).unwrap();
        assert_eq!(spec, SplitSpec::Stratified { train: 0.7, valid: 0.1, by: "age".into() });
        let spec: SplitSpec = serde_json::from_str(r#"{"kind": "kfold", "test": 2, "valid_fold": 3}"#).unwrap();
        assert_eq!(spec, SplitSpec::Kfold { test: 2, valid_fold: Some(3), valid: 0.0 });
        let spec: SplitSpec = serde_json::from_str(r#"{"kind": "subject", "train": 0.8}"#).unwrap();
        assert_eq!(spec, SplitSpec::Subject { train: 0.8, valid: 0.0 });
        let spec: SplitSpec = serde_json::from_str(r#"{"kind": "fivesplit", "split": 4}"#).unwrap();
        assert_eq!(spec, SplitSpec::Fivesplit { split: 4 });
        assert!(serde_json::from_str::<SplitSpec>(r#"{"kind": "fivesplit", "split": 1, "folds": 10}"#).is_err());
    }

    #[test]
    fn stratified_keeps_each_class_proportion() {
        // 3 classes of very different sizes, interleaved.
        let strata: Vec<usize> = (0..1000)
            .map(|i| {
                if i % 10 == 0 {
                    2
                } else if i % 3 == 0 {
                    1
                } else {
                    0
                }
            })
            .collect();
        let spec = SplitSpec::Stratified { train: 0.7, valid: 0.15, by: "x".into() };
        let s = Split::build(&spec, &SplitInputs::new(1000, 5).strata(&strata)).unwrap();
        assert_eq!(s.sizes(), [700, 150, 150]);
        for c in 0..3 {
            let members: Vec<usize> = (0..1000).filter(|&i| strata[i] == c).collect();
            let n = members.len() as f64;
            for (part, f, slack) in [(Part::Train, 0.7, 1.0), (Part::Valid, 0.15, 2.0), (Part::Test, 0.15, 1.0)] {
                let got = count(&s, &members, part) as f64;
                assert!((got - f * n).abs() <= slack + 1e-9, "class {c} {part:?}: {got} of {n}");
            }
        }
        assert_eq!(s, Split::build(&spec, &SplitInputs::new(1000, 5).strata(&strata)).unwrap());
        assert_ne!(s, Split::build(&spec, &SplitInputs::new(1000, 6).strata(&strata)).unwrap());
        let files = names(1000);
        let files: Vec<&str> = files.iter().map(String::as_str).collect();
        assert_eq!(s.listing(&files).lines().count(), 1001);
    }

    #[test]
    fn subject_split_never_splits_a_subject() {
        // 60 subjects with 1..=6 faces each.
        let groups: Vec<String> = (0..60).flat_map(|u| std::iter::repeat_n(format!("user{u}"), 1 + u % 6)).collect();
        let n = groups.len();
        let spec = SplitSpec::Subject { train: 0.6, valid: 0.2 };
        let s = Split::build(&spec, &SplitInputs::new(n, 3).groups(&groups)).unwrap();
        for u in 0..60 {
            let key = format!("user{u}");
            let parts: std::collections::HashSet<_> = (0..n).filter(|&i| groups[i] == key).map(|i| s.part(i)).collect();
            assert_eq!(parts.len(), 1, "{key} straddles parts");
        }
        let [tr, va, te] = s.sizes();
        assert_eq!(tr + va + te, n);
        assert!(
            (tr as f64 - 0.6 * n as f64).abs() <= 6.0 && (va as f64 - 0.2 * n as f64).abs() <= 6.0,
            "{:?}",
            s.sizes()
        );
        assert_eq!(s, Split::build(&spec, &SplitInputs::new(n, 3).groups(&groups)).unwrap());
        assert_ne!(s, Split::build(&spec, &SplitInputs::new(n, 4).groups(&groups)).unwrap());
    }

    #[test]
    fn kfold_follows_the_folds() {
        let folds: Vec<usize> = (0..100).map(|i| i % 5).collect();
        let groups: Vec<String> = (0..100).map(|i| format!("u{}", i / 2)).collect();
        let inputs = SplitInputs::new(100, 1).folds(&folds).groups(&groups);
        let s = Split::build(&SplitSpec::Kfold { test: 2, valid_fold: None, valid: 0.0 }, &inputs).unwrap();
        assert_eq!(s.sizes(), [80, 0, 20]);
        assert!((0..100).all(|i| (s.part(i) == Some(Part::Test)) == (folds[i] == 2)));
        let s = Split::build(&SplitSpec::Kfold { test: 2, valid_fold: Some(3), valid: 0.0 }, &inputs).unwrap();
        assert_eq!(s.sizes(), [60, 20, 20]);
        assert!((0..100).all(|i| (s.part(i) == Some(Part::Valid)) == (folds[i] == 3)));
        // A valid fraction of the other folds, drawn by subject (subject i/2 spans two folds here,
        // so only the non-test faces of a subject move together).
        let s = Split::build(&SplitSpec::Kfold { test: 0, valid_fold: None, valid: 0.25 }, &inputs).unwrap();
        let [tr, va, te] = s.sizes();
        assert_eq!(te, 20);
        assert!((18..=22).contains(&va) && tr + va == 80, "{:?}", s.sizes());
        let no_groups = SplitInputs::new(100, 1).folds(&folds);
        assert_eq!(
            Split::build(&SplitSpec::Kfold { test: 0, valid_fold: None, valid: 0.25 }, &no_groups).unwrap().sizes(),
            [60, 20, 20]
        );
        for (spec, want) in [
            (SplitSpec::Kfold { test: 5, valid_fold: None, valid: 0.0 }, "test fold 5 does not exist"),
            (SplitSpec::Kfold { test: 1, valid_fold: Some(1), valid: 0.0 }, "other than the test fold"),
            (SplitSpec::Kfold { test: 1, valid_fold: Some(2), valid: 0.1 }, "not both"),
        ] {
            let err = Split::build(&spec, &inputs).unwrap_err().to_string();
            assert!(err.contains(want), "{err}");
        }
    }

    #[test]
    fn fivesplit_rotates_the_folders() {
        assert_eq!(fivesplit_folders(0), ([0, 1], [2, 3]));
        assert_eq!(fivesplit_folders(3), ([6, 7], [8, 9]));
        assert_eq!(fivesplit_folders(4), ([8, 9], [0, 1]));
        let n = 1003;
        let folder = folders(n, None, 9);
        let mut sizes = [0; FOLDERS];
        folder.iter().for_each(|&f| sizes[f] += 1);
        assert!(sizes.iter().all(|&s| s == 100 || s == 101), "{sizes:?}");
        let mut tested = vec![0; n];
        for i in 0..5 {
            let s = Split::new(&SplitSpec::Fivesplit { split: i }, n, 9).unwrap();
            let [tr, va, te] = s.sizes();
            assert!(
                (600..=603).contains(&tr) && (200..=202).contains(&va) && (200..=202).contains(&te),
                "{:?}",
                s.sizes()
            );
            (0..n).filter(|&j| s.part(j) == Some(Part::Test)).for_each(|j| tested[j] += 1);
        }
        assert!(tested.iter().all(|&t| t == 1), "every face is tested exactly once over the five splits");
        assert!(Split::new(&SplitSpec::Fivesplit { split: 5 }, n, 9).unwrap_err().to_string().contains("0..=4"));
    }

    #[test]
    fn fivesplit_with_subjects_keeps_them_whole() {
        let groups: Vec<String> = (0..500).map(|i| format!("u{}", i / 5)).collect();
        let s = Split::build(&SplitSpec::Fivesplit { split: 2 }, &SplitInputs::new(500, 1).groups(&groups)).unwrap();
        assert_eq!(s.sizes(), [300, 100, 100]);
        for u in 0..100 {
            assert!((u * 5..u * 5 + 5).all(|i| s.part(i) == s.part(u * 5)));
        }
    }
}
