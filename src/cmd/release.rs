//! `agelab release`: turns a finished run into a released model under `models/<name>/` (its
//! config, best weights, test metrics, manifest and a model card), which `agelab predict <name>`
//! then finds by name.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context, Result};

use super::released_dir;

/// Arguments of `agelab release`.
#[derive(clap::Args)]
pub struct Args {
    /// The finished run folder.
    run_dir: PathBuf,
    /// The model's name (letters, digits and - _ . + = , only; it becomes the folder `models/<name>`).
    #[arg(long)]
    name: String,
    /// The experiment file that retrains it, quoted in the card (default:
    /// `experiments/<experiment>.toml`).
    #[arg(long)]
    experiment: Option<String>,
    /// Replace a released model of the same name.
    #[arg(long)]
    force: bool,
    /// Where released models go.
    #[arg(long, default_value_os_t = released_dir())]
    models: PathBuf,
}

/// Files copied from the run folder: (source, name in the release).
const FILES: [(&str, &str); 4] = [
    ("config.toml", "config.toml"),
    ("checkpoints/best.safetensors", "weights.safetensors"),
    ("test-metrics.json", "test-metrics.json"),
    ("manifest.json", "manifest.json"),
];

/// The run's test faces, one file name a line: anyone with UTKFace can re-check the card's
/// figures with `agelab evaluate` (the integration tests do).
pub const TEST_FACES: &str = "test-faces.txt";

/// Runs it.
pub fn run(a: Args) -> Result<ExitCode> {
    runner::config::check_name(&a.name).map_err(|e| anyhow::anyhow!("--name: {e}"))?;
    for (file, _) in FILES.iter().chain(&[("predictions.csv", ""), ("split.csv", "")]) {
        let path = a.run_dir.join(file);
        if !path.is_file() {
            bail!("{}: missing; a release needs a finished run folder (config, best checkpoint, test metrics, predictions)", path.display());
        }
    }
    let target = a.models.join(&a.name);
    if target.exists() && !a.force {
        bail!("{}: a released model of that name exists; pass --force to replace it", target.display());
    }
    let experiment = match a.experiment {
        Some(e) => e,
        None => format!("experiments/{}.toml", super::manifest(&a.run_dir)?.experiment),
    };
    // The held-out summary is quoted only if it scored these very weights (the same run).
    let heldout_path = PathBuf::from("reports/heldout").join(&a.name).join("summary.md");
    let m = super::manifest(&a.run_dir)?;
    let run_tag = format!("Weights of run `{}/{}`", m.experiment, m.run_id);
    let heldout = match std::fs::read_to_string(&heldout_path) {
        Ok(text) if text.contains(&run_tag) => Some(text),
        Ok(_) => {
            eprintln!(
                "{}: scores other weights than this run's; not quoted (run `just heldout {}` after the release)",
                heldout_path.display(),
                a.name
            );
            None
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(e).with_context(|| format!("reading {}", heldout_path.display())),
    };
    let card = report::model_card(
        &a.run_dir,
        &report::Release { name: &a.name, experiment_file: &experiment, heldout: heldout.as_deref() },
    )?;

    // Assemble beside the target, then swap it in: a reader never sees half a release.
    std::fs::create_dir_all(&a.models).with_context(|| format!("creating {}", a.models.display()))?;
    let staging = tempfile::Builder::new()
        .prefix(&format!(".{}-", a.name))
        .tempdir_in(&a.models)
        .with_context(|| format!("creating a staging folder in {}", a.models.display()))?;
    for (from, to) in FILES {
        let src = a.run_dir.join(from);
        std::fs::copy(&src, staging.path().join(to)).with_context(|| format!("copying {}", src.display()))?;
    }
    std::fs::write(staging.path().join("README.md"), card).context("writing the model card")?;
    std::fs::write(staging.path().join(TEST_FACES), test_faces(&a.run_dir)?).context("writing the test face list")?;
    if target.exists() {
        keep_evaluations(&target, staging.path())?;
        std::fs::remove_dir_all(&target).with_context(|| format!("removing the old {}", target.display()))?;
    }
    std::fs::rename(staging.keep(), &target).with_context(|| format!("moving the release to {}", target.display()))?;
    println!("released {} -> {}", a.run_dir.display(), target.display());
    Ok(ExitCode::SUCCESS)
}

/// Carries the old release's `evaluations/` (written by `agelab evaluate`) into the new one when
/// the weights are the same bytes (a card refreshed from the same run); other weights make them
/// stale, so they go, and the message says so.
fn keep_evaluations(old: &Path, new: &Path) -> Result<()> {
    let evaluations = old.join("evaluations");
    if !evaluations.is_dir() {
        return Ok(());
    }
    let weights = |d: &Path| std::fs::read(d.join("weights.safetensors")).ok();
    if weights(old).is_some_and(|w| Some(w) == weights(new)) {
        std::fs::rename(&evaluations, new.join("evaluations"))
            .with_context(|| format!("keeping {}", evaluations.display()))?;
    } else {
        eprintln!(
            "{}: scored the old weights; dropped (run `agelab evaluate` on the new release)",
            evaluations.display()
        );
    }
    Ok(())
}

/// The file names of the run's test part, from its `split.csv` (`file,part`).
fn test_faces(run_dir: &Path) -> Result<String> {
    let path = run_dir.join("split.csv");
    let text = std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    let mut out = String::new();
    for (i, line) in text.lines().enumerate().skip(1) {
        let (file, part) = line
            .rsplit_once(',')
            .with_context(|| format!("{}: line {}: expected `file,part`", path.display(), i + 1))?;
        if part == "test" {
            out.push_str(file);
            out.push('\n');
        }
    }
    if out.is_empty() {
        bail!("{}: no test faces", path.display());
    }
    Ok(out)
}
