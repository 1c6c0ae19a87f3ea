//! The run folder, agelab's contract between the runner that writes a run and the report and CLI
//! that read it (docs/run-folder.md). Every file has one type here, written and read through the
//! same code, so the writer and the readers cannot drift apart. No libtorch.
#![warn(missing_docs)]

mod atomic;
mod dir;
mod epochs;
mod error;
mod evaluation;
mod lock;
mod manifest;
mod predictions;
mod test_metrics;

pub use atomic::{append_line, read_json, tmp_path, write_atomic, write_json};
pub use dir::{RunDir, FILES};
pub use epochs::{CurveMetric, EpochRow, HeadColumn, MetricsCsv, TimingRow};
pub use error::RunFolderError;
pub use evaluation::{EvaluationInfo, View, Views};
pub use lock::RunLock;
pub use manifest::{HeadInfo, InputInfo, Manifest, SplitSizes, Status};
pub use predictions::{HeadKind, HeadPredictions, HeadSpec, Predictions};
pub use test_metrics::{ClassMetrics, HeadMetrics, RegressionMetrics, TestMetrics};

/// `load-summary.json`: what the data load kept and skipped (the data crate's own type).
pub use dataset::LoadSummary;
