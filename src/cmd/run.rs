//! `agelab run`: train and test one experiment, then render its report.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};

use super::TrainOpts;

/// The quick-start experiment, embedded so that `agelab run` works from anywhere with no download.
const QUICKSTART: &str = include_str!("../../experiments/quickstart.toml");

/// Arguments of `agelab run`.
#[derive(clap::Args)]
pub struct Args {
    /// Experiment file (TOML). Omitted: the embedded quick start on synthetic faces.
    experiment: Option<PathBuf>,
    /// Continue an interrupted run from its last checkpoint instead.
    #[arg(long, value_name = "RUN_DIR", conflicts_with = "experiment")]
    resume: Option<PathBuf>,
    /// Reuse a finished run of the same experiment (same resolved config under `--reports`), or
    /// continue an interrupted one from its last checkpoint, rather than start a new run.
    #[arg(long = "continue", requires = "experiment")]
    continuing: bool,
    /// Do not render the HTML report at the end.
    #[arg(long)]
    no_report: bool,
    #[command(flatten)]
    opts: TrainOpts,
}

/// Runs it.
pub fn run(a: Args) -> Result<ExitCode> {
    let opts = a.opts.runner()?;
    let dir = match (a.resume, a.experiment) {
        (Some(dir), _) => runner::resume(&dir, &opts).with_context(|| format!("resuming {}", dir.display()))?.dir,
        (None, Some(path)) => {
            let exp = runner::Experiment::load(&path)?;
            let ran = if a.continuing {
                runner::run_continuing(&exp, &opts).and_then(|d| Ok(runner::RunDir::open(&d)?))
            } else {
                runner::run(&exp, &opts).map(|o| o.dir)
            };
            ran.with_context(|| format!("running {}", path.display()))?
        }
        (None, None) => {
            let exp = runner::Experiment::from_toml(QUICKSTART, Path::new("experiments/quickstart.toml (embedded)"))?;
            runner::run(&exp, &opts).context("running the quick start")?.dir
        }
    };
    println!("run folder: {}", dir.root().display());
    if !a.no_report {
        super::report(dir.root())?;
    }
    Ok(ExitCode::SUCCESS)
}
