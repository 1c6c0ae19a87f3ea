//! agelab's metrics, one per file, each with its tests. Training, evaluation, held-out scoring
//! and the report all compute a figure through the one function here, so a number on a report
//! page and the same number in `test-metrics.json` can never disagree by construction.
//! No libtorch: everything works on plain slices.
#![warn(missing_docs)]

pub mod accuracy;
pub mod auc;
pub mod calibration;
pub mod confusion;
pub mod group_means;
pub mod grouped_ages;
pub mod intervals;
pub mod one_off;
pub mod per_class;
pub mod regression;

pub use accuracy::{accuracy, hits, ratio};
pub use auc::{roc_auc, roc_curve};
pub use calibration::{expected_calibration_error, reliability_bins, ReliabilityBin};
pub use confusion::Confusion;
pub use group_means::{group_means, GroupMean};
pub use grouped_ages::GroupedScore;
pub use intervals::{mean_interval, t975, wilson_interval};
pub use per_class::{macro_f1, per_class, ClassScores};
pub use regression::{mae, rmse};
