//! Where each file of a run folder lives: one type computes every path.

use std::path::{Path, PathBuf};

use crate::RunFolderError;

/// The names of what a training run writes in its folder, in the order docs/run-folder.md lists
/// them (`evaluations/` and `report/` come later, from `agelab evaluate` and `agelab report`).
pub const FILES: [&str; 12] = [
    "config.toml",
    "manifest.json",
    "load-summary.json",
    "split.csv",
    "model-summary.txt",
    "metrics.csv",
    "timing.csv",
    "train.log",
    "test-metrics.json",
    "predictions.csv",
    "checkpoints/",
    "lock",
];

/// A run folder `reports/<experiment>/<run-id>/`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunDir {
    root: PathBuf,
}

impl RunDir {
    /// Creates a fresh run folder under `base/<experiment>/`, named by the UTC start time
    /// (`-2`, `-3`... appended on a clash), with its `checkpoints/`.
    pub fn create(base: &Path, experiment: &str) -> Result<RunDir, RunFolderError> {
        let stamp = chrono::Utc::now().format("%Y%m%d-%H%M%S").to_string();
        let parent = base.join(experiment);
        std::fs::create_dir_all(&parent).map_err(|e| RunFolderError::io(&parent, e))?;
        for n in 1.. {
            let id = if n == 1 { stamp.clone() } else { format!("{stamp}-{n}") };
            let root = parent.join(&id);
            match std::fs::create_dir(&root) {
                Ok(()) => {
                    let dir = RunDir { root };
                    std::fs::create_dir_all(dir.checkpoints()).map_err(|e| RunFolderError::io(dir.checkpoints(), e))?;
                    return Ok(dir);
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(RunFolderError::io(&root, e)),
            }
        }
        unreachable!("the loop returns")
    }

    /// An existing run folder (for resume, report, verify): it must have its `config.toml`.
    pub fn open(root: &Path) -> Result<RunDir, RunFolderError> {
        let dir = RunDir { root: root.to_path_buf() };
        if !dir.config().is_file() {
            return Err(RunFolderError::NotRunFolder { path: root.to_path_buf() });
        }
        Ok(dir)
    }

    /// The folder.
    pub fn root(&self) -> &Path {
        &self.root
    }
    /// The run id (the folder's name).
    pub fn id(&self) -> String {
        self.root.file_name().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| ".".into())
    }
    /// The resolved experiment.
    pub fn config(&self) -> PathBuf {
        self.root.join("config.toml")
    }
    /// Provenance ([`crate::Manifest`]).
    pub fn manifest(&self) -> PathBuf {
        self.root.join("manifest.json")
    }
    /// What the data load kept and skipped ([`crate::LoadSummary`]).
    pub fn load_summary(&self) -> PathBuf {
        self.root.join("load-summary.json")
    }
    /// `file,part` listing (written by the data crate's split, whose bytes the split fingerprint hashes).
    pub fn split(&self) -> PathBuf {
        self.root.join("split.csv")
    }
    /// The layer table.
    pub fn model_summary(&self) -> PathBuf {
        self.root.join("model-summary.txt")
    }
    /// Per-epoch metrics ([`crate::MetricsCsv`]).
    pub fn metrics(&self) -> PathBuf {
        self.root.join("metrics.csv")
    }
    /// Per-epoch timing ([`crate::TimingRow`]).
    pub fn timing(&self) -> PathBuf {
        self.root.join("timing.csv")
    }
    /// Human-readable log.
    pub fn log(&self) -> PathBuf {
        self.root.join("train.log")
    }
    /// Final metrics on test ([`crate::TestMetrics`]).
    pub fn test_metrics(&self) -> PathBuf {
        self.root.join("test-metrics.json")
    }
    /// Per-face test predictions ([`crate::Predictions`]).
    pub fn predictions(&self) -> PathBuf {
        self.root.join("predictions.csv")
    }
    /// Checkpoint folder.
    pub fn checkpoints(&self) -> PathBuf {
        self.root.join("checkpoints")
    }
    /// The resolved experiment as the run started it, kept beside the checkpoints so that a
    /// resume can tell an edited `config.toml` from the one the checkpoints were trained with.
    pub fn started_config(&self) -> PathBuf {
        self.checkpoints().join("config.toml")
    }
    /// The run lock ([`crate::RunLock`]).
    pub fn lock(&self) -> PathBuf {
        self.root.join("lock")
    }
    /// `agelab evaluate`'s output for one evaluation `name`.
    pub fn evaluation(&self, name: &str) -> PathBuf {
        self.root.join("evaluations").join(name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn creates_unique_folders_and_opens_only_run_folders() {
        let base = tempfile::tempdir().unwrap();
        let a = RunDir::create(base.path(), "exp").unwrap();
        let b = RunDir::create(base.path(), "exp").unwrap();
        assert_ne!(a.root(), b.root());
        assert!(a.checkpoints().is_dir());
        std::fs::write(a.config(), "seed = 1\n").unwrap();
        assert_eq!(RunDir::open(a.root()).unwrap(), a);
        assert!(RunDir::open(b.root()).unwrap_err().to_string().contains("config.toml"));
        assert!(b.id().starts_with(&a.id()[..8]));
    }
}
