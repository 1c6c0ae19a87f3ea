//! Labels: gender, race, and named age-group schemes. A scheme is data (inclusive upper bounds),
//! so experiments can declare their own in TOML next to the built-in ones.

use serde::{Deserialize, Serialize};

use crate::{DatasetError, Face};

/// Gender as UTKFace codes it (0 male, 1 female).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Gender {
    /// Code 0.
    Male,
    /// Code 1.
    Female,
}

impl Gender {
    /// The class index (UTKFace's code).
    pub fn index(self) -> usize {
        self as usize
    }
    /// Class names in index order.
    pub const NAMES: [&'static str; 2] = ["male", "female"];
}

/// Race as UTKFace codes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Race {
    /// Code 0.
    White,
    /// Code 1.
    Black,
    /// Code 2.
    Asian,
    /// Code 3.
    Indian,
    /// Code 4 (Hispanic, Latino, Middle Eastern, ...).
    Others,
}

impl Race {
    /// All races in code order.
    pub const ALL: [Race; 5] = [Race::White, Race::Black, Race::Asian, Race::Indian, Race::Others];
    /// Class names in index order.
    pub const NAMES: [&'static str; 5] = ["white", "black", "asian", "indian", "others"];
    /// From UTKFace's numeric code.
    pub fn from_code(code: u32) -> Option<Race> {
        Race::ALL.get(code as usize).copied()
    }
    /// The class index (UTKFace's code).
    pub fn index(self) -> usize {
        self as usize
    }
}

/// A named partition of ages into ordered groups.
///
/// `uppers[i]` is the oldest age (inclusive) of group `i`; the last group is open-ended, so there is
/// one more label than upper bound.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgeScheme {
    /// The scheme's name, as experiments refer to it.
    pub name: String,
    /// Inclusive upper bound of every group but the last, strictly increasing.
    pub uppers: Vec<u16>,
    /// One label per group.
    pub labels: Vec<String>,
}

impl AgeScheme {
    /// The report's Model 4 groups: <=14, 15-25, 26-39, 40-59, >=60.
    pub fn report5() -> Self {
        Self::from_parts("report5", &[14, 25, 39, 59], &["0-14", "15-25", "26-39", "40-59", "60+"])
    }

    /// The report's `age_group` function (Model 1): `<18`, `<30`, `<80`, else.
    pub fn report4() -> Self {
        Self::from_parts("report4", &[17, 29, 79], &["0-17", "18-29", "30-79", "80+"])
    }

    /// Adience's 8 groups (0-2, 4-6, 8-12, 15-20, 25-32, 38-43, 48-53, 60-100) applied to any age.
    ///
    /// Rule for ages between two ranges: the nearer range wins, and a tie goes to the older one
    /// (3 -> 4-6, 7 -> 8-12, 13 -> 8-12, 14 -> 15-20, 35 -> 38-43). Ages over 100 fall in 60-100.
    pub fn adience8() -> Self {
        const RANGES: [(u16, u16); 8] = [(0, 2), (4, 6), (8, 12), (15, 20), (25, 32), (38, 43), (48, 53), (60, 100)];
        let uppers: Vec<u16> = RANGES.windows(2).map(|w| (w[0].1 + w[1].0 - 1) / 2).collect();
        let labels: Vec<String> = RANGES.iter().map(|(a, b)| format!("{a}-{b}")).collect();
        AgeScheme { name: "adience8".into(), uppers, labels }
    }

    fn from_parts(name: &str, uppers: &[u16], labels: &[&str]) -> Self {
        AgeScheme { name: name.into(), uppers: uppers.to_vec(), labels: labels.iter().map(|s| s.to_string()).collect() }
    }

    /// Names of the built-in schemes.
    pub const BUILTIN: [&'static str; 3] = ["report5", "report4", "adience8"];

    /// A built-in scheme by name.
    pub fn builtin(name: &str) -> Option<Self> {
        match name {
            "report5" => Some(Self::report5()),
            "report4" => Some(Self::report4()),
            "adience8" => Some(Self::adience8()),
            _ => None,
        }
    }

    /// Checks the invariants (increasing bounds, one label per group).
    pub fn validate(&self) -> Result<(), DatasetError> {
        let bad = |reason: String| DatasetError::InvalidScheme { name: self.name.clone(), reason };
        if self.labels.len() != self.uppers.len() + 1 {
            return Err(bad(format!(
                "{} upper bound(s) need {} labels, got {}",
                self.uppers.len(),
                self.uppers.len() + 1,
                self.labels.len()
            )));
        }
        if self.uppers.windows(2).any(|w| w[0] >= w[1]) {
            return Err(bad(format!("upper bounds must increase strictly, got {:?}", self.uppers)));
        }
        Ok(())
    }

    /// Number of groups.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// Whether the scheme has no group (never true for a validated scheme).
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// The group an age falls in.
    pub fn group(&self, age: u16) -> usize {
        self.uppers.partition_point(|&u| u < age)
    }
}

/// What a model head predicts from a face.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// An age group under a scheme (classification).
    AgeGroup(AgeScheme),
    /// Age in years (regression).
    Age,
    /// Gender (two classes).
    Gender,
    /// Race (five classes).
    Race,
}

impl Target {
    /// Class names for classification targets, `None` for regression.
    pub fn classes(&self) -> Option<Vec<String>> {
        let owned = |names: &[&str]| names.iter().map(|s| s.to_string()).collect();
        match self {
            Target::AgeGroup(s) => Some(s.labels.clone()),
            Target::Age => None,
            Target::Gender => Some(owned(&Gender::NAMES)),
            Target::Race => Some(owned(&Race::NAMES)),
        }
    }

    /// The label of a face: a class index, or the age in years for regression.
    pub fn label(&self, face: &Face) -> f32 {
        match self {
            Target::AgeGroup(s) => s.group(face.age) as f32,
            Target::Age => face.age as f32,
            Target::Gender => face.gender.index() as f32,
            Target::Race => face.race.index() as f32,
        }
    }

    /// Whether the classes have an order (so that 1-off accuracy means something).
    pub fn is_ordinal(&self) -> bool {
        matches!(self, Target::AgeGroup(_))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn report5_matches_the_report() {
        let s = AgeScheme::report5();
        s.validate().unwrap();
        let g: Vec<usize> = [0, 14, 15, 25, 26, 39, 40, 59, 60, 116].iter().map(|&a| s.group(a)).collect();
        assert_eq!(g, vec![0, 0, 1, 1, 2, 2, 3, 3, 4, 4]);
    }

    #[test]
    fn report4_follows_its_age_group_function() {
        let s = AgeScheme::report4();
        let g: Vec<usize> = [17, 18, 29, 30, 79, 80].iter().map(|&a| s.group(a)).collect();
        assert_eq!(g, vec![0, 1, 1, 2, 2, 3]);
    }

    #[test]
    fn adience8_inside_and_between_ranges() {
        let s = AgeScheme::adience8();
        s.validate().unwrap();
        for (age, want) in [
            (0, 0),
            (2, 0),
            (3, 1),
            (6, 1),
            (7, 2),
            (13, 2),
            (14, 3),
            (22, 3),
            (23, 4),
            (34, 4),
            (35, 5),
            (45, 5),
            (46, 6),
            (56, 6),
            (57, 7),
            (116, 7),
        ] {
            assert_eq!(s.group(age), want, "age {age}");
        }
    }

    #[test]
    fn bad_schemes_are_rejected() {
        let s = AgeScheme { name: "x".into(), uppers: vec![10, 5], labels: vec!["a".into(), "b".into(), "c".into()] };
        assert!(s.validate().unwrap_err().to_string().contains("increase"));
        let s = AgeScheme { name: "x".into(), uppers: vec![10], labels: vec!["a".into()] };
        assert!(s.validate().unwrap_err().to_string().contains("need 2 labels"));
    }

    #[test]
    fn inline_schemes_read_and_check() {
        let s: AgeScheme = serde_json::from_str(
            r#"{"name": "decades", "uppers": [9, 19, 29], "labels": ["0s", "10s", "20s", "30+"]}"#,
        )
        .unwrap();
        s.validate().unwrap();
        assert_eq!([0, 9, 10, 29, 30, 116].map(|a| s.group(a)), [0, 0, 1, 2, 3, 3]);
        assert!(
            serde_json::from_str::<AgeScheme>(r#"{"name": "x", "uppers": [], "labels": ["all"], "extra": 1}"#).is_err()
        );
        for name in AgeScheme::BUILTIN {
            AgeScheme::builtin(name).unwrap().validate().unwrap();
        }
        assert!(AgeScheme::builtin("nope").is_none());
    }
}
