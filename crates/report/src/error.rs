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
    /// A JSON file does not match the run-folder contract.
    #[error("{path}: malformed JSON, expected {expected}: {source}")]
    Json {
        /// The file.
        path: PathBuf,
        /// What the file should have held.
        expected: std::borrow::Cow<'static, str>,
        /// The parser's error (with line and column).
        source: serde_json::Error,
    },
    /// A CSV file could not be parsed as CSV.
    #[error("{path}: malformed CSV: {source}")]
    Csv {
        /// The file.
        path: PathBuf,
        /// The parser's error.
        source: csv::Error,
    },
    /// A CSV file lacks a column the contract requires.
    #[error("{path}: missing column `{column}`; expected {expected}")]
    MissingColumn {
        /// The file.
        path: PathBuf,
        /// The column that was looked for.
        column: String,
        /// What the column should hold.
        expected: String,
    },
    /// A value in a file is not what the contract says.
    #[error("{path}: line {line}, column `{column}`: expected {expected}, found `{found}`")]
    Malformed {
        /// The file.
        path: PathBuf,
        /// 1-based line number in the file (1 is the header of a CSV file).
        line: usize,
        /// The column or field.
        column: String,
        /// What was expected.
        expected: String,
        /// What was found.
        found: String,
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
    /// `compare` was given no run folders.
    #[error("{path}: no run folders to compare; expected at least one")]
    NoRuns {
        /// The output folder that was asked for.
        path: PathBuf,
    },
}

/// The run-folder crate reads every file; its errors keep naming the file, line and column.
impl From<runfolder::RunFolderError> for ReportError {
    fn from(e: runfolder::RunFolderError) -> Self {
        use runfolder::RunFolderError as R;
        let message = e.to_string();
        match e {
            R::Io { path, source } => ReportError::Read { path, source },
            R::Missing { path, expected } => ReportError::Missing { path, expected: expected.into() },
            R::Json { path, expected, source } => ReportError::Json { path, expected: expected.into(), source },
            R::Csv { path, source } => ReportError::Csv { path, source },
            R::MissingColumn { path, column, expected } => ReportError::MissingColumn { path, column, expected },
            R::Malformed { path, line, column, expected, found } => {
                ReportError::Malformed { path, line, column, expected, found }
            }
            R::NotRunFolder { path } | R::Locked { path, .. } => ReportError::Inconsistent { path, message },
        }
    }
}
