//! `agelab verify`: re-runs an experiment from a run folder's own config and says whether the
//! recorded results came back (exactly on CPU, or within a stated tolerance across devices).

use std::path::Path;

use crate::rundir::RunDir;
use crate::{Experiment, RunOptions, RunnerError};

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
/// `metrics.csv` and `test-metrics.json`. `tolerance` 0 asks for bit-identical numbers.
pub fn verify(run_dir: &Path, scratch: &Path, opts: &RunOptions, tolerance: f64) -> Result<Verdict, RunnerError> {
    let original = RunDir::open(run_dir)?;
    let text = read(&original.config())?;
    let exp = Experiment::from_toml(&text, &original.config())?;
    let opts = RunOptions { reports: scratch.to_path_buf(), ..opts.clone() };
    let rerun = crate::run(&exp, &opts)?.dir;
    let mut lines = Vec::new();
    let mut ok = true;
    let manifest = |d: &RunDir| -> Result<serde_json::Value, RunnerError> { json(&d.manifest()) };
    let (m0, m1) = (manifest(&original)?, manifest(&rerun)?);
    for key in ["data_fingerprint", "split_fingerprint"] {
        let same = m0[key] == m1[key];
        ok &= same;
        lines.push(format!("{key}: {} ({} vs {})", verdict(same), m0[key], m1[key]));
    }
    let (a, b) = (read(&original.metrics())?, read(&rerun.metrics())?);
    let same = numbers_match(&a, &b, tolerance);
    ok &= same;
    lines.push(format!("metrics.csv ({} epochs): {}", a.lines().count().saturating_sub(1), verdict(same)));
    if !same {
        lines.extend(first_difference(&a, &b));
    }
    let (a, b) = (read(&original.test_metrics())?, read(&rerun.test_metrics())?);
    let same = numbers_match(&a, &b, tolerance);
    ok &= same;
    lines.push(format!("test-metrics.json: {}", verdict(same)));
    if !same {
        lines.extend(first_difference(&a, &b));
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

fn json(path: &Path) -> Result<serde_json::Value, RunnerError> {
    serde_json::from_str(&read(path)?)
        .map_err(|e| RunnerError::RunFolder { path: path.to_path_buf(), message: e.to_string() })
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
