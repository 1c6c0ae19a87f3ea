//! UTKFace: labels live in the file name, `[age]_[gender]_[race]_[date&time].jpg.chip.jpg`.
//! The real set has defects (three names without a race field); they are reported, never fatal.

use std::fmt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::labels::{Gender, Race};
use crate::DatasetError;

/// Oldest age UTKFace documents (0..=116).
pub const MAX_AGE: u16 = 116;

/// One labelled face image.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Face {
    /// File name inside the folder (the labels' source).
    pub file: String,
    /// Full path to the image.
    pub path: PathBuf,
    /// Age in years.
    pub age: u16,
    /// Gender as UTKFace codes it.
    pub gender: Gender,
    /// Race as UTKFace codes it.
    pub race: Race,
}

/// Why a file name is not a usable UTKFace label.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NameError {
    /// Not a `.jpg` file.
    NotJpeg,
    /// Wrong number of `_`-separated fields.
    FieldCount(usize),
    /// A field is not the number it should be.
    NotNumber {
        /// Field name.
        field: &'static str,
        /// What was there.
        value: String,
    },
    /// A number outside the documented range.
    OutOfRange {
        /// Field name.
        field: &'static str,
        /// The value.
        value: u32,
        /// The allowed range, as text.
        expected: &'static str,
    },
}

impl fmt::Display for NameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NameError::NotJpeg => write!(f, "not a .jpg file"),
            NameError::FieldCount(n) => {
                write!(f, "malformed name: {n} field(s), expected 4 ([age]_[gender]_[race]_[datetime])")
            }
            NameError::NotNumber { field, value } => {
                write!(f, "malformed name: {field} '{value}' is not a number")
            }
            NameError::OutOfRange { field, value, expected } => {
                write!(f, "{field} {value} out of range, expected {expected}")
            }
        }
    }
}

fn number(field: &'static str, s: &str) -> Result<u32, NameError> {
    s.parse::<u32>().map_err(|_| NameError::NotNumber { field, value: s.to_string() })
}

/// Parses a UTKFace file name into (age, gender, race).
///
/// ```
/// use dataset::utkface::parse_name;
/// use dataset::{Gender, Race};
/// assert_eq!(parse_name("25_1_2_20170116174525125.jpg.chip.jpg"), Ok((25, Gender::Female, Race::Asian)));
/// assert!(parse_name("39_1_20170116174525125.jpg.chip.jpg").is_err()); // a real defect: no race
/// assert!(parse_name("55_0_0_20170116232725357jpg.chip.jpg").is_ok()); // junk after the date: kept
/// ```
pub fn parse_name(name: &str) -> Result<(u16, Gender, Race), NameError> {
    let stem = name.strip_suffix(".jpg.chip.jpg").or_else(|| name.strip_suffix(".jpg")).ok_or(NameError::NotJpeg)?;
    let fields: Vec<&str> = stem.split('_').collect();
    if fields.len() != 4 {
        return Err(NameError::FieldCount(fields.len()));
    }
    let age = number("age", fields[0])?;
    if age > MAX_AGE as u32 {
        return Err(NameError::OutOfRange { field: "age", value: age, expected: "0..=116" });
    }
    let gender = match number("gender", fields[1])? {
        0 => Gender::Male,
        1 => Gender::Female,
        g => return Err(NameError::OutOfRange { field: "gender", value: g, expected: "0 (male) or 1 (female)" }),
    };
    let race = Race::from_code(number("race", fields[2])?).ok_or_else(|| NameError::OutOfRange {
        field: "race",
        value: fields[2].parse().unwrap_or(u32::MAX),
        expected: "0..=4",
    })?;
    // The date is not a label: two real names have junk after its digits (a space before
    // `.jpg`, a missing dot), and their labels are sound, so only a leading digit is required.
    if !fields[3].starts_with(|c: char| c.is_ascii_digit()) {
        return Err(NameError::NotNumber { field: "datetime", value: fields[3].to_string() });
    }
    Ok((age as u16, gender, race))
}

/// Whether a name that parses is irregular all the same (junk after the date's digits, as in the
/// shared set's `24_0_1_20170116220224657 .jpg.chip.jpg` and `55_0_0_20170116232725357jpg.chip.jpg`).
/// Such faces are kept; `inspect` lists them.
pub fn is_irregular_name(name: &str) -> bool {
    let well_formed = |stem: &str| {
        let date = stem.rsplit('_').next().unwrap_or("");
        !date.is_empty() && date.bytes().all(|b| b.is_ascii_digit())
    };
    match name.strip_suffix(".jpg.chip.jpg").or_else(|| name.strip_suffix(".jpg")) {
        Some(stem) => parse_name(name).is_ok() && !well_formed(stem),
        None => false,
    }
}

/// A file that was not used, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Skipped {
    /// The file name (or path).
    pub file: String,
    /// Why it was not used.
    pub reason: String,
}

/// What a load kept and what it skipped, by reason. Printed and saved with every run.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct LoadSummary {
    /// The folder that was read.
    pub folder: PathBuf,
    /// Entries seen in the folder.
    pub seen: usize,
    /// Faces kept.
    pub kept: usize,
    /// Entries not used, with the reason.
    pub skipped: Vec<Skipped>,
}

impl LoadSummary {
    /// Skipped entries grouped by reason, with counts (reasons sorted for stable output).
    pub fn by_reason(&self) -> Vec<(String, Vec<&str>)> {
        let mut groups: std::collections::BTreeMap<String, Vec<&str>> = Default::default();
        for s in &self.skipped {
            groups.entry(s.reason.clone()).or_default().push(&s.file);
        }
        groups.into_iter().collect()
    }
}

impl fmt::Display for LoadSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{}: {} entries, {} faces kept, {} skipped",
            self.folder.display(),
            self.seen,
            self.kept,
            self.skipped.len()
        )?;
        for (reason, files) in self.by_reason() {
            writeln!(f, "  skipped {} ({reason}):", files.len())?;
            for file in files.iter().take(10) {
                writeln!(f, "    {file}")?;
            }
            if files.len() > 10 {
                writeln!(f, "    ... and {} more", files.len() - 10)?;
            }
        }
        Ok(())
    }
}

/// A folder of UTKFace images (aligned `UTKFace/` or in-the-wild `crop_part1/`; same names).
#[derive(Debug, Clone)]
pub struct UtkFolder {
    /// The folder.
    pub root: PathBuf,
}

impl UtkFolder {
    /// A folder to read; nothing is read yet.
    pub fn new(root: impl Into<PathBuf>) -> Self {
        UtkFolder { root: root.into() }
    }

    /// Lists the folder and parses every name. Faces come back sorted by file name, so that a
    /// seeded split does not depend on the order the file system lists them in.
    pub fn scan(&self) -> Result<(Vec<Face>, LoadSummary), DatasetError> {
        let root = &self.root;
        if root.exists() && !root.is_dir() {
            return Err(DatasetError::NotAFolder { path: root.clone() });
        }
        if !root.is_dir() {
            return Err(DatasetError::MissingFolder { path: root.clone() });
        }
        let mut names = Vec::new();
        let mut summary = LoadSummary { folder: root.clone(), ..Default::default() };
        for entry in std::fs::read_dir(root).map_err(|e| DatasetError::io(root, e))? {
            let entry = entry.map_err(|e| DatasetError::io(root, e))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            summary.seen += 1;
            if entry.path().is_dir() {
                summary.skipped.push(Skipped { file: name, reason: "a folder, not an image".into() });
                continue;
            }
            names.push(name);
        }
        names.sort();
        let mut faces = Vec::with_capacity(names.len());
        for name in names {
            match parse_name(&name) {
                Ok((age, gender, race)) => faces.push(Face { path: root.join(&name), file: name, age, gender, race }),
                Err(e) => summary.skipped.push(Skipped { file: name, reason: e.to_string() }),
            }
        }
        summary.kept = faces.len();
        if faces.is_empty() {
            return Err(DatasetError::EmptyFolder { path: root.clone(), skipped: summary.skipped.len() });
        }
        Ok((faces, summary))
    }
}

/// Resolves a data path from an experiment. Relative paths whose first component is `data` live in
/// the data folder, which `AGELAB_DATA` relocates (CI points it at `../shared/data`); other relative
/// paths are taken from `base` (the experiment's project folder).
pub fn resolve_data_path(path: &Path, base: &Path, data_env: Option<&Path>) -> PathBuf {
    if path.is_absolute() {
        return path.to_path_buf();
    }
    let mut comps = path.components();
    if let (Some(first), Some(data)) = (comps.next(), data_env) {
        if first.as_os_str() == "data" {
            return data.join(comps.as_path());
        }
    }
    base.join(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_well_formed_names() {
        assert_eq!(parse_name("100_0_0_20170112213500903.jpg.chip.jpg"), Ok((100, Gender::Male, Race::White)));
        assert_eq!(parse_name("1_1_4_20161221193016140.jpg.chip.jpg"), Ok((1, Gender::Female, Race::Others)));
        assert_eq!(parse_name("26_0_3_20170119180408396.jpg"), Ok((26, Gender::Male, Race::Indian)));
    }

    #[test]
    fn the_three_real_defects_are_errors_that_say_why() {
        for name in [
            "39_1_20170116174525125.jpg.chip.jpg",
            "61_1_20170109142408075.jpg.chip.jpg",
            "61_1_20170109150557335.jpg.chip.jpg",
        ] {
            let err = parse_name(name).unwrap_err();
            assert_eq!(err, NameError::FieldCount(3));
            assert!(err.to_string().contains("expected 4"), "{err}");
        }
    }

    #[test]
    fn out_of_range_and_garbage() {
        assert!(matches!(
            parse_name("300_0_0_20170112213500903.jpg.chip.jpg"),
            Err(NameError::OutOfRange { field: "age", .. })
        ));
        assert!(matches!(
            parse_name("30_3_0_20170112213500903.jpg.chip.jpg"),
            Err(NameError::OutOfRange { field: "gender", .. })
        ));
        assert!(matches!(
            parse_name("30_0_7_20170112213500903.jpg.chip.jpg"),
            Err(NameError::OutOfRange { field: "race", .. })
        ));
        assert!(matches!(
            parse_name("x_0_0_20170112213500903.jpg.chip.jpg"),
            Err(NameError::NotNumber { field: "age", .. })
        ));
        assert_eq!(parse_name("notes.txt"), Err(NameError::NotJpeg));
    }

    #[test]
    fn data_paths_follow_agelab_data() {
        let base = Path::new("/proj");
        let shared = Path::new("/shared/data");
        assert_eq!(
            resolve_data_path(Path::new("data/UTKFace"), base, Some(shared)),
            PathBuf::from("/shared/data/UTKFace")
        );
        assert_eq!(resolve_data_path(Path::new("data/UTKFace"), base, None), PathBuf::from("/proj/data/UTKFace"));
        assert_eq!(resolve_data_path(Path::new("/abs/x"), base, Some(shared)), PathBuf::from("/abs/x"));
        assert_eq!(resolve_data_path(Path::new("other/x"), base, Some(shared)), PathBuf::from("/proj/other/x"));
    }

    #[test]
    fn scan_reports_bad_names_and_keeps_order() {
        let dir = tempfile::tempdir().unwrap();
        for n in [
            "5_0_1_20170101000000001.jpg.chip.jpg",
            "3_1_0_20170101000000000.jpg.chip.jpg",
            "39_1_20170116174525125.jpg.chip.jpg",
            "readme.txt",
        ] {
            std::fs::write(dir.path().join(n), b"x").unwrap();
        }
        let (faces, summary) = UtkFolder::new(dir.path()).scan().unwrap();
        assert_eq!(faces.len(), 2);
        assert_eq!(faces[0].age, 3);
        assert_eq!(summary.seen, 4);
        assert_eq!(summary.skipped.len(), 2);
        let text = summary.to_string();
        assert!(text.contains("39_1_20170116174525125.jpg.chip.jpg"), "{text}");
        assert!(text.contains("readme.txt"), "{text}");
    }

    #[test]
    fn missing_and_empty_folders_say_what_to_do() {
        let err = UtkFolder::new("/nonexistent/agelab").scan().unwrap_err();
        assert!(err.to_string().contains("AGELAB_DATA"), "{err}");
        let dir = tempfile::tempdir().unwrap();
        let err = UtkFolder::new(dir.path()).scan().unwrap_err();
        assert!(matches!(err, DatasetError::EmptyFolder { .. }));
    }

    #[test]
    fn junk_after_the_date_keeps_the_labels() {
        // The two irregular names of the shared set: their labels are sound.
        assert_eq!(parse_name("24_0_1_20170116220224657 .jpg.chip.jpg"), Ok((24, Gender::Male, Race::Black)));
        assert_eq!(parse_name("55_0_0_20170116232725357jpg.chip.jpg"), Ok((55, Gender::Male, Race::White)));
        assert!(is_irregular_name("24_0_1_20170116220224657 .jpg.chip.jpg"));
        assert!(is_irregular_name("55_0_0_20170116232725357jpg.chip.jpg"));
        assert!(!is_irregular_name("25_1_2_20170116174525125.jpg.chip.jpg"));
        assert!(!is_irregular_name("39_1_20170116174525125.jpg.chip.jpg"));
        assert!(matches!(parse_name("5_0_0_.jpg.chip.jpg"), Err(NameError::NotNumber { field: "datetime", .. })));
    }

    #[test]
    fn in_the_wild_layouts_scan_the_same() {
        // crop_part1/ uses UTKFace's names; the in-the-wild originals drop `.chip.jpg`.
        let dir = tempfile::tempdir().unwrap();
        let crop = dir.path().join("crop_part1");
        std::fs::create_dir(&crop).unwrap();
        for n in [
            "1_0_2_20161219140623097.jpg.chip.jpg",
            "100_1_0_20170110183726390.jpg.chip.jpg",
            "2_1_3_20161219162358311.jpg",
        ] {
            std::fs::write(crop.join(n), b"x").unwrap();
        }
        let (faces, summary) = UtkFolder::new(&crop).scan().unwrap();
        assert_eq!((faces.len(), summary.skipped.len()), (3, 0));
        assert_eq!(faces.iter().map(|f| f.age).collect::<Vec<_>>(), vec![100, 1, 2]); // sorted by name
        assert_eq!(faces[2].race, Race::Indian);
    }

    #[test]
    fn out_of_range_labels_are_skipped_with_the_range() {
        let dir = tempfile::tempdir().unwrap();
        for n in [
            "300_0_0_20170112213500903.jpg.chip.jpg",
            "30_3_0_20170112213500903.jpg.chip.jpg",
            "30_1_0_20170112213500903.jpg.chip.jpg",
        ] {
            std::fs::write(dir.path().join(n), b"x").unwrap();
        }
        let (faces, summary) = UtkFolder::new(dir.path()).scan().unwrap();
        assert_eq!(faces.len(), 1);
        let text = summary.to_string();
        assert!(text.contains("age 300 out of range, expected 0..=116"), "{text}");
        assert!(text.contains("gender 3 out of range, expected 0 (male) or 1 (female)"), "{text}");
        assert!(
            text.contains("300_0_0_20170112213500903.jpg.chip.jpg")
                && text.contains("30_3_0_20170112213500903.jpg.chip.jpg"),
            "{text}"
        );
    }
}
