//! Shared helpers for the integration tests.

use std::path::{Path, PathBuf};

/// The shared UTKFace folder, or `None` (with a note) when this machine has none. Under CI a
/// missing folder fails the test instead: CI must exercise real data.
pub fn utkface() -> Option<PathBuf> {
    let dir = std::env::var_os("AGELAB_DATA").filter(|v| !v.is_empty()).map(|d| PathBuf::from(d).join("UTKFace"));
    match dir {
        Some(d) if d.is_dir() => Some(d),
        _ if std::env::var_os("CI").is_some() => panic!("CI must set AGELAB_DATA to a folder holding UTKFace/"),
        _ => {
            eprintln!("note: AGELAB_DATA/UTKFace not found: real-data test skipped");
            None
        }
    }
}

/// libtorch's random generator and thread count are process-wide, and the test harness runs tests
/// on several threads: tests that train hold this lock, so each run's seeds are its own.
pub fn serial() -> std::sync::MutexGuard<'static, ()> {
    static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    LOCK.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The repository root.
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// An experiment from TOML text, validated.
pub fn experiment(text: &str) -> runner::Experiment {
    runner::Experiment::from_toml(text, Path::new("test.toml")).expect("valid test experiment")
}

/// Run options writing under `reports`, quiet, on CPU.
pub fn options(reports: &Path) -> runner::RunOptions {
    runner::RunOptions {
        reports: reports.to_path_buf(),
        project_dir: repo(),
        progress: false,
        device: tch::Device::Cpu,
    }
}

/// A small synthetic multi-task experiment (fast: a few seconds).
pub fn tiny_synthetic(epochs: usize) -> String {
    format!(
        r#"
name = "tiny"
seed = 11
[data]
source = "synthetic"
count = 240
image_size = 16
[[tasks]]
name = "age"
target = "age_group"
scheme = "report5"
[[tasks]]
name = "gender"
target = "gender"
[split]
kind = "ordered"
train = 160
valid = 40
[model]
arch = "model4"
[optimizer]
kind = "adam"
lr = 1e-3
[train]
batch_size = 32
epochs = {epochs}
threads = 1
"#
    )
}
