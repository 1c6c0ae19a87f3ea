//! `agelab data inspect`: what a data folder holds, before training on it.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};

/// Arguments of `agelab data`.
#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: DataCommand,
}

#[derive(clap::Subcommand)]
enum DataCommand {
    /// Summarise a UTKFace folder (files, malformed names, counts per gender, race and age group)
    /// or a folder of Adience fold files (rows per fold, age group, gender; exclusions).
    Inspect {
        /// The folder.
        dir: PathBuf,
        /// Age-group scheme for UTKFace counts: report5, report4 or adience8.
        #[arg(long, default_value = "report5")]
        scheme: String,
    },
}

/// Runs it.
pub fn run(a: Args) -> Result<ExitCode> {
    let DataCommand::Inspect { dir, scheme } = a.command;
    let scheme = dataset::AgeScheme::builtin(&scheme)
        .with_context(|| format!("--scheme '{scheme}': expected one of {:?}", dataset::AgeScheme::BUILTIN))?;
    let inspection =
        dataset::inspect::inspect(&dir, &scheme).with_context(|| format!("inspecting {}", dir.display()))?;
    println!("{inspection}");
    Ok(ExitCode::SUCCESS)
}
