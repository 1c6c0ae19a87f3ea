//! `agelab verify`: the reproducibility check.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};

use super::TrainOpts;

/// Arguments of `agelab verify`.
#[derive(clap::Args)]
pub struct Args {
    /// The run folder to reproduce.
    run_dir: PathBuf,
    /// Largest absolute difference accepted between numbers (0: identical, as on one CPU build).
    #[arg(long, default_value_t = 0.0, value_parser = super::non_negative, allow_negative_numbers = true)]
    tolerance: f64,
    #[command(flatten)]
    opts: TrainOpts,
}

/// Runs it; exits 1 when the results did not reproduce.
pub fn run(a: Args) -> Result<ExitCode> {
    let scratch = a.opts.reports.join("verify");
    let v = runner::verify::verify(&a.run_dir, &scratch, &a.opts.runner()?, a.tolerance)
        .with_context(|| format!("verifying {}", a.run_dir.display()))?;
    for line in &v.lines {
        println!("{line}");
    }
    println!("re-run in {}", v.rerun.display());
    if v.reproduced {
        println!("REPRODUCED: {} gives the same results", a.run_dir.display());
        Ok(ExitCode::SUCCESS)
    } else {
        println!("NOT REPRODUCED: {} differs from its re-run (see above)", a.run_dir.display());
        Ok(ExitCode::from(1))
    }
}
