//! Adience: labels live in five tab-separated fold files (`fold_0_data.txt` .. `fold_4_data.txt`,
//! CRLF), one row per face, images in `aligned/` (or `faces/`) per Flickr user. The folds are
//! subject-exclusive, which is why the official protocol is 5-fold cross-validation over them.
//!
//! The age column is messy: besides the 8 official ranges it holds `None`, single ages (`35`) and
//! off-grid ranges (`(38, 42)`, `(8, 23)`). [`parse_age`] maps all of them to the 8 groups by one
//! documented rule; rows with no usable age or gender stay in the list (they serve the other task)
//! and the summary counts them as excluded from that task.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::labels::{AgeScheme, Gender};
use crate::{DatasetError, Skipped};

/// Number of fold files.
pub const FOLDS: usize = 5;

/// The fold files' columns, in the order the real files have them.
pub const COLUMNS: [&str; 12] = [
    "user_id",
    "original_image",
    "face_id",
    "age",
    "gender",
    "x",
    "y",
    "dx",
    "dy",
    "tilt_ang",
    "fiducial_yaw_angle",
    "fiducial_score",
];

/// Columns a row must have; the last three (pose and fit metadata) are optional, because a row
/// that lost them still has its labels and box (the shared copies end in such rows).
const REQUIRED: usize = 9;

/// The 8 official age ranges, in group order (the groups of [`AgeScheme::adience8`]).
pub const AGE_RANGES: [(u16, u16); 8] = [(0, 2), (4, 6), (8, 12), (15, 20), (25, 32), (38, 43), (48, 53), (60, 100)];

/// The fold file of fold `k`.
pub fn fold_file_name(k: usize) -> String {
    format!("fold_{k}_data.txt")
}

/// Which of Adience's two image folders to read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Layout {
    /// `aligned/<user_id>/landmark_aligned_face.<face_id>.<original_image>` (what Levi & Hassner use).
    #[default]
    Aligned,
    /// `faces/<user_id>/coarse_tilt_aligned_face.<face_id>.<original_image>`.
    Faces,
}

impl Layout {
    /// The image of a face, relative to the Adience root.
    pub fn relative_path(self, user_id: &str, face_id: u32, original_image: &str) -> String {
        match self {
            Layout::Aligned => format!("aligned/{user_id}/landmark_aligned_face.{face_id}.{original_image}"),
            Layout::Faces => format!("faces/{user_id}/coarse_tilt_aligned_face.{face_id}.{original_image}"),
        }
    }
}

/// A face box in the original Flickr image, as the fold files give it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct FaceBox {
    /// Left edge.
    pub x: i32,
    /// Top edge.
    pub y: i32,
    /// Width.
    pub dx: i32,
    /// Height.
    pub dy: i32,
}

/// One row of a fold file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdienceFace {
    /// Flickr user (the subject key: all faces of a user are in one fold).
    pub user_id: String,
    /// Flickr image name.
    pub original_image: String,
    /// Face number within the image.
    pub face_id: u32,
    /// The age column as written (`(25, 32)`, `35`, `None`).
    pub age_text: String,
    /// Index into [`AGE_RANGES`] by [`parse_age`]'s rule; `None` when the row has no age.
    pub age_group: Option<usize>,
    /// The gender column as written (`m`, `f`, `u` or empty).
    pub gender_text: String,
    /// `m` / `f`; `None` for `u` or empty.
    pub gender: Option<Gender>,
    /// The fold (0-4) whose file holds the row.
    pub fold: usize,
    /// The face's box in the original image.
    pub face_box: FaceBox,
    /// Roll angle, when the row has it.
    pub tilt_ang: Option<i32>,
    /// Yaw estimated from the fiducials, when the row has it.
    pub fiducial_yaw_angle: Option<i32>,
    /// Landmark fit score, when the row has it.
    pub fiducial_score: Option<i32>,
    /// Line in the fold file (1-based; the header is line 1).
    pub line: usize,
    /// Image path relative to the root (also the name used in split listings).
    pub file: String,
    /// Full image path.
    pub path: PathBuf,
}

/// Maps an age column value to a group of [`AGE_RANGES`]: `Ok(None)` for `None` or an empty
/// cell, `Err` (what was expected) for anything else that is not an age.
///
/// Rule: an official range is its own group. Any other range `(a, b)` stands for its midpoint
/// `(a + b) / 2` (rounded down), a single number for itself, and that age goes to the group
/// [`AgeScheme::adience8`] gives it: the nearer range, a tie to the older one.
/// So `(38, 42)` and `(38, 48)` (43) go to 38-43, `(8, 23)` (15) to 15-20, `(27, 32)` (29) to
/// 25-32, `35` to 38-43, `34` to 25-32, `13` to 8-12, `22` to 15-20, `23` to 25-32, `45` to 38-43,
/// `55` to 48-53, `57` to 60-100 and `3` to 4-6.
///
/// ```
/// use dataset::adience::parse_age;
/// assert_eq!(parse_age("(25, 32)"), Ok(Some(4)));
/// assert_eq!(parse_age("(38, 42)"), Ok(Some(5)));
/// assert_eq!(parse_age("35"), Ok(Some(5)));
/// assert_eq!(parse_age("None"), Ok(None));
/// assert!(parse_age("old").is_err());
/// ```
pub fn parse_age(text: &str) -> Result<Option<usize>, String> {
    Ok(read_age(text)?.map(|a| a.group))
}

/// An age cell read: the age it stands for (a range's midpoint), its group, and whether it is one
/// of the official ranges.
struct AgeCell {
    years: u16,
    group: usize,
    official: bool,
}

fn read_age(text: &str) -> Result<Option<AgeCell>, String> {
    let t = text.trim();
    if t.is_empty() || t == "None" {
        return Ok(None);
    }
    let expected = || format!("age '{t}' is not a range '(a, b)', an age in years or 'None'");
    if let Some(inner) = t.strip_prefix('(').and_then(|r| r.strip_suffix(')')) {
        let (a, b) = inner.split_once(',').ok_or_else(expected)?;
        let a: u16 = a.trim().parse().map_err(|_| expected())?;
        let b: u16 = b.trim().parse().map_err(|_| expected())?;
        if a > b {
            return Err(format!("age range '{t}' runs backwards"));
        }
        let years = a + (b - a) / 2;
        if let Some(group) = AGE_RANGES.iter().position(|&r| r == (a, b)) {
            return Ok(Some(AgeCell { years, group, official: true }));
        }
        return Ok(Some(AgeCell { years, group: AgeScheme::adience8().group(years), official: false }));
    }
    let years = t.parse::<u16>().map_err(|_| expected())?;
    Ok(Some(AgeCell { years, group: AgeScheme::adience8().group(years), official: false }))
}

/// The gender column: `Ok(None)` for `u` (unknown) or empty.
pub fn parse_gender(text: &str) -> Result<Option<Gender>, String> {
    match text.trim() {
        "m" => Ok(Some(Gender::Male)),
        "f" => Ok(Some(Gender::Female)),
        "u" | "" => Ok(None),
        other => Err(format!("gender '{other}' is not 'm', 'f', 'u' or empty")),
    }
}

/// Column positions, from a fold file's header.
struct Header {
    index: [usize; 12],
}

impl Header {
    fn parse(path: &Path, text: &str) -> Result<Header, DatasetError> {
        let names: Vec<&str> = text.trim_start_matches('\u{feff}').split('\t').map(str::trim).collect();
        let mut index = [0; 12];
        for (slot, column) in index.iter_mut().zip(COLUMNS) {
            *slot = names.iter().position(|n| *n == column).ok_or_else(|| DatasetError::MissingColumn {
                path: path.into(),
                line: 1,
                column: column.into(),
                expected: format!("the tab-separated columns {}", COLUMNS.join(", ")),
            })?;
        }
        Ok(Header { index })
    }
}

/// What reading one fold file found.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FoldCount {
    /// The fold.
    pub fold: usize,
    /// The file name.
    pub file: String,
    /// Data rows (header and blank lines not counted).
    pub rows: usize,
    /// Rows read into faces.
    pub kept: usize,
}

/// Parses one fold file. A header without one of [`COLUMNS`] is an error (nothing can be read);
/// a bad row is skipped and returned with its file, line and what was expected, so one damaged row
/// does not cost the other thousands.
pub fn parse_fold_file(
    path: &Path,
    fold: usize,
    root: &Path,
    layout: Layout,
) -> Result<(Vec<AdienceFace>, FoldCount, Vec<Skipped>), DatasetError> {
    let bytes = std::fs::read(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => {
            DatasetError::MissingFile { path: path.into(), what: "Adience fold file".into() }
        }
        _ => DatasetError::io(path, e),
    })?;
    let text = String::from_utf8_lossy(&bytes);
    let file = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let mut lines = text.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l));
    let header = match lines.next() {
        Some(h) if !h.trim().is_empty() => Header::parse(path, h)?,
        _ => {
            return Err(DatasetError::BadRow {
                path: path.into(),
                line: 1,
                reason: format!("empty file; expected a header with the tab-separated columns {}", COLUMNS.join(", ")),
            })
        }
    };
    let mut count = FoldCount { fold, file: file.clone(), ..Default::default() };
    let mut faces = Vec::new();
    let mut bad = Vec::new();
    for (i, line) in lines.enumerate() {
        let line_no = i + 2;
        if line.trim().is_empty() {
            continue;
        }
        count.rows += 1;
        match parse_row(path, line_no, line, &header, fold, root, layout) {
            Ok(face) => faces.push(face),
            Err(e) => bad.push(Skipped { file: format!("{file}:{line_no}"), reason: bad_reason(&e) }),
        }
    }
    count.kept = faces.len();
    Ok((faces, count, bad))
}

fn bad_reason(e: &DatasetError) -> String {
    match e {
        DatasetError::BadRow { reason, .. } => reason.clone(),
        other => other.to_string(),
    }
}

/// Parses one data row (`line` is its 1-based line number, for the error).
fn parse_row(
    path: &Path,
    line: usize,
    text: &str,
    header: &Header,
    fold: usize,
    root: &Path,
    layout: Layout,
) -> Result<AdienceFace, DatasetError> {
    let bad = |reason: String| DatasetError::BadRow { path: path.into(), line, reason };
    let fields: Vec<&str> = text.split('\t').collect();
    let get = |k: usize| fields.get(header.index[k]).map(|s| s.trim());
    let required_max = header.index[..REQUIRED].iter().max().copied().unwrap_or(0);
    if fields.len() <= required_max {
        return Err(bad(format!(
            "{} field(s), expected {} ({}); the row looks truncated",
            fields.len(),
            COLUMNS.len(),
            COLUMNS.join(", ")
        )));
    }
    let text_of = |k: usize| get(k).unwrap_or("");
    let int = |k: usize| -> Result<i32, DatasetError> {
        let v = text_of(k);
        v.parse::<i32>().map_err(|_| bad(format!("{} '{v}' is not an integer", COLUMNS[k])))
    };
    let optional = |k: usize| get(k).and_then(|v| v.parse::<i32>().ok());
    let user_id = text_of(0);
    let original_image = text_of(1);
    if user_id.is_empty() || original_image.is_empty() {
        return Err(bad("empty user_id or original_image".into()));
    }
    let face_id = text_of(2);
    let face_id: u32 = face_id.parse().map_err(|_| bad(format!("face_id '{face_id}' is not a whole number")))?;
    let age_text = text_of(3).to_string();
    let age_group = parse_age(&age_text).map_err(&bad)?;
    let gender_text = text_of(4).to_string();
    let gender = parse_gender(&gender_text).map_err(&bad)?;
    let face_box = FaceBox { x: int(5)?, y: int(6)?, dx: int(7)?, dy: int(8)? };
    let file = layout.relative_path(user_id, face_id, original_image);
    Ok(AdienceFace {
        path: root.join(&file),
        file,
        user_id: user_id.into(),
        original_image: original_image.into(),
        face_id,
        age_text,
        age_group,
        gender_text,
        gender,
        fold,
        face_box,
        tilt_ang: optional(9),
        fiducial_yaw_angle: optional(10),
        fiducial_score: optional(11),
        line,
    })
}

/// An Adience folder: the five fold files, and the image folders beside them.
#[derive(Debug, Clone)]
pub struct AdienceFolds {
    /// The folder with `fold_0_data.txt` .. `fold_4_data.txt` (and `aligned/` or `faces/`).
    pub root: PathBuf,
    /// Which image folder the faces' paths point into.
    pub layout: Layout,
}

impl AdienceFolds {
    /// A folder to read, with the `aligned/` images; nothing is read yet.
    pub fn new(root: impl Into<PathBuf>) -> Self {
        AdienceFolds { root: root.into(), layout: Layout::Aligned }
    }

    /// The same folder with another image layout.
    pub fn with_layout(mut self, layout: Layout) -> Self {
        self.layout = layout;
        self
    }

    /// Reads the five fold files. Faces come back in fold order, then file order. The images are
    /// not opened here (decoding reports missing ones).
    pub fn scan(&self) -> Result<(Vec<AdienceFace>, AdienceSummary), DatasetError> {
        if self.root.exists() && !self.root.is_dir() {
            return Err(DatasetError::NotAFolder { path: self.root.clone() });
        }
        if !self.root.is_dir() {
            return Err(DatasetError::MissingFile {
                path: self.root.clone(),
                what: "Adience folder (expected fold_0_data.txt .. fold_4_data.txt and aligned/ in it; \
see https://talhassner.github.io/home/projects/Adience/Adience-data.html)"
                    .into(),
            });
        }
        let mut faces = Vec::new();
        let mut folds = Vec::new();
        let mut bad_rows = Vec::new();
        for k in 0..FOLDS {
            let (f, count, bad) = parse_fold_file(&self.root.join(fold_file_name(k)), k, &self.root, self.layout)?;
            faces.extend(f);
            folds.push(count);
            bad_rows.extend(bad);
        }
        if faces.is_empty() {
            return Err(DatasetError::NoAdienceRows { path: self.root.clone(), bad: bad_rows.len() });
        }
        let summary = AdienceSummary::tally(&self.root, self.layout, folds, &faces, bad_rows);
        Ok((faces, summary))
    }
}

/// What a load of the five folds kept, remapped and excluded. Printed by `agelab data inspect`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct AdienceSummary {
    /// The folder with the fold files.
    pub root: PathBuf,
    /// The image folder used.
    pub layout: Layout,
    /// Rows per fold.
    pub folds: Vec<FoldCount>,
    /// Faces per age group (official range label -> count), `None` ages not counted.
    pub age_groups: Vec<(String, usize)>,
    /// Ages that are not an official range: (as written, group label, rows).
    pub remapped_ages: Vec<(String, String, usize)>,
    /// Faces per gender value: `male`, `female`, `u`, `empty`.
    pub genders: Vec<(String, usize)>,
    /// Faces left out of a task, by reason (`age task: age None`, `gender task: gender u`, ...).
    pub excluded: BTreeMap<String, usize>,
    /// Rows that could not be read, as `file:line` with what was expected.
    pub bad_rows: Vec<Skipped>,
}

impl AdienceSummary {
    /// Data rows over all folds.
    pub fn rows(&self) -> usize {
        self.folds.iter().map(|f| f.rows).sum()
    }
    /// Faces read over all folds.
    pub fn kept(&self) -> usize {
        self.folds.iter().map(|f| f.kept).sum()
    }

    fn tally(
        root: &Path,
        layout: Layout,
        folds: Vec<FoldCount>,
        faces: &[AdienceFace],
        bad_rows: Vec<Skipped>,
    ) -> Self {
        let labels = AgeScheme::adience8().labels;
        let mut per_group = vec![0usize; labels.len()];
        // keyed by (age in years, text) so that the listing reads youngest first
        let mut remapped: BTreeMap<(u16, String, usize), usize> = BTreeMap::new();
        let mut genders: BTreeMap<&str, usize> = ["male", "female", "u", "empty"].into_iter().map(|g| (g, 0)).collect();
        let mut excluded: BTreeMap<String, usize> = BTreeMap::new();
        for f in faces {
            match f.age_group {
                Some(g) => {
                    per_group[g] += 1;
                    if let Ok(Some(cell)) = read_age(&f.age_text) {
                        if !cell.official {
                            *remapped.entry((cell.years, f.age_text.trim().to_string(), g)).or_default() += 1;
                        }
                    }
                }
                None => {
                    let what = if f.age_text.trim().is_empty() { "age empty" } else { "age None" };
                    *excluded.entry(format!("age task: {what}")).or_default() += 1;
                }
            }
            let g = match (f.gender, f.gender_text.trim()) {
                (Some(Gender::Male), _) => "male",
                (Some(Gender::Female), _) => "female",
                (None, text) => {
                    let what = if text == "u" { "u" } else { "empty" };
                    *excluded.entry(format!("gender task: gender {what}")).or_default() += 1;
                    what
                }
            };
            *genders.entry(g).or_default() += 1;
        }
        AdienceSummary {
            root: root.into(),
            layout,
            folds,
            age_groups: labels.into_iter().zip(per_group).collect(),
            remapped_ages: remapped
                .into_iter()
                .map(|((_, text, g), n)| (text, AgeScheme::adience8().labels[g].clone(), n))
                .collect(),
            genders: ["male", "female", "u", "empty"].iter().map(|g| (g.to_string(), genders[g])).collect(),
            excluded,
            bad_rows,
        }
    }
}

impl fmt::Display for AdienceSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "Adience folds in {} (images under {}/)",
            self.root.display(),
            match self.layout {
                Layout::Aligned => "aligned",
                Layout::Faces => "faces",
            }
        )?;
        for c in &self.folds {
            writeln!(f, "  fold {} ({}): {} rows, {} read", c.fold, c.file, c.rows, c.kept)?;
        }
        writeln!(f, "  total: {} rows, {} read, {} bad", self.rows(), self.kept(), self.bad_rows.len())?;
        writeln!(f, "  age groups (official ranges; other ages by midpoint, then the nearest range, ties older):")?;
        for (label, n) in &self.age_groups {
            writeln!(f, "    {label:>7}: {n}")?;
        }
        if !self.remapped_ages.is_empty() {
            writeln!(f, "  ages not on the official ranges, mapped:")?;
            for (text, label, n) in &self.remapped_ages {
                writeln!(f, "    {text:>9} -> {label}: {n}")?;
            }
        }
        let genders: Vec<String> = self.genders.iter().map(|(g, n)| format!("{g} {n}")).collect();
        writeln!(f, "  gender: {}", genders.join(", "))?;
        for (reason, n) in &self.excluded {
            match reason.split_once(": ") {
                Some((task, why)) => writeln!(f, "  excluded from the {task} ({why}): {n}")?,
                None => writeln!(f, "  excluded ({reason}): {n}")?,
            }
        }
        if !self.bad_rows.is_empty() {
            writeln!(f, "  bad rows (skipped):")?;
            for b in &self.bad_rows {
                writeln!(f, "    {}: {}", b.file, b.reason)?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str =
        "user_id\toriginal_image\tface_id\tage\tgender\tx\ty\tdx\tdy\ttilt_ang\tfiducial_yaw_angle\tfiducial_score";

    fn row(user: &str, face: u32, age: &str, gender: &str) -> String {
        format!("{user}\t{face}00_ab_o.jpg\t{face}\t{age}\t{gender}\t1\t2\t30\t40\t-5\t0\t17")
    }

    /// Writes a fold file with CRLF line endings, as the real ones have.
    fn write_fold(dir: &Path, k: usize, rows: &[String]) -> PathBuf {
        let path = dir.join(fold_file_name(k));
        let mut text = format!("{HEADER}\r\n");
        for r in rows {
            text.push_str(r);
            text.push_str("\r\n");
        }
        std::fs::write(&path, text).unwrap();
        path
    }

    #[test]
    fn official_ranges_are_their_own_group() {
        for (g, (a, b)) in AGE_RANGES.iter().enumerate() {
            assert_eq!(parse_age(&format!("({a}, {b})")), Ok(Some(g)));
        }
        assert_eq!(AgeScheme::adience8().labels[4], "25-32");
    }

    #[test]
    fn off_grid_ages_follow_the_documented_rule() {
        let label = |t: &str| parse_age(t).unwrap().map(|g| AgeScheme::adience8().labels[g].clone());
        for (text, want) in [
            ("(38, 42)", "38-43"),
            ("(38, 48)", "38-43"),
            ("(8, 23)", "15-20"),
            ("(27, 32)", "25-32"),
            ("35", "38-43"),
            ("34", "25-32"),
            ("36", "38-43"),
            ("2", "0-2"),
            ("3", "4-6"),
            ("13", "8-12"),
            ("22", "15-20"),
            ("23", "25-32"),
            ("42", "38-43"),
            ("45", "38-43"),
            ("55", "48-53"),
            ("56", "48-53"),
            ("57", "60-100"),
            ("58", "60-100"),
            (" (25,32) ", "25-32"),
        ] {
            assert_eq!(label(text).as_deref(), Some(want), "age {text}");
        }
        assert_eq!(parse_age("None"), Ok(None));
        assert_eq!(parse_age(""), Ok(None));
        for bad in ["old", "(3, x)", "(5)", "-4", "(9, 2)"] {
            assert!(parse_age(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn genders() {
        assert_eq!(parse_gender("m"), Ok(Some(Gender::Male)));
        assert_eq!(parse_gender("f"), Ok(Some(Gender::Female)));
        assert_eq!(parse_gender("u"), Ok(None));
        assert_eq!(parse_gender(""), Ok(None));
        assert!(parse_gender("3").unwrap_err().contains("'m', 'f', 'u'"));
    }

    #[test]
    fn layouts_name_the_image_files() {
        assert_eq!(
            Layout::Aligned.relative_path("30601258@N03", 1, "10399646885_67c7d20df9_o.jpg"),
            "aligned/30601258@N03/landmark_aligned_face.1.10399646885_67c7d20df9_o.jpg"
        );
        assert_eq!(Layout::Faces.relative_path("u", 2, "x.jpg"), "faces/u/coarse_tilt_aligned_face.2.x.jpg");
    }

    #[test]
    fn a_fold_file_with_quirks_and_bad_rows() {
        let dir = tempfile::tempdir().unwrap();
        let rows = vec![
            row("a@N01", 1, "(25, 32)", "f"),
            row("a@N01", 2, "None", "m"),
            row("b@N02", 3, "35", "u"),
            row("b@N02", 4, "(38, 42)", ""),
            // lost its last column (as the shared fold_2 ends): kept
            "c@N03\t5_o.jpg\t5\t(60, 100)\tf\t626\t1276\t421\t421\t-85\t-1".to_string(),
            String::new(),
            // truncated in the middle of original_image (as the shared fold_4 ends): bad
            "c@N03\t9509".to_string(),
            row("d@N04", 7, "ancient", "m"),
            row("d@N04", 8, "(0, 2)", "x"),
            "d@N04\t9_o.jpg\t9\t(0, 2)\tm\tleft\t2\t3\t4\t0\t0\t0".to_string(),
        ];
        let path = write_fold(dir.path(), 2, &rows);
        let (faces, count, bad) = parse_fold_file(&path, 2, dir.path(), Layout::Aligned).unwrap();
        assert_eq!(count, FoldCount { fold: 2, file: "fold_2_data.txt".into(), rows: 9, kept: 5 });
        assert_eq!(faces[0].age_group, Some(4));
        assert_eq!(faces[0].gender, Some(Gender::Female));
        assert_eq!(faces[0].face_box, FaceBox { x: 1, y: 2, dx: 30, dy: 40 });
        assert_eq!((faces[0].tilt_ang, faces[0].fiducial_score), (Some(-5), Some(17)));
        assert_eq!(faces[0].line, 2);
        assert_eq!(faces[0].fold, 2);
        assert_eq!(faces[0].path, dir.path().join("aligned/a@N01/landmark_aligned_face.1.100_ab_o.jpg"));
        assert_eq!(faces[1].age_group, None);
        assert_eq!((faces[2].age_group, faces[2].gender), (Some(5), None));
        assert_eq!(faces[4].fiducial_score, None);
        assert_eq!(faces[4].fiducial_yaw_angle, Some(-1));
        let lines: Vec<&str> = bad.iter().map(|b| b.file.as_str()).collect();
        assert_eq!(lines, ["fold_2_data.txt:8", "fold_2_data.txt:9", "fold_2_data.txt:10", "fold_2_data.txt:11"]);
        assert!(
            bad[0].reason.contains("2 field(s), expected 12") && bad[0].reason.contains("truncated"),
            "{:?}",
            bad[0]
        );
        assert!(bad[1].reason.contains("age 'ancient'"), "{:?}", bad[1]);
        assert!(bad[2].reason.contains("gender 'x'"), "{:?}", bad[2]);
        assert!(bad[3].reason.contains("x 'left' is not an integer"), "{:?}", bad[3]);
        // The error form names file and line.
        let header = Header::parse(&path, HEADER).unwrap();
        let err = parse_row(&path, 8, "c@N03\t9509", &header, 2, dir.path(), Layout::Aligned).unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("fold_2_data.txt:8:"), "{msg}");
    }

    #[test]
    fn a_missing_column_names_file_line_and_column() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("fold_0_data.txt");
        std::fs::write(&path, HEADER.replace("\tage", "") + "\r\n").unwrap();
        let err = parse_fold_file(&path, 0, dir.path(), Layout::Aligned).unwrap_err();
        let msg = err.to_string();
        assert!(matches!(err, DatasetError::MissingColumn { line: 1, .. }), "{msg}");
        assert!(
            msg.contains("fold_0_data.txt:1") && msg.contains("'age'") && msg.contains("user_id, original_image"),
            "{msg}"
        );
        std::fs::write(&path, "").unwrap();
        let msg = parse_fold_file(&path, 0, dir.path(), Layout::Aligned).unwrap_err().to_string();
        assert!(msg.contains("fold_0_data.txt:1: empty file"), "{msg}");
    }

    #[test]
    fn scan_reads_five_folds_and_counts_everything() {
        let dir = tempfile::tempdir().unwrap();
        for k in 0..FOLDS {
            let user = format!("u{k}@N0{k}");
            write_fold(
                dir.path(),
                k,
                &[
                    row(&user, 1, "(0, 2)", "m"),
                    row(&user, 2, "(48, 53)", "f"),
                    row(&user, 3, "None", "u"),
                    row(&user, 4, "57", ""),
                ],
            );
        }
        let (faces, summary) = AdienceFolds::new(dir.path()).with_layout(Layout::Faces).scan().unwrap();
        assert_eq!(faces.len(), 20);
        assert!(faces.windows(2).all(|w| w[0].fold <= w[1].fold));
        assert!(faces[0].file.starts_with("faces/u0@N00/coarse_tilt_aligned_face.1."));
        assert_eq!(summary.rows(), 20);
        assert_eq!(summary.folds.iter().map(|f| f.rows).collect::<Vec<_>>(), vec![4; 5]);
        let groups: BTreeMap<&str, usize> = summary.age_groups.iter().map(|(l, n)| (l.as_str(), *n)).collect();
        assert_eq!((groups["0-2"], groups["48-53"], groups["60-100"], groups["25-32"]), (5, 5, 5, 0));
        assert_eq!(summary.remapped_ages, vec![("57".to_string(), "60-100".to_string(), 5)]);
        assert_eq!(
            summary.genders,
            vec![("male".into(), 5), ("female".into(), 5), ("u".into(), 5), ("empty".into(), 5)]
        );
        assert_eq!(summary.excluded["age task: age None"], 5);
        assert_eq!(summary.excluded["gender task: gender u"], 5);
        assert_eq!(summary.excluded["gender task: gender empty"], 5);
        let text = summary.to_string();
        for want in [
            "fold 4 (fold_4_data.txt): 4 rows, 4 read",
            "57 -> 60-100: 5",
            "excluded from the age task (age None): 5",
            "gender: male 5, female 5, u 5, empty 5",
        ] {
            assert!(text.contains(want), "{want} not in\n{text}");
        }
    }

    #[test]
    fn missing_folder_and_fold_files_are_named() {
        let err = AdienceFolds::new("/nonexistent/adience").scan().unwrap_err().to_string();
        assert!(err.contains("/nonexistent/adience") && err.contains("fold_0_data.txt"), "{err}");
        let dir = tempfile::tempdir().unwrap();
        write_fold(dir.path(), 0, &[row("u", 1, "(0, 2)", "m")]);
        let err = AdienceFolds::new(dir.path()).scan().unwrap_err().to_string();
        assert!(err.contains("Adience fold file") && err.contains("fold_1_data.txt"), "{err}");
    }
}
