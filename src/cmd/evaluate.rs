//! `agelab evaluate`: a trained model on any UTKFace-format folder.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};

/// Arguments of `agelab evaluate`.
#[derive(clap::Args)]
pub struct Args {
    /// A run folder, a released model's folder, or a released model's name.
    model: PathBuf,
    /// Folder of faces named as UTKFace (`[age]_[gender]_[race]_[datetime].jpg...`).
    #[arg(long)]
    data: PathBuf,
    /// Output folder (default: `<model>/evaluations/<data folder name>`).
    #[arg(long)]
    out: Option<PathBuf>,
}

/// Runs it.
pub fn run(a: Args) -> Result<ExitCode> {
    let dir = super::model_dir(&a.model)?;
    let p = runner::predict::Predictor::load(&dir).with_context(|| format!("loading {}", dir.display()))?;
    let name = a.data.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "data".into());
    let out = a.out.unwrap_or_else(|| dir.join("evaluations").join(name));
    let m = p.evaluate_folder(&a.data, &out).with_context(|| format!("evaluating on {}", a.data.display()))?;
    println!("{} faces from {}", m.images, a.data.display());
    for (head, metrics) in &m.heads {
        match metrics {
            runner::metrics::HeadMetrics::Classification { accuracy, one_off, .. } => {
                print!("{head}: accuracy {:.2}%", accuracy * 100.0);
                if let Some(o) = one_off {
                    print!(" (1-off {:.2}%)", o * 100.0);
                }
                println!();
            }
            runner::metrics::HeadMetrics::Regression { mae, rmse } => {
                println!("{head}: MAE {mae:.2} years, RMSE {rmse:.2}")
            }
        }
    }
    println!("written to {}", out.display());
    Ok(ExitCode::SUCCESS)
}
