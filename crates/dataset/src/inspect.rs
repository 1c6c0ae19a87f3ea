//! `agelab data inspect`: what a data folder holds, before any training: file counts, the names
//! or rows that cannot be used and why, and the label distributions the splits will inherit.

use std::fmt;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::adience::{self, AdienceFolds, AdienceSummary};
use crate::images::{self, ColorMode, Preprocess, ResizeFilter};
use crate::labels::{AgeScheme, Gender, Race};
use crate::utkface::{is_irregular_name, UtkFolder};
use crate::{DatasetError, LoadSummary};

/// What a UTKFace-format folder holds.
#[derive(Debug, Clone, Serialize)]
pub struct UtkInspect {
    /// The scan's summary: entries seen, faces kept, skipped names with the reason.
    pub summary: LoadSummary,
    /// Names that parse but are irregular (junk after the date); their faces are kept.
    pub irregular: Vec<String>,
    /// The scheme the age groups are counted under.
    pub scheme: AgeScheme,
    /// Faces per gender, in class order.
    pub genders: Vec<(String, usize)>,
    /// Faces per race, in class order.
    pub races: Vec<(String, usize)>,
    /// Faces per age group of `scheme`.
    pub age_groups: Vec<(String, usize)>,
    /// Youngest, median and oldest age.
    pub ages: (u16, u16, u16),
}

/// How `inspect` checks that a well-named file is an image: decoded as training decodes it (strict,
/// so truncated files fail), at the smallest size.
const PROBE: Preprocess = Preprocess { size: 1, color: ColorMode::Gray, filter: ResizeFilter::Nearest };

/// Inspects a UTKFace-format folder (aligned `UTKFace/` or in-the-wild `crop_part1/`). A name is
/// not a face: every file is decoded as training decodes it, and the zero-byte, truncated or
/// foreign files training would skip are skipped here too, with the decoder's reason.
pub fn inspect_utkface(dir: &Path, scheme: &AgeScheme) -> Result<UtkInspect, DatasetError> {
    scheme.validate()?;
    let (mut faces, mut summary) = UtkFolder::new(dir).scan()?;
    let paths: Vec<PathBuf> = faces.iter().map(|f| f.path.clone()).collect();
    let (set, failed) = images::decode_all(&paths, &PROBE);
    let mut decoded = set.decoded.iter();
    faces.retain(|_| *decoded.next().unwrap_or(&false));
    summary.skipped.extend(failed);
    summary.kept = faces.len();
    if faces.is_empty() {
        return Err(DatasetError::EmptyFolder { path: dir.to_path_buf(), skipped: summary.skipped.len() });
    }
    let mut genders = vec![0; Gender::NAMES.len()];
    let mut races = vec![0; Race::NAMES.len()];
    let mut groups = vec![0; scheme.len()];
    let mut ages: Vec<u16> = Vec::with_capacity(faces.len());
    for f in &faces {
        genders[f.gender.index()] += 1;
        races[f.race.index()] += 1;
        groups[scheme.group(f.age)] += 1;
        ages.push(f.age);
    }
    ages.sort_unstable();
    let named = |names: &[&str], counts: Vec<usize>| names.iter().map(|s| s.to_string()).zip(counts).collect();
    Ok(UtkInspect {
        irregular: faces.iter().filter(|f| is_irregular_name(&f.file)).map(|f| f.file.clone()).collect(),
        genders: named(&Gender::NAMES, genders),
        races: named(&Race::NAMES, races),
        age_groups: scheme.labels.iter().cloned().zip(groups).collect(),
        scheme: scheme.clone(),
        ages: (ages[0], ages[ages.len() / 2], ages[ages.len() - 1]),
        summary,
    })
}

fn counts(f: &mut fmt::Formatter<'_>, title: &str, rows: &[(String, usize)]) -> fmt::Result {
    let total: usize = rows.iter().map(|r| r.1).sum::<usize>().max(1);
    writeln!(f, "  {title}:")?;
    for (name, n) in rows {
        writeln!(f, "    {name:>8}: {n:>6}  ({:.1}%)", 100.0 * *n as f64 / total as f64)?;
    }
    Ok(())
}

impl fmt::Display for UtkInspect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = &self.summary;
        writeln!(
            f,
            "UTKFace folder {}: {} files, {} faces, {} skipped",
            s.folder.display(),
            s.seen,
            s.kept,
            s.skipped.len()
        )?;
        for (reason, files) in s.by_reason() {
            writeln!(f, "  skipped {} ({reason}):", files.len())?;
            for file in files.iter().take(20) {
                writeln!(f, "    {file}")?;
            }
            if files.len() > 20 {
                writeln!(f, "    ... and {} more", files.len() - 20)?;
            }
        }
        if !self.irregular.is_empty() {
            writeln!(f, "  irregular names, labels kept ({}):", self.irregular.len())?;
            for name in &self.irregular {
                writeln!(f, "    {name:?}")?;
            }
        }
        counts(f, "gender", &self.genders)?;
        counts(f, "race", &self.races)?;
        counts(f, &format!("age group ({})", self.scheme.name), &self.age_groups)?;
        let (lo, mid, hi) = self.ages;
        writeln!(f, "  age: {lo} to {hi} years, median {mid}")
    }
}

/// What an Adience folder holds: the fold files' summary, and how many images are on disk.
#[derive(Debug, Clone, Serialize)]
pub struct AdienceInspect {
    /// Rows per fold, age group and gender; exclusions and bad rows.
    pub summary: AdienceSummary,
    /// Faces whose image file exists under the layout's folder.
    pub images_present: usize,
}

/// Inspects an Adience folder (the fold files; images under `aligned/`).
pub fn inspect_adience(dir: &Path) -> Result<AdienceInspect, DatasetError> {
    let (faces, summary) = AdienceFolds::new(dir).scan()?;
    let images_present = faces.iter().filter(|f| f.path.is_file()).count();
    Ok(AdienceInspect { summary, images_present })
}

impl fmt::Display for AdienceInspect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.summary)?;
        writeln!(f, "  images on disk: {} of {}", self.images_present, self.summary.kept())
    }
}

/// Either kind of folder.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Inspection {
    /// A UTKFace-format folder.
    Utkface(UtkInspect),
    /// An Adience folder.
    Adience(AdienceInspect),
}

/// Inspects `dir` as Adience when it holds `fold_0_data.txt`, else as UTKFace.
pub fn inspect(dir: &Path, scheme: &AgeScheme) -> Result<Inspection, DatasetError> {
    if dir.join(adience::fold_file_name(0)).is_file() {
        inspect_adience(dir).map(Inspection::Adience)
    } else {
        inspect_utkface(dir, scheme).map(Inspection::Utkface)
    }
}

impl fmt::Display for Inspection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Inspection::Utkface(u) => u.fmt(f),
            Inspection::Adience(a) => a.fmt(f),
        }
    }
}
