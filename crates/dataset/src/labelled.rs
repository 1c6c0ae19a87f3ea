//! Faces labelled in a CSV file rather than by their file names: photos from elsewhere than
//! UTKFace (a held-out check of a released model), where a label may be unknown and left empty
//! (the age of a person in an undated photo). Columns other than `file`, `gender`, `age` and
//! `person` (and the face box `x`, `y`, `width`, `height`: a manifest may not use those names for
//! anything else) are kept out of the way, so a provenance manifest can serve as the label file. A box says which face of a group photo a row is
//! about; a row without one is about the photo's only (or largest) face.

use std::path::{Path, PathBuf};

use crate::{DatasetError, Gender};

/// One labelled photo.
#[derive(Debug, Clone, PartialEq)]
pub struct LabelledFace {
    /// The image, resolved against the images folder (default: the label file's folder).
    pub file: PathBuf,
    /// The image as the label file names it.
    pub name: String,
    /// The row's line number in the label file (1-based), for messages.
    pub line: usize,
    /// Who it is, when the file says.
    pub person: Option<String>,
    /// Gender, when known.
    pub gender: Option<Gender>,
    /// Age in years at the time of the photo, when known.
    pub age: Option<u16>,
    /// The face's box (x, y, width, height in pixels), when the file gives one.
    pub region: Option<[u32; 4]>,
}

const EXPECTED: &str =
    "the columns file, and gender and/or age (person and a box x, y, width, height optional; other columns are ignored)";

/// Reads a label file: a header naming at least `file` and one of `gender` (male/female, m/f, or
/// UTKFace's 0/1) or `age` (whole years, 0-120); empty cells mean unknown. Files are resolved
/// against `images`, or the label file's folder.
pub fn read_labels(path: &Path, images: Option<&Path>) -> Result<Vec<LabelledFace>, DatasetError> {
    let text = std::fs::read_to_string(path).map_err(|e| DatasetError::io(path, e))?;
    let base = images.unwrap_or_else(|| path.parent().unwrap_or(Path::new(".")));
    let mut reader = csv::ReaderBuilder::new().flexible(false).from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| DatasetError::BadRow { path: path.into(), line: 1, reason: e.to_string() })?
        .clone();
    let column = |name: &str| headers.iter().position(|h| h.trim().eq_ignore_ascii_case(name));
    let missing = |name: &str| DatasetError::MissingColumn {
        path: path.into(),
        line: 1,
        column: name.into(),
        expected: EXPECTED.into(),
    };
    let file_col = column("file").ok_or_else(|| missing("file"))?;
    let (gender_col, age_col, person_col) = (column("gender"), column("age"), column("person"));
    let box_cols = ["x", "y", "width", "height"].map(column);
    if gender_col.is_none() && age_col.is_none() {
        return Err(missing("gender (or age)"));
    }
    let mut faces = Vec::new();
    for record in reader.records() {
        let bad = |line: usize, reason: String| DatasetError::BadRow { path: path.into(), line, reason };
        let record = record.map_err(|e| {
            let line = e.position().map(|p| p.line() as usize).unwrap_or(0);
            bad(line, format!("{e}; expected {EXPECTED}"))
        })?;
        let line = record.position().map(|p| p.line() as usize).unwrap_or(0);
        let cell = |c: Option<usize>| c.and_then(|c| record.get(c)).map(str::trim).filter(|s| !s.is_empty());
        let file = cell(Some(file_col)).ok_or_else(|| bad(line, "empty 'file'".into()))?;
        let gender = cell(gender_col)
            .map(|g| {
                parse_gender(g).ok_or_else(|| bad(line, format!("gender '{g}': expected male, female, m, f, 0 or 1")))
            })
            .transpose()?;
        let age = cell(age_col)
            .map(|a| {
                a.parse::<u16>().ok().filter(|&a| a <= 120).ok_or_else(|| {
                    bad(line, format!("age '{a}': expected whole years from 0 to 120, or empty if unknown"))
                })
            })
            .transpose()?;
        let corners: Vec<Option<&str>> = box_cols.iter().map(|&c| cell(c)).collect();
        let region = if corners.iter().all(Option::is_none) {
            None
        } else {
            let parsed: Option<Vec<u32>> = corners.iter().map(|c| c.and_then(|v| v.parse().ok())).collect();
            match parsed.as_deref() {
                Some(&[x, y, w, h]) if w > 0 && h > 0 => Some([x, y, w, h]),
                _ => {
                    return Err(bad(
                        line,
                        format!("box {corners:?}: expected x, y, width, height as whole pixels (width and height > 0), or all four empty"),
                    ))
                }
            }
        };
        faces.push(LabelledFace {
            file: base.join(file),
            name: file.to_string(),
            line,
            person: cell(person_col).map(String::from),
            gender,
            age,
            region,
        });
    }
    Ok(faces)
}

fn parse_gender(s: &str) -> Option<Gender> {
    match s.to_ascii_lowercase().as_str() {
        "male" | "m" | "0" => Some(Gender::Male),
        "female" | "f" | "1" => Some(Gender::Female),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(text: &str) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("labels.csv");
        std::fs::write(&path, text).unwrap();
        (dir, path)
    }

    #[test]
    fn reads_known_and_unknown_labels_and_ignores_other_columns() {
        let (dir, path) =
            write("file,source,person,gender,age\nfaces/a.jpg,pkg 1.0,Grace Hopper,female,78\nb.png,x,,M,\n");
        let faces = read_labels(&path, None).unwrap();
        assert_eq!(faces.len(), 2);
        assert_eq!(faces[0].file, dir.path().join("faces/a.jpg"));
        assert_eq!(faces[0].person.as_deref(), Some("Grace Hopper"));
        assert_eq!((faces[0].gender, faces[0].age), (Some(Gender::Female), Some(78)));
        assert_eq!((faces[1].gender, faces[1].age, faces[1].line), (Some(Gender::Male), None, 3));
        assert_eq!(faces[0].region, None);
        let images = Path::new("/photos");
        assert_eq!(read_labels(&path, Some(images)).unwrap()[1].file, images.join("b.png"));
    }

    #[test]
    fn a_box_picks_one_face_of_a_group_photo() {
        let (_d, path) = write("file,gender,x,y,width,height\ng.jpg,f,10,20,30,40\ng.jpg,m,,,,\n");
        let faces = read_labels(&path, None).unwrap();
        assert_eq!((faces[0].region, faces[1].region), (Some([10, 20, 30, 40]), None));
        let (_d, path) = write("file,gender,x,y,width,height\ng.jpg,f,10,20,,40\n");
        let e = read_labels(&path, None).unwrap_err().to_string();
        assert!(e.contains(":2") && e.contains("expected x, y, width, height"), "{e}");
    }

    #[test]
    fn bad_cells_name_the_line_and_what_was_expected() {
        let (_d, path) = write("file,gender,age\na.jpg,female,30\nb.jpg,woman,30\n");
        let e = read_labels(&path, None).unwrap_err().to_string();
        assert!(e.contains("labels.csv:3") && e.contains("gender 'woman'") && e.contains("expected male"), "{e}");
        let (_d, path) = write("file,gender,age\na.jpg,f,thirty\n");
        let e = read_labels(&path, None).unwrap_err().to_string();
        assert!(e.contains(":2") && e.contains("age 'thirty'"), "{e}");
        let (_d, path) = write("file,gender,age\na.jpg,f\n");
        assert!(read_labels(&path, None).unwrap_err().to_string().contains("expected the columns"));
    }

    #[test]
    fn a_file_column_and_a_label_column_are_required() {
        let (_d, path) = write("image,gender\na.jpg,f\n");
        assert!(read_labels(&path, None).unwrap_err().to_string().contains("no column 'file'"));
        let (_d, path) = write("file,person\na.jpg,someone\n");
        assert!(read_labels(&path, None).unwrap_err().to_string().contains("no column 'gender (or age)'"));
    }
}
