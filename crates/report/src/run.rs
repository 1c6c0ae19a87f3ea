//! Reading a run folder (see docs/run-folder.md) through the run-folder crate's types: the same
//! ones the runner writes with, so the report never re-declares a file's shape.

use std::path::{Path, PathBuf};

pub(crate) use runfolder::{
    ClassMetrics, CurveMetric, HeadKind, HeadMetrics, HeadPredictions, HeadSpec, LoadSummary, Manifest, MetricsCsv,
    Predictions, RegressionMetrics, TimingRow,
};

use crate::ReportError;

/// A run's test figures (`test-metrics.json` as written) with its heads in config order.
#[derive(Debug)]
pub(crate) struct TestMetrics {
    /// The file.
    pub file: runfolder::TestMetrics,
    /// Its heads, in the manifest's order.
    pub heads: Vec<(String, HeadMetrics)>,
    /// Its 10-crop heads, in the same order.
    pub ten_crop: Option<Vec<(String, HeadMetrics)>>,
}

impl TestMetrics {
    fn ordered(file: runfolder::TestMetrics, manifest: Option<&Manifest>) -> TestMetrics {
        let order: Vec<String> = manifest.map(|m| m.heads.iter().map(|h| h.name.clone()).collect()).unwrap_or_default();
        let ordered = |heads: &std::collections::BTreeMap<String, HeadMetrics>| {
            runfolder::TestMetrics::heads_in_order(heads, &order)
                .into_iter()
                .map(|(n, h)| (n.clone(), h.clone()))
                .collect::<Vec<_>>()
        };
        TestMetrics { heads: ordered(&file.heads), ten_crop: file.ten_crop.as_ref().map(ordered), file }
    }
}

/// Everything `report` reads from one run folder.
#[derive(Debug)]
pub(crate) struct Run {
    /// The run folder.
    pub dir: PathBuf,
    /// `manifest.json`; `None` for an evaluation folder (it has `evaluation.json` instead).
    pub manifest: Option<Manifest>,
    /// The experiment's name (the manifest's, else the folder above).
    experiment: String,
    /// The run id (the manifest's, else the folder's name).
    run_id: String,
    /// `metrics.csv` with `timing.csv`'s seconds.
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

fn folder_name(d: Option<&Path>) -> Option<String> {
    d.and_then(Path::file_name).map(|n| n.to_string_lossy().into_owned())
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
        let manifest: Manifest = runfolder::read_json(
            &dir.join("manifest.json"),
            "the run manifest (experiment, run_id, model, ...) written at the start of a run",
        )?;
        let (metrics, inline_timing) = MetricsCsv::read_with_timing(&dir.join("metrics.csv"))?;
        let mut epochs = Epochs::from_file(&metrics);
        epochs.merge_timing(&inline_timing);
        let timing = dir.join("timing.csv");
        if inline_timing.is_empty() && timing.exists() {
            epochs.merge_timing(&TimingRow::read(&timing)?);
        }
        let (test, predictions) = read_test(&test_dir, Some(&manifest))?;
        let ls_path = dir.join("load-summary.json");
        let load_summary = if ls_path.exists() {
            Some(runfolder::read_json(
                &ls_path,
                "`{ \"folder\", \"seen\", \"kept\", \"skipped\": [{\"file\",\"reason\"}] }`",
            )?)
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
        Ok(Run {
            dir: dir.to_path_buf(),
            experiment: manifest.experiment.clone(),
            run_id: manifest.run_id.clone(),
            manifest: Some(manifest),
            epochs,
            test,
            predictions,
            load_summary,
            log_tail,
        })
    }

    /// An evaluation folder written by `agelab evaluate` (a run's `evaluations/<name>/`, or an
    /// ensemble's `reports/ensembles/<models>/<name>/`) as a run without training: its test
    /// figures and predictions, named by the folder above it and its own name.
    fn read_evaluation(dir: &Path) -> Result<Run, ReportError> {
        // a run's or a release's evaluations/<name>/: named by the model's manifest
        let model = dir.parent().filter(|p| p.file_name().is_some_and(|n| n == "evaluations")).and_then(Path::parent);
        let owner =
            model.and_then(|m| runfolder::read_json::<Manifest>(&m.join("manifest.json"), "a run manifest").ok());
        let here = folder_name(Some(dir)).unwrap_or_default();
        let (experiment, run_id) = match &owner {
            Some(m) => (m.experiment.clone(), format!("{} {here}", m.run_id)),
            None => (folder_name(dir.parent()).unwrap_or_default(), here),
        };
        let (test, predictions) = read_test(dir, owner.as_ref())?;
        if test.is_none() {
            return Err(ReportError::Missing {
                path: dir.join("test-metrics.json"),
                expected: "an evaluation written by `agelab evaluate`".into(),
            });
        }
        Ok(Run {
            dir: dir.to_path_buf(),
            manifest: None,
            experiment,
            run_id,
            epochs: Epochs::default(),
            test,
            predictions,
            load_summary: None,
            log_tail: None,
        })
    }

    /// The experiment name: from the manifest, else the parent folder's name.
    pub fn experiment(&self) -> String {
        self.experiment.clone()
    }

    /// The run id: from the manifest, else the folder's name.
    pub fn run_id(&self) -> String {
        self.run_id.clone()
    }

    /// The data folder's name and the input shape: "UTKFace, 3x32x32".
    pub fn data_text(&self) -> Option<String> {
        let m = self.manifest.as_ref()?;
        let name = folder_name(Some(Path::new(&m.data_root))).unwrap_or_else(|| m.data_root.clone());
        Some(format!("{name}, {}x{}x{}", m.input.channels, m.input.size, m.input.size))
    }

    /// The split sizes: "train 15,008 / valid 7,000 / test 696".
    pub fn split_text(&self) -> Option<String> {
        self.manifest.as_ref().map(|m| {
            let s = &m.split_sizes;
            let f = |v: usize| crate::tables::thousands(v as u64);
            format!("train {} / valid {} / test {}", f(s.train), f(s.valid), f(s.test))
        })
    }
}

/// Lines of `train.log` shown in the report.
const LOG_TAIL_LINES: usize = 40;

/// The test figures and per-face predictions in `dir` (a run folder, or one of its
/// `evaluations/`), each absent when its file is; heads in the manifest's order.
pub(crate) fn read_test(
    dir: &Path,
    manifest: Option<&Manifest>,
) -> Result<(Option<TestMetrics>, Option<Predictions>), ReportError> {
    let test_path = dir.join("test-metrics.json");
    let test = if test_path.exists() {
        Some(TestMetrics::ordered(runfolder::TestMetrics::read(&test_path)?, manifest))
    } else {
        None
    };
    let pred_path = dir.join("predictions.csv");
    let predictions = if pred_path.exists() {
        Some(Predictions::read(&pred_path, &head_specs(test.as_ref(), manifest))?)
    } else {
        None
    };
    Ok((test, predictions))
}

/// The heads of a run: from test-metrics.json, else from the manifest.
pub(crate) fn head_specs(test: Option<&TestMetrics>, manifest: Option<&Manifest>) -> Vec<HeadSpec> {
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
        .iter()
        .flat_map(|m| &m.heads)
        .map(|h| HeadSpec {
            name: h.name.clone(),
            kind: match &h.classes {
                Some(c) if !c.is_empty() => HeadKind::Classification { classes: c.clone() },
                _ => HeadKind::Regression,
            },
        })
        .collect()
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

/// One head's train and valid metric per epoch.
#[derive(Debug, Clone)]
pub(crate) struct HeadCurve {
    pub name: String,
    pub metric: CurveMetric,
    pub train: Vec<f64>,
    pub valid: Vec<f64>,
}

impl Epochs {
    /// The columns of `metrics.csv` (no seconds yet: those are `timing.csv`'s).
    fn from_file(m: &MetricsCsv) -> Epochs {
        let n = m.rows.len();
        let col = |f: &dyn Fn(&runfolder::EpochRow) -> f64| m.rows.iter().map(f).collect::<Vec<f64>>();
        Epochs {
            epoch: m.rows.iter().map(|r| r.epoch as u32).collect(),
            lr: col(&|r| r.lr),
            seconds: vec![f64::NAN; n],
            images_per_s: vec![f64::NAN; n],
            train_loss: col(&|r| r.train_loss),
            valid_loss: col(&|r| r.valid_loss),
            heads: m
                .heads
                .iter()
                .enumerate()
                .map(|(i, h)| HeadCurve {
                    name: h.name.clone(),
                    metric: h.metric,
                    train: col(&|r| r.train[i]),
                    valid: col(&|r| r.valid[i]),
                })
                .collect(),
        }
    }

    /// Fills `seconds` and `images_per_s` from `timing.csv`'s rows.
    fn merge_timing(&mut self, rows: &[TimingRow]) {
        for r in rows {
            if let Some(i) = self.epoch.iter().position(|&x| x as usize == r.epoch) {
                self.seconds[i] = r.seconds;
                self.images_per_s[i] = r.train_images_per_s;
            }
        }
    }

    /// Mean of the finite values of `v`, if any.
    pub fn mean(v: &[f64]) -> Option<f64> {
        let finite: Vec<f64> = v.iter().copied().filter(|x| x.is_finite()).collect();
        (!finite.is_empty()).then(|| finite.iter().sum::<f64>() / finite.len() as f64)
    }
}
