//! Experiments as typed TOML. Unknown keys are errors (a typo like `epoch = 25` must not be ignored),
//! `extends = "other.toml"` inherits and overrides, and everything is validated once, at load.

use std::path::{Path, PathBuf};

use dataset::images::{ColorMode, Preprocess, ResizeFilter};
use dataset::{AgeScheme, SplitSpec, Target};
use models::ModelSpec;
use serde::{Deserialize, Serialize};

use crate::RunnerError;

/// A whole experiment, as written in (and resolved from) a TOML file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Experiment {
    /// Name of the experiment (run folders go to `reports/<name>/`). Default: the file's stem.
    #[serde(default)]
    pub name: String,
    /// One line on what the experiment is for.
    #[serde(default)]
    pub description: String,
    /// Master seed: split, weight initialisation, batch order and dropout all derive from it.
    pub seed: u64,
    /// Where the faces come from and how they are prepared.
    pub data: DataConfig,
    /// What the model predicts; one head per task.
    pub tasks: Vec<TaskConfig>,
    /// Train / valid / test assignment.
    pub split: SplitSpec,
    /// Architecture (`arch = "model4"`) and its options.
    pub model: ModelSpec,
    /// Optimiser.
    pub optimizer: OptimizerConfig,
    /// Loop settings.
    pub train: TrainConfig,
}

/// Data source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    /// A UTKFace-format folder (`[age]_[gender]_[race]_[datetime].jpg.chip.jpg`).
    Utkface,
    /// Synthetic faces in UTKFace format, generated (once, cached) from the seed: needs no download.
    Synthetic,
}

/// The `[data]` table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DataConfig {
    /// Source kind.
    pub source: Source,
    /// Folder of the faces. Paths starting with `data/` are under `$AGELAB_DATA` when it is set.
    /// Not used by `synthetic`.
    #[serde(default)]
    pub root: Option<PathBuf>,
    /// For `synthetic`: how many faces to generate.
    #[serde(default)]
    pub count: Option<usize>,
    /// Use only a seeded random subset of this many faces (quick experiments, tests).
    #[serde(default)]
    pub limit: Option<usize>,
    /// Square side the images are resized to.
    pub image_size: u32,
    /// `rgb` or `gray`.
    #[serde(default = "rgb")]
    pub color: ColorMode,
    /// Resize filter (`nearest`, `triangle`, `catmullrom`, `lanczos3`).
    #[serde(default = "triangle")]
    pub resize_filter: ResizeFilter,
}

fn rgb() -> ColorMode {
    ColorMode::Rgb
}
fn triangle() -> ResizeFilter {
    ResizeFilter::Triangle
}

impl DataConfig {
    /// The preprocessing this table describes.
    pub fn preprocess(&self) -> Preprocess {
        Preprocess { size: self.image_size, color: self.color, filter: self.resize_filter }
    }
}

/// What one head predicts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TargetKind {
    /// Age group under `scheme`.
    AgeGroup,
    /// Age in years (regression).
    Age,
    /// Gender.
    Gender,
    /// Race.
    Race,
}

/// An age scheme: a built-in's name (`report5`, `report4`, `adience8`) or an inline table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum SchemeRef {
    /// A built-in scheme.
    Named(String),
    /// `{ name, uppers, labels }`.
    Inline(AgeScheme),
}

/// Loss for a head.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Loss {
    /// Softmax cross-entropy (classification default).
    CrossEntropy,
    /// Mean squared error (regression default).
    Mse,
    /// Mean absolute error.
    L1,
}

/// One `[[tasks]]` entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TaskConfig {
    /// Head name (column prefix in metrics). Default: the target's name.
    #[serde(default)]
    pub name: String,
    /// What to predict.
    pub target: TargetKind,
    /// Age scheme, for `age_group` only.
    #[serde(default)]
    pub scheme: Option<SchemeRef>,
    /// Loss; default by target kind.
    #[serde(default)]
    pub loss: Option<Loss>,
    /// Weight of this head's loss in the sum.
    #[serde(default = "one")]
    pub weight: f64,
}

fn one() -> f64 {
    1.0
}

/// Optimiser kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OptimizerKind {
    /// Adam (Keras defaults: betas 0.9/0.999, epsilon 1e-7).
    Adam,
    /// Adam with decoupled weight decay.
    Adamw,
    /// SGD with (optional) momentum.
    Sgd,
    /// RMSprop (Keras defaults: rho 0.9, epsilon 1e-7).
    Rmsprop,
}

/// The `[optimizer]` table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OptimizerConfig {
    /// Kind.
    pub kind: OptimizerKind,
    /// Learning rate.
    pub lr: f64,
    /// L2 (Adam, SGD, RMSprop) or decoupled (AdamW) weight decay.
    #[serde(default)]
    pub weight_decay: f64,
    /// SGD momentum.
    #[serde(default)]
    pub momentum: f64,
}

/// The `[train]` table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrainConfig {
    /// Images per step.
    pub batch_size: usize,
    /// Epochs.
    pub epochs: usize,
    /// libtorch intra-op threads (default: all cores).
    #[serde(default)]
    pub threads: Option<usize>,
}

/// A validated task: its head name, target, loss and weight.
#[derive(Debug, Clone)]
pub struct Task {
    /// Head name.
    pub name: String,
    /// What it predicts.
    pub target: Target,
    /// Loss.
    pub loss: Loss,
    /// Weight.
    pub weight: f64,
}

impl Task {
    /// Output width of the head.
    pub fn outputs(&self) -> usize {
        self.target.classes().map(|c| c.len()).unwrap_or(1)
    }
}

impl Experiment {
    /// Loads, resolves `extends` and validates an experiment file.
    pub fn load(path: &Path) -> Result<Experiment, RunnerError> {
        let table = load_table(path, &mut Vec::new())?;
        let text = toml::to_string(&table).expect("a TOML table serialises");
        let mut exp: Experiment = toml::from_str(&text).map_err(|e| RunnerError::Config {
            path: path.to_path_buf(),
            message: describe_toml_error(&e, path),
        })?;
        if exp.name.is_empty() {
            exp.name = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "experiment".into());
        }
        exp.validate().map_err(|message| RunnerError::Config { path: path.to_path_buf(), message })?;
        Ok(exp)
    }

    /// Parses an experiment from TOML text (no `extends`), validated.
    pub fn from_toml(text: &str, origin: &Path) -> Result<Experiment, RunnerError> {
        let exp: Experiment = toml::from_str(text).map_err(|e| RunnerError::Config {
            path: origin.to_path_buf(),
            message: e.to_string(),
        })?;
        exp.validate().map_err(|message| RunnerError::Config { path: origin.to_path_buf(), message })?;
        Ok(exp)
    }

    /// The resolved experiment as TOML (what a run folder stores as `config.toml`).
    pub fn to_toml(&self) -> String {
        toml::to_string_pretty(self).expect("an experiment serialises")
    }

    /// Checks what serde cannot: cross-field rules. Returns a message naming the key.
    pub fn validate(&self) -> Result<(), String> {
        if self.tasks.is_empty() {
            return Err("`tasks`: at least one [[tasks]] entry is needed".into());
        }
        let tasks = self.tasks()?;
        let mut names: Vec<&str> = tasks.iter().map(|t| t.name.as_str()).collect();
        names.sort();
        if let Some(w) = names.windows(2).find(|w| w[0] == w[1]) {
            return Err(format!("`tasks`: two heads are named '{}'; give each a distinct `name`", w[0]));
        }
        if self.data.image_size < 4 || self.data.image_size > 1024 {
            return Err(format!("`data.image_size`: expected 4..=1024 pixels, got {}", self.data.image_size));
        }
        match self.data.source {
            Source::Utkface if self.data.root.is_none() => {
                return Err("`data.root`: a UTKFace source needs the folder, e.g. root = \"data/UTKFace\"".into())
            }
            Source::Synthetic if self.data.count.unwrap_or(0) == 0 => {
                return Err("`data.count`: a synthetic source needs how many faces to generate, e.g. count = 2000".into())
            }
            _ => {}
        }
        if self.train.batch_size == 0 {
            return Err("`train.batch_size`: must be at least 1".into());
        }
        if self.train.epochs == 0 {
            return Err("`train.epochs`: must be at least 1".into());
        }
        if !(self.optimizer.lr > 0.0 && self.optimizer.lr.is_finite()) {
            return Err(format!("`optimizer.lr`: expected a positive number, got {}", self.optimizer.lr));
        }
        Ok(())
    }

    /// The validated tasks.
    pub fn tasks(&self) -> Result<Vec<Task>, String> {
        self.tasks
            .iter()
            .enumerate()
            .map(|(i, t)| {
                let key = format!("`tasks[{i}]`");
                let target = match (t.target, &t.scheme) {
                    (TargetKind::AgeGroup, Some(SchemeRef::Named(n))) => Target::AgeGroup(AgeScheme::builtin(n).ok_or_else(|| {
                        format!("{key}.scheme: unknown scheme '{n}', expected one of {:?} or an inline {{ name, uppers, labels }}", AgeScheme::BUILTIN)
                    })?),
                    (TargetKind::AgeGroup, Some(SchemeRef::Inline(s))) => {
                        s.validate().map_err(|e| format!("{key}.scheme: {e}"))?;
                        Target::AgeGroup(s.clone())
                    }
                    (TargetKind::AgeGroup, None) => return Err(format!("{key}.scheme: an age_group task needs a scheme, e.g. scheme = \"report5\"")),
                    (_, Some(_)) => return Err(format!("{key}.scheme: only age_group tasks take a scheme")),
                    (TargetKind::Age, None) => Target::Age,
                    (TargetKind::Gender, None) => Target::Gender,
                    (TargetKind::Race, None) => Target::Race,
                };
                let regression = target.classes().is_none();
                let loss = t.loss.unwrap_or(if regression { Loss::Mse } else { Loss::CrossEntropy });
                if regression == (loss == Loss::CrossEntropy) {
                    return Err(format!("{key}.loss: {loss:?} does not suit a {} target", if regression { "regression" } else { "classification" }));
                }
                if !(t.weight >= 0.0 && t.weight.is_finite()) {
                    return Err(format!("{key}.weight: expected a non-negative number, got {}", t.weight));
                }
                let name = if t.name.is_empty() { format!("{:?}", t.target).to_lowercase().replace("agegroup", "age_group") } else { t.name.clone() };
                Ok(Task { name, target, loss, weight: t.weight })
            })
            .collect()
    }
}

fn read(path: &Path) -> Result<String, RunnerError> {
    std::fs::read_to_string(path).map_err(|e| RunnerError::Config {
        path: path.to_path_buf(),
        message: format!("cannot read the experiment file: {e}"),
    })
}

/// Reads a TOML file as a table, following `extends` (relative to the file) and merging: the
/// child's keys override the parent's, tables merge key by key, arrays are replaced whole.
fn load_table(path: &Path, chain: &mut Vec<PathBuf>) -> Result<toml::Table, RunnerError> {
    let canon = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
    if chain.contains(&canon) {
        let cycle: Vec<String> = chain.iter().chain([&canon]).map(|p| p.display().to_string()).collect();
        return Err(RunnerError::Config { path: path.to_path_buf(), message: format!("`extends` forms a cycle: {}", cycle.join(" -> ")) });
    }
    chain.push(canon);
    let text = read(path)?;
    let mut table: toml::Table = text.parse().map_err(|e: toml::de::Error| RunnerError::Config {
        path: path.to_path_buf(),
        message: e.to_string(),
    })?;
    // Check this file's own keys against the schema before merging, so that an error names the
    // file (and line) where the bad key is written.
    check_keys(&text, path)?;
    let Some(parent) = table.remove("extends") else { return Ok(table) };
    let parent = parent.as_str().ok_or_else(|| RunnerError::Config {
        path: path.to_path_buf(),
        message: "`extends`: expected a file name string, e.g. extends = \"model4.toml\"".into(),
    })?;
    let parent_path = path.parent().unwrap_or(Path::new(".")).join(parent);
    if !parent_path.exists() {
        return Err(RunnerError::Config {
            path: path.to_path_buf(),
            message: format!("`extends`: {} does not exist", parent_path.display()),
        });
    }
    let mut base = load_table(&parent_path, chain)?;
    merge(&mut base, table);
    Ok(base)
}

/// Tables tagged by `kind` or `arch` (split, model, optimizer) are replaced whole when the child
/// names another kind, so options of the parent's kind do not leak into the child's.
fn merge(base: &mut toml::Table, over: toml::Table) {
    for (k, v) in over {
        match (base.get_mut(&k), v) {
            (Some(toml::Value::Table(b)), toml::Value::Table(o)) if same_tag(b, &o) => merge(b, o),
            (_, v) => {
                base.insert(k, v);
            }
        }
    }
}

/// A partial view of the schema that accepts any subset of keys but rejects unknown ones, so that
/// each file in an `extends` chain is checked on its own, with line numbers.
fn check_keys(text: &str, path: &Path) -> Result<(), RunnerError> {
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Keys {
        extends: Option<String>,
        name: Option<toml::Value>,
        description: Option<toml::Value>,
        seed: Option<toml::Value>,
        data: Option<Table<DataKeys>>,
        tasks: Option<Vec<TaskConfig>>,
        split: Option<toml::Value>,
        model: Option<toml::Value>,
        optimizer: Option<Table<OptimizerKeys>>,
        train: Option<Table<TrainKeys>>,
    }
    #[derive(Deserialize)]
    #[serde(transparent)]
    #[allow(dead_code)]
    struct Table<T>(T);
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct DataKeys {
        source: Option<toml::Value>,
        root: Option<toml::Value>,
        count: Option<toml::Value>,
        limit: Option<toml::Value>,
        image_size: Option<toml::Value>,
        color: Option<toml::Value>,
        resize_filter: Option<toml::Value>,
    }
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct OptimizerKeys {
        kind: Option<toml::Value>,
        lr: Option<toml::Value>,
        weight_decay: Option<toml::Value>,
        momentum: Option<toml::Value>,
    }
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct TrainKeys {
        batch_size: Option<toml::Value>,
        epochs: Option<toml::Value>,
        threads: Option<toml::Value>,
    }
    toml::from_str::<Keys>(text).map(|_| ()).map_err(|e| RunnerError::Config {
        path: path.to_path_buf(),
        message: e.to_string(),
    })
}

fn same_tag(base: &toml::Table, over: &toml::Table) -> bool {
    ["kind", "arch"].iter().all(|tag| match (base.get(*tag), over.get(*tag)) {
        (Some(a), Some(b)) => a == b,
        _ => true,
    })
}

fn describe_toml_error(e: &toml::de::Error, path: &Path) -> String {
    format!("{} (after resolving `extends` of {})", e, path.display())
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = r#"
seed = 1
[data]
source = "utkface"
root = "data/UTKFace"
image_size = 32
[[tasks]]
name = "age"
target = "age_group"
scheme = "report5"
[split]
kind = "ordered"
train = 10
valid = 5
[model]
arch = "model4"
[optimizer]
kind = "adam"
lr = 1e-3
[train]
batch_size = 100
epochs = 25
"#;

    fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        p
    }

    #[test]
    fn loads_and_names_from_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let exp = Experiment::load(&write(dir.path(), "model4.toml", BASE)).unwrap();
        assert_eq!(exp.name, "model4");
        assert_eq!(exp.tasks().unwrap()[0].outputs(), 5);
        assert_eq!(exp.train.epochs, 25);
        // the resolved TOML round-trips
        assert_eq!(Experiment::from_toml(&exp.to_toml(), Path::new("x")).unwrap(), exp);
    }

    #[test]
    fn unknown_key_names_file_line_and_key() {
        let dir = tempfile::tempdir().unwrap();
        let text = BASE.replace("epochs = 25", "epoch = 25");
        let err = Experiment::load(&write(dir.path(), "typo.toml", &text)).unwrap_err().to_string();
        assert!(err.contains("typo.toml"), "{err}");
        assert!(err.contains("epoch"), "{err}");
        assert!(err.contains("line 22"), "{err}");
    }

    #[test]
    fn wrong_type_is_reported() {
        let dir = tempfile::tempdir().unwrap();
        let text = BASE.replace("batch_size = 100", "batch_size = \"big\"");
        let err = Experiment::load(&write(dir.path(), "t.toml", &text)).unwrap_err().to_string();
        assert!(err.contains("batch_size") || err.contains("invalid type"), "{err}");
    }

    #[test]
    fn extends_overrides_and_checks_the_child() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "model4.toml", BASE);
        let child = write(dir.path(), "fast.toml", "extends = \"model4.toml\"\nname = \"fast\"\n[train]\nepochs = 2\n");
        let exp = Experiment::load(&child).unwrap();
        assert_eq!(exp.name, "fast");
        assert_eq!(exp.train.epochs, 2);
        assert_eq!(exp.train.batch_size, 100);
        let bad = write(dir.path(), "bad.toml", "extends = \"model4.toml\"\n[train]\nepoch = 2\n");
        let err = Experiment::load(&bad).unwrap_err().to_string();
        assert!(err.contains("bad.toml") && err.contains("epoch"), "{err}");
        let missing = write(dir.path(), "m.toml", "extends = \"nope.toml\"\n");
        assert!(Experiment::load(&missing).unwrap_err().to_string().contains("nope.toml"));
        let cyc = write(dir.path(), "c.toml", "extends = \"c.toml\"\n");
        assert!(Experiment::load(&cyc).unwrap_err().to_string().contains("cycle"));
    }

    #[test]
    fn cross_field_rules() {
        let dir = tempfile::tempdir().unwrap();
        let text = BASE.replace("scheme = \"report5\"", "scheme = \"report7\"");
        let err = Experiment::load(&write(dir.path(), "s.toml", &text)).unwrap_err().to_string();
        assert!(err.contains("report7") && err.contains("tasks[0]"), "{err}");
        let text = BASE.replace("lr = 1e-3", "lr = -1.0");
        assert!(Experiment::load(&write(dir.path(), "l.toml", &text)).unwrap_err().to_string().contains("optimizer.lr"));
        let err = Experiment::load(&dir.path().join("absent.toml")).unwrap_err().to_string();
        assert!(err.contains("absent.toml"), "{err}");
    }
}
