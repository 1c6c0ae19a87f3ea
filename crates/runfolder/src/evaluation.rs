//! `evaluation.json`: what `agelab evaluate` evaluated (model, faces, test views), written next
//! to its `test-metrics.json` and `predictions.csv`.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize};

use crate::LoadSummary;

/// How a test image is looked at; a model's outputs are averaged over the views.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase", tag = "view", content = "side")]
pub enum View {
    /// The whole image (the model trained without crops).
    Full,
    /// The centre crop of this side.
    Centre(i64),
    /// The centre crop of this side (the whole image when it is the image's side) and its mirror:
    /// faces are left-right symmetric, so the mirror is a free second look.
    Mirror(i64),
    /// Ten crops of this side (corners, centre, and their mirrors).
    Ten(i64),
}

impl View {
    /// The views asked for by name (`single`, `mirror`, `ten`) on images whose crop side is `side`.
    pub fn named(name: &str, side: i64) -> Option<View> {
        match name {
            "single" => Some(View::Centre(side)),
            "mirror" => Some(View::Mirror(side)),
            "ten" => Some(View::Ten(side)),
            _ => None,
        }
    }

    /// Reads the form evaluations written before views were structured (`Centre(64)`, `Full`).
    fn parse_legacy(s: &str) -> Option<View> {
        if s == "Full" {
            return Some(View::Full);
        }
        let (name, rest) = s.split_once('(')?;
        let side = rest.strip_suffix(')')?.parse().ok()?;
        match name {
            "Centre" => Some(View::Centre(side)),
            "Mirror" => Some(View::Mirror(side)),
            "Ten" => Some(View::Ten(side)),
            _ => None,
        }
    }
}

impl fmt::Display for View {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            View::Full => f.write_str("whole image"),
            View::Centre(s) => write!(f, "centre crop {s}"),
            View::Mirror(s) => write!(f, "centre {s} and its mirror"),
            View::Ten(s) => write!(f, "ten crops {s}"),
        }
    }
}

/// The views of each model evaluated (one per model; several: an ensemble).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Views(pub Vec<View>);

impl<'de> Deserialize<'de> for Views {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Views, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Either {
            Structured(Vec<View>),
            Legacy(String),
        }
        match Either::deserialize(d)? {
            Either::Structured(v) => Ok(Views(v)),
            Either::Legacy(s) => s
                .split(" + ")
                .map(|v| {
                    View::parse_legacy(v.trim()).ok_or_else(|| {
                        serde::de::Error::custom(format!("views {v:?}: expected Full, Centre(n), Mirror(n) or Ten(n)"))
                    })
                })
                .collect::<Result<_, _>>()
                .map(Views),
        }
    }
}

impl fmt::Display for Views {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self.0.iter().map(View::to_string).collect();
        f.write_str(&parts.join(" + "))
    }
}

/// `evaluation.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EvaluationInfo {
    /// The model folder evaluated (several joined by ` + `: an ensemble, outputs averaged).
    pub model: String,
    /// The face folder it was evaluated on.
    pub data_root: String,
    /// Fingerprint of the face files.
    pub data_fingerprint: String,
    /// Faces evaluated.
    pub images: usize,
    /// The test views whose outputs were averaged, one per model.
    pub views: Views,
    /// What the load kept and skipped.
    pub summary: LoadSummary,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(views: Views) -> EvaluationInfo {
        EvaluationInfo {
            model: "models/a + models/b".into(),
            data_root: "/data/UTKFace".into(),
            data_fingerprint: "abc".into(),
            images: 7,
            views,
            summary: LoadSummary { folder: "/data/UTKFace".into(), seen: 8, kept: 7, skipped: Vec::new() },
        }
    }

    #[test]
    fn round_trips_and_reads_the_legacy_debug_form() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("evaluation.json");
        let e = info(Views(vec![View::Mirror(64), View::Centre(96)]));
        crate::write_json(&p, &e).unwrap();
        let text = std::fs::read_to_string(&p).unwrap();
        assert!(text.contains("\"view\": \"mirror\""), "{text}");
        let json = |e: &EvaluationInfo| serde_json::to_string(e).unwrap();
        assert_eq!(json(&crate::read_json::<EvaluationInfo>(&p, "an evaluation").unwrap()), json(&e));
        let legacy = text.replace(
            &serde_json::to_string_pretty(&e.views).unwrap().replace('\n', "\n  "),
            "\"Mirror(64) + Centre(96)\"",
        );
        assert!(legacy.contains("Mirror(64) + Centre(96)"), "{legacy}");
        std::fs::write(&p, legacy).unwrap();
        assert_eq!(crate::read_json::<EvaluationInfo>(&p, "an evaluation").unwrap().views, e.views);
        assert_eq!(serde_json::from_str::<Views>("\"Full\"").unwrap(), Views(vec![View::Full]));
        assert!(serde_json::from_str::<Views>("\"Sideways(3)\"").is_err());
        assert_eq!(e.views.to_string(), "centre 64 and its mirror + centre crop 96");
        assert_eq!(View::named("mirror", 8), Some(View::Mirror(8)));
        assert_eq!(View::named("flipped", 8), None);
    }
}
