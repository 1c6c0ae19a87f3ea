//! `agelab`: the command line. A thin layer over the `runner`, `dataset` and `report` crates;
//! errors get their context here and are printed as a chain.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};

/// The quick-start experiment, embedded so that `agelab run` works from anywhere with no download.
const QUICKSTART: &str = include_str!("../experiments/quickstart.toml");

/// Age and gender from face images with CNNs: TOML experiments, libtorch training, honest reports.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Train and test an experiment; writes a run folder under --reports.
    Run {
        /// Experiment file (TOML). Omitted: the embedded quick start on synthetic faces.
        experiment: Option<PathBuf>,
        /// Continue an interrupted run from its last checkpoint instead.
        #[arg(long, value_name = "RUN_DIR", conflicts_with = "experiment")]
        resume: Option<PathBuf>,
        /// Where run folders go.
        #[arg(long, default_value = "reports")]
        reports: PathBuf,
        /// No progress bars or per-epoch lines.
        #[arg(long)]
        quiet: bool,
    },
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Run { experiment, resume, reports, quiet } => {
            let opts = runner::RunOptions {
                reports,
                project_dir: std::env::current_dir().context("current directory")?,
                progress: !quiet,
                device: tch::Device::Cpu,
            };
            let outcome = match (resume, experiment) {
                (Some(dir), _) => runner::resume(&dir, &opts).with_context(|| format!("resuming {}", dir.display()))?,
                (None, Some(path)) => {
                    let exp = runner::Experiment::load(&path)?;
                    runner::run(&exp, &opts).with_context(|| format!("running {}", path.display()))?
                }
                (None, None) => {
                    let exp = runner::Experiment::from_toml(QUICKSTART, Path::new("experiments/quickstart.toml (embedded)"))?;
                    runner::run(&exp, &opts).context("running the quick start")?
                }
            };
            println!("run folder: {}", outcome.dir.root().display());
            Ok(())
        }
    }
}
