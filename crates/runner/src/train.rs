//! The one training loop. Every model and task combination goes through it, in named steps:
//! [`Session::prepare`] (a fresh start or a resume), [`Session::fit_epoch`] (forward, per-head
//! losses, weighted sum, backward, step; validation; checkpoint), [`next_step`] (the pure rule
//! that says whether to train on or stop early), [`Session::test`] (once, with the best
//! validation epoch's weights, by the monitored head) and [`Session::finish`].

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use runfolder::{
    write_json, CurveMetric, EpochRow, HeadColumn, HeadInfo, HeadMetrics, InputInfo, Manifest, MetricsCsv, RunDir,
    RunFolderError, RunLock, SplitSizes, Status, TestMetrics, TimingRow,
};
use tch::{nn, Device, Kind, Tensor};

use crate::checkpoint::{load_weights, Checkpoints, TrainState};
use crate::config::{AugmentConfig, DeviceChoice, Experiment, Schedule};
use crate::data::Data;
use crate::evaluate::{evaluate, Crops, Evaluation};
use crate::heads::{Decoded, Heads, Truth};
use crate::manifest::git_state;
use crate::optim::Optimizer;
use crate::progress::EpochBar;
use crate::RunnerError;
use dataset::Part;

/// How to run (as opposed to what: that is the experiment).
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Base folder for run folders (`reports/`).
    pub reports: PathBuf,
    /// Folder that relative data paths start from (the project root).
    pub project_dir: PathBuf,
    /// Show progress bars and per-epoch lines on stderr.
    pub progress: bool,
    /// Device to train on.
    pub device: Device,
}

/// What a finished run produced.
pub struct RunOutcome {
    /// Its folder.
    pub dir: RunDir,
    /// Test metrics (also in `test-metrics.json`).
    pub test: TestMetrics,
    /// Its manifest (also in `manifest.json`).
    pub manifest: Manifest,
}

/// Starts a new run of `exp`. A start that fails before its manifest is written (missing data, a
/// split larger than the data, a model that cannot be built) removes its folder again: it holds
/// nothing to resume or report.
pub fn run(exp: &Experiment, opts: &RunOptions) -> Result<RunOutcome, RunnerError> {
    let dir = RunDir::create(&opts.reports, &exp.name)?;
    let result = execute(exp, dir.clone(), Start::Fresh, opts);
    if result.is_err() && !dir.manifest().is_file() {
        let _ = std::fs::remove_dir_all(dir.root());
        // `reports/<experiment>/` too, when this run was its only one (fails harmlessly otherwise)
        if let Some(parent) = dir.root().parent() {
            let _ = std::fs::remove_dir(parent);
        }
    }
    result
}

/// Continues an interrupted run from its last checkpoint.
pub fn resume(run_dir: &Path, opts: &RunOptions) -> Result<RunOutcome, RunnerError> {
    let dir = RunDir::open(run_dir)?;
    let text = std::fs::read_to_string(dir.config()).map_err(|e| RunnerError::io(dir.config(), e))?;
    let exp = Experiment::from_toml(&text, &dir.config())?;
    refuse_edited_config(&dir, &exp)?;
    execute(&exp, dir, Start::Resume, opts)
}

/// What `reports/<experiment>/` already holds for an experiment: the latest run folder whose
/// resolved config is this experiment's (compared after parsing, so formatting and defaults added
/// since do not matter).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Previous {
    /// It finished: it has test metrics.
    Finished(PathBuf),
    /// It stopped after at least one checkpoint.
    Interrupted(PathBuf),
    /// No such run (or one that stopped before its first checkpoint); `others` runs of the same
    /// name have other settings.
    None {
        /// Run folders of the same experiment name whose config differs.
        others: usize,
    },
}

/// Looks for an earlier run of `exp` under `reports`.
pub fn previous(exp: &Experiment, reports: &Path) -> Previous {
    let want = exp.to_toml();
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(reports.join(&exp.name))
        .map(|d| d.flatten().map(|e| e.path()).filter(|p| p.is_dir()).collect())
        .unwrap_or_default();
    dirs.sort();
    let mut others = 0;
    for d in dirs.iter().rev() {
        let Ok(dir) = RunDir::open(d) else { continue };
        let config = dir.config();
        let same = std::fs::read_to_string(&config)
            .ok()
            .and_then(|t| Experiment::from_toml(&t, &config).ok())
            .is_some_and(|e| e.to_toml() == want);
        if !same {
            others += 1;
        } else if dir.test_metrics().is_file() {
            return Previous::Finished(d.clone());
        } else if dir.checkpoints().join("state.json").is_file() {
            return Previous::Interrupted(d.clone());
        }
    }
    Previous::None { others }
}

/// Runs `exp` to the end across interruptions: a finished run of the same resolved experiment is
/// reused, an interrupted one continued from its last checkpoint, else a new run starts. Long
/// campaigns (sweeps, hour-long runs on a CPU) then survive being stopped and started again.
pub fn run_continuing(exp: &Experiment, opts: &RunOptions) -> Result<PathBuf, RunnerError> {
    match previous(exp, &opts.reports) {
        Previous::Finished(d) => {
            if opts.progress {
                eprintln!("{}: finished already in {} (its manifest.json names the commit)", exp.name, d.display());
            }
            Ok(d)
        }
        Previous::Interrupted(d) => Ok(resume(&d, opts)?.dir.root().to_path_buf()),
        Previous::None { others } => {
            if opts.progress && others > 0 {
                eprintln!("{}: {others} earlier run(s) have other settings; starting a new one", exp.name);
            }
            Ok(run(exp, opts)?.dir.root().to_path_buf())
        }
    }
}

/// Whether a run starts in an empty folder or continues one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Start {
    /// A new run folder: write its config, split and manifest.
    Fresh,
    /// An interrupted run: read its manifest and last checkpoint.
    Resume,
}

fn execute(exp: &Experiment, dir: RunDir, start: Start, opts: &RunOptions) -> Result<RunOutcome, RunnerError> {
    let _lock = RunLock::take(&dir)?;
    let mut session = Session::prepare(exp, dir, start, opts)?;
    loop {
        match next_step(session.state.epoch, session.state.best_epoch, exp.train.epochs, exp.train.patience) {
            Step::Train(epoch) => session.fit_epoch(epoch)?,
            Step::EarlyStop { patience, best_epoch } => {
                let line = format!(
                    "early stop: no improvement of '{}' for {patience} epochs (best: epoch {best_epoch})",
                    session.heads.tasks[session.monitor].name
                );
                session.log(&line)?;
                break;
            }
            Step::Done => break,
        }
    }
    let (test, eval) = session.test()?;
    session.finish(test, &eval)
}

/// What to do after `completed` epochs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Train this epoch (1-based).
    Train(usize),
    /// Stop: the monitored head has not improved for `patience` epochs since `best_epoch`.
    EarlyStop {
        /// Epochs without improvement allowed.
        patience: usize,
        /// The best epoch so far.
        best_epoch: usize,
    },
    /// All epochs are done.
    Done,
}

/// The next step after `completed` epochs, the best of which was `best_epoch` (0: none yet), out of
/// `epochs`, stopping early after `patience` epochs without improvement. A pure function of the
/// checkpointed state, so a resumed run takes the same decisions as an unbroken one.
pub fn next_step(completed: usize, best_epoch: usize, epochs: usize, patience: Option<usize>) -> Step {
    if completed >= epochs {
        return Step::Done;
    }
    match patience {
        Some(p) if best_epoch > 0 && completed - best_epoch >= p => Step::EarlyStop { patience: p, best_epoch },
        _ => Step::Train(completed + 1),
    }
}

/// Whether an epoch scoring `score` (higher is better) becomes the best one. Without validation
/// faces every epoch is, so the last one is tested.
pub fn improves(score: f64, best_score: f64, has_valid: bool) -> bool {
    !has_valid || score > best_score
}

/// Face indices of the three parts.
struct Parts {
    train: Vec<i64>,
    valid: Vec<i64>,
    test: Vec<i64>,
}

/// A run in progress: the model, its data and everything its folder records.
pub struct Session<'a> {
    exp: &'a Experiment,
    dir: RunDir,
    progress: bool,
    device: Device,
    heads: Heads,
    data: Data,
    parts: Parts,
    net: models::Net,
    vs: nn::VarStore,
    opt: Optimizer,
    ckpts: Checkpoints,
    manifest: Manifest,
    history: MetricsCsv,
    timings: Vec<TimingRow>,
    state: TrainState,
    /// Index of the head whose validation figure chooses the best epoch.
    monitor: usize,
    /// The training crop side, when the experiment crops.
    crop: Option<i64>,
}

impl<'a> Session<'a> {
    /// Loads the data, builds the model and the optimiser, and either writes a fresh run's
    /// config, load summary, split and manifest, or restores an interrupted run's last checkpoint.
    fn prepare(exp: &'a Experiment, dir: RunDir, start: Start, opts: &RunOptions) -> Result<Session<'a>, RunnerError> {
        let threads =
            exp.train.threads.unwrap_or_else(|| std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1));
        tch::set_num_threads(threads as i32);
        let tasks = exp.tasks().map_err(|message| RunnerError::Config { path: dir.config(), message })?;
        let heads = Heads::new(tasks);
        let data = Data::load(exp, &heads.tasks, &opts.project_dir)?;
        let log = |line: &str| log_line(&dir, opts.progress, line);
        log(&format!("run folder {}", dir.root().display()))?;
        for line in data.summary.to_string().lines() {
            log(line)?;
        }
        let device = match exp.train.device {
            DeviceChoice::Cpu => opts.device,
            DeviceChoice::Cuda if tch::Cuda::is_available() => Device::Cuda(0),
            DeviceChoice::Cuda => {
                return Err(RunnerError::Config { path: dir.config(), message: "`train.device`: cuda asked for, but libtorch sees no CUDA device (this build is CPU-only unless LIBTORCH points at a CUDA libtorch)".into() })
            }
            DeviceChoice::Auto => Device::cuda_if_available(),
        };
        let monitor =
            exp.train.monitor.as_ref().and_then(|m| heads.tasks.iter().position(|t| &t.name == m)).unwrap_or(0);
        let crop = exp.augment.crop.map(|c| c as i64);

        tch::manual_seed(exp.seed as i64);
        let mut vs = nn::VarStore::new(device);
        let (channels, loaded_size) = data.shape();
        let size = crop.unwrap_or(loaded_size);
        let built =
            models::build_with_notes(&exp.model, &vs.root(), models::InputShape { channels, size }, &heads.specs())?;
        let parameters = models::parameter_count(&vs);
        runfolder::write_atomic(&dir.model_summary(), built.summary.to_string().as_bytes())?;
        for note in &built.notes {
            log(&format!("model: {note}"))?;
        }
        let mut opt = Optimizer::new(&vs, &exp.optimizer);
        let ckpts = Checkpoints::new(dir.checkpoints());
        let split_fingerprint = data.split.fingerprint(&data.files());
        let columns = heads
            .tasks
            .iter()
            .map(|t| HeadColumn {
                name: t.name.clone(),
                metric: if t.kind.classes().is_some() { CurveMetric::Accuracy } else { CurveMetric::Mae },
            })
            .collect();
        let mut history = MetricsCsv { heads: columns, rows: Vec::new() };
        let mut timings = Vec::new();
        let mut state = TrainState {
            epoch: 0,
            weights: String::new(),
            optimizer: String::new(),
            best_epoch: 0,
            best_score: f64::NEG_INFINITY,
            best_score_bits: None,
        };
        let manifest = match start {
            Start::Resume => {
                let mut manifest: Manifest = runfolder::read_json(&dir.manifest(), "the run's manifest")?;
                if manifest.threads != threads {
                    // libtorch's sums depend on the thread count: the rest of the run will not match an
                    // unbroken one bit for bit (set `train.threads` to keep it)
                    log(&format!(
                        "warning: resuming on {threads} thread(s), the run started on {}; its figures may differ slightly from an unbroken run's",
                        manifest.threads
                    ))?;
                }
                if manifest.split_fingerprint != split_fingerprint {
                    return Err(RunnerError::RunFolder {
                        path: dir.manifest(),
                        message: format!(
                            "cannot resume: the data or split changed (split fingerprint {} now, {} when the run started)",
                            split_fingerprint, manifest.split_fingerprint
                        ),
                    });
                }
                for name in ckpts.remove_stale_temps() {
                    log(&format!("removed {name}, half-written when the run was stopped"))?;
                }
                if let Some(saved) = ckpts.load_state()? {
                    ckpts.restore(&saved, &mut vs, &mut opt)?;
                    ckpts.repair_best(&saved)?;
                    let recorded = read_or_empty(MetricsCsv::read(&dir.metrics()))?;
                    if let Some(recorded) = recorded {
                        if recorded.heads != history.heads {
                            return Err(RunnerError::RunFolder {
                                path: dir.metrics(),
                                message: "cannot resume: its head columns are not the experiment's heads".into(),
                            });
                        }
                        history.rows = recorded.rows.into_iter().take(saved.epoch).collect();
                    }
                    timings = read_or_empty(TimingRow::read(&dir.timing()))?.unwrap_or_default();
                    timings.truncate(saved.epoch);
                    log(&format!("resuming after epoch {} (best so far: epoch {})", saved.epoch, saved.best_epoch))?;
                    state = saved;
                }
                manifest.status = Status::Running;
                manifest
            }
            Start::Fresh => {
                runfolder::write_atomic(&dir.config(), exp.to_toml().as_bytes())?;
                runfolder::write_atomic(&dir.started_config(), exp.to_toml().as_bytes())?;
                write_json(&dir.load_summary(), &data.summary)?;
                runfolder::write_atomic(&dir.split(), data.split.listing(&data.files()).as_bytes())?;
                let [train, valid, test] = data.split.sizes();
                let (git_commit, git_dirty) = git_state(&opts.project_dir);
                let mut warnings: Vec<String> = heads.tasks.iter().filter_map(|t| t.flaw()).collect();
                warnings.extend(data_warnings(&data, &heads)?);
                Manifest {
                    experiment: exp.name.clone(),
                    run_id: dir.id(),
                    agelab_version: env!("CARGO_PKG_VERSION").into(),
                    libtorch_version: "2.13.0".into(),
                    git_commit,
                    git_dirty,
                    seed: exp.seed,
                    device: format!("{device:?}").to_lowercase(),
                    threads,
                    data_root: data.root.display().to_string(),
                    data_fingerprint: data.fingerprint.clone(),
                    split_fingerprint,
                    split_sizes: SplitSizes { train, valid, test },
                    model: exp.model.name().into(),
                    parameters,
                    multiply_adds: built.summary.mult_adds,
                    input: InputInfo { channels, size },
                    heads: heads
                        .tasks
                        .iter()
                        .map(|t| HeadInfo {
                            name: t.name.clone(),
                            outputs: t.outputs(),
                            classes: t.kind.classes().map(|c| c.to_vec()),
                        })
                        .collect(),
                    started: chrono::Utc::now().to_rfc3339(),
                    finished: None,
                    train_seconds: 0.0,
                    warnings,
                    status: Status::Running,
                }
            }
        };
        write_json(&dir.manifest(), &manifest)?;
        let [n_train, n_valid, n_test] = data.split.sizes();
        log(&format!(
            "model {} ({parameters} parameters) on {channels}x{size}x{size}; split {n_train} train / {n_valid} valid / {n_test} test; {threads} thread(s)",
            exp.model.name(),
        ))?;
        for w in &manifest.warnings {
            log(&format!("warning: {w}"))?;
        }
        let part = |p: Part| data.split.indices(p).into_iter().map(|i| i as i64).collect::<Vec<i64>>();
        let parts = Parts { train: part(Part::Train), valid: part(Part::Valid), test: part(Part::Test) };
        Ok(Session {
            exp,
            dir,
            progress: opts.progress,
            device,
            heads,
            data,
            parts,
            net: built.net,
            vs,
            opt,
            ckpts,
            manifest,
            history,
            timings,
            state,
            monitor,
            crop,
        })
    }

    fn log(&self, line: &str) -> Result<(), RunnerError> {
        log_line(&self.dir, self.progress, line)
    }

    /// The views validation and test look at: the centre crop when training crops, else the whole image.
    fn eval_crops(&self) -> Crops {
        self.crop.map(Crops::Centre).unwrap_or(Crops::Full)
    }

    /// Trains epoch `epoch`, validates, records its row and timing, and checkpoints it.
    fn fit_epoch(&mut self, epoch: usize) -> Result<(), RunnerError> {
        let exp = self.exp;
        let batch = exp.train.batch_size;
        let lr = learning_rate(
            &exp.train.schedule,
            exp.optimizer.lr,
            epoch,
            exp.train.epochs,
            &self.history.rows,
            self.monitor,
            &self.heads,
        );
        // Per-epoch seeds: a resumed run draws the same batches and dropout masks as an unbroken one.
        tch::manual_seed(exp.seed.wrapping_mul(1_000_003).wrapping_add(epoch as u64) as i64);
        let mut order = self.parts.train.clone();
        order.shuffle(&mut ChaCha8Rng::seed_from_u64(exp.seed.wrapping_add(epoch as u64 * 7919)));
        let bar = EpochBar::new(self.progress, epoch, exp.train.epochs, order.len().div_ceil(batch) as u64);
        let start = Instant::now();
        let outcome = train_epoch(
            self.net.as_ref(),
            &self.data,
            &self.heads,
            &mut self.opt,
            &order,
            batch,
            lr,
            self.device,
            &exp.augment,
            &bar,
        )?;
        let sums = match outcome {
            EpochOutcome::Completed(sums) => sums,
            EpochOutcome::Diverged { step, loss } => {
                self.manifest.status = Status::Failed { reason: format!("loss {loss} at epoch {epoch}, step {step}") };
                write_json(&self.dir.manifest(), &self.manifest)?;
                return Err(RunnerError::Diverged { epoch, step, value: loss, checkpoint: self.dir.checkpoints() });
            }
        };
        bar.finish();
        let seconds = start.elapsed().as_secs_f64();
        let valid = evaluate(
            self.net.as_ref(),
            &self.data,
            &self.heads,
            &self.parts.valid,
            batch,
            self.device,
            self.eval_crops(),
        )?;
        let seen = sums.images.max(1) as f64;
        let row = EpochRow {
            epoch,
            lr,
            train_loss: sums.loss / seen,
            valid_loss: valid.loss,
            train: sums.heads.iter().map(|s| s / seen).collect(),
            valid: valid.heads.iter().map(|h| h.headline()).collect(),
        };
        self.log(&epoch_line(&row, &self.heads, seconds, sums.images))?;
        self.history.rows.push(row);
        self.timings.push(TimingRow { epoch, seconds, train_images_per_s: sums.images as f64 / seconds });
        self.history.write(&self.dir.metrics())?;
        TimingRow::write(&self.timings, &self.dir.timing())?;

        let score = selection_score(&valid, &self.heads, self.monitor);
        let is_best = improves(score, self.state.best_score, !self.parts.valid.is_empty());
        self.state.epoch = epoch;
        self.state.weights = format!("epoch-{epoch:03}.safetensors");
        self.state.optimizer = format!("epoch-{epoch:03}-optimizer.safetensors");
        if is_best {
            self.state.best_epoch = epoch;
            self.state.best_score = score;
        }
        self.ckpts.save(&self.vs, &self.opt, &self.state, is_best)
    }

    /// Tests once, with the weights of the best validation epoch, and writes `test-metrics.json`
    /// and `predictions.csv`.
    fn test(&mut self) -> Result<(TestMetrics, Evaluation), RunnerError> {
        load_weights(&mut self.vs, &self.ckpts.best())?;
        let batch = self.exp.train.batch_size;
        let run =
            |crops| evaluate(self.net.as_ref(), &self.data, &self.heads, &self.parts.test, batch, self.device, crops);
        let test = run(self.eval_crops())?;
        let ten_crop = match (self.crop, self.exp.augment.ten_crop_test) {
            (Some(side), true) => Some(run(Crops::Ten(side))?.summarize(&self.heads)),
            _ => None,
        };
        let metrics = TestMetrics {
            part: "test".into(),
            images: self.parts.test.len(),
            loss: test.loss,
            best_epoch: self.state.best_epoch,
            heads: test.summarize(&self.heads),
            ten_crop,
        };
        write_json(&self.dir.test_metrics(), &metrics)?;
        test.predictions(&self.data, &self.heads).write(&self.dir.predictions())?;
        Ok((metrics, test))
    }

    /// Records the end: warnings the test predictions raise, the time spent, status `finished`.
    fn finish(mut self, test: TestMetrics, eval: &Evaluation) -> Result<RunOutcome, RunnerError> {
        for w in prediction_warnings(&self.heads, eval) {
            if !self.manifest.warnings.contains(&w) {
                self.log(&format!("warning: {w}"))?;
                self.manifest.warnings.push(w);
            }
        }
        self.manifest.train_seconds = self.timings.iter().map(|t| t.seconds).sum();
        self.manifest.finished = Some(chrono::Utc::now().to_rfc3339());
        self.manifest.status = Status::Finished;
        write_json(&self.dir.manifest(), &self.manifest)?;
        self.log(&test_line(&test))?;
        Ok(RunOutcome { dir: self.dir, test, manifest: self.manifest })
    }
}

/// Refuses to resume when `config.toml` no longer says what the run started with (the copy beside
/// its checkpoints): the checkpoints were trained with other settings. Names the changed keys.
/// Runs started before the copy was kept are not checked.
fn refuse_edited_config(dir: &RunDir, exp: &Experiment) -> Result<(), RunnerError> {
    let started = dir.started_config();
    let Ok(text) = std::fs::read_to_string(&started) else { return Ok(()) };
    let now = exp.to_toml();
    if text == now {
        return Ok(());
    }
    let flat = |t: &str| -> Result<BTreeMap<String, String>, RunnerError> {
        let value: toml::Value = toml::from_str(t)
            .map_err(|e| RunnerError::RunFolder { path: started.clone(), message: format!("not TOML: {e}") })?;
        let mut out = BTreeMap::new();
        flatten("", &value, &mut out);
        Ok(out)
    };
    let (before, after) = (flat(&text)?, flat(&now)?);
    let changed: Vec<&str> = before
        .keys()
        .chain(after.keys())
        .filter(|k| before.get(*k) != after.get(*k))
        .map(String::as_str)
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    Err(RunnerError::RunFolder {
        path: dir.config(),
        message: format!(
            "cannot resume: edited since the run started ({}); its checkpoints were trained with the settings in {}. Start a new run for the new settings",
            changed.join(", "),
            started.display()
        ),
    })
}

/// `value`'s leaves under dotted keys (`optimizer.lr`, `tasks.1.name`), as text.
fn flatten(prefix: &str, value: &toml::Value, out: &mut BTreeMap<String, String>) {
    let key = |k: &str| if prefix.is_empty() { k.to_owned() } else { format!("{prefix}.{k}") };
    match value {
        toml::Value::Table(t) => t.iter().for_each(|(k, v)| flatten(&key(k), v, out)),
        toml::Value::Array(a) => a.iter().enumerate().for_each(|(i, v)| flatten(&key(&i.to_string()), v, out)),
        leaf => {
            out.insert(prefix.to_owned(), leaf.to_string());
        }
    }
}

/// `Ok(None)` for a file that is not there yet (a run stopped before writing it).
fn read_or_empty<T>(read: Result<T, RunFolderError>) -> Result<Option<T>, RunnerError> {
    match read {
        Ok(v) => Ok(Some(v)),
        Err(RunFolderError::Missing { .. }) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

fn log_line(dir: &RunDir, progress: bool, line: &str) -> Result<(), RunnerError> {
    if progress {
        eprintln!("{line}");
    }
    Ok(runfolder::append_line(&dir.log(), line)?)
}

/// Sums over one training epoch.
pub struct EpochSums {
    /// Sum of per-image losses.
    pub loss: f64,
    /// Per head: correct predictions, or absolute error in years.
    pub heads: Vec<f64>,
    /// Images seen.
    pub images: usize,
}

/// How a training epoch ended.
pub enum EpochOutcome {
    /// Every batch was trained on.
    Completed(EpochSums),
    /// The loss stopped being finite at this 1-based step; that step did not update the weights.
    Diverged {
        /// The step.
        step: usize,
        /// The loss value.
        loss: f64,
    },
}

/// Trains one epoch over `order` (indices into `data`) in batches.
#[allow(clippy::too_many_arguments)]
pub fn train_epoch(
    net: &dyn nn::ModuleT,
    data: &Data,
    heads: &Heads,
    opt: &mut Optimizer,
    order: &[i64],
    batch: usize,
    lr: f64,
    device: Device,
    augment: &AugmentConfig,
    bar: &EpochBar,
) -> Result<EpochOutcome, RunnerError> {
    let mut sums = EpochSums { loss: 0.0, heads: vec![0.0; heads.tasks.len()], images: 0 };
    for (step, chunk) in order.chunks(batch).enumerate() {
        let (x, ys) = data.batch(chunk, device);
        let x = crate::augment::train_view(&x, augment)?;
        let out = net.forward_t(&x, true);
        let (loss, _) = heads.loss(&out, &ys);
        let value = loss.double_value(&[]);
        if !value.is_finite() {
            return Ok(EpochOutcome::Diverged { step: step + 1, loss: value });
        }
        opt.zero_grad();
        loss.backward();
        opt.step(lr);
        let n = chunk.len();
        sums.images += n;
        sums.loss += value * n as f64;
        tch::no_grad(|| -> Result<(), RunnerError> {
            for (i, sum) in sums.heads.iter_mut().enumerate() {
                *sum += match (heads.decode(&out, i), heads.truth(&ys[i], i)?) {
                    (Decoded::Probs(p), Truth::Classes(t)) => p
                        .argmax(1, false)
                        .eq_tensor(&Tensor::from_slice(&t).to_device(p.device()))
                        .sum(Kind::Int64)
                        .int64_value(&[]) as f64,
                    (Decoded::Values(v), Truth::Values(t)) => {
                        (v - Tensor::from_slice(&t).to_kind(Kind::Float).to_device(device))
                            .abs()
                            .sum(Kind::Float)
                            .double_value(&[])
                    }
                    _ => unreachable!("a head's outputs and labels agree in kind"),
                };
            }
            Ok(())
        })?;
        let first_acc = heads.tasks[0].kind.classes().map(|_| sums.heads[0] / sums.images as f64);
        bar.step(sums.loss / sums.images as f64, first_acc);
    }
    Ok(EpochOutcome::Completed(sums))
}

/// Higher is better: the monitored head's validation accuracy, or its negated MAE.
fn selection_score(valid: &Evaluation, heads: &Heads, monitor: usize) -> f64 {
    let h = valid.heads[monitor].headline();
    if heads.tasks[monitor].kind.classes().is_some() {
        h
    } else {
        -h
    }
}

/// The learning rate of `epoch` (1-based): a pure function of the schedule and the metrics of the
/// epochs before it, so a resumed run recomputes the same rates.
pub fn learning_rate(
    schedule: &Schedule,
    base: f64,
    epoch: usize,
    epochs: usize,
    rows: &[EpochRow],
    monitor: usize,
    heads: &Heads,
) -> f64 {
    match *schedule {
        Schedule::Constant => base,
        Schedule::Step { every, gamma } => base * gamma.powi(((epoch - 1) / every) as i32),
        Schedule::Cosine { min_lr } => {
            let t = (epoch - 1) as f64 / (epochs.max(2) - 1) as f64;
            min_lr + (base - min_lr) * 0.5 * (1.0 + (std::f64::consts::PI * t).cos())
        }
        Schedule::Plateau { factor, patience, min_lr } => {
            let higher_better = heads.tasks[monitor].kind.classes().is_some();
            let mut lr = base;
            let mut best = f64::NEG_INFINITY;
            let mut since = 0;
            for r in rows.iter().take(epoch - 1) {
                let score = if higher_better { r.valid[monitor] } else { -r.valid[monitor] };
                if score > best {
                    best = score;
                    since = 0;
                } else {
                    since += 1;
                    if since >= patience {
                        lr = (lr * factor).max(min_lr);
                        since = 0;
                    }
                }
            }
            lr
        }
    }
}

fn epoch_line(row: &EpochRow, heads: &Heads, seconds: f64, seen: usize) -> String {
    let mut s = format!("epoch {:>3}  loss {:.4} / valid {:.4}", row.epoch, row.train_loss, row.valid_loss);
    for (i, t) in heads.tasks.iter().enumerate() {
        let what = if t.kind.classes().is_some() { "acc" } else { "mae" };
        s.push_str(&format!("  {} {what} {:.4} / valid {:.4}", t.name, row.train[i], row.valid[i]));
    }
    s.push_str(&format!("  {:.1}s ({:.0} img/s)", seconds, seen as f64 / seconds));
    s
}

fn test_line(m: &TestMetrics) -> String {
    let mut s = format!("test ({} images, weights of epoch {}):", m.images, m.best_epoch);
    for (name, h) in &m.heads {
        match h {
            HeadMetrics::Classification(c) => {
                s.push_str(&format!(" {name} accuracy {:.2}%", c.accuracy * 100.0));
                if let Some(o) = c.one_off {
                    s.push_str(&format!(" (1-off {:.2}%)", o * 100.0));
                }
            }
            HeadMetrics::Regression(r) => s.push_str(&format!(" {name} MAE {:.2} years", r.mae)),
        }
    }
    s
}

/// Warnings the data alone justifies: a small test set, strong class imbalance in train.
fn data_warnings(data: &Data, heads: &Heads) -> Result<Vec<String>, RunnerError> {
    let mut w = Vec::new();
    let [_, _, test] = data.split.sizes();
    if test < 1000 {
        // half-width of a 95% normal interval for an accuracy near 0.5, the widest case
        let half = 1.96 * (0.25 / test.max(1) as f64).sqrt() * 100.0;
        w.push(format!(
            "tiny test set: {test} faces, so a test accuracy is only known to about ±{half:.1} points (95%)"
        ));
    }
    let train: Vec<usize> = data.split.indices(Part::Train);
    for (i, t) in heads.tasks.iter().enumerate() {
        let Some(classes) = t.kind.classes() else { continue };
        let labels = Vec::<i64>::try_from(&data.labels[i]).map_err(RunnerError::tensor("class labels"))?;
        let mut counts = vec![0usize; classes.len()];
        for &j in &train {
            counts[labels[j] as usize] += 1;
        }
        let (min, max) = (counts.iter().min().copied().unwrap_or(0), counts.iter().max().copied().unwrap_or(0));
        if min == 0 || max >= 5 * min {
            let shares: Vec<String> = classes.iter().zip(&counts).map(|(c, n)| format!("{c}: {n}")).collect();
            w.push(format!("class imbalance in head '{}' (train counts {})", t.name, shares.join(", ")));
        }
    }
    Ok(w)
}

/// Warnings from the test predictions: a head that predicts one class for every face.
fn prediction_warnings(heads: &Heads, eval: &Evaluation) -> Vec<String> {
    let mut w = Vec::new();
    for (t, o) in heads.tasks.iter().zip(&eval.heads) {
        let pred = o.predicted_classes();
        if pred.len() > 1 && pred.iter().all(|p| *p == pred[0]) {
            let class = t.kind.classes().and_then(|c| c.get(pred[0]).cloned()).unwrap_or_else(|| pred[0].to_string());
            w.push(format!("constant predictions: head '{}' predicts '{}' for every test face", t.name, class));
        }
    }
    w
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_step_trains_on_stops_early_and_ends() {
        assert_eq!(next_step(0, 0, 3, None), Step::Train(1));
        assert_eq!(next_step(2, 1, 3, None), Step::Train(3));
        assert_eq!(next_step(3, 1, 3, Some(1)), Step::Done, "the last epoch ends the run, not the patience");
        // best epoch 2, patience 3: epochs 3, 4, 5 may still improve; after 5 it stops
        assert_eq!(next_step(4, 2, 10, Some(3)), Step::Train(5));
        assert_eq!(next_step(5, 2, 10, Some(3)), Step::EarlyStop { patience: 3, best_epoch: 2 });
        // no best epoch yet (no validation score): never stops early
        assert_eq!(next_step(5, 0, 10, Some(1)), Step::Train(6));
    }

    #[test]
    fn flattening_names_nested_and_listed_keys() {
        let value: toml::Value =
            toml::from_str("seed = 1\n[optimizer]\nlr = 0.1\n[[tasks]]\nname = \"age\"\n").unwrap();
        let mut out = BTreeMap::new();
        flatten("", &value, &mut out);
        let keys: Vec<&str> = out.keys().map(String::as_str).collect();
        assert_eq!(keys, ["optimizer.lr", "seed", "tasks.0.name"]);
    }

    #[test]
    fn only_a_strictly_better_score_is_chosen() {
        assert!(improves(0.5, f64::NEG_INFINITY, true));
        assert!(improves(0.6, 0.5, true));
        assert!(!improves(0.5, 0.5, true), "a tie keeps the earlier epoch");
        assert!(improves(0.1, 0.5, false), "without validation faces the last epoch is tested");
    }
}
