//! An experiment's data as tensors: faces found, decoded (on all cores, cached), labelled per task,
//! and split. Images stay `u8` in memory (22,707 faces at 32x32 RGB is 70 MB) and become floats
//! in [0, 1] one batch at a time.

use std::path::{Path, PathBuf};

use dataset::fingerprint::Fingerprint;
use dataset::utkface::resolve_data_path;
use dataset::{images, synthetic, Face, LoadSummary, Split, UtkFolder};
use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use tch::{Device, Kind, Tensor};

use crate::config::{Experiment, HeadKind, Source, Task};
use crate::RunnerError;

/// Regression targets are divided by this inside the network (ages in hundreds of years), so
/// their loss has the scale of a classification loss; predictions are multiplied back.
pub const AGE_SCALE: f64 = 100.0;

/// Faces, pixels, labels and split of one experiment.
pub struct Data {
    /// The folder the faces came from.
    pub root: PathBuf,
    /// Decoded faces, in file-name order; index `i` matches image `i`.
    pub faces: Vec<Face>,
    /// `u8` images `[N, C, H, W]`.
    pub images: Tensor,
    /// One label tensor per task: `i64` class indices, or `f32` scaled ages.
    pub labels: Vec<Tensor>,
    /// The split over `faces`.
    pub split: Split,
    /// What the load kept and skipped (names, decode failures).
    pub summary: LoadSummary,
    /// Fingerprint of the face files used (names and sizes).
    pub fingerprint: String,
    /// Pixel scaling applied per batch.
    pub normalize: dataset::Normalize,
}

/// `u8` images `[N, C, H, W]` to the network's float input.
pub fn to_input(images: &Tensor, normalize: dataset::Normalize) -> Tensor {
    let x = images.to_kind(Kind::Float);
    match normalize {
        // Kept as a division (not a multiplication by 1/255) so results stay bit-identical.
        dataset::Normalize::Unit => x / 255.0,
        other => {
            let c = x.size()[1];
            let color = if c == 1 { dataset::ColorMode::Gray } else { dataset::ColorMode::Rgb };
            let (mean, scale): (Vec<f32>, Vec<f32>) = other.mean_scale(color).into_iter().unzip();
            let shape = [1, c, 1, 1];
            (x - Tensor::from_slice(&mean).view(shape).to_device(images.device()))
                * Tensor::from_slice(&scale).view(shape).to_device(images.device())
        }
    }
}

impl Data {
    /// Finds, decodes, labels and splits the experiment's faces.
    pub fn load(exp: &Experiment, tasks: &[Task], project_dir: &Path) -> Result<Data, RunnerError> {
        let root = data_root(exp, project_dir)?;
        let (faces, mut summary) = UtkFolder::new(&root).scan()?;
        let faces = subset(faces, exp.data.limit, exp.seed);
        let pre = exp.data.preprocess();
        let paths: Vec<PathBuf> = faces.iter().map(|f| f.path.clone()).collect();
        let cache = images::default_cache_dir();
        let (set, failed) = images::load(&paths, &pre, cache.as_deref())?;
        summary.skipped.extend(failed);
        let faces: Vec<Face> = faces.into_iter().zip(&set.decoded).filter(|(_, ok)| **ok).map(|(f, _)| f).collect();
        summary.kept = faces.len();
        if faces.is_empty() {
            return Err(dataset::DatasetError::EmptyFolder { path: root, skipped: summary.skipped.len() }.into());
        }
        let c = pre.color.channels() as i64;
        let s = pre.size as i64;
        let images = Tensor::from_slice(&set.pixels).view([faces.len() as i64, c, s, s]);
        let labels = tasks.iter().map(|t| labels(t, &faces)).collect();
        let split = split(exp, tasks, &faces)?;
        let mut fp = Fingerprint::new();
        for f in &faces {
            fp.add(f.file.as_bytes());
            fp.add(&std::fs::metadata(&f.path).map(|m| m.len()).unwrap_or(0).to_le_bytes());
        }
        Ok(Data {
            root,
            faces,
            images,
            labels,
            split,
            summary,
            fingerprint: fp.finish(),
            normalize: exp.data.normalize,
        })
    }

    /// File names in face order.
    pub fn files(&self) -> Vec<&str> {
        self.faces.iter().map(|f| f.file.as_str()).collect()
    }

    /// Input shape `(channels, size)`.
    pub fn shape(&self) -> (i64, i64) {
        let s = self.images.size();
        (s[1], s[2])
    }

    /// A batch: float images scaled by `normalize` on `device`, and the labels of each task.
    pub fn batch(&self, idx: &[i64], device: Device) -> (Tensor, Vec<Tensor>) {
        let index = Tensor::from_slice(idx);
        let x = to_input(&self.images.index_select(0, &index).to_device(device), self.normalize);
        let y = self.labels.iter().map(|l| l.index_select(0, &index).to_device(device)).collect();
        (x, y)
    }
}

/// Resolves the experiment's split over the faces, giving the kinds that need them the strata
/// (a classification task's labels, or gender / race) they ask for.
fn split(exp: &Experiment, tasks: &[Task], faces: &[Face]) -> Result<Split, RunnerError> {
    let needs = exp.split.needs();
    let bad = |message: String| RunnerError::Config { path: "split".into(), message };
    if needs.groups && matches!(exp.split, dataset::SplitSpec::Subject { .. } | dataset::SplitSpec::Kfold { .. }) {
        return Err(bad(
            "`split.kind`: subject and kfold splits need subject identities (Adience's user_id); UTKFace has none"
                .into(),
        ));
    }
    let strata: Option<Vec<usize>> = match needs.strata_by {
        None => None,
        Some(by) => Some(match (by, tasks.iter().find(|t| t.name == by)) {
            (_, Some(t)) if t.target.classes().is_some() => faces.iter().map(|f| t.target.label(f) as usize).collect(),
            ("gender", _) => faces.iter().map(|f| f.gender.index()).collect(),
            ("race", _) => faces.iter().map(|f| f.race.index()).collect(),
            _ => {
                return Err(bad(format!(
                    "`split.by`: '{by}' is neither a classification task of this experiment nor gender / race"
                )))
            }
        }),
    };
    let mut inputs = dataset::SplitInputs::new(faces.len(), exp.seed);
    if let Some(s) = &strata {
        inputs = inputs.strata(s);
    }
    Ok(Split::build(&exp.split, &inputs)?)
}

/// Label tensor of a task: class (or year) indices as `i64` for heads trained on classes, floats
/// for heads that regress a class index, ages over [`AGE_SCALE`] for age regression.
fn labels(task: &Task, faces: &[Face]) -> Tensor {
    let values: Vec<f32> = faces.iter().map(|f| task.target.label(f)).collect();
    match task.kind {
        HeadKind::Classes { .. } | HeadKind::BinaryLogit { .. } | HeadKind::Years { .. } => {
            Tensor::from_slice(&values.iter().map(|&v| v as i64).collect::<Vec<i64>>())
        }
        HeadKind::ClassIndex { .. } => Tensor::from_slice(&values),
        HeadKind::Regress => Tensor::from_slice(&values) / AGE_SCALE,
    }
}

fn subset(mut faces: Vec<Face>, limit: Option<usize>, seed: u64) -> Vec<Face> {
    let Some(limit) = limit else { return faces };
    if limit >= faces.len() {
        return faces;
    }
    // A stream of its own, so the subset does not shift when the split changes.
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x5eed_50b5e7);
    faces.shuffle(&mut rng);
    faces.truncate(limit);
    faces.sort_by(|a, b| a.file.cmp(&b.file));
    faces
}

/// The folder an experiment reads: a UTKFace root (with `$AGELAB_DATA` applied), or the cached
/// synthetic set for its seed and count, generated on first use.
pub fn data_root(exp: &Experiment, project_dir: &Path) -> Result<PathBuf, RunnerError> {
    match exp.data.source {
        Source::Utkface => {
            let root = exp.data.root.as_deref().unwrap_or(Path::new("data/UTKFace"));
            let env = std::env::var_os("AGELAB_DATA").filter(|v| !v.is_empty()).map(PathBuf::from);
            Ok(resolve_data_path(root, project_dir, env.as_deref()))
        }
        Source::Synthetic => {
            let count = exp.data.count.unwrap_or(0);
            let base = images::default_cache_dir()
                .and_then(|d| d.parent().map(Path::to_path_buf))
                .unwrap_or_else(|| std::env::temp_dir().join("agelab"));
            let dir = base.join("synthetic").join(format!("v1-seed{}-n{count}", exp.seed));
            // The completion stamp sits beside the folder, not in it, so the folder holds only faces.
            let stamp = dir.with_extension("complete");
            if !stamp.exists() {
                let tmp = dir.with_extension(format!("tmp{}", std::process::id()));
                let _ = std::fs::remove_dir_all(&tmp);
                synthetic::generate(&tmp, count, exp.seed)?;
                let _ = std::fs::remove_dir_all(&dir);
                std::fs::rename(&tmp, &dir).map_err(|e| RunnerError::io(&dir, e))?;
                std::fs::write(&stamp, b"").map_err(|e| RunnerError::io(&stamp, e))?;
            }
            Ok(dir)
        }
    }
}
