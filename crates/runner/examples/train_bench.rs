//! Training benchmark: images/s of the step `agelab run` executes (`runner::train::train_epoch`:
//! batch assembly from the loaded faces, forward, loss, backward, optimiser step) on an
//! experiment's own data, model and optimiser; then inference images/s (batch 256, eval mode, no
//! gradients) and single-image latency. One JSON line per experiment on stdout, for
//! `bench/run.py`; `bench/train_torch.py` and `bench/train_keras.py` print the same fields.
//!
//! With `--epoch`, it times instead what a user waits for: loading the faces (folder scan and
//! decode, or the cached tensors, as `AGELAB_CACHE` has them) and one pass over the whole training
//! part; `--limit N` keeps N faces (split 80/10/10 so any N works) and `--size S` resizes them to
//! SxS, for the scaling tables.
//!
//! ```text
//! cargo run --release -p runner --example train_bench -- experiments/model4.toml [--steps 20] [--warmup 5] [--repeats 3] [--threads 2]
//! cargo run --release -p runner --example train_bench -- experiments/model4.toml --epoch [--limit 5000] [--size 64]
//! ```
//!
//! Peak resident memory is the process's (VmHWM): give one experiment per process to read it per model.

use std::path::{Path, PathBuf};
use std::time::Instant;

use dataset::Part;
use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use runner::data::Data;
use runner::heads::Heads;
use runner::optim::Optimizer;
use runner::progress::EpochBar;
use runner::train::{train_epoch, EpochOutcome};
use runner::Experiment;
use tch::{nn, Device};

struct Args {
    experiments: Vec<PathBuf>,
    steps: usize,
    warmup: usize,
    repeats: usize,
    threads: i32,
    epoch: bool,
    limit: Option<usize>,
    size: Option<u32>,
}

fn parse() -> Result<Args, String> {
    let mut a = Args {
        experiments: Vec::new(),
        steps: 20,
        warmup: 5,
        repeats: 3,
        threads: 2,
        epoch: false,
        limit: None,
        size: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut value = |name: &str| it.next().ok_or(format!("{name} needs a value"));
        match arg.as_str() {
            "--steps" => a.steps = value("--steps")?.parse().map_err(|e| format!("--steps: {e}"))?,
            "--warmup" => a.warmup = value("--warmup")?.parse().map_err(|e| format!("--warmup: {e}"))?,
            "--repeats" => a.repeats = value("--repeats")?.parse().map_err(|e| format!("--repeats: {e}"))?,
            "--threads" => a.threads = value("--threads")?.parse().map_err(|e| format!("--threads: {e}"))?,
            "--limit" => a.limit = Some(value("--limit")?.parse().map_err(|e| format!("--limit: {e}"))?),
            "--size" => a.size = Some(value("--size")?.parse().map_err(|e| format!("--size: {e}"))?),
            "--epoch" => a.epoch = true,
            s if s.starts_with("--") => return Err(format!("unknown option {s}")),
            _ => a.experiments.push(PathBuf::from(arg)),
        }
    }
    if a.experiments.is_empty() {
        return Err("usage: train_bench <experiment.toml>... [--steps 20] [--warmup 5] [--repeats 3] [--threads 2] \
             [--epoch [--limit N] [--size S]]"
            .into());
    }
    Ok(a)
}

/// Peak resident set of this process in MB (Linux), as `ru_maxrss` gives the Python scripts.
fn peak_rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    Some(line.split_whitespace().nth(1)?.parse::<f64>().ok()? / 1024.0)
}

fn percentile(sorted: &[f64], q: f64) -> f64 {
    sorted[((sorted.len() - 1) as f64 * q).round() as usize]
}

/// One timed pass as `agelab run` starts: load (scan + decode or cached reload), build, one epoch
/// over the training part in a seeded shuffled order.
fn epoch(path: &Path, a: &Args) -> Result<String, Box<dyn std::error::Error>> {
    let mut exp = Experiment::load(path)?;
    if let Some(n) = a.limit {
        exp.data.limit = Some(n);
        exp.split = dataset::SplitSpec::Fraction { train: 0.8, valid: 0.1 };
    }
    if let Some(s) = a.size {
        exp.data.image_size = s;
    }
    let start = Instant::now();
    let heads = Heads::new(exp.tasks()?);
    let data = Data::load(&exp, &heads.tasks, Path::new("."))?;
    let load_s = start.elapsed().as_secs_f64();
    let (channels, size) = data.shape();
    tch::manual_seed(exp.seed as i64);
    let vs = nn::VarStore::new(Device::Cpu);
    let net = models::build(&exp.model, &vs.root(), models::InputShape { channels, size }, &heads.specs())?;
    let mut opt = Optimizer::new(&vs, &exp.optimizer);
    let mut train: Vec<i64> = data.split.indices(Part::Train).into_iter().map(|i| i as i64).collect();
    train.shuffle(&mut ChaCha8Rng::seed_from_u64(exp.seed));
    let bar = EpochBar::new(false, 1, 1, 0);
    let start_train = Instant::now();
    let lr = exp.optimizer.lr;
    let batch = exp.train.batch_size;
    trained(train_epoch(net.as_ref(), &data, &heads, &mut opt, &train, batch, lr, Device::Cpu, &exp.augment, &bar))?;
    let train_s = start_train.elapsed().as_secs_f64();
    let json = serde_json::json!({
        "tool": "agelab",
        "model": exp.model.name(),
        "mode": "epoch",
        "input": format!("{channels}x{size}x{size}"),
        "batch": batch,
        "threads": tch::get_num_threads(),
        "faces": data.faces.len(),
        "train_images": train.len(),
        "load_s": load_s,
        "train_s": train_s,
        "total_s": start.elapsed().as_secs_f64(),
        "peak_rss_mb": peak_rss_mb(),
    });
    Ok(json.to_string())
}

fn bench(path: &Path, a: &Args) -> Result<String, Box<dyn std::error::Error>> {
    if a.epoch {
        return epoch(path, a);
    }
    let exp = Experiment::load(path)?;
    let heads = Heads::new(exp.tasks()?);
    let data = Data::load(&exp, &heads.tasks, Path::new("."))?;
    let (channels, size) = data.shape();
    tch::manual_seed(exp.seed as i64);
    let vs = nn::VarStore::new(Device::Cpu);
    let net = models::build(&exp.model, &vs.root(), models::InputShape { channels, size }, &heads.specs())?;
    let mut opt = Optimizer::new(&vs, &exp.optimizer);
    let batch = exp.train.batch_size;

    let mut train: Vec<i64> = data.split.indices(Part::Train).into_iter().map(|i| i as i64).collect();
    train.shuffle(&mut ChaCha8Rng::seed_from_u64(exp.seed));
    // Enough batches for the longest call, cycling through the training faces if they are few.
    let order: Vec<i64> = train.iter().copied().cycle().take(a.steps.max(a.warmup) * batch).collect();
    let bar = EpochBar::new(false, 1, 1, 0);
    let mut epoch = |steps: usize| -> Result<f64, String> {
        let start = Instant::now();
        trained(train_epoch(
            net.as_ref(),
            &data,
            &heads,
            &mut opt,
            &order[..steps * batch],
            batch,
            exp.optimizer.lr,
            Device::Cpu,
            &exp.augment,
            &bar,
        ))?;
        Ok((steps * batch) as f64 / start.elapsed().as_secs_f64())
    };
    epoch(a.warmup)?;
    let train_ips = (0..a.repeats).map(|_| epoch(a.steps)).collect::<Result<Vec<_>, _>>()?;

    // Inference: batches of 256 and single images, in eval mode without gradients.
    let infer = 256.min(train.len());
    let (x, _) = data.batch(&train[..infer], Device::Cpu);
    let (one, _) = data.batch(&train[..1], Device::Cpu);
    let (infer_ips, mut latency) = tch::no_grad(|| {
        let _ = net.forward_t(&x, false);
        let ips: Vec<f64> = (0..a.repeats)
            .map(|_| {
                let start = Instant::now();
                for _ in 0..3 {
                    let _ = net.forward_t(&x, false);
                }
                (3 * infer) as f64 / start.elapsed().as_secs_f64()
            })
            .collect();
        let lat: Vec<f64> = (0..100)
            .map(|_| {
                let start = Instant::now();
                let _ = net.forward_t(&one, false);
                start.elapsed().as_secs_f64() * 1e3
            })
            .collect();
        (ips, lat)
    });
    latency.sort_by(f64::total_cmp);
    let json = serde_json::json!({
        "tool": "agelab",
        "model": exp.model.name(),
        "input": format!("{channels}x{size}x{size}"),
        "batch": batch,
        "threads": tch::get_num_threads(),
        "data": "real (the experiment's faces, cached tensors)",
        "steps": a.steps,
        "train_ips": train_ips,
        "infer_ips": infer_ips,
        "latency_ms": { "median": percentile(&latency, 0.5), "p95": percentile(&latency, 0.95) },
        "peak_rss_mb": peak_rss_mb(),
    });
    Ok(json.to_string())
}

fn main() {
    let args = parse().unwrap_or_else(|e| {
        eprintln!("train_bench: {e}");
        std::process::exit(2)
    });
    tch::set_num_threads(args.threads);
    for path in &args.experiments {
        match bench(path, &args) {
            Ok(line) => println!("{line}"),
            Err(e) => {
                eprintln!("train_bench: {}: {e}", path.display());
                std::process::exit(1)
            }
        }
    }
}

/// An epoch that trained to its end, or why not.
fn trained(outcome: Result<EpochOutcome, runner::RunnerError>) -> Result<(), String> {
    match outcome.map_err(|e| e.to_string())? {
        EpochOutcome::Completed(_) => Ok(()),
        EpochOutcome::Diverged { step, loss } => Err(format!("loss {loss} at step {step}")),
    }
}
