//! A trained model ready to predict: rebuilt from a run folder's `config.toml` (or a released
//! model's folder), with the best weights loaded, applied to face crops.

use std::path::{Path, PathBuf};

use dataset::images::Preprocess;
use tch::{nn, Device, Tensor};

use crate::checkpoint::load_weights;
use crate::config::{Experiment, HeadKind};
use crate::evaluate::Crops;
use crate::heads::{Decoded, Heads};
use crate::RunnerError;

/// A loaded model.
pub struct Predictor {
    /// The experiment it was trained by.
    pub experiment: Experiment,
    /// Its heads.
    pub heads: Heads,
    /// Where it was loaded from.
    pub source: PathBuf,
    net: models::Net,
    _vs: nn::VarStore,
    preprocess: Preprocess,
    crops: Crops,
}

/// One head's prediction for one face.
#[derive(Debug, Clone, PartialEq)]
pub enum HeadPrediction {
    /// A class with its probability, and all class probabilities.
    Class {
        /// Class name.
        label: String,
        /// Its probability.
        probability: f64,
        /// Every class's probability.
        probabilities: Vec<f64>,
    },
    /// An age in years.
    Value(f64),
}

impl std::fmt::Display for HeadPrediction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            HeadPrediction::Class { label, probability, .. } => write!(f, "{label} ({probability:.2})"),
            HeadPrediction::Value(v) => write!(f, "{v:.1} years"),
        }
    }
}

/// The weights file of a model folder: a run folder's best checkpoint or a release's weights.
pub fn weights_file(dir: &Path) -> Option<PathBuf> {
    [dir.join("checkpoints/best.safetensors"), dir.join("weights.safetensors")].into_iter().find(|p| p.is_file())
}

impl Predictor {
    /// Loads a run folder or a released model folder (`config.toml` + `weights.safetensors`).
    pub fn load(dir: &Path) -> Result<Predictor, RunnerError> {
        let config = dir.join("config.toml");
        let text = std::fs::read_to_string(&config).map_err(|e| RunnerError::io(&config, e))?;
        let experiment = Experiment::from_toml(&text, &config)?;
        let weights = weights_file(dir).ok_or_else(|| RunnerError::RunFolder {
            path: dir.to_path_buf(),
            message: "no weights: expected checkpoints/best.safetensors (a run folder) or weights.safetensors (a released model)".into(),
        })?;
        let tasks = experiment.tasks().map_err(|message| RunnerError::Config { path: config.clone(), message })?;
        let heads = Heads::new(tasks);
        let preprocess = experiment.data.preprocess();
        let crop = experiment.augment.crop.map(|c| c as i64);
        let size = crop.unwrap_or(preprocess.size as i64);
        let mut vs = nn::VarStore::new(Device::Cpu);
        let input = models::InputShape { channels: preprocess.color.channels() as i64, size };
        let net = models::build(&experiment.model, &vs.root(), input, &heads.specs())?;
        check_weights_file(&weights)?;
        load_weights(&mut vs, &weights)?;
        Ok(Predictor {
            experiment,
            heads,
            source: dir.to_path_buf(),
            net,
            _vs: vs,
            preprocess,
            crops: crop.map(Crops::Centre).unwrap_or(Crops::Full),
        })
    }

    /// Predicts every head for already-cropped faces.
    pub fn predict(&self, faces: &[image::DynamicImage]) -> Vec<Vec<HeadPrediction>> {
        predict_together(&[self], faces).expect("a model has its own heads")
    }

    /// The same model predicting with other test views (see [`Crops::named`]): outputs are
    /// averaged over the views, as `agelab evaluate --views` scores them.
    pub fn with_views(mut self, crops: Crops) -> Predictor {
        self.crops = crops;
        self
    }

    /// The network's outputs for each test view of the faces.
    fn view_outputs(&self, faces: &[image::DynamicImage]) -> Vec<Tensor> {
        let pixels: Vec<u8> = faces.iter().flat_map(|f| self.preprocess.apply(f)).collect();
        let c = self.preprocess.color.channels() as i64;
        let s = self.preprocess.size as i64;
        let x = crate::data::to_input(
            &Tensor::from_slice(&pixels).view([faces.len() as i64, c, s, s]),
            self.experiment.data.normalize,
        );
        tch::no_grad(|| {
            crate::augment::test_views(&x, self.crops).iter().map(|v| self.net.forward_t(v, false)).collect()
        })
    }

    /// Head `i`'s decoded outputs averaged over the views.
    fn mean_decoded(&self, outs: &[Tensor], i: usize) -> Decoded {
        let decoded: Vec<Decoded> = outs.iter().map(|o| self.heads.decode(o, i)).collect();
        mean_decoded(decoded)
    }

    /// Head `i`'s predictions from its decoded outputs.
    fn predictions(&self, decoded: Decoded, i: usize) -> Vec<HeadPrediction> {
        match decoded {
            Decoded::Probs(p) => {
                let k = p.size()[1] as usize;
                let v = Vec::<f32>::try_from(&p.contiguous().view(-1)).unwrap_or_default();
                let names = self.heads.tasks[i].kind.classes().map(|c| c.to_vec()).unwrap_or_default();
                v.chunks(k)
                    .map(|row| {
                        let (best, prob) =
                            row.iter().enumerate().fold((0, f32::MIN), |a, (j, &x)| if x > a.1 { (j, x) } else { a });
                        HeadPrediction::Class {
                            label: names.get(best).cloned().unwrap_or_else(|| best.to_string()),
                            probability: prob as f64,
                            probabilities: row.iter().map(|&x| x as f64).collect(),
                        }
                    })
                    .collect()
            }
            Decoded::Values(v) => Vec::<f32>::try_from(&v.contiguous())
                .unwrap_or_default()
                .into_iter()
                .map(|x| HeadPrediction::Value(x as f64))
                .collect(),
        }
    }

    /// Names of the heads, in order.
    pub fn head_names(&self) -> Vec<String> {
        self.heads.tasks.iter().map(|t| t.name.clone()).collect()
    }

    /// Whether head `i` predicts a gender.
    pub fn is_gender(&self, i: usize) -> bool {
        self.heads.tasks[i].target == dataset::Target::Gender
    }

    /// Whether head `i` predicts an age (group or years).
    pub fn is_age(&self, i: usize) -> bool {
        matches!(self.heads.tasks[i].target, dataset::Target::Age | dataset::Target::AgeGroup(_))
            || matches!(self.heads.tasks[i].kind, HeadKind::Years { .. })
    }
}

/// Several models that predict the same heads, predicting together (an ensemble): per face, each
/// model's outputs averaged over its views, then over the models, so every model weighs the same.
pub fn predict_together(
    models: &[&Predictor],
    faces: &[image::DynamicImage],
) -> Result<Vec<Vec<HeadPrediction>>, RunnerError> {
    let Some(first) = models.first() else { return Ok(Vec::new()) };
    if let Some(other) = models.iter().find(|m| !m.same_heads(first)) {
        return Err(different_heads(other, first));
    }
    if faces.is_empty() {
        return Ok(Vec::new());
    }
    let outs: Vec<Vec<Tensor>> = models.iter().map(|m| m.view_outputs(faces)).collect();
    let per_head: Vec<Vec<HeadPrediction>> = (0..first.heads.tasks.len())
        .map(|i| {
            let each: Vec<Decoded> = models.iter().zip(&outs).map(|(m, o)| m.mean_decoded(o, i)).collect();
            first.predictions(mean_decoded(each), i)
        })
        .collect();
    Ok((0..faces.len()).map(|n| per_head.iter().map(|h| h[n].clone()).collect()).collect())
}

/// The element-wise mean of decoded outputs of one head (all probabilities, or all values).
fn mean_decoded(decoded: Vec<Decoded>) -> Decoded {
    let mean = |ts: Vec<Tensor>| Tensor::stack(&ts, 0).mean_dim(0, false, tch::Kind::Float);
    match decoded.first() {
        Some(Decoded::Probs(_)) => Decoded::Probs(mean(
            decoded.into_iter().filter_map(|d| if let Decoded::Probs(p) = d { Some(p) } else { None }).collect(),
        )),
        _ => Decoded::Values(mean(
            decoded.into_iter().filter_map(|d| if let Decoded::Values(v) = d { Some(v) } else { None }).collect(),
        )),
    }
}

/// The error for a model whose heads differ from the first model's.
fn different_heads(m: &Predictor, first: &Predictor) -> RunnerError {
    RunnerError::RunFolder {
        path: m.source.join("config.toml"),
        message: format!(
            "its heads ({}) differ from {}'s ({}): models used together must predict the same heads",
            m.head_names().join(", "),
            first.source.display(),
            first.head_names().join(", ")
        ),
    }
}

/// What `agelab evaluate` writes next to its metrics (the run folder's `evaluation.json`).
pub use runfolder::EvaluationInfo;

impl Predictor {
    /// The side of the images the network sees (its crop, else the loaded size).
    pub fn side(&self) -> i64 {
        match self.crops {
            Crops::Centre(side) | Crops::Mirror(side) | Crops::Ten(side) => side,
            Crops::Full => self.preprocess.size as i64,
        }
    }

    /// The test views asked for by name (`single`, `mirror`, `ten`) for this model. Ten crops need
    /// a model trained on crops: on whole images all five crops would be the image itself.
    pub fn named_views(&self, name: &str) -> Result<Crops, RunnerError> {
        let refuse = |message: String| RunnerError::RunFolder { path: self.source.join("config.toml"), message };
        if name == "ten" && self.experiment.augment.crop.is_none() {
            return Err(refuse(format!(
                "ten-crop views need a model trained on crops (`augment.crop`); this one sees whole {0}x{0} images: use mirror views",
                self.side()
            )));
        }
        Crops::named(name, self.side()).ok_or_else(|| refuse(format!("views {name:?}: expected single, mirror or ten")))
    }

    /// The views this model evaluates and predicts with (see [`Predictor::with_views`]).
    pub fn views(&self) -> Crops {
        self.crops
    }

    /// Evaluates on every face of a UTKFace-format folder (for instance a held-out set) with the
    /// given test views and writes `test-metrics.json`, `predictions.csv` and `evaluation.json`
    /// into `out`.
    pub fn evaluate_folder(
        &self,
        data_root: &Path,
        crops: Crops,
        out: &Path,
    ) -> Result<crate::TestMetrics, RunnerError> {
        let mut exp = self.experiment.clone();
        exp.data.source = crate::config::Source::Utkface;
        exp.data.root = Some(data_root.to_path_buf());
        exp.data.limit = None;
        exp.split = dataset::SplitSpec::Fraction { train: 1.0, valid: 0.0 };
        let data = crate::data::Data::load(&exp, &self.heads.tasks, Path::new("."))?;
        let all: Vec<i64> = (0..data.faces.len() as i64).collect();
        let eval = self.outputs(&data, &all, crops)?;
        write_scores(&[self], &data, eval, format!("all of {}", data_root.display()), vec![crops], out)
    }

    /// This model's split of its experiment's faces, rebuilt from its `config.toml` over the
    /// experiment's data folder; when the model folder has a `manifest.json`, the rebuilt split
    /// must have the fingerprint it names.
    fn own_split(&self, project_dir: &Path) -> Result<crate::data::Data, RunnerError> {
        let data = crate::data::Data::load(&self.experiment, &self.heads.tasks, project_dir)?;
        let manifest = self.source.join("manifest.json");
        if let Ok(text) = std::fs::read_to_string(&manifest) {
            let m: crate::manifest::Manifest = serde_json::from_str(&text).map_err(|e| RunnerError::RunFolder {
                path: manifest.clone(),
                message: format!("not a manifest: {e}"),
            })?;
            let now = data.split.fingerprint(&data.files());
            if m.split_fingerprint != now {
                return Err(RunnerError::RunFolder {
                    path: manifest,
                    message: format!(
                        "the split rebuilt from config.toml over {} has fingerprint {now}, the run's was {}: not the faces it was trained and chosen on",
                        data.root.display(),
                        m.split_fingerprint
                    ),
                });
            }
        }
        Ok(data)
    }

    /// The model's outputs on faces `idx` of `data` with the given views.
    fn outputs(
        &self,
        data: &crate::data::Data,
        idx: &[i64],
        crops: Crops,
    ) -> Result<crate::evaluate::Evaluation, RunnerError> {
        crate::evaluate::evaluate(self.net.as_ref(), data, &self.heads, idx, 256, Device::Cpu, crops)
    }

    /// Whether `other` predicts the same heads (names, targets, classes) in the same order.
    fn same_heads(&self, other: &Predictor) -> bool {
        let key = |p: &Predictor| -> Vec<(String, dataset::Target, Option<Vec<String>>)> {
            p.heads
                .tasks
                .iter()
                .map(|t| (t.name.clone(), t.target.clone(), t.kind.classes().map(|c| c.to_vec())))
                .collect()
        };
        key(self) == key(other)
    }

    /// The epoch whose weights these are, as the model's own test figures name it (0 if unknown).
    fn trained_epoch(&self) -> usize {
        let text = std::fs::read_to_string(self.source.join("test-metrics.json")).ok();
        text.and_then(|t| serde_json::from_str::<crate::TestMetrics>(&t).ok()).map_or(0, |t| t.best_epoch)
    }
}

/// Evaluates one model, or several together, on a part of their split (`valid` to choose, `test`
/// to report what was chosen), each with its own views (see [`Predictor::with_views`]), and writes
/// `test-metrics.json`, `predictions.csv` and `evaluation.json` into `out`.
///
/// Several models are an ensemble: their outputs (class probabilities, ages in years) are averaged
/// per face. They must predict the same heads and have the same split (the same faces in the same
/// parts), each at its own input size; a researcher combines models this way when one network
/// alone falls short, at the cost of running each.
pub fn evaluate_part(
    models: &[&Predictor],
    part: dataset::Part,
    project_dir: &Path,
    out: &Path,
) -> Result<crate::TestMetrics, RunnerError> {
    let Some(first) = models.first() else {
        return Err(RunnerError::RunFolder { path: out.to_path_buf(), message: "no model to evaluate".into() });
    };
    let mut kept: Option<(crate::data::Data, String)> = None;
    let mut evals = Vec::with_capacity(models.len());
    for m in models {
        if !m.same_heads(first) {
            return Err(different_heads(m, first));
        }
        let data = m.own_split(project_dir)?;
        let fingerprint = data.split.fingerprint(&data.files());
        if let Some((faces, want)) = &kept {
            if faces.fingerprint != data.fingerprint {
                return Err(RunnerError::RunFolder {
                    path: m.source.join("config.toml"),
                    message: format!(
                        "its faces ({}, fingerprint {}) are not {}'s ({}, fingerprint {}): models evaluated together must see the same files",
                        data.root.display(),
                        data.fingerprint,
                        first.source.display(),
                        faces.root.display(),
                        faces.fingerprint
                    ),
                });
            }
            if *want != fingerprint {
                return Err(RunnerError::RunFolder {
                    path: m.source.join("config.toml"),
                    message: format!(
                        "its split has fingerprint {fingerprint}, {}'s has {want}: models evaluated together must share their split",
                        first.source.display()
                    ),
                });
            }
        }
        let idx: Vec<i64> = data.split.indices(part).into_iter().map(|i| i as i64).collect();
        evals.push(m.outputs(&data, &idx, m.crops)?);
        // the first model's data names the faces; the others' images are let go
        kept.get_or_insert((data, fingerprint));
    }
    let (data, _) = kept.expect("one model at least");
    let views = models.iter().map(|m| m.crops).collect();
    write_scores(
        models,
        &data,
        crate::evaluate::Evaluation::mean(evals),
        format!("{part:?}").to_lowercase(),
        views,
        out,
    )
}

/// Writes an evaluation of `models` (one, or an ensemble) on faces of `data`.
fn write_scores(
    models: &[&Predictor],
    data: &crate::data::Data,
    eval: crate::evaluate::Evaluation,
    part: String,
    views: Vec<Crops>,
    out: &Path,
) -> Result<crate::TestMetrics, RunnerError> {
    let heads = &models[0].heads;
    let metrics = crate::TestMetrics {
        part,
        images: eval.indices.len(),
        loss: eval.loss,
        // an ensemble has no one epoch: 0, as for an unknown one
        best_epoch: if models.len() == 1 { models[0].trained_epoch() } else { 0 },
        heads: eval.summarize(heads),
        ten_crop: None,
    };
    std::fs::create_dir_all(out).map_err(|e| RunnerError::io(out, e))?;
    runfolder::write_json(&out.join("test-metrics.json"), &metrics)?;
    eval.predictions(data, heads).write(&out.join("predictions.csv"))?;
    let info = EvaluationInfo {
        model: models.iter().map(|m| m.source.display().to_string()).collect::<Vec<_>>().join(" + "),
        data_root: data.root.display().to_string(),
        data_fingerprint: data.fingerprint.clone(),
        images: eval.indices.len(),
        views: runfolder::Views(views),
        summary: data.summary.clone(),
    };
    runfolder::write_json(&out.join("evaluation.json"), &info)?;
    Ok(metrics)
}

impl Predictor {
    /// A warning when the model is a run folder whose training has not finished (no test
    /// figures yet): its weights are those of the best epoch so far, not the run's result.
    pub fn unfinished(&self) -> Option<String> {
        let run_folder = self.source.join("checkpoints/best.safetensors").is_file();
        (run_folder && !self.source.join("test-metrics.json").is_file()).then(|| {
            format!(
                "{}: the run has not finished (no test-metrics.json): predicting with the best weights so far",
                self.source.display()
            )
        })
    }
}

/// Checks that a weights file is a whole safetensors file before libtorch reads it, so that a
/// truncated copy or a foreign file is named as such (libtorch only says `MetadataIncompleteBuffer`).
/// The format: an 8-byte little-endian header length, a JSON header giving each tensor's
/// `data_offsets`, then the data.
pub fn check_weights_file(path: &Path) -> Result<(), RunnerError> {
    let bad = |message: String| RunnerError::RunFolder { path: path.to_path_buf(), message };
    let mut file = std::fs::File::open(path).map_err(|e| RunnerError::io(path, e))?;
    let size = file.metadata().map_err(|e| RunnerError::io(path, e))?.len();
    if size == 0 {
        return Err(bad("empty weights file (0 bytes)".into()));
    }
    let mut len = [0u8; 8];
    use std::io::Read;
    if size < 8 || file.read_exact(&mut len).is_err() {
        return Err(bad(format!("truncated weights file: {size} bytes, not even a safetensors header")));
    }
    let header_len = u64::from_le_bytes(len);
    if header_len > 100 << 20 {
        return Err(bad(format!(
            "not a safetensors weights file: its first 8 bytes give a header of {header_len} bytes"
        )));
    }
    if 8 + header_len > size {
        return Err(bad(format!(
            "truncated weights file: {size} bytes, but its header alone needs {}",
            8 + header_len
        )));
    }
    let mut header = vec![0u8; header_len as usize];
    file.read_exact(&mut header).map_err(|e| RunnerError::io(path, e))?;
    let json: serde_json::Value = serde_json::from_slice(&header)
        .map_err(|e| bad(format!("not a safetensors weights file: its header is not JSON ({e})")))?;
    let end = json
        .as_object()
        .into_iter()
        .flatten()
        .filter_map(|(_, t)| t.get("data_offsets")?.get(1)?.as_u64())
        .max()
        .unwrap_or(0);
    let data = size - 8 - header_len;
    if end > data {
        return Err(bad(format!(
            "truncated weights file: {size} bytes, its tensors need {} (the copy was cut short)",
            8 + header_len + end
        )));
    }
    Ok(())
}
