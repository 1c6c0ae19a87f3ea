//! `agelab sweep`: a grid of runs, then their comparison. A grid point that already ran (same
//! resolved experiment under `reports/`) is reused, an interrupted one continued: running the same
//! sweep again picks up where it stopped (`--fresh` starts every point anew).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};

use super::TrainOpts;

/// Arguments of `agelab sweep`.
#[derive(clap::Args)]
pub struct Args {
    /// The base experiment.
    experiment: PathBuf,
    /// An axis of the grid: a dotted key and its values, e.g. `--set optimizer.lr=1e-3,3e-4`.
    #[arg(long = "set", required = true)]
    axes: Vec<runner::sweep::Axis>,
    /// Start every grid point anew, even where a run of it exists.
    #[arg(long)]
    fresh: bool,
    /// Submit the grid to Slurm as one job array (one task per grid point) instead of running it here.
    #[arg(long)]
    slurm: bool,
    /// With `--slurm`: print the job script instead of submitting it.
    #[arg(long, requires = "slurm")]
    dry_run: bool,
    /// With `--slurm`: the partition to submit to.
    #[arg(long, requires = "slurm")]
    partition: Option<String>,
    /// With `--slurm`: each task's time limit, e.g. `02:00:00`.
    #[arg(long, requires = "slurm")]
    time: Option<String>,
    /// With `--slurm`: CPUs for each task.
    #[arg(long, requires = "slurm", value_parser = clap::value_parser!(u32).range(1..))]
    cpus_per_task: Option<u32>,
    /// With `--slurm`: generic resources for each task, e.g. `gpu:1`.
    #[arg(long, requires = "slurm")]
    gres: Option<String>,
    /// With `--slurm`: a further `#SBATCH` option, e.g. `--sbatch-line=--mem=8G` (repeatable).
    #[arg(long = "sbatch-line", requires = "slurm", allow_hyphen_values = true)]
    sbatch_lines: Vec<String>,
    #[command(flatten)]
    opts: TrainOpts,
}

/// Writes the grid's variant files and the job-array script into the sweep's folder, then
/// submits it (or prints it with `--dry-run`). Tasks run `agelab run --continue`, so requeued
/// ones continue their run.
fn submit(a: &Args, base: &runner::Experiment, grid: &[runner::Experiment]) -> Result<ExitCode> {
    let folder = std::path::absolute(a.opts.reports.join(format!("{}-sweep", base.name)))?;
    let variants = folder.join("variants");
    std::fs::create_dir_all(&variants).with_context(|| format!("creating {}", variants.display()))?;
    let mut files = Vec::new();
    for (i, exp) in grid.iter().enumerate() {
        let path = variants.join(format!("{i}.toml"));
        runfolder::write_atomic(&path, exp.to_toml().as_bytes())?;
        files.push(path);
    }
    let mut lines = Vec::new();
    let opt = |k: &str, v: &Option<String>| v.as_ref().map(|v| format!("--{k}={v}"));
    lines.extend(opt("partition", &a.partition));
    lines.extend(opt("time", &a.time));
    lines.extend(opt("gres", &a.gres));
    lines.extend(a.cpus_per_task.map(|n| format!("--cpus-per-task={n}")));
    lines.extend(a.sbatch_lines.iter().cloned());
    let agelab = std::env::current_exe().context("locating the agelab binary for the job script")?;
    let script =
        runner::slurm::render_script(&base.name, &std::path::absolute(&a.opts.reports)?, &lines, &agelab, &files);
    let script_path = folder.join("job.sbatch");
    runfolder::write_atomic(&script_path, script.as_bytes())?;
    if a.dry_run {
        print!("{script}");
        return Ok(ExitCode::SUCCESS);
    }
    std::fs::create_dir_all(folder.join("logs"))?;
    let out = std::process::Command::new("sbatch")
        .arg("--parsable")
        .arg("--output")
        .arg(folder.join("logs/task-%a.out"))
        .arg(&script_path)
        .output();
    let out = match out {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            anyhow::bail!("`sbatch` is not on PATH: --slurm needs a Slurm client (scripts/local-slurm.sh starts a one-node cluster)")
        }
        r => r.context("running sbatch")?,
    };
    anyhow::ensure!(out.status.success(), "sbatch failed: {}", String::from_utf8_lossy(&out.stderr).trim());
    let id = String::from_utf8_lossy(&out.stdout).trim().to_string();
    println!("submitted job {id}: {} tasks, script {}", grid.len(), script_path.display());
    Ok(ExitCode::SUCCESS)
}

/// Runs it.
pub fn run(a: Args) -> Result<ExitCode> {
    let base = runner::Experiment::load(&a.experiment)?;
    let grid = runner::sweep::expand(&base, &a.axes)?;
    println!("sweep: {} runs", grid.len());
    if a.slurm {
        return submit(&a, &base, &grid);
    }
    let opts = a.opts.runner()?;
    let mut dirs = Vec::new();
    for exp in &grid {
        println!("== {}", exp.name);
        let dir = if a.fresh {
            runner::run(exp, &opts).map(|o| o.dir.root().to_path_buf())
        } else {
            runner::run_continuing(exp, &opts)
        };
        dirs.push(dir.with_context(|| format!("sweep run {}", exp.name))?);
    }
    let out = a.opts.reports.join(format!("{}-sweep", base.name));
    let index = report::compare(&dirs, &out).context("writing the sweep's comparison")?;
    println!("comparison: {}", index.display());
    Ok(ExitCode::SUCCESS)
}
