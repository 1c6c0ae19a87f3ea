//! `agelab compare`: runs side by side, and the literature table next to what they measured.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};

/// Arguments of `agelab compare`.
#[derive(clap::Args)]
pub struct Args {
    /// Run folders, experiment names (their latest finished run under --reports), or evaluation
    /// folders written by `agelab evaluate` (an ensemble's `reports/ensembles/<models>/test-mirror`).
    #[arg(required = true)]
    runs: Vec<PathBuf>,
    /// Where run folders are looked up by experiment name.
    #[arg(long, default_value = "reports")]
    reports: PathBuf,
    /// Output folder.
    #[arg(long, default_value = "reports/comparison")]
    out: PathBuf,
    /// The literature table joined with the runs [default: literature/papers.csv here, else in
    /// agelab's source tree].
    #[arg(long, value_name = "CSV")]
    literature: Option<PathBuf>,
    /// Leave the literature table out.
    #[arg(long, conflicts_with = "literature")]
    no_literature: bool,
    /// The runs repeat one protocol (seeds, or the five splits of experiments/*-5split.toml): add
    /// the mean ± std of every metric over them.
    #[arg(long)]
    repeats: bool,
    /// Test figures of other test views (`mirror`, `ten`), written beforehand by `agelab evaluate
    /// <run> --part test --views <views>`, instead of each run's training-time test.
    #[arg(long, value_parser = ["mirror", "ten"])]
    views: Option<String>,
}

/// Where the literature table is looked for when --literature is not given.
const LITERATURE_CSV: &str = "literature/papers.csv";

/// The literature table to join: the one asked for, else the default one if it exists.
fn literature(a: &Args) -> Option<PathBuf> {
    if a.no_literature {
        return None;
    }
    if let Some(path) = &a.literature {
        return Some(path.clone());
    }
    [PathBuf::from(LITERATURE_CSV), PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(LITERATURE_CSV)]
        .into_iter()
        .find(|p| p.is_file())
}

/// The latest run folder of an experiment that has test metrics.
pub fn latest_run(reports: &Path, experiment: &str) -> Option<PathBuf> {
    let mut runs: Vec<PathBuf> = std::fs::read_dir(reports.join(experiment))
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("test-metrics.json").is_file())
        .collect();
    runs.sort();
    runs.pop()
}

/// Runs it.
pub fn run(a: Args) -> Result<ExitCode> {
    let dirs: Vec<PathBuf> = a
        .runs
        .iter()
        .map(|r| {
            if r.join("manifest.json").is_file() || r.join("evaluation.json").is_file() {
                Ok(r.clone())
            } else {
                latest_run(&a.reports, &r.to_string_lossy()).with_context(|| {
                    format!(
                        "{}: not a run folder, and no finished run of an experiment of that name in {}",
                        r.display(),
                        a.reports.display()
                    )
                })
            }
        })
        .collect::<Result<_>>()?;
    let options = report::CompareOptions { literature: literature(&a), repeats: a.repeats, views: a.views.clone() };
    let index = report::compare_with(&dirs, &a.out, &options).context("writing the comparison")?;
    println!("comparison: {}", index.display());
    Ok(ExitCode::SUCCESS)
}
