use std::path::PathBuf;

/// Everything a run can fail on; each variant names the file or setting at fault.
#[derive(Debug, thiserror::Error)]
pub enum RunnerError {
    /// The experiment file is unreadable or invalid.
    #[error("{}: {message}", path.display())]
    Config {
        /// The experiment file.
        path: PathBuf,
        /// What is wrong, naming the key.
        message: String,
    },
    /// Data could not be loaded.
    #[error(transparent)]
    Data(#[from] dataset::DatasetError),
    /// The model could not be built.
    #[error(transparent)]
    Model(#[from] models::ModelError),
    /// libtorch failed.
    #[error("libtorch: {0}")]
    Torch(#[from] tch::TchError),
    /// A run-folder file could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// A run-folder file has unexpected content.
    #[error("{}: {message}", path.display())]
    RunFolder {
        /// The file.
        path: PathBuf,
        /// What was expected.
        message: String,
    },
    /// A run-folder file could not be written or read back (names the file, line and column).
    #[error(transparent)]
    Files(#[from] runfolder::RunFolderError),
    /// A tensor could not be read back into plain numbers (labels, predictions, crop offsets).
    #[error("reading {what} out of a tensor: {source}")]
    TensorData {
        /// What was being read.
        what: &'static str,
        /// libtorch's error.
        source: tch::TchError,
    },
    /// Training diverged.
    #[error("training stopped at epoch {epoch}, step {step}: the loss is {value} (not finite). \
The last good checkpoint is kept in {}; try a lower learning rate.", checkpoint.display())]
    Diverged {
        /// Epoch (1-based).
        epoch: usize,
        /// Step within the epoch.
        step: usize,
        /// The loss value.
        value: f64,
        /// Folder of the last good checkpoint.
        checkpoint: PathBuf,
    },
}

impl RunnerError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        RunnerError::Io { path: path.into(), source }
    }

    /// A tensor-to-vector conversion's error, saying what was being read.
    pub(crate) fn tensor(what: &'static str) -> impl FnOnce(tch::TchError) -> RunnerError {
        move |source| RunnerError::TensorData { what, source }
    }
}
