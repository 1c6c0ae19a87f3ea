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
    /// Training-time augmentation (and the matching test-time crops).
    #[serde(default)]
    pub augment: AugmentConfig,
    /// Keep the report's flaws (e.g. a softmax over a single unit) as written, with a warning
    /// that names them, instead of refusing them.
    #[serde(default)]
    pub faithful: bool,
}

/// The `[augment]` table: applied to training batches only.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AugmentConfig {
    /// Mirror each image left-right with probability 1/2.
    #[serde(default)]
    pub flip: bool,
    /// Pad by this many pixels (zeros) and crop back at a random offset.
    #[serde(default)]
    pub pad_crop: usize,
    /// Random crops of this side from the loaded image (Levi & Hassner: 227 of 256); valid and test
    /// use the centre crop. The model's input side is this value.
    #[serde(default)]
    pub crop: Option<u32>,
    /// Also report the test with 10-crop over-sampling (4 corners + centre, and their mirrors,
    /// probabilities averaged), as Levi & Hassner; needs `crop`.
    #[serde(default)]
    pub ten_crop_test: bool,
    /// Brightness and contrast jitter: each image is scaled by factors drawn from [1-j, 1+j].
    #[serde(default)]
    pub color_jitter: f64,
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
    /// Resize filter (`nearest`, `triangle`, `catmullrom`, `lanczos3`, `area`).
    #[serde(default = "triangle")]
    pub resize_filter: ResizeFilter,
    /// Pixel scaling: `unit` (/255, into [0, 1]) or `levi_hassner` (0-255 minus Levi & Hassner's
    /// per-channel means).
    #[serde(default)]
    pub normalize: dataset::Normalize,
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
    /// Binary cross-entropy on one logit for a two-class target (Keras `Dense(1, sigmoid)`).
    BinaryCrossEntropy,
    /// Binary cross-entropy per unit against one-hot targets (Keras `Dense(k, sigmoid)` with
    /// `binary_crossentropy` on one-hot labels, as the report's Model 2).
    OneHotBinaryCrossEntropy,
    /// Multi-class hinge (SVM) loss on the scores.
    Hinge,
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
    /// An activation applied to the head's outputs before an `mse`/`l1` loss (faithful
    /// reproductions: Keras `Dense(1, activation="softmax")` with mse). Cross-entropy, binary
    /// cross-entropy and hinge losses apply their own and take none.
    #[serde(default)]
    pub activation: Option<Activation>,
    /// Label smoothing for cross-entropy (0 = none).
    #[serde(default)]
    pub label_smoothing: f64,
}

/// A head activation, as Keras names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Activation {
    /// Softmax over the head's units.
    Softmax,
    /// Logistic sigmoid per unit.
    Sigmoid,
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
    /// `cpu`, `cuda` or `auto` (CUDA when libtorch sees a GPU).
    #[serde(default)]
    pub device: DeviceChoice,
    /// Head whose validation metric picks the best epoch (and drives early stopping and the
    /// plateau schedule): its accuracy, or its MAE for age in years. Default: the first head.
    #[serde(default)]
    pub monitor: Option<String>,
    /// Stop when the monitored metric has not improved for this many epochs.
    #[serde(default)]
    pub patience: Option<usize>,
    /// Learning-rate schedule (default: constant).
    #[serde(default)]
    pub schedule: Schedule,
}

/// Where to train.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DeviceChoice {
    /// The CPU.
    #[default]
    Cpu,
    /// The first CUDA device (an error if there is none).
    Cuda,
    /// CUDA if available, else the CPU.
    Auto,
}

/// Learning-rate schedules. Each is a pure function of the epoch and the metrics so far, so a
/// resumed run follows the same schedule.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase", deny_unknown_fields)]
pub enum Schedule {
    /// The optimiser's learning rate throughout.
    #[default]
    Constant,
    /// Multiply by `gamma` every `every` epochs.
    Step {
        /// Epochs between decays.
        every: usize,
        /// Factor.
        gamma: f64,
    },
    /// Cosine decay from the base rate to `min_lr` over the run.
    Cosine {
        /// Final learning rate.
        #[serde(default)]
        min_lr: f64,
    },
    /// Multiply by `factor` when the monitored metric has not improved for `patience` epochs.
    Plateau {
        /// Factor.
        factor: f64,
        /// Epochs without improvement before a decay.
        patience: usize,
        /// Floor.
        #[serde(default)]
        min_lr: f64,
    },
}

/// A validated task: its head name, what it predicts and how it learns.
#[derive(Debug, Clone)]
pub struct Task {
    /// Head name.
    pub name: String,
    /// The label it is trained on.
    pub target: Target,
    /// How the head's outputs encode the prediction.
    pub kind: HeadKind,
    /// Loss.
    pub loss: Loss,
    /// Activation before an `mse`/`l1` loss.
    pub activation: Option<Activation>,
    /// Weight in the summed loss.
    pub weight: f64,
    /// Cross-entropy label smoothing.
    pub label_smoothing: f64,
}

/// How a head's outputs encode its prediction; decided by the target and the loss.
#[derive(Debug, Clone, PartialEq)]
pub enum HeadKind {
    /// One score per class (softmax / hinge / one-hot BCE).
    Classes {
        /// Class names.
        classes: Vec<String>,
        /// Whether the classes are ordered (1-off accuracy).
        ordinal: bool,
    },
    /// One logit for the second of two classes (sigmoid + binary cross-entropy).
    BinaryLogit {
        /// The two class names.
        classes: Vec<String>,
    },
    /// One number: the class index, rounded to predict (mse/l1 on a class label).
    ClassIndex {
        /// Class names.
        classes: Vec<String>,
        /// Whether the classes are ordered.
        ordinal: bool,
    },
    /// One number: age in years (over [`crate::data::AGE_SCALE`] inside the network).
    Regress,
    /// One score per year of age 0..=`max`; the prediction is the expected value.
    Years {
        /// Oldest age.
        max: usize,
    },
}

impl HeadKind {
    /// Class names, for heads whose predictions are classes.
    pub fn classes(&self) -> Option<&[String]> {
        match self {
            HeadKind::Classes { classes, .. }
            | HeadKind::BinaryLogit { classes }
            | HeadKind::ClassIndex { classes, .. } => Some(classes),
            HeadKind::Regress | HeadKind::Years { .. } => None,
        }
    }

    /// Whether predicted classes are ordered.
    pub fn ordinal(&self) -> bool {
        matches!(self, HeadKind::Classes { ordinal: true, .. } | HeadKind::ClassIndex { ordinal: true, .. })
    }
}

impl Task {
    /// Output width of the head.
    pub fn outputs(&self) -> usize {
        match &self.kind {
            HeadKind::Classes { classes, .. } => classes.len(),
            HeadKind::BinaryLogit { .. } | HeadKind::ClassIndex { .. } | HeadKind::Regress => 1,
            HeadKind::Years { max } => max + 1,
        }
    }

    /// A flaw of the head as configured, if it has one: a softmax over a single unit is the
    /// constant 1.0 (the report's Model 1 age head), so the head can neither learn nor vary.
    pub fn flaw(&self) -> Option<String> {
        (self.activation == Some(Activation::Softmax) && self.outputs() == 1).then(|| {
            format!(
                "head '{}' applies a softmax over a single unit: its output is the constant 1.0 whatever the \
input, so its loss cannot decrease and every prediction is the same (the report's Model 1 age head, \
Dense(1, activation=\"softmax\")). Use a classifier over the classes (loss = \"cross_entropy\") or \
drop the activation for a regression.",
                self.name
            )
        })
    }
}

impl Experiment {
    /// Loads, resolves `extends` and validates an experiment file. Errors name the file and line
    /// (for a key inherited through `extends`, the file of the chain that writes it).
    pub fn load(path: &Path) -> Result<Experiment, RunnerError> {
        let mut chain = Vec::new();
        let table = load_table(path, &mut chain)?;
        let mut exp: Experiment = if chain.len() == 1 {
            // One file: let toml report the line and column itself.
            toml::from_str(&read(path)?)
                .map_err(|e| RunnerError::Config { path: path.to_path_buf(), message: e.to_string() })?
        } else {
            toml::Value::Table(table).try_into().map_err(|e: toml::de::Error| locate(&e, &chain))?
        };
        if exp.name.is_empty() {
            exp.name =
                path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "experiment".into());
        }
        if let Err(message) = exp.validate() {
            // the child overrides its parents: the first file of the chain that writes the key
            let files = chain.iter().enumerate().map(|(i, f)| if i == 0 { path.to_path_buf() } else { f.clone() });
            let sources: Vec<(PathBuf, String)> =
                files.map(|f| (f.clone(), std::fs::read_to_string(&f).unwrap_or_default())).collect();
            return Err(invalid(message, &sources));
        }
        Ok(exp)
    }

    /// Parses an experiment from TOML text (no `extends`), validated.
    pub fn from_toml(text: &str, origin: &Path) -> Result<Experiment, RunnerError> {
        let exp: Experiment = toml::from_str(text)
            .map_err(|e| RunnerError::Config { path: origin.to_path_buf(), message: e.to_string() })?;
        exp.validate().map_err(|message| invalid(message, &[(origin.to_path_buf(), text.to_string())]))?;
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
        for t in &tasks {
            if let (Some(flaw), false) = (t.flaw(), self.faithful) {
                return Err(format!("`tasks`: {flaw} To reproduce the flaw on purpose, set `faithful = true`."));
            }
        }
        if let Some(m) = &self.train.monitor {
            if !tasks.iter().any(|t| &t.name == m) {
                let names: Vec<&str> = tasks.iter().map(|t| t.name.as_str()).collect();
                return Err(format!("`train.monitor`: no head named '{m}'; heads are {names:?}"));
            }
        }
        if let Some(crop) = self.augment.crop {
            if crop == 0 || crop > self.data.image_size {
                return Err(format!(
                    "`augment.crop`: expected 1..={} (data.image_size), got {crop}",
                    self.data.image_size
                ));
            }
        } else if self.augment.ten_crop_test {
            return Err("`augment.ten_crop_test`: needs `augment.crop` (the crop side)".into());
        }
        if !(0.0..1.0).contains(&self.augment.color_jitter) {
            return Err(format!("`augment.color_jitter`: expected 0 <= j < 1, got {}", self.augment.color_jitter));
        }
        if self.train.patience == Some(0) {
            return Err(
                "`train.patience`: expected at least 1 epoch without improvement (leave it out to train every epoch)"
                    .into(),
            );
        }
        if self.augment.color_jitter > 0.0 && self.data.normalize != dataset::Normalize::Unit {
            // the jitter clamps to [0, 1]: mean-subtracted 0-255 inputs would be flattened
            return Err(
                "`augment.color_jitter`: works on pixels in [0, 1], so it needs `data.normalize = \"unit\"`".into()
            );
        }
        match self.train.schedule {
            Schedule::Step { every: 0, .. } => return Err("`train.schedule.every`: must be at least 1".into()),
            Schedule::Step { gamma, .. } | Schedule::Plateau { factor: gamma, .. }
                if !(gamma > 0.0 && gamma <= 1.0) =>
            {
                return Err(format!("`train.schedule`: the decay factor must be in (0, 1], got {gamma}"))
            }
            _ => {}
        }
        if self.data.image_size < 4 || self.data.image_size > 1024 {
            return Err(format!("`data.image_size`: expected 4..=1024 pixels, got {}", self.data.image_size));
        }
        match self.data.source {
            Source::Utkface if self.data.root.is_none() => {
                return Err("`data.root`: a UTKFace source needs the folder, e.g. root = \"data/UTKFace\"".into())
            }
            Source::Synthetic if self.data.count.unwrap_or(0) == 0 => {
                return Err(
                    "`data.count`: a synthetic source needs how many faces to generate, e.g. count = 2000".into()
                )
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
        self.validate_ranges()
    }

    /// The numeric options' ranges, each refused with its key before anything runs (libtorch
    /// panics on some of them, `threads = 0` for one, and others would train on nonsense).
    fn validate_ranges(&self) -> Result<(), String> {
        if !self.name.is_empty() {
            check_name(&self.name).map_err(|e| format!("`name`: {e}"))?;
        }
        let o = &self.optimizer;
        non_negative("optimizer.weight_decay", o.weight_decay)?;
        if !(0.0..1.0).contains(&o.momentum) {
            return Err(format!("`optimizer.momentum`: expected 0 <= momentum < 1, got {}", o.momentum));
        }
        if self.train.threads == Some(0) {
            return Err("`train.threads`: expected at least 1 thread (leave it out to use every core)".into());
        }
        match self.train.schedule {
            Schedule::Cosine { min_lr } => at_most_lr("train.schedule.min_lr", min_lr, o.lr)?,
            Schedule::Plateau { patience: 0, .. } => {
                return Err("`train.schedule.patience`: expected at least 1 epoch without improvement".into())
            }
            Schedule::Plateau { min_lr, .. } => at_most_lr("train.schedule.min_lr", min_lr, o.lr)?,
            _ => {}
        }
        if self.data.limit == Some(0) {
            return Err("`data.limit`: expected at least 1 face (leave it out to use them all)".into());
        }
        if self.augment.pad_crop > self.data.image_size as usize {
            return Err(format!(
                "`augment.pad_crop`: expected 0..={} pixels (data.image_size), got {}",
                self.data.image_size, self.augment.pad_crop
            ));
        }
        self.split.validate().map_err(|e| format!("`split`: {e}"))?;
        // the architecture's own options (kernel sizes, widths, frozen blocks...) and the input
        // it accepts, checked on a shape-only build: nothing is allocated
        let heads = crate::heads::Heads::new(self.tasks()?);
        let size = self.augment.crop.unwrap_or(self.data.image_size);
        let input = models::InputShape { channels: self.data.color.channels() as i64, size: i64::from(size) };
        models::summary(&self.model, input, &heads.specs()).map_err(|e| format!("`model`: {e}"))?;
        Ok(())
    }

    /// The validated tasks.
    pub fn tasks(&self) -> Result<Vec<Task>, String> {
        self.tasks
            .iter()
            .enumerate()
            .map(|(i, t)| {
                let key = format!("tasks[{i}]");
                let target = match (t.target, &t.scheme) {
                    (TargetKind::AgeGroup, Some(SchemeRef::Named(n))) => Target::AgeGroup(AgeScheme::builtin(n).ok_or_else(|| {
                        format!("`{key}.scheme`: unknown scheme '{n}', expected one of {:?} or an inline {{ name, uppers, labels }}", AgeScheme::BUILTIN)
                    })?),
                    (TargetKind::AgeGroup, Some(SchemeRef::Inline(s))) => {
                        s.validate().map_err(|e| format!("`{key}.scheme`: {e}"))?;
                        Target::AgeGroup(s.clone())
                    }
                    (TargetKind::AgeGroup, None) => return Err(format!("`{key}.scheme`: an age_group task needs a scheme, e.g. scheme = \"report5\"")),
                    (_, Some(_)) => return Err(format!("`{key}.scheme`: only age_group tasks take a scheme")),
                    (TargetKind::Age, None) => Target::Age,
                    (TargetKind::Gender, None) => Target::Gender,
                    (TargetKind::Race, None) => Target::Race,
                };
                let loss = t.loss.unwrap_or(if target == Target::Age { Loss::Mse } else { Loss::CrossEntropy });
                let classes = target.classes();
                let ordinal = target.is_ordinal();
                let kind = match (&classes, loss) {
                    (Some(c), Loss::CrossEntropy | Loss::Hinge | Loss::OneHotBinaryCrossEntropy) => {
                        HeadKind::Classes { classes: c.clone(), ordinal }
                    }
                    (Some(c), Loss::BinaryCrossEntropy) if c.len() == 2 => HeadKind::BinaryLogit { classes: c.clone() },
                    (Some(c), Loss::BinaryCrossEntropy) => {
                        return Err(format!(
                            "`{key}.loss`: binary_cross_entropy needs two classes, '{}' has {}; use one_hot_binary_cross_entropy or cross_entropy",
                            t.name, c.len()
                        ))
                    }
                    (Some(c), Loss::Mse | Loss::L1) => HeadKind::ClassIndex { classes: c.clone(), ordinal },
                    (None, Loss::Mse | Loss::L1) => HeadKind::Regress,
                    (None, Loss::CrossEntropy) => HeadKind::Years { max: dataset::utkface::MAX_AGE as usize },
                    (None, other) => {
                        return Err(format!("`{key}.loss`: {other:?} does not suit age in years; use mse, l1 or cross_entropy (over years)"))
                    }
                };
                if t.activation.is_some() && !matches!(loss, Loss::Mse | Loss::L1) {
                    return Err(format!("`{key}.activation`: only mse and l1 losses take an activation; {loss:?} applies its own"));
                }
                if !(0.0..1.0).contains(&t.label_smoothing) || (t.label_smoothing > 0.0 && loss != Loss::CrossEntropy) {
                    return Err(format!("`{key}.label_smoothing`: expected 0 <= value < 1 with a cross_entropy loss, got {}", t.label_smoothing));
                }
                if !(t.weight >= 0.0 && t.weight.is_finite()) {
                    return Err(format!("`{key}.weight`: expected a non-negative number, got {}", t.weight));
                }
                let name = if t.name.is_empty() { format!("{:?}", t.target).to_lowercase().replace("agegroup", "age_group") } else { t.name.clone() };
                Ok(Task { name, target, kind, loss, activation: t.activation, weight: t.weight, label_smoothing: t.label_smoothing })
            })
            .collect()
    }
}

/// Refuses a name that, made into a folder name, would leave the folder it is meant for (`..`,
/// `/`, a drive or an absolute path) or be awkward in a shell: the one check for every name that
/// becomes a path (experiments under `--reports`, releases under `models/`, sweep variants).
pub fn check_name(name: &str) -> Result<(), String> {
    let ok = |c: char| c.is_alphanumeric() || matches!(c, '-' | '_' | '.' | '+' | '=' | ',');
    if name.is_empty() {
        return Err("expected a name, got an empty one".into());
    }
    if name.starts_with('.') || !name.chars().all(ok) {
        return Err(format!(
            "{name:?} cannot be a folder name: expected letters, digits and - _ . + = , only, not \
starting with '.' (no '/', '..' or spaces)"
        ));
    }
    Ok(())
}

fn non_negative(key: &str, v: f64) -> Result<(), String> {
    if v >= 0.0 && v.is_finite() {
        Ok(())
    } else {
        Err(format!("`{key}`: expected a number >= 0, got {v}"))
    }
}

fn at_most_lr(key: &str, v: f64, lr: f64) -> Result<(), String> {
    non_negative(key, v)?;
    if v > lr {
        return Err(format!("`{key}`: expected at most optimizer.lr ({lr}), got {v}"));
    }
    Ok(())
}

/// A validation message (which starts with its key, `` `train.threads`: ... ``) as an error that
/// names the file and line writing that key: the first of `sources` (file, text; children before
/// parents) that writes it, else the nearest table above it that one writes.
fn invalid(message: String, sources: &[(PathBuf, String)]) -> RunnerError {
    let key: String = message.split(": ").next().unwrap_or("").replace('`', "");
    let found = |exact: bool| {
        sources.iter().find_map(|(path, text)| match key_line(text, &key) {
            Some((line, whole)) if whole || !exact => Some((path.clone(), line)),
            _ => None,
        })
    };
    match found(true).or_else(|| found(false)) {
        Some((path, line)) => RunnerError::Config { path, message: format!("line {line}: {message}") },
        None => RunnerError::Config { path: sources.first().map(|s| s.0.clone()).unwrap_or_default(), message },
    }
}

/// The line (1-based) of TOML `text` that writes `key`, a dotted path such as `train.threads`,
/// `tasks[1].weight` or `train.schedule.every`, and `true`; or, when only a table above it is
/// written (the key is a default, or comes from a parent), that table's line and `false`.
fn key_line(text: &str, key: &str) -> Option<(usize, bool)> {
    use toml::de::{DeTable, DeValue};
    let root = DeTable::parse(text).ok()?;
    let mut table = root.get_ref();
    let mut at = None;
    let mut whole = true;
    for segment in key.split('.') {
        let (name, index) = match segment.split_once('[') {
            Some((n, i)) => (n, i.trim_end_matches(']').parse::<usize>().ok()),
            None => (segment, None),
        };
        let Some((k, v)) = table.iter().find(|(k, _)| k.get_ref() == name) else {
            whole = false;
            break;
        };
        at = Some(k.span().start);
        let mut value = v;
        if let (Some(i), DeValue::Array(items)) = (index, v.get_ref()) {
            let Some(item) = items.get(i) else {
                whole = false;
                break;
            };
            at = Some(item.span().start);
            value = item;
        }
        match value.get_ref() {
            DeValue::Table(t) => table = t,
            _ => break,
        }
    }
    at.map(|offset| (text[..offset.min(text.len())].matches('\n').count() + 1, whole))
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
        return Err(RunnerError::Config {
            path: path.to_path_buf(),
            message: format!("`extends` forms a cycle: {}", cycle.join(" -> ")),
        });
    }
    chain.push(canon);
    let text = read(path)?;
    let mut table: toml::Table = text
        .parse()
        .map_err(|e: toml::de::Error| RunnerError::Config { path: path.to_path_buf(), message: e.to_string() })?;
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

fn same_tag(base: &toml::Table, over: &toml::Table) -> bool {
    ["kind", "arch"].iter().all(|tag| match (base.get(*tag), over.get(*tag)) {
        (Some(a), Some(b)) => a == b,
        _ => true,
    })
}

/// Places an error found in a merged `extends` chain: when it names a key, the last file of the
/// chain that writes that key (children override parents) is blamed, with its line.
fn locate(e: &toml::de::Error, chain: &[PathBuf]) -> RunnerError {
    let message = e.message().to_string();
    let key = message.split('`').nth(1).filter(|_| message.contains("field `")).map(str::to_string);
    if let Some(key) = key {
        for file in chain {
            let text = std::fs::read_to_string(file).unwrap_or_default();
            let hit = text.lines().position(|l| {
                let l = l.trim_start();
                l.strip_prefix(key.as_str()).is_some_and(|rest| rest.trim_start().starts_with('='))
            });
            if let Some(line) = hit {
                return RunnerError::Config { path: file.clone(), message: format!("line {}: {message}", line + 1) };
            }
        }
    }
    let files: Vec<String> = chain.iter().map(|p| p.display().to_string()).collect();
    RunnerError::Config {
        path: chain[0].clone(),
        message: format!("{message} (in the merge of {})", files.join(" <- ")),
    }
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
    fn colour_jitter_needs_unit_pixels_and_patience_an_epoch() {
        let dir = tempfile::tempdir().unwrap();
        let jitter = BASE.replace("[split]", "[augment]\ncolor_jitter = 0.2\n[split]");
        assert!(Experiment::load(&write(dir.path(), "ok.toml", &jitter)).is_ok());
        let impatient = BASE.replace("epochs = 25", "epochs = 25\npatience = 0");
        let err = Experiment::load(&write(dir.path(), "p.toml", &impatient)).unwrap_err().to_string();
        assert!(err.contains("p.toml") && err.contains("train.patience"), "{err}");
        let caffe = jitter.replace("image_size = 32", "image_size = 32\nnormalize = \"levi_hassner\"");
        let err = Experiment::load(&write(dir.path(), "j.toml", &caffe)).unwrap_err().to_string();
        assert!(err.contains("j.toml") && err.contains("color_jitter") && err.contains("unit"), "{err}");
    }

    #[test]
    fn a_softmax_over_one_unit_is_refused_unless_faithful() {
        let dir = tempfile::tempdir().unwrap();
        let flawed =
            BASE.replace("scheme = \"report5\"", "scheme = \"report5\"\nloss = \"mse\"\nactivation = \"softmax\"");
        let err = Experiment::load(&write(dir.path(), "f.toml", &flawed)).unwrap_err().to_string();
        assert!(err.contains("softmax over a single unit") && err.contains("faithful = true"), "{err}");
        let faithful = format!("faithful = true\n{flawed}");
        let exp = Experiment::load(&write(dir.path(), "g.toml", &faithful)).unwrap();
        let tasks = exp.tasks().unwrap();
        assert_eq!(tasks[0].outputs(), 1);
        assert!(tasks[0].flaw().is_some());
        // the check is general: any softmax over one unit, not a flag on one model
        let sigmoid = flawed.replace("activation = \"softmax\"", "activation = \"sigmoid\"");
        assert!(Experiment::load(&write(dir.path(), "h.toml", &sigmoid)).unwrap().tasks().unwrap()[0].flaw().is_none());
    }

    #[test]
    fn out_of_range_numbers_name_file_line_and_key() {
        let dir = tempfile::tempdir().unwrap();
        // (what to replace, with what, the key the error must name, the line it must point at)
        let cases = [
            ("epochs = 25", "epochs = 25\nthreads = 0", "train.threads", "threads = 0"),
            ("lr = 1e-3", "lr = nan", "optimizer.lr", "lr = nan"),
            ("lr = 1e-3", "lr = 0.0", "optimizer.lr", "lr = 0.0"),
            ("lr = 1e-3", "lr = inf", "optimizer.lr", "lr = inf"),
            ("lr = 1e-3", "lr = 1e-3\nmomentum = 1.5", "optimizer.momentum", "momentum = 1.5"),
            ("lr = 1e-3", "lr = 1e-3\nweight_decay = -0.1", "optimizer.weight_decay", "weight_decay = -0.1"),
            ("batch_size = 100", "batch_size = 0", "train.batch_size", "batch_size = 0"),
            ("epochs = 25", "epochs = 0", "train.epochs", "epochs = 0"),
            ("image_size = 32", "image_size = 0", "data.image_size", "image_size = 0"),
            ("image_size = 32", "image_size = 32\nlimit = 0", "data.limit", "limit = 0"),
            ("train = 10", "train = 0", "split", "[split]"),
            ("[split]", "[augment]\ncrop = 0\n[split]", "augment.crop", "crop = 0"),
            ("[split]", "[augment]\ncolor_jitter = nan\n[split]", "augment.color_jitter", "color_jitter = nan"),
            ("[split]", "[augment]\npad_crop = 33\n[split]", "augment.pad_crop", "pad_crop = 33"),
            ("scheme = \"report5\"", "scheme = \"report5\"\nweight = -1.0", "tasks[0].weight", "weight = -1.0"),
            (
                "scheme = \"report5\"",
                "scheme = \"report5\"\nlabel_smoothing = nan",
                "tasks[0].label_smoothing",
                "label_smoothing = nan",
            ),
            (
                "epochs = 25",
                "epochs = 25\n[train.schedule]\nkind = \"step\"\nevery = 0\ngamma = 0.1",
                "train.schedule.every",
                "every = 0",
            ),
            (
                "epochs = 25",
                "epochs = 25\nschedule = { kind = \"step\", every = 2, gamma = nan }",
                "train.schedule",
                "schedule = { kind = \"step\", every = 2, gamma = nan }",
            ),
            (
                "epochs = 25",
                "epochs = 25\nschedule = { kind = \"cosine\", min_lr = -1.0 }",
                "train.schedule.min_lr",
                "schedule = { kind = \"cosine\", min_lr = -1.0 }",
            ),
            (
                "epochs = 25",
                "epochs = 25\nschedule = { kind = \"plateau\", factor = 0.5, patience = 0 }",
                "train.schedule.patience",
                "schedule = { kind = \"plateau\", factor = 0.5, patience = 0 }",
            ),
        ];
        for (from, to, key, line) in cases {
            assert!(BASE.contains(from), "{from}");
            let text = BASE.replacen(from, to, 1);
            let path = write(dir.path(), "bad.toml", &text);
            let err = Experiment::load(&path).unwrap_err().to_string();
            let want_line = text.lines().position(|l| l == line).unwrap() + 1;
            assert!(err.contains("bad.toml") && err.contains(&format!("`{key}")), "{key}: {err}");
            assert!(err.contains(&format!("line {want_line}:")), "{key}: expected line {want_line}: {err}");
            // the same from text (a run folder's config.toml)
            let err = Experiment::from_toml(&text, Path::new("config.toml")).unwrap_err().to_string();
            assert!(err.contains(&format!("line {want_line}:")), "{key}: {err}");
        }
    }

    #[test]
    fn model_options_are_checked_at_load() {
        let dir = tempfile::tempdir().unwrap();
        for (arch, want) in [
            ("arch = \"article3\"\nkernel = 0", "kernel"),
            ("arch = \"lmtcnn\"\nwidth = 0", "width"),
            ("arch = \"vgg16\"\nfrozen_blocks = 9", "frozen_blocks"),
        ] {
            let text = BASE.replace("arch = \"model4\"", arch);
            let err = Experiment::load(&write(dir.path(), "m.toml", &text)).unwrap_err().to_string();
            let line = text.lines().position(|l| l == "[model]").unwrap() + 1;
            assert!(err.contains(&format!("m.toml: line {line}: `model`")) && err.contains(want), "{err}");
        }
    }

    #[test]
    fn a_key_set_in_a_parent_is_blamed_on_the_parent() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "base.toml", &BASE.replace("epochs = 25", "epochs = 25\nthreads = 0"));
        let child = write(dir.path(), "child.toml", "extends = \"base.toml\"\nname = \"child\"\n");
        let err = Experiment::load(&child).unwrap_err().to_string();
        assert!(err.contains("base.toml: line 23: `train.threads`"), "{err}");
        let child = write(dir.path(), "fix.toml", "extends = \"base.toml\"\n[train]\nthreads = 0\n");
        let err = Experiment::load(&child).unwrap_err().to_string();
        assert!(err.contains("fix.toml: line 3: `train.threads`"), "{err}");
    }

    #[test]
    fn names_that_would_leave_the_reports_folder_are_refused() {
        assert!(check_name("").is_err());
        for bad in ["../escape", "/tmp/abs", "a/b", "..", ".hidden", "a b", "x;echo"] {
            assert!(check_name(bad).is_err(), "{bad:?}");
            let text = format!("name = {bad:?}\n{BASE}");
            let err = Experiment::from_toml(&text, Path::new("n.toml")).unwrap_err().to_string();
            assert!(err.contains("`name`") && err.contains("line 1:"), "{bad:?}: {err}");
        }
        for good in ["model4", "multitask-96", "multitask-5split-split=0", "lr=0.01,b", "âge_v2"] {
            assert!(check_name(good).is_ok(), "{good:?}");
        }
    }

    #[test]
    fn cross_field_rules() {
        let dir = tempfile::tempdir().unwrap();
        let text = BASE.replace("scheme = \"report5\"", "scheme = \"report7\"");
        let err = Experiment::load(&write(dir.path(), "s.toml", &text)).unwrap_err().to_string();
        assert!(err.contains("report7") && err.contains("tasks[0]"), "{err}");
        let text = BASE.replace("lr = 1e-3", "lr = -1.0");
        assert!(Experiment::load(&write(dir.path(), "l.toml", &text))
            .unwrap_err()
            .to_string()
            .contains("optimizer.lr"));
        let err = Experiment::load(&dir.path().join("absent.toml")).unwrap_err().to_string();
        assert!(err.contains("absent.toml"), "{err}");
    }
}
