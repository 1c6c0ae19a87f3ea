//! agelab's experiment runner: typed TOML experiments ([`config`]), the data as tensors ([`data`]),
//! the one training loop every model and task goes through ([`train`]), a head's outputs from
//! which every figure derives ([`outputs`], through the `metrics` crate), its optimisers
//! ([`optim`]); the run folder that records it all is the `runfolder` crate's.
#![warn(missing_docs)]

pub mod augment;
pub mod checkpoint;
pub mod config;
pub mod data;
mod error;
pub mod evaluate;
pub mod heads;
pub mod manifest;
pub mod optim;
pub mod outputs;
pub mod predict;
pub mod progress;
pub mod slurm;
pub mod sweep;
pub mod train;
pub mod verify;

pub use config::Experiment;
pub use error::RunnerError;
pub use runfolder::{RunDir, TestMetrics};
pub use train::{previous, resume, run, run_continuing, Previous, RunOptions, RunOutcome};
