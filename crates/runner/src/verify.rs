//! `agelab verify`: re-runs an experiment from a run folder's own config and says whether the
//! recorded results came back (exactly on CPU, or within a stated tolerance across devices).

use std::path::Path;

use crate::{Experiment, RunOptions, RunnerError};
use runfolder::{Manifest, RunDir, Status};

/// The verdict of a verification.
#[derive(Debug, Clone)]
pub struct Verdict {
    /// Whether everything compared matched.
    pub reproduced: bool,
    /// What was compared, one line each, with any difference.
    pub lines: Vec<String>,
    /// Folder of the re-run.
    pub rerun: std::path::PathBuf,
}

/// Re-runs `run_dir`'s experiment into `scratch` and compares data and split fingerprints,
/// `metrics.csv`, `test-metrics.json` and `predictions.csv`. `tolerance` 0 asks for
/// bit-identical numbers. A run that has not finished is refused before anything is retrained:
/// there would be no test figures to compare with.
pub fn verify(run_dir: &Path, scratch: &Path, opts: &RunOptions, tolerance: f64) -> Result<Verdict, RunnerError> {
    let original = RunDir::open(run_dir)?;
    let recorded: Manifest = runfolder::read_json(&original.manifest(), "a run manifest")?;
    let missing =
        [original.metrics(), original.test_metrics(), original.predictions()].into_iter().find(|f| !f.is_file());
    if recorded.status != Status::Finished || missing.is_some() {
        let what = missing.map_or(String::new(), |f| format!(", {} is missing", f.display()));
        return Err(RunnerError::RunFolder {
            path: original.manifest(),
            message: format!(
                "the run has not finished (status: {}{what}); verify compares a finished run's test figures: finish it with `agelab run --resume {}` first",
                recorded.status,
                run_dir.display()
            ),
        });
    }
    let text = read(&original.config())?;
    let exp = Experiment::from_toml(&text, &original.config())?;
    let opts = RunOptions { reports: scratch.to_path_buf(), ..opts.clone() };
    let rerun = crate::run(&exp, &opts)?.dir;
    let mut lines = Vec::new();
    let mut ok = true;
    let (m0, m1): (Manifest, Manifest) = (recorded, runfolder::read_json(&rerun.manifest(), "a run manifest")?);
    for (key, a, b) in [
        ("data_fingerprint", &m0.data_fingerprint, &m1.data_fingerprint),
        ("split_fingerprint", &m0.split_fingerprint, &m1.split_fingerprint),
    ] {
        let same = a == b;
        ok &= same;
        lines.push(format!("{key}: {} ({a:?} vs {b:?})", verdict(same)));
    }
    for (name, recorded, again) in [
        ("metrics.csv", original.metrics(), rerun.metrics()),
        ("test-metrics.json", original.test_metrics(), rerun.test_metrics()),
        ("predictions.csv", original.predictions(), rerun.predictions()),
    ] {
        let (a, b) = (read(&recorded)?, read(&again)?);
        let same = numbers_match(&a, &b, tolerance);
        ok &= same;
        let rows = a.lines().count().saturating_sub(1);
        let what = match name {
            "metrics.csv" => format!("{name} ({rows} epochs)"),
            "predictions.csv" => format!("{name} ({rows} faces)"),
            _ => name.to_owned(),
        };
        lines.push(format!("{what}: {}", verdict(same)));
        if !same {
            lines.extend(first_difference(&a, &b));
        }
    }
    Ok(Verdict { reproduced: ok, lines, rerun: rerun.root().to_path_buf() })
}

fn verdict(same: bool) -> &'static str {
    if same {
        "same"
    } else {
        "DIFFERENT"
    }
}

fn read(path: &Path) -> Result<String, RunnerError> {
    std::fs::read_to_string(path).map_err(|e| RunnerError::io(path, e))
}

/// Compares two texts token by token: equal tokens match; numeric tokens match within `tol`.
pub fn numbers_match(a: &str, b: &str, tol: f64) -> bool {
    let split = |s: &str| {
        s.split(|c: char| c == ',' || c.is_whitespace() || c == ':' || c == '[' || c == ']')
            .filter(|t| !t.is_empty())
            .map(str::to_string)
            .collect::<Vec<_>>()
    };
    let (ta, tb) = (split(a), split(b));
    ta.len() == tb.len()
        && ta.iter().zip(&tb).all(|(x, y)| {
            x == y
                || match (x.parse::<f64>(), y.parse::<f64>()) {
                    (Ok(p), Ok(q)) => (p - q).abs() <= tol,
                    _ => false,
                }
        })
}

fn first_difference(a: &str, b: &str) -> Option<String> {
    a.lines()
        .zip(b.lines())
        .enumerate()
        .find(|(_, (x, y))| x != y)
        .map(|(i, (x, y))| format!("  first difference, line {}:\n    recorded: {x}\n    re-run:   {y}", i + 1))
}

#[cfg(test)]
mod tests {
    #[test]
    fn tolerance() {
        assert!(super::numbers_match("a,1.0,2", "a,1.0,2", 0.0));
        assert!(!super::numbers_match("a,1.0,2", "a,1.0001,2", 0.0));
        assert!(super::numbers_match("a,1.0,2", "a,1.0001,2", 0.001));
        assert!(!super::numbers_match("a,1.0", "b,1.0", 1.0));
    }
}
