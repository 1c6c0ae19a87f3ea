use std::path::PathBuf;

/// What can go wrong with a run-folder file; each variant names the file (and line, column) at fault.
#[derive(Debug, thiserror::Error)]
pub enum RunFolderError {
    /// A file could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// A required file is absent.
    #[error("{}: missing; expected {expected}", path.display())]
    Missing {
        /// The file.
        path: PathBuf,
        /// What it should hold and what writes it.
        expected: String,
    },
    /// A JSON file does not have the expected shape.
    #[error("{}: expected {expected}: {source}", path.display())]
    Json {
        /// The file.
        path: PathBuf,
        /// What it should hold.
        expected: String,
        /// The parse error (with line and column).
        source: serde_json::Error,
    },
    /// A CSV file could not be parsed.
    #[error("{}: {source}", path.display())]
    Csv {
        /// The file.
        path: PathBuf,
        /// The error.
        source: csv::Error,
    },
    /// A CSV file lacks a column.
    #[error("{}: no column `{column}` (expected {expected})", path.display())]
    MissingColumn {
        /// The file.
        path: PathBuf,
        /// The column.
        column: String,
        /// What the column should hold.
        expected: String,
    },
    /// A CSV cell has a bad value.
    #[error("{}:{line}: column `{column}`: expected {expected}, found {found:?}", path.display())]
    Malformed {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// The column.
        column: String,
        /// What was expected.
        expected: String,
        /// What was there.
        found: String,
    },
    /// The folder is not a run folder.
    #[error("{}: not a run folder: config.toml is missing", path.display())]
    NotRunFolder {
        /// The folder.
        path: PathBuf,
    },
    /// Another process trains in the folder.
    #[error("{}: in use by another process{}; wait for it or stop it", path.display(), holder.map(|p| format!(" ({p})")).unwrap_or_default())]
    Locked {
        /// The run folder.
        path: PathBuf,
        /// The process id the lock file names, when readable.
        holder: Option<u32>,
    },
}

impl RunFolderError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        RunFolderError::Io { path: path.into(), source }
    }
}
