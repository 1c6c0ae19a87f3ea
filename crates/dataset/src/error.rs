use std::path::PathBuf;

/// Everything that can go wrong while reading data. Each variant carries the path it is about.
#[derive(Debug, thiserror::Error)]
pub enum DatasetError {
    /// The data folder does not exist.
    #[error("data folder {path} does not exist.\n  agelab expects UTKFace's aligned & cropped faces there \
(files named like 25_1_0_20170116174525125.jpg.chip.jpg).\n  Get UTKFace from https://susanqq.github.io/UTKFace/ \
(or Kaggle's 'utkface-new'), unpack its UTKFace/ folder under ./data/, or point AGELAB_DATA at the folder that holds it.")]
    MissingFolder {
        /// The folder that was looked for.
        path: PathBuf,
    },
    /// A data folder was expected but the path is a file.
    #[error("{path} is a file; a data folder was expected (UTKFace images, or Adience's fold files)")]
    NotAFolder {
        /// The path given.
        path: PathBuf,
    },
    /// The folder exists but holds no usable face.
    #[error("data folder {path} holds no UTKFace image ({skipped} file(s) skipped); expected files named [age]_[gender]_[race]_[datetime].jpg.chip.jpg")]
    EmptyFolder {
        /// The folder.
        path: PathBuf,
        /// How many files were skipped as not being faces.
        skipped: usize,
    },
    /// Reading a file or folder failed.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// Writing a file failed.
    #[error("cannot write {path}: {source}")]
    Write {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// An image could not be decoded.
    #[error("cannot decode image {path}: {reason}")]
    Decode {
        /// The image file.
        path: PathBuf,
        /// What the decoder said.
        reason: String,
    },
    /// A split asks for more images than there are.
    #[error("split asks for {wanted} images ({what}) but the data has {available}")]
    SplitTooLarge {
        /// What part(s) of the split.
        what: String,
        /// How many it asks for.
        wanted: usize,
        /// How many there are.
        available: usize,
    },
    /// A split specification is inconsistent.
    #[error("invalid split: {0}")]
    InvalidSplit(String),
    /// A file the data needs is not there (an Adience fold file, say).
    #[error("{what} {path} does not exist")]
    MissingFile {
        /// The file that was looked for.
        path: PathBuf,
        /// What the file is, in words ("Adience fold file").
        what: String,
    },
    /// A table file (Adience's tab-separated folds, a CSV of labels) lacks a column its format has.
    #[error("{path}:{line}: no column '{column}' in the header; expected {expected}")]
    MissingColumn {
        /// The file.
        path: PathBuf,
        /// The header's line number (1-based).
        line: usize,
        /// The column that is missing.
        column: String,
        /// All expected columns, as text.
        expected: String,
    },
    /// A row of a tab-separated file cannot be read.
    #[error("{path}:{line}: {reason}")]
    BadRow {
        /// The file.
        path: PathBuf,
        /// The row's line number (1-based).
        line: usize,
        /// What is wrong and what was expected.
        reason: String,
    },
    /// Adience fold files hold no readable row.
    #[error("the Adience fold files in {path} hold no readable row ({bad} bad row(s))")]
    NoAdienceRows {
        /// The Adience folder.
        path: PathBuf,
        /// Rows that could not be read.
        bad: usize,
    },
    /// An age-group scheme is malformed.
    #[error("invalid age scheme '{name}': {reason}")]
    InvalidScheme {
        /// The scheme's name.
        name: String,
        /// What is wrong.
        reason: String,
    },
}

impl DatasetError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        DatasetError::Io { path: path.into(), source }
    }
}
