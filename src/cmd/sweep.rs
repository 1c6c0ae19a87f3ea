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
    #[command(flatten)]
    opts: TrainOpts,
}

/// Runs it.
pub fn run(a: Args) -> Result<ExitCode> {
    let base = runner::Experiment::load(&a.experiment)?;
    let grid = runner::sweep::expand(&base, &a.axes)?;
    println!("sweep: {} runs", grid.len());
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
