//! The subcommands, one file each, and what they share.

pub mod compare;
pub mod data;
pub mod evaluate;
pub mod faces;
pub mod models;
pub mod predict;
pub mod release;
pub mod run;
pub mod sweep;
pub mod verify;
pub mod weights;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};

/// Options every training command shares.
#[derive(clap::Args, Clone)]
pub struct TrainOpts {
    /// Where run folders go.
    #[arg(long, default_value = "reports")]
    pub reports: PathBuf,
    /// No progress bars or per-epoch lines.
    #[arg(long)]
    pub quiet: bool,
}

impl TrainOpts {
    /// The runner's options.
    pub fn runner(&self) -> Result<runner::RunOptions> {
        Ok(runner::RunOptions {
            reports: self.reports.clone(),
            project_dir: std::env::current_dir().context("current directory")?,
            progress: !self.quiet,
            device: tch::Device::Cpu,
        })
    }
}

/// `agelab report <run-dir>`.
pub fn report(run_dir: &Path) -> Result<ExitCode> {
    report_with_faces(run_dir, None)
}

/// `agelab report [--faces[=IMAGES]] <run-dir>`: `Some(None)` reads the faces from the folder the
/// run's manifest names as its data root.
pub fn report_with_faces(run_dir: &Path, faces: Option<Option<PathBuf>>) -> Result<ExitCode> {
    let faces = faces.map(|dir| dir.map_or(report::FaceImages::DataRoot, report::FaceImages::Folder));
    let options = report::RenderOptions { faces };
    let index = report::render_run_with(run_dir, &options)
        .with_context(|| format!("rendering the report of {}", run_dir.display()))?;
    println!("report: {}", index.display());
    Ok(ExitCode::SUCCESS)
}

/// Where released models live: `models/` in the source tree.
pub fn released_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("models")
}

/// A model argument: a run folder, a released model's folder, or a released model's name (a
/// name, never a path: `../x` is not looked up outside `models/`).
pub fn model_dir(arg: &Path) -> Result<PathBuf> {
    if arg.is_dir() {
        return Ok(arg.to_path_buf());
    }
    if let Some(name) = arg.to_str().filter(|n| runner::config::check_name(n).is_ok()) {
        let named = released_dir().join(name);
        if named.join("config.toml").is_file() {
            return Ok(named);
        }
    }
    let names: Vec<String> = std::fs::read_dir(released_dir())
        .map(|d| {
            d.filter_map(|e| e.ok())
                .filter(|e| e.path().join("config.toml").is_file())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    anyhow::bail!(
        "{}: not a run folder, and no released model has that name (released: {})",
        arg.display(),
        if names.is_empty() { "none".to_string() } else { names.join(", ") }
    )
}

/// The `manifest.json` of a run folder or a released model.
pub fn manifest(dir: &Path) -> Result<runner::manifest::Manifest> {
    let path = dir.join("manifest.json");
    let text = std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))
}

/// Parses a number option that must be finite and >= 0 (a tolerance, a margin), so that `nan`,
/// `inf` or `-1` are refused as the command line is read.
pub fn non_negative(s: &str) -> Result<f64, String> {
    let v: f64 = s.trim().parse().map_err(|_| format!("expected a number >= 0, got {s:?}"))?;
    if v >= 0.0 && v.is_finite() {
        Ok(v)
    } else {
        Err(format!("expected a number >= 0, got {s}"))
    }
}

/// Parses a Haar cascade scale factor: a finite number > 1 (each pyramid level smaller).
pub fn scale_factor(s: &str) -> Result<f64, String> {
    let v: f64 = s.trim().parse().map_err(|_| format!("expected a number > 1, got {s:?}"))?;
    if v > 1.0 && v.is_finite() {
        Ok(v)
    } else {
        Err(format!("expected a number > 1, got {s}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn number_options_refuse_nan_infinity_and_out_of_range() {
        assert_eq!(non_negative("0"), Ok(0.0));
        assert_eq!(non_negative("0.25"), Ok(0.25));
        for bad in ["nan", "NaN", "-1", "inf", "-0.5", "x", ""] {
            assert!(non_negative(bad).is_err(), "{bad}");
        }
        assert_eq!(scale_factor("1.1"), Ok(1.1));
        for bad in ["1", "0.9", "nan", "inf", "-2"] {
            assert!(scale_factor(bad).is_err(), "{bad}");
        }
    }
}
