//! The one training loop. Every model and task combination goes through it: forward, per-head
//! losses, weighted sum, backward, step; validation every epoch; checkpoint every epoch; test at the
//! end with the best epoch's weights (by the first head's validation metric).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use tch::{nn, Device, Kind, Tensor};

use crate::checkpoint::{load_weights, Checkpoints, TrainState};
use crate::config::{AugmentConfig, DeviceChoice, Experiment, Schedule};
use crate::data::Data;
use crate::evaluate::{evaluate, Crops, Evaluation};
use crate::heads::{Decoded, Heads, Truth};
use crate::manifest::{git_state, HeadInfo, InputInfo, Manifest, SplitSizes};
use crate::metrics::{HeadMetrics, HeadOutputs};
use crate::optim::Optimizer;
use crate::progress::EpochBar;
use crate::rundir::{append_line, write_atomic, RunDir};
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

/// `test-metrics.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TestMetrics {
    /// Which part was evaluated.
    pub part: String,
    /// Images evaluated.
    pub images: usize,
    /// Mean weighted loss.
    pub loss: f64,
    /// Epoch whose weights were evaluated.
    pub best_epoch: usize,
    /// Per head.
    pub heads: BTreeMap<String, HeadMetrics>,
    /// Per head, with 10-crop over-sampling (when the experiment asks for it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ten_crop: Option<BTreeMap<String, HeadMetrics>>,
}

/// One row of `metrics.csv`.
#[derive(Debug, Clone, PartialEq)]
pub struct EpochRow {
    /// 1-based epoch.
    pub epoch: usize,
    /// Learning rate used.
    pub lr: f64,
    /// Mean training loss (dropout on, as Keras reports it).
    pub train_loss: f64,
    /// Mean validation loss.
    pub valid_loss: f64,
    /// Per head: training accuracy or MAE.
    pub train: Vec<f64>,
    /// Per head: validation accuracy or MAE.
    pub valid: Vec<f64>,
}

/// Starts a new run of `exp`.
pub fn run(exp: &Experiment, opts: &RunOptions) -> Result<RunOutcome, RunnerError> {
    let dir = RunDir::create(&opts.reports, &exp.name)?;
    execute(exp, dir, false, opts)
}

/// Continues an interrupted run from its last checkpoint.
pub fn resume(run_dir: &Path, opts: &RunOptions) -> Result<RunOutcome, RunnerError> {
    let dir = RunDir::open(run_dir)?;
    let text = std::fs::read_to_string(dir.config()).map_err(|e| RunnerError::io(dir.config(), e))?;
    let exp = Experiment::from_toml(&text, &dir.config())?;
    execute(&exp, dir, true, opts)
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

/// Held while a process trains in a run folder, so that a second one (a relaunched sweep, `run
/// --continue` while the first still runs) cannot write the same checkpoints. The lock file names
/// the process; a lock whose process is gone (killed) is taken over. Liveness is read from
/// `/proc`, so elsewhere than Linux a lock is always taken over.
struct RunLock {
    path: PathBuf,
}

impl RunLock {
    fn take(dir: &RunDir) -> Result<RunLock, RunnerError> {
        use std::io::Write as _;
        let path = dir.root().join("lock");
        loop {
            match std::fs::OpenOptions::new().write(true).create_new(true).open(&path) {
                Ok(mut f) => {
                    write!(f, "{}", std::process::id()).map_err(|e| RunnerError::io(&path, e))?;
                    return Ok(RunLock { path });
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    let holder = std::fs::read_to_string(&path).ok().and_then(|t| t.trim().parse::<u32>().ok());
                    if let Some(pid) = holder.filter(|p| Path::new(&format!("/proc/{p}")).exists()) {
                        return Err(RunnerError::RunFolder {
                            path: dir.root().to_path_buf(),
                            message: format!(
                                "in use by process {pid} (named by {}); wait for it or stop it",
                                path.display()
                            ),
                        });
                    }
                    std::fs::remove_file(&path).map_err(|e| RunnerError::io(&path, e))?;
                }
                Err(e) => return Err(RunnerError::io(&path, e)),
            }
        }
    }
}

impl Drop for RunLock {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

fn log(dir: &RunDir, progress: bool, line: &str) -> Result<(), RunnerError> {
    if progress {
        eprintln!("{line}");
    }
    append_line(&dir.log(), line)
}

fn execute(exp: &Experiment, dir: RunDir, resuming: bool, opts: &RunOptions) -> Result<RunOutcome, RunnerError> {
    let _lock = RunLock::take(&dir)?;
    let threads =
        exp.train.threads.unwrap_or_else(|| std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1));
    tch::set_num_threads(threads as i32);
    let tasks = exp.tasks().map_err(|message| RunnerError::Config { path: dir.config(), message })?;
    let heads = Heads::new(tasks);
    let data = Data::load(exp, &heads.tasks, &opts.project_dir)?;
    log(&dir, opts.progress, &format!("run folder {}", dir.root().display()))?;
    for line in data.summary.to_string().lines() {
        log(&dir, opts.progress, line)?;
    }
    let files = data.files();
    let split_fp = data.split.fingerprint(&files);
    let [n_train, n_valid, n_test] = data.split.sizes();

    let device = match exp.train.device {
        DeviceChoice::Cpu => opts.device,
        DeviceChoice::Cuda if tch::Cuda::is_available() => Device::Cuda(0),
        DeviceChoice::Cuda => {
            return Err(RunnerError::Config { path: dir.config(), message: "`train.device`: cuda asked for, but libtorch sees no CUDA device (this build is CPU-only unless LIBTORCH points at a CUDA libtorch)".into() })
        }
        DeviceChoice::Auto => Device::cuda_if_available(),
    };
    let opts = &RunOptions { device, ..opts.clone() };
    let monitor = exp.train.monitor.as_ref().and_then(|m| heads.tasks.iter().position(|t| &t.name == m)).unwrap_or(0);
    let crop = exp.augment.crop.map(|c| c as i64);
    let eval_crops = crop.map(Crops::Centre).unwrap_or(Crops::Full);

    tch::manual_seed(exp.seed as i64);
    let mut vs = nn::VarStore::new(opts.device);
    let (channels, loaded_size) = data.shape();
    let size = crop.unwrap_or(loaded_size);
    let built =
        models::build_with_notes(&exp.model, &vs.root(), models::InputShape { channels, size }, &heads.specs())?;
    let net = built.net;
    let parameters = models::parameter_count(&vs);
    write_atomic(&dir.root().join("model-summary.txt"), built.summary.to_string().as_bytes())?;
    for note in &built.notes {
        log(&dir, opts.progress, &format!("model: {note}"))?;
    }
    let mut opt = Optimizer::new(&vs, &exp.optimizer);
    let ckpts = Checkpoints::new(dir.checkpoints());

    let mut manifest;
    let mut rows: Vec<EpochRow> = Vec::new();
    let mut timings: Vec<(usize, f64, f64)> = Vec::new();
    let mut state = TrainState {
        epoch: 0,
        weights: String::new(),
        optimizer: String::new(),
        best_epoch: 0,
        best_score: f64::NEG_INFINITY,
        best_score_bits: None,
    };
    if resuming {
        manifest = read_json::<Manifest>(&dir.manifest())?;
        if manifest.threads != threads {
            // libtorch's sums depend on the thread count: the rest of the run will not match an
            // unbroken one bit for bit (set `train.threads` to keep it)
            log(
                &dir,
                opts.progress,
                &format!(
                    "warning: resuming on {threads} thread(s), the run started on {}; its figures may differ slightly from an unbroken run's",
                    manifest.threads
                ),
            )?;
        }
        if manifest.split_fingerprint != split_fp {
            return Err(RunnerError::RunFolder {
                path: dir.manifest(),
                message: format!(
                    "cannot resume: the data or split changed (split fingerprint {} now, {} when the run started)",
                    split_fp, manifest.split_fingerprint
                ),
            });
        }
        for name in ckpts.remove_stale_temps() {
            log(&dir, opts.progress, &format!("removed {name}, half-written when the run was stopped"))?;
        }
        if let Some(saved) = ckpts.load_state()? {
            ckpts.restore(&saved, &mut vs, &mut opt)?;
            ckpts.repair_best(&saved)?;
            rows = read_metrics(&dir.metrics(), &heads)?.into_iter().take(saved.epoch).collect();
            timings = read_timings(&dir.root().join("timing.csv")).into_iter().take(saved.epoch).collect();
            log(
                &dir,
                opts.progress,
                &format!("resuming after epoch {} (best so far: epoch {})", saved.epoch, saved.best_epoch),
            )?;
            state = saved;
        }
        manifest.status = "running".into();
    } else {
        write_atomic(&dir.config(), exp.to_toml().as_bytes())?;
        write_atomic(&dir.load_summary(), &serde_json::to_vec_pretty(&data.summary).expect("serialises"))?;
        write_atomic(&dir.split(), data.split.listing(&files).as_bytes())?;
        let (git_commit, git_dirty) = git_state(&opts.project_dir);
        manifest = Manifest {
            experiment: exp.name.clone(),
            run_id: dir.id(),
            agelab_version: env!("CARGO_PKG_VERSION").into(),
            libtorch_version: "2.13.0".into(),
            git_commit,
            git_dirty,
            seed: exp.seed,
            device: format!("{:?}", opts.device).to_lowercase(),
            threads,
            data_root: data.root.display().to_string(),
            data_fingerprint: data.fingerprint.clone(),
            split_fingerprint: split_fp.clone(),
            split_sizes: SplitSizes { train: n_train, valid: n_valid, test: n_test },
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
            warnings: heads.tasks.iter().filter_map(|t| t.flaw()).chain(data_warnings(&data, &heads)).collect(),
            status: "running".into(),
        };
    }
    write_atomic(&dir.manifest(), &serde_json::to_vec_pretty(&manifest).expect("serialises"))?;
    log(
        &dir,
        opts.progress,
        &format!(
            "model {} ({} parameters) on {}x{}x{}; split {} train / {} valid / {} test; {} thread(s)",
            exp.model.name(),
            parameters,
            channels,
            size,
            size,
            n_train,
            n_valid,
            n_test,
            threads
        ),
    )?;
    for w in &manifest.warnings {
        log(&dir, opts.progress, &format!("warning: {w}"))?;
    }

    let train_idx: Vec<i64> = data.split.indices(Part::Train).into_iter().map(|i| i as i64).collect();
    let valid_idx: Vec<i64> = data.split.indices(Part::Valid).into_iter().map(|i| i as i64).collect();
    let test_idx: Vec<i64> = data.split.indices(Part::Test).into_iter().map(|i| i as i64).collect();
    let batch = exp.train.batch_size;

    for epoch in state.epoch + 1..=exp.train.epochs {
        if let Some(p) = exp.train.patience {
            if state.best_epoch > 0 && epoch - 1 - state.best_epoch >= p {
                log(
                    &dir,
                    opts.progress,
                    &format!(
                        "early stop: no improvement of '{}' for {p} epochs (best: epoch {})",
                        heads.tasks[monitor].name, state.best_epoch
                    ),
                )?;
                break;
            }
        }
        let lr = learning_rate(&exp.train.schedule, exp.optimizer.lr, epoch, exp.train.epochs, &rows, monitor, &heads);
        // Per-epoch seeds: a resumed run draws the same batches and dropout masks as an unbroken one.
        tch::manual_seed(exp.seed.wrapping_mul(1_000_003).wrapping_add(epoch as u64) as i64);
        let mut order = train_idx.clone();
        order.shuffle(&mut ChaCha8Rng::seed_from_u64(exp.seed.wrapping_add(epoch as u64 * 7919)));
        let bar = EpochBar::new(opts.progress, epoch, exp.train.epochs, order.len().div_ceil(batch) as u64);
        let start = Instant::now();
        let sums = match train_epoch(
            net.as_ref(),
            &data,
            &heads,
            &mut opt,
            &order,
            batch,
            lr,
            opts.device,
            &exp.augment,
            &bar,
        ) {
            Ok(sums) => sums,
            Err((step, value)) => {
                manifest.status = format!("failed: loss {value} at epoch {epoch}, step {step}");
                write_atomic(&dir.manifest(), &serde_json::to_vec_pretty(&manifest).expect("serialises"))?;
                return Err(RunnerError::Diverged { epoch, step, value, checkpoint: dir.checkpoints() });
            }
        };
        let (loss_sum, head_sums, seen) = (sums.loss, sums.heads, sums.images);
        bar.finish();
        let seconds = start.elapsed().as_secs_f64();
        let valid = evaluate(net.as_ref(), &data, &heads, &valid_idx, batch, opts.device, eval_crops);
        let row = EpochRow {
            epoch,
            lr,
            train_loss: loss_sum / seen.max(1) as f64,
            valid_loss: valid.loss,
            train: head_sums.iter().map(|s| s / seen.max(1) as f64).collect(),
            valid: valid.heads.iter().map(HeadOutputs::headline).collect(),
        };
        log(&dir, opts.progress, &epoch_line(&row, &heads, seconds, seen))?;
        rows.push(row);
        timings.push((epoch, seconds, seen as f64 / seconds));
        write_atomic(&dir.metrics(), metrics_csv(&rows, &heads).as_bytes())?;
        write_atomic(&dir.root().join("timing.csv"), timing_csv(&timings).as_bytes())?;

        let score = selection_score(&valid, &heads, monitor);
        let is_best = valid_idx.is_empty() || score > state.best_score;
        state.epoch = epoch;
        state.weights = format!("epoch-{epoch:03}.safetensors");
        state.optimizer = format!("epoch-{epoch:03}-optimizer.safetensors");
        if is_best {
            state.best_epoch = epoch;
            state.best_score = score;
        }
        ckpts.save(&vs, &opt, &state, is_best)?;
    }

    // Test once, with the weights of the best validation epoch.
    load_weights(&mut vs, &ckpts.best())?;
    let test = evaluate(net.as_ref(), &data, &heads, &test_idx, batch, opts.device, eval_crops);
    let summarize = |e: &Evaluation| -> BTreeMap<String, HeadMetrics> {
        heads
            .tasks
            .iter()
            .zip(&e.heads)
            .map(|(t, o)| (t.name.clone(), o.summarize(t.kind.classes(), t.kind.ordinal())))
            .collect()
    };
    let ten_crop = match (crop, exp.augment.ten_crop_test) {
        (Some(side), true) => {
            Some(summarize(&evaluate(net.as_ref(), &data, &heads, &test_idx, batch, opts.device, Crops::Ten(side))))
        }
        _ => None,
    };
    let test_metrics = TestMetrics {
        part: "test".into(),
        images: test_idx.len(),
        loss: test.loss,
        best_epoch: state.best_epoch,
        heads: summarize(&test),
        ten_crop,
    };
    write_atomic(&dir.test_metrics(), &serde_json::to_vec_pretty(&test_metrics).expect("serialises"))?;
    write_atomic(&dir.predictions(), predictions_csv(&data, &heads, &test).as_bytes())?;
    for w in prediction_warnings(&heads, &test) {
        if !manifest.warnings.contains(&w) {
            log(&dir, opts.progress, &format!("warning: {w}"))?;
            manifest.warnings.push(w);
        }
    }
    manifest.train_seconds = timings.iter().map(|t| t.1).sum();
    manifest.finished = Some(chrono::Utc::now().to_rfc3339());
    manifest.status = "finished".into();
    write_atomic(&dir.manifest(), &serde_json::to_vec_pretty(&manifest).expect("serialises"))?;
    log(&dir, opts.progress, &test_line(&test_metrics))?;
    Ok(RunOutcome { dir, test: test_metrics, manifest })
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

/// Trains one epoch over `order` (indices into `data`) in batches. Err gives the 1-based step and
/// the loss value when the loss stops being finite; the weights are then not updated by that step.
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
) -> Result<EpochSums, (usize, f64)> {
    let mut sums = EpochSums { loss: 0.0, heads: vec![0.0; heads.tasks.len()], images: 0 };
    for (step, chunk) in order.chunks(batch).enumerate() {
        let (x, ys) = data.batch(chunk, device);
        let x = crate::augment::train_view(&x, augment);
        let out = net.forward_t(&x, true);
        let (loss, _) = heads.loss(&out, &ys);
        let value = loss.double_value(&[]);
        if !value.is_finite() {
            return Err((step + 1, value));
        }
        opt.zero_grad();
        loss.backward();
        opt.step(lr);
        let n = chunk.len();
        sums.images += n;
        sums.loss += value * n as f64;
        tch::no_grad(|| {
            for (i, sum) in sums.heads.iter_mut().enumerate() {
                *sum += match (heads.decode(&out, i), heads.truth(&ys[i], i)) {
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
        });
        let first_acc = heads.tasks[0].kind.classes().map(|_| sums.heads[0] / sums.images as f64);
        bar.step(sums.loss / sums.images as f64, first_acc);
    }
    Ok(sums)
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
            HeadMetrics::Classification { accuracy, one_off, .. } => {
                s.push_str(&format!(" {name} accuracy {:.2}%", accuracy * 100.0));
                if let Some(o) = one_off {
                    s.push_str(&format!(" (1-off {:.2}%)", o * 100.0));
                }
            }
            HeadMetrics::Regression { mae, .. } => s.push_str(&format!(" {name} MAE {mae:.2} years")),
        }
    }
    s
}

fn metric_suffix(heads: &Heads, i: usize) -> &'static str {
    if heads.tasks[i].kind.classes().is_some() {
        "acc"
    } else {
        "mae"
    }
}

/// `metrics.csv` text. Floats are written in shortest round-trip form, so a resumed run that reads
/// them back rewrites them byte for byte.
pub fn metrics_csv(rows: &[EpochRow], heads: &Heads) -> String {
    let mut out = String::from("epoch,lr,train_loss,valid_loss");
    for (i, t) in heads.tasks.iter().enumerate() {
        let suf = metric_suffix(heads, i);
        out.push_str(&format!(",train_{}_{suf},valid_{}_{suf}", t.name, t.name));
    }
    out.push('\n');
    for r in rows {
        out.push_str(&format!("{},{},{},{}", r.epoch, r.lr, r.train_loss, r.valid_loss));
        for (a, b) in r.train.iter().zip(&r.valid) {
            out.push_str(&format!(",{a},{b}"));
        }
        out.push('\n');
    }
    out
}

fn read_metrics(path: &Path, heads: &Heads) -> Result<Vec<EpochRow>, RunnerError> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(RunnerError::io(path, e)),
    };
    let bad = |line: usize, what: &str| RunnerError::RunFolder {
        path: path.to_path_buf(),
        message: format!("line {line}: {what}"),
    };
    let k = heads.tasks.len();
    text.lines()
        .enumerate()
        .skip(1)
        .filter(|(_, l)| !l.is_empty())
        .map(|(n, line)| {
            let v: Vec<f64> = line
                .split(',')
                .map(|x| x.parse::<f64>())
                .collect::<Result<_, _>>()
                .map_err(|_| bad(n + 1, "expected numbers"))?;
            if v.len() != 4 + 2 * k {
                return Err(bad(n + 1, &format!("expected {} columns, found {}", 4 + 2 * k, v.len())));
            }
            Ok(EpochRow {
                epoch: v[0] as usize,
                lr: v[1],
                train_loss: v[2],
                valid_loss: v[3],
                train: (0..k).map(|i| v[4 + 2 * i]).collect(),
                valid: (0..k).map(|i| v[5 + 2 * i]).collect(),
            })
        })
        .collect()
}

fn timing_csv(rows: &[(usize, f64, f64)]) -> String {
    let mut out = String::from("epoch,seconds,train_images_per_s\n");
    for (e, s, ips) in rows {
        out.push_str(&format!("{e},{s:.3},{ips:.1}\n"));
    }
    out
}

fn read_timings(path: &Path) -> Vec<(usize, f64, f64)> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .skip(1)
        .filter_map(|l| {
            let v: Vec<&str> = l.split(',').collect();
            Some((v.first()?.parse().ok()?, v.get(1)?.parse().ok()?, v.get(2)?.parse().ok()?))
        })
        .collect()
}

fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T, RunnerError> {
    let bytes = std::fs::read(path).map_err(|e| RunnerError::io(path, e))?;
    serde_json::from_slice(&bytes)
        .map_err(|e| RunnerError::RunFolder { path: path.to_path_buf(), message: e.to_string() })
}

pub(crate) fn predictions_csv(data: &Data, heads: &Heads, eval: &Evaluation) -> String {
    let mut out = String::from("file,age,gender,race");
    for (t, o) in heads.tasks.iter().zip(&eval.heads) {
        out.push_str(&format!(",{0}_true,{0}_pred", t.name));
        if let HeadOutputs::Classes { k, .. } = o {
            for c in 0..*k {
                out.push_str(&format!(",{}_p{c}", t.name));
            }
        }
    }
    out.push('\n');
    let preds: Vec<Vec<usize>> = eval.heads.iter().map(HeadOutputs::predicted_classes).collect();
    for (row, &idx) in eval.indices.iter().enumerate() {
        let f = &data.faces[idx as usize];
        out.push_str(&format!("{},{},{},{}", f.file, f.age, f.gender.index(), f.race.index()));
        for (h, o) in eval.heads.iter().enumerate() {
            match o {
                HeadOutputs::Classes { k, probs, truth } => {
                    out.push_str(&format!(",{},{}", truth[row], preds[h][row]));
                    for p in &probs[row * k..(row + 1) * k] {
                        out.push_str(&format!(",{p:.5}"));
                    }
                }
                HeadOutputs::Values { pred, truth } => out.push_str(&format!(",{},{:.3}", truth[row], pred[row])),
            }
        }
        out.push('\n');
    }
    out
}

/// Warnings the data alone justifies: a small test set, strong class imbalance in train.
fn data_warnings(data: &Data, heads: &Heads) -> Vec<String> {
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
        let labels = Vec::<i64>::try_from(&data.labels[i]).unwrap_or_default();
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
    w
}

/// Warnings from the test predictions: a head that predicts one class for every face.
fn prediction_warnings(heads: &Heads, eval: &Evaluation) -> Vec<String> {
    let mut w = Vec::new();
    for (t, o) in heads.tasks.iter().zip(&eval.heads) {
        let pred = o.predicted_classes();
        if pred.len() > 1 && pred.iter().all(|p| *p == pred[0]) {
            let class = t.kind.classes().and_then(|c| c.get(pred[0]).cloned()).unwrap_or_default();
            w.push(format!("constant predictions: head '{}' predicts '{}' for every test face", t.name, class));
        }
    }
    w
}
