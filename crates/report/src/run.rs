//! Reading a run folder (see docs/run-folder.md): every file into a typed struct.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::de::{MapAccess, Visitor};
use serde::{Deserialize, Deserializer};

use crate::ReportError;

/// Everything `report` reads from one run folder.
#[derive(Debug)]
pub(crate) struct Run {
    /// The run folder.
    pub dir: PathBuf,
    /// `manifest.json`.
    pub manifest: Manifest,
    /// `metrics.csv`.
    pub epochs: Epochs,
    /// `test-metrics.json`, absent while the run has not finished.
    pub test: Option<TestMetrics>,
    /// `predictions.csv`, absent while the run has not finished.
    pub predictions: Option<Predictions>,
    /// `load-summary.json`, if present.
    pub load_summary: Option<LoadSummary>,
    /// The last lines of `train.log`, if present.
    pub log_tail: Option<Vec<String>>,
}

impl Run {
    /// Reads the run folder `dir`; `manifest.json` and `metrics.csv` are required.
    pub fn read(dir: &Path) -> Result<Run, ReportError> {
        Run::read_views(dir, None)
    }

    /// [`Run::read`], with the test figures of other test views when `views` names them: those
    /// of `evaluations/test-<views>/` (written by `agelab evaluate <run> --part test --views
    /// <views>`), in place of the training run's own.
    pub fn read_views(dir: &Path, views: Option<&str>) -> Result<Run, ReportError> {
        if !dir.join("manifest.json").exists() && dir.join("evaluation.json").exists() {
            return Run::read_evaluation(dir);
        }
        let test_dir = match views {
            Some(v) => {
                let d = dir.join("evaluations").join(format!("test-{v}"));
                if !d.join("test-metrics.json").is_file() {
                    return Err(ReportError::Missing {
                        path: d.join("test-metrics.json"),
                        expected: format!(
                            "the test figures with {v} views: `agelab evaluate {} --part test --views {v}` writes them",
                            dir.display()
                        )
                        .into(),
                    });
                }
                d
            }
            None => dir.to_path_buf(),
        };
        let manifest: Manifest = read_json(
            &dir.join("manifest.json"),
            "the run manifest (experiment, run_id, model, ...) written at the start of a run",
        )?;
        let mut epochs = Epochs::read(&dir.join("metrics.csv"))?;
        let timing = dir.join(TIMING_CSV);
        if epochs.seconds.iter().all(|s| s.is_nan()) && timing.exists() {
            epochs.merge_timing(&timing)?;
        }
        let (test, predictions) = read_test(&test_dir, &manifest)?;
        let ls_path = dir.join("load-summary.json");
        let load_summary = if ls_path.exists() {
            Some(read_json(&ls_path, "`{ \"folder\", \"seen\", \"kept\", \"skipped\": [{\"file\",\"reason\"}] }`")?)
        } else {
            None
        };
        let log_path = dir.join("train.log");
        let log_tail = if log_path.exists() {
            let text = std::fs::read_to_string(&log_path)
                .map_err(|source| ReportError::Read { path: log_path.clone(), source })?;
            let lines: Vec<String> = text.lines().map(str::to_owned).collect();
            let start = lines.len().saturating_sub(LOG_TAIL_LINES);
            Some(lines[start..].to_vec())
        } else {
            None
        };
        Ok(Run { dir: dir.to_path_buf(), manifest, epochs, test, predictions, load_summary, log_tail })
    }

    /// An evaluation folder written by `agelab evaluate` (a run's `evaluations/<name>/`, or an
    /// ensemble's `reports/ensembles/<models>/<name>/`) as a run without training: its test
    /// figures and predictions, named by the folder above it and its own name.
    fn read_evaluation(dir: &Path) -> Result<Run, ReportError> {
        let name = |d: Option<&Path>| d.and_then(Path::file_name).map(|n| n.to_string_lossy().into_owned());
        // a run's or a release's evaluations/<name>/: named by the model's manifest
        let model = dir.parent().filter(|p| p.file_name().is_some_and(|n| n == "evaluations")).and_then(Path::parent);
        let owner = model.and_then(|m| read_json::<Manifest>(&m.join("manifest.json"), "a run manifest").ok());
        let manifest = match owner {
            Some(m) => Manifest {
                experiment: m.experiment,
                run_id: m.run_id.zip(name(Some(dir))).map(|(r, e)| format!("{r} {e}")),
                ..Manifest::default()
            },
            None => Manifest { experiment: name(dir.parent()), run_id: name(Some(dir)), ..Manifest::default() },
        };
        let (test, predictions) = read_test(dir, &manifest)?;
        if test.is_none() {
            return Err(ReportError::Missing {
                path: dir.join("test-metrics.json"),
                expected: "an evaluation written by `agelab evaluate`".into(),
            });
        }
        Ok(Run {
            dir: dir.to_path_buf(),
            manifest,
            epochs: Epochs::default(),
            test,
            predictions,
            load_summary: None,
            log_tail: None,
        })
    }

    /// The experiment name: from the manifest, else the parent folder's name.
    pub fn experiment(&self) -> String {
        self.manifest.experiment.clone().unwrap_or_else(|| {
            self.dir.parent().and_then(|p| p.file_name()).map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
        })
    }

    /// The run id: from the manifest, else the folder's name.
    pub fn run_id(&self) -> String {
        self.manifest
            .run_id
            .clone()
            .unwrap_or_else(|| self.dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default())
    }

    /// The data folder's name and the input shape: "UTKFace, 3x32x32".
    pub fn data_text(&self) -> Option<String> {
        let m = &self.manifest;
        let name = m.data_root.as_deref().and_then(|d| Path::new(d).file_name()).map(|n| n.to_string_lossy());
        let shape = m.input.as_ref().map(|i| {
            let f = |v: Option<u64>| v.map_or("?".to_owned(), |x| x.to_string());
            format!("{}x{}x{}", f(i.channels), f(i.size), f(i.size))
        });
        match (name, shape) {
            (Some(n), Some(s)) => Some(format!("{n}, {s}")),
            (n, s) => n.map(|n| n.into_owned()).or(s),
        }
    }

    /// The split sizes: "train 15,008 / valid 7,000 / test 696".
    pub fn split_text(&self) -> Option<String> {
        self.manifest.split_sizes.as_ref().map(|s| {
            let f = |v: Option<u64>| v.map_or("?".to_owned(), crate::tables::thousands);
            format!("train {} / valid {} / test {}", f(s.train), f(s.valid), f(s.test))
        })
    }
}

/// Per-epoch timing the runner may keep beside metrics.csv (`epoch,seconds,train_images_per_s`).
const TIMING_CSV: &str = "timing.csv";

/// Lines of `train.log` shown in the report.
const LOG_TAIL_LINES: usize = 40;

fn read_bytes(path: &Path, expected: &'static str) -> Result<Vec<u8>, ReportError> {
    std::fs::read(path).map_err(|source| {
        if source.kind() == std::io::ErrorKind::NotFound {
            ReportError::Missing { path: path.to_path_buf(), expected: expected.into() }
        } else {
            ReportError::Read { path: path.to_path_buf(), source }
        }
    })
}

/// The test figures and per-face predictions in `dir` (a run folder, or one of its
/// `evaluations/`), each absent when its file is; heads in the manifest's order.
pub(crate) fn read_test(
    dir: &Path,
    manifest: &Manifest,
) -> Result<(Option<TestMetrics>, Option<Predictions>), ReportError> {
    let test_path = dir.join("test-metrics.json");
    let mut test: Option<TestMetrics> = if test_path.exists() {
        Some(read_json(&test_path, "test metrics with `heads` keyed by head name, each with `kind`")?)
    } else {
        None
    };
    if let (Some(t), Some(order)) = (&mut test, &manifest.heads) {
        // Config order, as in the manifest (the JSON object may be sorted by name).
        let rank = |name: &str| order.iter().position(|h| h.name == name).unwrap_or(usize::MAX);
        t.heads.sort_by_key(|(n, _)| rank(n));
        if let Some(tc) = &mut t.ten_crop {
            tc.sort_by_key(|(n, _)| rank(n));
        }
    }
    if let Some(t) = &test {
        t.validate(&test_path)?;
    }
    let pred_path = dir.join("predictions.csv");
    let predictions = if pred_path.exists() {
        let specs = head_specs(test.as_ref(), manifest);
        Some(Predictions::read(&pred_path, &specs)?)
    } else {
        None
    };
    Ok((test, predictions))
}

fn read_json<T: serde::de::DeserializeOwned>(path: &Path, expected: &'static str) -> Result<T, ReportError> {
    let bytes = read_bytes(path, expected)?;
    serde_json::from_slice(&bytes).map_err(|source| ReportError::Json { path: path.to_path_buf(), expected, source })
}

/// `manifest.json`; every field is optional so that a running or failed run still reads.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct Manifest {
    pub experiment: Option<String>,
    pub run_id: Option<String>,
    pub agelab_version: Option<String>,
    pub libtorch_version: Option<String>,
    pub git_commit: Option<String>,
    pub git_dirty: Option<bool>,
    pub seed: Option<u64>,
    pub device: Option<String>,
    pub threads: Option<u64>,
    pub data_root: Option<String>,
    pub data_fingerprint: Option<String>,
    pub split_fingerprint: Option<String>,
    pub split_sizes: Option<SplitSizes>,
    pub model: Option<String>,
    pub parameters: Option<u64>,
    /// Multiply-adds per image.
    pub multiply_adds: Option<u64>,
    pub input: Option<InputShape>,
    pub heads: Option<Vec<ManifestHead>>,
    pub started: Option<String>,
    pub finished: Option<String>,
    pub train_seconds: Option<f64>,
    pub warnings: Option<Vec<String>>,
    pub status: Option<String>,
}

/// `split_sizes` in the manifest.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct SplitSizes {
    pub train: Option<u64>,
    pub valid: Option<u64>,
    pub test: Option<u64>,
}

/// `input` in the manifest.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct InputShape {
    pub channels: Option<u64>,
    pub size: Option<u64>,
}

/// One entry of `heads` in the manifest.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct ManifestHead {
    pub name: String,
    pub outputs: Option<u64>,
    pub classes: Option<Vec<String>>,
}

/// `load-summary.json`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct LoadSummary {
    pub folder: Option<String>,
    pub seen: Option<u64>,
    pub kept: Option<u64>,
    pub skipped: Vec<Skipped>,
}

/// One skipped file in `load-summary.json`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct Skipped {
    pub file: String,
    pub reason: String,
}

/// `test-metrics.json`.
#[derive(Debug, Deserialize)]
pub(crate) struct TestMetrics {
    #[serde(default)]
    pub part: Option<String>,
    #[serde(default)]
    pub images: Option<u64>,
    #[serde(default)]
    pub loss: Option<f64>,
    #[serde(default)]
    pub best_epoch: Option<u32>,
    /// Heads in file order.
    #[serde(deserialize_with = "ordered_heads")]
    pub heads: Vec<(String, HeadMetrics)>,
    /// Per head with 10-crop over-sampling, when the experiment asked for it (not in the contract yet).
    #[serde(default, deserialize_with = "ordered_heads_opt")]
    pub ten_crop: Option<Vec<(String, HeadMetrics)>>,
}

impl TestMetrics {
    fn validate(&self, path: &Path) -> Result<(), ReportError> {
        for (name, head) in &self.heads {
            if let HeadMetrics::Classification(c) = head {
                let n = c.classes.len();
                let square = c.confusion.len() == n && c.confusion.iter().all(|r| r.len() == n);
                if !square && !c.confusion.is_empty() {
                    return Err(ReportError::Inconsistent {
                        path: path.to_path_buf(),
                        message: format!(
                            "head `{name}`: expected a {n}x{n} confusion matrix (one row and column per class)"
                        ),
                    });
                }
            }
        }
        Ok(())
    }
}

/// The test metrics of one head.
#[derive(Debug, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub(crate) enum HeadMetrics {
    /// A classification head.
    Classification(ClassMetrics),
    /// A regression head.
    Regression(RegressionMetrics),
}

/// Test metrics of a classification head.
#[derive(Debug, Deserialize)]
pub(crate) struct ClassMetrics {
    pub classes: Vec<String>,
    #[serde(default)]
    pub ordinal: Option<bool>,
    #[serde(default)]
    pub accuracy: Option<f64>,
    #[serde(default)]
    pub one_off: Option<f64>,
    /// Rows = true class, columns = predicted class.
    #[serde(default)]
    pub confusion: Vec<Vec<u64>>,
    #[serde(default)]
    pub per_class: Vec<PerClass>,
    #[serde(default)]
    pub macro_f1: Option<f64>,
    #[serde(default)]
    pub auc: Option<f64>,
}

/// Per-class test metrics.
#[derive(Debug, Deserialize)]
pub(crate) struct PerClass {
    pub class: String,
    #[serde(default)]
    pub precision: Option<f64>,
    #[serde(default)]
    pub recall: Option<f64>,
    #[serde(default)]
    pub f1: Option<f64>,
    #[serde(default)]
    pub support: Option<u64>,
}

/// Test metrics of a regression head.
#[derive(Debug, Deserialize)]
pub(crate) struct RegressionMetrics {
    #[serde(default)]
    pub mae: Option<f64>,
    #[serde(default)]
    pub rmse: Option<f64>,
}

/// Deserialises a JSON object into `(key, value)` pairs in file order.
fn ordered_heads<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<(String, HeadMetrics)>, D::Error> {
    struct V;
    impl<'de> Visitor<'de> for V {
        type Value = Vec<(String, HeadMetrics)>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("an object mapping head names to head metrics")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut out = Vec::new();
            while let Some(entry) = map.next_entry::<String, HeadMetrics>()? {
                out.push(entry);
            }
            Ok(out)
        }
    }
    d.deserialize_map(V)
}

fn ordered_heads_opt<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<(String, HeadMetrics)>>, D::Error> {
    #[derive(Deserialize)]
    struct Wrap(#[serde(deserialize_with = "ordered_heads")] Vec<(String, HeadMetrics)>);
    Ok(Option::<Wrap>::deserialize(d)?.map(|w| w.0))
}

/// What a head predicts, as far as reading `predictions.csv` needs.
#[derive(Debug, Clone)]
pub(crate) enum HeadKind {
    /// Class indices and one probability per class.
    Classification {
        /// Class names in index order.
        classes: Vec<String>,
    },
    /// A number (years).
    Regression,
}

/// A head's name and kind.
#[derive(Debug, Clone)]
pub(crate) struct HeadSpec {
    pub name: String,
    pub kind: HeadKind,
}

/// The heads of a run: from test-metrics.json, else from the manifest.
pub(crate) fn head_specs(test: Option<&TestMetrics>, manifest: &Manifest) -> Vec<HeadSpec> {
    if let Some(t) = test {
        return t
            .heads
            .iter()
            .map(|(name, h)| HeadSpec {
                name: name.clone(),
                kind: match h {
                    HeadMetrics::Classification(c) => HeadKind::Classification { classes: c.classes.clone() },
                    HeadMetrics::Regression(_) => HeadKind::Regression,
                },
            })
            .collect();
    }
    manifest
        .heads
        .iter()
        .flatten()
        .map(|h| HeadSpec {
            name: h.name.clone(),
            kind: match &h.classes {
                Some(c) if !c.is_empty() => HeadKind::Classification { classes: c.clone() },
                _ => HeadKind::Regression,
            },
        })
        .collect()
}

/// A CSV file read into a header index and string records, with helpers that report
/// the file, line and column of any bad value.
struct Table {
    path: PathBuf,
    index: HashMap<String, usize>,
    headers: Vec<String>,
    rows: Vec<(usize, csv::StringRecord)>,
}

impl Table {
    fn read(path: &Path, expected: &'static str) -> Result<Table, ReportError> {
        let bytes = read_bytes(path, expected)?;
        let csv_err = |source| ReportError::Csv { path: path.to_path_buf(), source };
        let mut reader = csv::ReaderBuilder::new().trim(csv::Trim::All).from_reader(bytes.as_slice());
        let headers: Vec<String> = reader.headers().map_err(csv_err)?.iter().map(str::to_owned).collect();
        let index = headers.iter().enumerate().map(|(i, h)| (h.clone(), i)).collect();
        let mut rows = Vec::new();
        for rec in reader.records() {
            let rec = rec.map_err(csv_err)?;
            let line = rec.position().map_or(0, |p| p.line() as usize);
            rows.push((line, rec));
        }
        Ok(Table { path: path.to_path_buf(), index, headers, rows })
    }

    fn has(&self, column: &str) -> bool {
        self.index.contains_key(column)
    }

    fn col(&self, column: &str, expected: &str) -> Result<usize, ReportError> {
        self.index.get(column).copied().ok_or_else(|| ReportError::MissingColumn {
            path: self.path.clone(),
            column: column.to_owned(),
            expected: expected.to_owned(),
        })
    }

    fn malformed(&self, line: usize, column: &str, expected: &str, found: &str) -> ReportError {
        ReportError::Malformed {
            path: self.path.clone(),
            line,
            column: column.to_owned(),
            expected: expected.to_owned(),
            found: found.to_owned(),
        }
    }

    /// A float column; empty cells and `NaN` read as NaN.
    fn floats(&self, column: &str, expected: &str) -> Result<Vec<f64>, ReportError> {
        let c = self.col(column, expected)?;
        self.rows
            .iter()
            .map(|(line, rec)| {
                let s = rec.get(c).unwrap_or("");
                if s.is_empty() {
                    return Ok(f64::NAN);
                }
                s.parse::<f64>().map_err(|_| self.malformed(*line, column, expected, s))
            })
            .collect()
    }

    /// A column of non-negative integers below `limit`; empty cells read as `None` when `allow_empty`.
    fn indices(
        &self,
        column: &str,
        limit: usize,
        allow_empty: bool,
        expected: &str,
    ) -> Result<Vec<Option<usize>>, ReportError> {
        let c = self.col(column, expected)?;
        self.rows
            .iter()
            .map(|(line, rec)| {
                let s = rec.get(c).unwrap_or("");
                if s.is_empty() && allow_empty {
                    return Ok(None);
                }
                match s.parse::<usize>() {
                    Ok(v) if v < limit => Ok(Some(v)),
                    _ => Err(self.malformed(*line, column, expected, s)),
                }
            })
            .collect()
    }
}

/// `metrics.csv`: one entry per epoch in each vector.
#[derive(Debug, Clone, Default)]
pub(crate) struct Epochs {
    pub epoch: Vec<u32>,
    pub lr: Vec<f64>,
    pub seconds: Vec<f64>,
    pub images_per_s: Vec<f64>,
    pub train_loss: Vec<f64>,
    pub valid_loss: Vec<f64>,
    pub heads: Vec<HeadCurve>,
}

/// The metric of a head in metrics.csv.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CurveMetric {
    /// `_acc` columns: fractions in 0..1.
    Accuracy,
    /// `_mae` columns: years.
    Mae,
}

/// One head's train and valid metric per epoch.
#[derive(Debug, Clone)]
pub(crate) struct HeadCurve {
    pub name: String,
    pub metric: CurveMetric,
    pub train: Vec<f64>,
    pub valid: Vec<f64>,
}

impl Epochs {
    fn read(path: &Path) -> Result<Epochs, ReportError> {
        let t = Table::read(
            path,
            "per-epoch metrics (epoch, lr, seconds, train_images_per_s, train_loss, valid_loss, per-head train_/valid_ columns)",
        )?;
        let epoch = t
            .indices("epoch", u32::MAX as usize, false, "a 1-based epoch number")?
            .into_iter()
            .map(|e| e.unwrap_or(0) as u32)
            .collect();
        let optional = |c: &str, what: &str| -> Result<Vec<f64>, ReportError> {
            if t.has(c) {
                t.floats(c, what)
            } else {
                Ok(vec![f64::NAN; t.rows.len()])
            }
        };
        let lr = optional("lr", "a learning rate")?;
        let seconds = optional("seconds", "seconds of training in the epoch")?;
        let images_per_s = optional("train_images_per_s", "training images per second")?;
        let train_loss = t.floats("train_loss", "the mean training loss per image")?;
        let valid_loss = t.floats("valid_loss", "the mean validation loss per image")?;
        let mut heads = Vec::new();
        for h in &t.headers {
            let Some(rest) = h.strip_prefix("train_") else {
                continue;
            };
            let (name, metric, suffix) = if let Some(n) = rest.strip_suffix("_acc") {
                (n, CurveMetric::Accuracy, "_acc")
            } else if let Some(n) = rest.strip_suffix("_mae") {
                (n, CurveMetric::Mae, "_mae")
            } else {
                continue;
            };
            let what = match metric {
                CurveMetric::Accuracy => "an accuracy fraction in 0..1",
                CurveMetric::Mae => "a mean absolute error in years",
            };
            let train = t.floats(h, what)?;
            let valid = t.floats(&format!("valid_{name}{suffix}"), what)?;
            heads.push(HeadCurve { name: name.to_owned(), metric, train, valid });
        }
        Ok(Epochs { epoch, lr, seconds, images_per_s, train_loss, valid_loss, heads })
    }

    /// Fills `seconds` and `images_per_s` from a `timing.csv` (`epoch,seconds,train_images_per_s`).
    fn merge_timing(&mut self, path: &Path) -> Result<(), ReportError> {
        let t = Table::read(path, "per-epoch timing (epoch, seconds, train_images_per_s)")?;
        let epochs = t.indices("epoch", u32::MAX as usize, false, "a 1-based epoch number")?;
        let seconds = t.floats("seconds", "seconds of training in the epoch")?;
        let ips = t.floats("train_images_per_s", "training images per second")?;
        for ((e, s), r) in epochs.into_iter().zip(seconds).zip(ips) {
            if let Some(i) = e.and_then(|e| self.epoch.iter().position(|&x| x as usize == e)) {
                self.seconds[i] = s;
                self.images_per_s[i] = r;
            }
        }
        Ok(())
    }

    /// Mean of the finite values of `v`, if any.
    pub fn mean(v: &[f64]) -> Option<f64> {
        let finite: Vec<f64> = v.iter().copied().filter(|x| x.is_finite()).collect();
        (!finite.is_empty()).then(|| finite.iter().sum::<f64>() / finite.len() as f64)
    }
}

/// `predictions.csv`: one entry per test face in each vector.
#[derive(Debug)]
pub(crate) struct Predictions {
    pub file: Vec<String>,
    /// True age in years.
    pub age: Vec<f64>,
    /// True gender code (0 male, 1 female).
    pub gender: Vec<Option<u8>>,
    /// True race code (0 white, 1 black, 2 asian, 3 indian, 4 others).
    pub race: Vec<Option<u8>>,
    pub heads: Vec<HeadPredictions>,
}

/// One head's predictions.
#[derive(Debug)]
pub(crate) enum HeadPredictions {
    /// A classification head.
    Classification {
        name: String,
        classes: Vec<String>,
        truth: Vec<usize>,
        pred: Vec<usize>,
        /// `probs[i][k]`: probability of class `k` for face `i`.
        probs: Vec<Vec<f64>>,
    },
    /// A regression head.
    Regression { name: String, truth: Vec<f64>, pred: Vec<f64> },
}

impl Predictions {
    /// The true and predicted values of the regression head `name`, if there is one.
    pub fn regression(&self, name: &str) -> Option<(&[f64], &[f64])> {
        self.heads.iter().find_map(|h| match h {
            HeadPredictions::Regression { name: n, truth, pred } if n == name => Some((&truth[..], &pred[..])),
            _ => None,
        })
    }

    fn read(path: &Path, heads: &[HeadSpec]) -> Result<Predictions, ReportError> {
        let t = Table::read(path, "per-face test predictions (file, age, gender, race, per-head columns)")?;
        let fc = t.col("file", "the face's image file name")?;
        let file = t.rows.iter().map(|(_, r)| r.get(fc).unwrap_or("").to_owned()).collect();
        let age = t.floats("age", "the true age in years")?;
        let code = |c: &str, n: usize, what: &str| -> Result<Vec<Option<u8>>, ReportError> {
            Ok(t.indices(c, n, true, what)?.into_iter().map(|v| v.map(|x| x as u8)).collect())
        };
        let gender = code("gender", 2, "a gender code: 0 male, 1 female")?;
        let race = code("race", 5, "a race code: 0 white, 1 black, 2 asian, 3 indian, 4 others")?;
        let mut out = Vec::new();
        for h in heads {
            let name = &h.name;
            match &h.kind {
                HeadKind::Classification { classes } => {
                    let k = classes.len();
                    let what = format!("a class index of head `{name}` in 0..{k}");
                    let idx = |c: &str| -> Result<Vec<usize>, ReportError> {
                        Ok(t.indices(c, k, false, &what)?.into_iter().map(|v| v.unwrap_or(0)).collect())
                    };
                    let truth = idx(&format!("{name}_true"))?;
                    let pred = idx(&format!("{name}_pred"))?;
                    let mut cols = Vec::with_capacity(k);
                    for j in 0..k {
                        let c = format!("{name}_p{j}");
                        let p = t.floats(&c, "a softmax probability in 0..1")?;
                        if let Some(((line, _), bad)) = t.rows.iter().zip(&p).find(|(_, v)| !(0.0..=1.0).contains(*v)) {
                            return Err(t.malformed(*line, &c, "a softmax probability in 0..1", &bad.to_string()));
                        }
                        cols.push(p);
                    }
                    let probs = (0..t.rows.len()).map(|i| cols.iter().map(|c| c[i]).collect()).collect();
                    out.push(HeadPredictions::Classification {
                        name: name.clone(),
                        classes: classes.clone(),
                        truth,
                        pred,
                        probs,
                    });
                }
                HeadKind::Regression => {
                    let truth = t.floats(&format!("{name}_true"), "the true value in years")?;
                    let pred = t.floats(&format!("{name}_pred"), "the predicted value in years")?;
                    out.push(HeadPredictions::Regression { name: name.clone(), truth, pred });
                }
            }
        }
        Ok(Predictions { file, age, gender, race, heads: out })
    }
}
