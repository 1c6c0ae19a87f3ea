//! The run folder: one type computes every path, and every write goes through [`write_atomic`].
//! The layout is the contract with `report` (docs/run-folder.md).

use std::path::{Path, PathBuf};

use crate::RunnerError;

/// A run folder `reports/<experiment>/<run-id>/`.
#[derive(Debug, Clone)]
pub struct RunDir {
    root: PathBuf,
}

impl RunDir {
    /// Creates a fresh run folder under `base/<experiment>/`, named by the UTC start time.
    pub fn create(base: &Path, experiment: &str) -> Result<RunDir, RunnerError> {
        let stamp = chrono::Utc::now().format("%Y%m%d-%H%M%S").to_string();
        let parent = base.join(experiment);
        std::fs::create_dir_all(&parent).map_err(|e| RunnerError::io(&parent, e))?;
        for n in 1.. {
            let id = if n == 1 { stamp.clone() } else { format!("{stamp}-{n}") };
            let root = parent.join(&id);
            match std::fs::create_dir(&root) {
                Ok(()) => {
                    let dir = RunDir { root };
                    std::fs::create_dir_all(dir.checkpoints()).map_err(|e| RunnerError::io(dir.checkpoints(), e))?;
                    return Ok(dir);
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(RunnerError::io(&root, e)),
            }
        }
        unreachable!("the loop returns")
    }

    /// An existing run folder (for resume, report, verify).
    pub fn open(root: &Path) -> Result<RunDir, RunnerError> {
        let dir = RunDir { root: root.to_path_buf() };
        if !dir.config().is_file() {
            return Err(RunnerError::RunFolder {
                path: dir.config(),
                message: "not a run folder: config.toml is missing".into(),
            });
        }
        Ok(dir)
    }

    /// The folder.
    pub fn root(&self) -> &Path {
        &self.root
    }
    /// The run id (folder name).
    pub fn id(&self) -> String {
        self.root.file_name().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default()
    }
    /// Resolved experiment.
    pub fn config(&self) -> PathBuf {
        self.root.join("config.toml")
    }
    /// Provenance.
    pub fn manifest(&self) -> PathBuf {
        self.root.join("manifest.json")
    }
    /// What the data load kept and skipped.
    pub fn load_summary(&self) -> PathBuf {
        self.root.join("load-summary.json")
    }
    /// `file,part` listing.
    pub fn split(&self) -> PathBuf {
        self.root.join("split.csv")
    }
    /// Per-epoch metrics.
    pub fn metrics(&self) -> PathBuf {
        self.root.join("metrics.csv")
    }
    /// Final metrics on test.
    pub fn test_metrics(&self) -> PathBuf {
        self.root.join("test-metrics.json")
    }
    /// Per-face test predictions.
    pub fn predictions(&self) -> PathBuf {
        self.root.join("predictions.csv")
    }
    /// Human-readable log.
    pub fn log(&self) -> PathBuf {
        self.root.join("train.log")
    }
    /// Checkpoint folder.
    pub fn checkpoints(&self) -> PathBuf {
        self.root.join("checkpoints")
    }
}

/// Writes a file atomically: a temp file in the same folder, fsync, then rename over the target.
/// A kill at any point leaves either the old file or the new one, never a torn one.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), RunnerError> {
    use std::io::Write;
    let tmp = tmp_path(path);
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    result.map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        RunnerError::io(path, e)
    })
}

/// The temp name used next to `path` while it is being written.
pub fn tmp_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().map(|s| s.to_os_string()).unwrap_or_default();
    name.push(format!(".tmp{}", std::process::id()));
    path.with_file_name(name)
}

/// Appends a line to a log file (logs are append-only; a torn last line is harmless).
pub fn append_line(path: &Path, line: &str) -> Result<(), RunnerError> {
    use std::io::Write;
    let mut f =
        std::fs::OpenOptions::new().create(true).append(true).open(path).map_err(|e| RunnerError::io(path, e))?;
    writeln!(f, "{line}").map_err(|e| RunnerError::io(path, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn creates_unique_folders_and_writes_atomically() {
        let base = tempfile::tempdir().unwrap();
        let a = RunDir::create(base.path(), "exp").unwrap();
        let b = RunDir::create(base.path(), "exp").unwrap();
        assert_ne!(a.root(), b.root());
        assert!(a.checkpoints().is_dir());
        write_atomic(&a.config(), b"seed = 1\n").unwrap();
        write_atomic(&a.config(), b"seed = 2\n").unwrap();
        assert_eq!(std::fs::read_to_string(a.config()).unwrap(), "seed = 2\n");
        assert_eq!(std::fs::read_dir(a.root()).unwrap().count(), 2, "no temp file left behind");
        assert!(RunDir::open(a.root()).is_ok());
        assert!(RunDir::open(b.root()).unwrap_err().to_string().contains("config.toml"));
    }
}
