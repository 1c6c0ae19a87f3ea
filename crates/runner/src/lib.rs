//! agelab's experiment runner: typed TOML experiments ([`config`]), the data as tensors ([`data`]),
//! the one training loop every model and task goes through ([`train`]), its metrics ([`metrics`])
//! and optimisers ([`optim`]), and the run folder that records it all ([`rundir`]).
#![warn(missing_docs)]

pub mod augment;
pub mod checkpoint;
pub mod config;
pub mod data;
mod error;
pub mod evaluate;
pub mod heads;
pub mod manifest;
pub mod metrics;
pub mod optim;
pub mod predict;
pub mod progress;
pub mod rundir;
pub mod sweep;
pub mod train;
pub mod verify;

pub use config::Experiment;
pub use error::RunnerError;
pub use rundir::RunDir;
pub use train::{previous, resume, run, run_continuing, Previous, RunOptions, RunOutcome, TestMetrics};
