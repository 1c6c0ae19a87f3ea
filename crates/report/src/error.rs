//! The error type of the crate.

use std::path::PathBuf;

/// What can go wrong while reading a run folder or writing its report.
///
/// Every variant names the file in question and what was expected of it.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// A file the report needs is not in the run folder.
    #[error("{path}: missing; expected {expected}")]
    Missing {
        /// The file that was looked for.
        path: PathBuf,
        /// What the file should have held.
        expected: std::borrow::Cow<'static, str>,
    },
    /// A file exists but could not be read.
    #[error("{path}: cannot read: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A CSV file could not be parsed as CSV.
    #[error("{path}: malformed CSV: {source}")]
    Csv {
        /// The file.
        path: PathBuf,
        /// The parser's error.
        source: csv::Error,
    },
    /// Files of one run disagree with each other.
    #[error("{path}: {message}")]
    Inconsistent {
        /// The file whose content does not fit the others.
        path: PathBuf,
        /// What does not fit.
        message: String,
    },
    /// A figure could not be drawn or encoded.
    #[error("{path}: cannot draw figure: {message}")]
    Plot {
        /// The PNG being drawn.
        path: PathBuf,
        /// The drawing backend's message.
        message: String,
    },
    /// The comparison table could not be built or written.
    #[error("{path}: cannot build the comparison table: {source}")]
    Table {
        /// The file being written.
        path: PathBuf,
        /// The polars error.
        source: polars::error::PolarsError,
    },
    /// An output file could not be written.
    #[error("{path}: cannot write: {source}")]
    Write {
        /// The file being written.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A run-folder file is missing or does not match the contract (the run-folder crate reads
    /// them all; its errors name the file, line and column).
    #[error(transparent)]
    RunFolder(#[from] runfolder::RunFolderError),
    /// `compare` was given no run folders.
    #[error("{path}: no run folders to compare; expected at least one")]
    NoRuns {
        /// The output folder that was asked for.
        path: PathBuf,
    },
}
