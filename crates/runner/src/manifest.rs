//! The run manifest: everything needed to say what produced a result (docs/run-folder.md).

use serde::{Deserialize, Serialize};

/// One head as the manifest lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HeadInfo {
    /// Head name.
    pub name: String,
    /// Output units.
    pub outputs: usize,
    /// Class names (classification heads).
    pub classes: Option<Vec<String>>,
}

/// Input geometry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InputInfo {
    /// Channels.
    pub channels: i64,
    /// Side in pixels.
    pub size: i64,
}

/// Split sizes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SplitSizes {
    /// Train faces.
    pub train: usize,
    /// Valid faces.
    pub valid: usize,
    /// Test faces.
    pub test: usize,
}

/// `manifest.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// Experiment name.
    pub experiment: String,
    /// Run folder name.
    pub run_id: String,
    /// agelab's version.
    pub agelab_version: String,
    /// libtorch's version.
    pub libtorch_version: String,
    /// `git rev-parse HEAD` of the working tree, if any.
    pub git_commit: Option<String>,
    /// Whether the tree had uncommitted changes.
    pub git_dirty: Option<bool>,
    /// Master seed.
    pub seed: u64,
    /// Device.
    pub device: String,
    /// libtorch intra-op threads.
    pub threads: usize,
    /// Data folder.
    pub data_root: String,
    /// Fingerprint of the face files.
    pub data_fingerprint: String,
    /// Fingerprint of `split.csv`.
    pub split_fingerprint: String,
    /// Faces per part.
    pub split_sizes: SplitSizes,
    /// Architecture.
    pub model: String,
    /// Trainable parameters.
    pub parameters: i64,
    /// Multiply-accumulates per image (convolutions and dense layers).
    #[serde(default)]
    pub multiply_adds: i64,
    /// Input geometry.
    pub input: InputInfo,
    /// Heads.
    pub heads: Vec<HeadInfo>,
    /// Start time (RFC 3339).
    pub started: String,
    /// End time, once finished.
    pub finished: Option<String>,
    /// Seconds spent in training steps (all epochs, resumed parts included).
    pub train_seconds: f64,
    /// Warnings raised during the run.
    pub warnings: Vec<String>,
    /// `running`, `finished`, or `failed: <reason>`.
    pub status: String,
}

/// The current git commit and dirty flag of `dir`, when it is in a git checkout.
pub fn git_state(dir: &std::path::Path) -> (Option<String>, Option<bool>) {
    let run = |args: &[&str]| {
        std::process::Command::new("git")
            .args(args)
            .current_dir(dir)
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
    };
    let commit = run(&["rev-parse", "HEAD"]);
    let dirty =
        commit.as_ref().and_then(|_| run(&["status", "--porcelain", "--untracked-files=no"])).map(|s| !s.is_empty());
    (commit, dirty)
}
