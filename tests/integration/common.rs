//! Shared helpers for the integration tests.

use std::path::{Path, PathBuf};

/// The shared UTKFace folder, or `None` under the workspace's rule for missing data (`testenv`:
/// a note on a developer's machine, a failure under CI, which must exercise real data).
pub fn utkface() -> Option<PathBuf> {
    testenv::data_dir("real-data integration test", "UTKFace")
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
