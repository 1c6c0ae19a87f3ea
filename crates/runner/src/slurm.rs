//! Slurm job-array scripts for sweeps: one array task per grid point, each running
//! `agelab run --continue` of its own variant file, so a requeued task continues its interrupted
//! run folder (or reuses a finished one) instead of starting over. Every path and name goes through [`shell_quote`], so
//! folders with spaces or quotes cannot break the script.

use std::path::PathBuf;

/// Quotes `s` as one POSIX shell word: wrapped in single quotes, each `'` written as `'\''`.
/// Plain words (letters, digits, `-_./=:,+@%`) are left as they are, to keep scripts readable.
pub fn shell_quote(s: &str) -> String {
    let plain = !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || "-_./=:,+@%".contains(c));
    if plain {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

/// Renders the sbatch script: task `i` runs `experiments[i]` with its run folders under
/// `reports`. `sbatch_lines` are `#SBATCH` options (without the prefix); sbatch reads those
/// lines itself, not through a shell, so paths (the log file) belong on sbatch's command line.
/// `agelab` is the binary the tasks run.
pub fn render_script(
    job_name: &str,
    reports: &std::path::Path,
    sbatch_lines: &[String],
    agelab: &std::path::Path,
    experiments: &[PathBuf],
) -> String {
    let mut s = String::from("#!/usr/bin/env bash\n");
    s.push_str(&format!("#SBATCH --job-name={}\n", shell_quote(job_name)));
    s.push_str(&format!("#SBATCH --array=0-{}\n", experiments.len().saturating_sub(1)));
    s.push_str("#SBATCH --requeue\n");
    for line in sbatch_lines {
        s.push_str(&format!("#SBATCH {line}\n"));
    }
    s.push_str("set -euo pipefail\n");
    s.push_str("case \"$SLURM_ARRAY_TASK_ID\" in\n");
    for (i, e) in experiments.iter().enumerate() {
        s.push_str(&format!("  {i}) experiment={} ;;\n", shell_quote(&e.to_string_lossy())));
    }
    s.push_str("  *) echo \"no task $SLURM_ARRAY_TASK_ID\" >&2; exit 2 ;;\nesac\n");
    let bin = shell_quote(&agelab.to_string_lossy());
    let reports = shell_quote(&reports.to_string_lossy());
    s.push_str(&format!("exec {bin} run \"$experiment\" --continue --reports {reports}\n"));
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::Command;

    /// The quoted word, read back by a real shell, is the original string.
    #[test]
    fn quoting_round_trips_through_sh() {
        for s in ["plain", "with space", "it's", "a'b\"c $HOME `x` \\ ;|&", "", "ünï"] {
            let out = Command::new("sh").arg("-c").arg(format!("printf %s {}", shell_quote(s))).output().unwrap();
            assert_eq!(String::from_utf8(out.stdout).unwrap(), s, "{s:?}");
        }
        assert_eq!(shell_quote("runs/a-1"), "runs/a-1");
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
    }

    #[test]
    fn script_has_one_task_per_variant_and_parses() {
        let tasks: Vec<PathBuf> = vec!["sw/it's a.toml".into(), "sw/b.toml".into()];
        let script = render_script(
            "my sweep",
            std::path::Path::new("my reports"),
            &["--time=00:10:00".to_string()],
            std::path::Path::new("/usr/bin/agelab"),
            &tasks,
        );
        assert!(script.contains("#SBATCH --array=0-1\n"));
        assert!(script.contains("#SBATCH --time=00:10:00\n"));
        assert!(script.contains("--continue --reports 'my reports'\n"));
        assert!(script.contains(r"0) experiment='sw/it'\''s a.toml' ;;"));
        let ok = Command::new("bash").arg("-n").arg("-c").arg(&script).status().unwrap();
        assert!(ok.success());
    }
}
