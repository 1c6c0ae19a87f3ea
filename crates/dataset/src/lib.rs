//! agelab's data layer. It knows UTKFace's file-name labels, the age-group schemes of the report
//! and its literature, the splits, and how to turn JPEGs into the small tensors the models eat.
//! It has no libtorch dependency: it hands out plain `u8` buffers that `runner` wraps in tensors.
#![warn(missing_docs)]

mod error;
pub mod fingerprint;
pub mod images;
pub mod labels;
pub mod split;
pub mod synthetic;
pub mod utkface;

pub use error::DatasetError;
pub use images::{ImageSet, Preprocess, ColorMode, ResizeFilter};
pub use labels::{AgeScheme, Gender, Race, Target};
pub use split::{Part, Split, SplitSpec};
pub use utkface::{Face, LoadSummary, Skipped, UtkFolder};
