//! `manifest.json`: everything needed to say what produced a result.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// One head as the manifest lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HeadInfo {
    /// Head name.
    pub name: String,
    /// Output units.
    pub outputs: usize,
    /// Class names (classification heads); `None` for a regression head.
    pub classes: Option<Vec<String>>,
}

/// Input geometry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InputInfo {
    /// Channels.
    pub channels: i64,
    /// Side in pixels.
    pub size: i64,
}

/// Faces per part.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SplitSizes {
    /// Train faces.
    pub train: usize,
    /// Valid faces.
    pub valid: usize,
    /// Test faces.
    pub test: usize,
}

/// Where a run stands. Stored as the strings `running`, `finished` and `failed: <reason>`, the
/// form every committed manifest has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    /// Started, not ended (or killed).
    Running,
    /// Tested; its test figures are written.
    Finished,
    /// Stopped on an error.
    Failed {
        /// Why, in words.
        reason: String,
    },
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Status::Running => f.write_str("running"),
            Status::Finished => f.write_str("finished"),
            Status::Failed { reason } => write!(f, "failed: {reason}"),
        }
    }
}

impl std::str::FromStr for Status {
    type Err = String;
    fn from_str(s: &str) -> Result<Status, String> {
        match s {
            "running" => Ok(Status::Running),
            "finished" => Ok(Status::Finished),
            _ => match s.strip_prefix("failed") {
                Some(rest) => Ok(Status::Failed { reason: rest.trim_start_matches(':').trim().to_owned() }),
                None => Err(format!("status {s:?}: expected running, finished or failed: <reason>")),
            },
        }
    }
}

impl Serialize for Status {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Status {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Status, D::Error> {
        String::deserialize(d)?.parse().map_err(serde::de::Error::custom)
    }
}

/// `manifest.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// Experiment name.
    pub experiment: String,
    /// Run folder name.
    pub run_id: String,
    /// agelab's version.
    pub agelab_version: String,
    /// libtorch's version.
    pub libtorch_version: String,
    /// `git rev-parse HEAD` of the working tree, if any.
    pub git_commit: Option<String>,
    /// Whether the tree had uncommitted changes.
    pub git_dirty: Option<bool>,
    /// Master seed.
    pub seed: u64,
    /// Device.
    pub device: String,
    /// libtorch intra-op threads.
    pub threads: usize,
    /// Data folder.
    pub data_root: String,
    /// Fingerprint of the face files.
    pub data_fingerprint: String,
    /// Fingerprint of `split.csv`.
    pub split_fingerprint: String,
    /// Faces per part.
    pub split_sizes: SplitSizes,
    /// Architecture.
    pub model: String,
    /// Trainable parameters.
    pub parameters: i64,
    /// Multiply-accumulates per image (convolutions and dense layers); 0 in manifests older than it.
    #[serde(default)]
    pub multiply_adds: i64,
    /// Input geometry.
    pub input: InputInfo,
    /// Heads, in config order.
    pub heads: Vec<HeadInfo>,
    /// Start time (RFC 3339).
    pub started: String,
    /// End time, once finished.
    pub finished: Option<String>,
    /// Seconds spent in training steps (all epochs, resumed parts included).
    pub train_seconds: f64,
    /// Warnings raised during the run.
    pub warnings: Vec<String>,
    /// Where the run stands.
    pub status: Status,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_reads_and_writes_the_committed_strings() {
        for (text, status) in [
            ("running", Status::Running),
            ("finished", Status::Finished),
            ("failed: loss NaN at epoch 3, step 7", Status::Failed { reason: "loss NaN at epoch 3, step 7".into() }),
        ] {
            let json = format!("{text:?}");
            assert_eq!(serde_json::from_str::<Status>(&json).unwrap(), status);
            assert_eq!(serde_json::to_string(&status).unwrap(), json);
        }
        assert!(serde_json::from_str::<Status>("\"done\"").is_err());
    }
}
