//! agelab's data layer. It knows UTKFace's file-name labels, the age-group schemes of the report
//! and its literature, the splits, and how to turn JPEGs into the small tensors the models eat.
//! It has no libtorch dependency: it hands out plain `u8` buffers that `runner` wraps in tensors.
#![warn(missing_docs)]

pub mod adience;
mod error;
pub mod fingerprint;
pub mod images;
pub mod inspect;
pub mod labelled;
pub mod labels;
pub mod split;
pub mod synthetic;
pub mod utkface;

pub use adience::{AdienceFace, AdienceFolds, AdienceSummary};
pub use error::DatasetError;
pub use images::{ColorMode, ImageSet, Normalize, Preprocess, ResizeFilter};
pub use inspect::{inspect_adience, inspect_utkface, AdienceInspect, UtkInspect};
pub use labelled::{read_labels, LabelledFace};
pub use labels::{AgeScheme, Gender, Race, Target};
pub use split::{Part, Split, SplitInputs, SplitNeeds, SplitSpec};
pub use utkface::{Face, LoadSummary, Skipped, UtkFolder};
