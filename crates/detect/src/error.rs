//! Errors from loading a cascade or MTCNN's weights, or from invalid detection parameters.

use std::path::PathBuf;

/// What went wrong while loading a cascade; every variant names its source
/// (a file path, `<string>`, or the bundled file) so a message is actionable on its own.
#[derive(Debug, thiserror::Error)]
pub enum DetectError {
    /// The cascade file could not be read.
    #[error("cannot read cascade file {path}: {source}")]
    Io {
        /// The file that was asked for.
        path: PathBuf,
        /// The underlying I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The text is not well-formed XML.
    #[error("{source_name}: not valid XML: {message}")]
    BadXml {
        /// Where the XML came from.
        source_name: String,
        /// The XML parser's message (with line and column).
        message: String,
    },
    /// A required element is absent.
    #[error("{source_name}: missing element <{element}> (in {context})")]
    MissingElement {
        /// Where the XML came from.
        source_name: String,
        /// The element that was expected.
        element: String,
        /// Where it was expected, e.g. `stage 3, weak classifier 7`.
        context: String,
    },
    /// An element is present but its content is wrong (not a number, wrong count, index out of range).
    #[error("{source_name}: invalid <{element}> (in {context}): {message}")]
    InvalidValue {
        /// Where the XML came from.
        source_name: String,
        /// The offending element.
        element: String,
        /// Where it is, e.g. `feature 12, rect 1`.
        context: String,
        /// What is wrong with it.
        message: String,
    },
    /// The cascade is valid OpenCV but uses something this detector does not implement.
    #[error("{source_name}: unsupported cascade: {what}")]
    Unsupported {
        /// Where the XML came from.
        source_name: String,
        /// What is unsupported (stage type, feature type, tilted features, old format…).
        what: String,
    },
    /// Detection parameters that OpenCV would reject (it asserts; this returns an error).
    #[error("invalid detection parameters: {what}")]
    InvalidParams {
        /// Which parameter and why.
        what: String,
    },
    /// An MTCNN network's weights file is unreadable or lacks tensors of the right shapes.
    // The loader's message already names the network (as its model) and the file.
    #[error("{source}")]
    MtcnnWeights {
        /// Which network (P-, R- or O-Net).
        net: &'static str,
        /// What the loader found.
        #[source]
        source: models::ModelError,
    },
    /// An MTCNN weights file holds tensors the network does not have: another network's file.
    #[error("{net}: {} holds tensors this network does not have ({}); is it another network's file?", path.display(), unused.join(", "))]
    MtcnnExtraTensors {
        /// Which network.
        net: &'static str,
        /// The weights file.
        path: PathBuf,
        /// The tensors no layer took.
        unused: Vec<String>,
    },
}
