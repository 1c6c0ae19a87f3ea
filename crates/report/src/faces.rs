//! The sample-face grid. UTKFace's licence keeps its images out of the repository, so the grid is
//! opt-in (`agelab report --faces`): it is drawn from the images on this machine into
//! `report/faces/`, a folder that carries its own `.gitignore`, and committed reports omit it.

use std::path::Path;

use crate::figures::faces::{face_grid, Tile, TileLine};
use crate::io::write_atomic;
use crate::run::{HeadPredictions, Predictions};
use crate::tables::GENDERS;
use crate::ReportError;

/// Faces in the grid: half predicted right and half wrong by the first head, where there are enough.
const GRID_FACES: usize = 24;

/// A regression prediction within this many years of the truth counts as right in the grid.
pub(crate) const TOLERANCE_YEARS: f64 = 5.0;

/// The folder, inside the report folder, that holds the grid.
pub(crate) const FACES_DIR: &str = "faces";

/// The grid's file, relative to the report folder.
pub(crate) const GRID_FILE: &str = "faces/sample-faces.png";

/// Whether head `h` got face `i` right, and its label line.
fn line(h: &HeadPredictions, i: usize) -> TileLine {
    match h {
        HeadPredictions::Classification { name, classes, truth, pred, .. } => {
            let class = |k: usize| classes.get(k).cloned().unwrap_or_else(|| k.to_string());
            TileLine {
                text: format!("{name}: {} \u{2192} {}", class(truth[i]), class(pred[i])),
                right: truth[i] == pred[i],
            }
        }
        HeadPredictions::Regression { name, truth, pred } => TileLine {
            text: format!("{name}: {:.0} \u{2192} {:.1}", truth[i], pred[i]),
            right: (truth[i] - pred[i]).abs() <= TOLERANCE_YEARS,
        },
    }
}

/// The face's true age and gender, from predictions.csv ("31 years, female").
fn caption(p: &Predictions, i: usize) -> String {
    let gender = p.gender[i].and_then(|g| GENDERS.get(usize::from(g))).copied().unwrap_or("gender unknown");
    let unit = if p.age[i].round() == 1.0 { "year" } else { "years" };
    format!("{:.0} {unit}, {gender}", p.age[i])
}

/// `k` of `rows`, evenly spread over them (predictions.csv is sorted by file name, hence by age).
fn spread(rows: &[usize], k: usize) -> impl Iterator<Item = usize> + '_ {
    let len = rows.len();
    (0..k.min(len)).map(move |i| rows[i * len / k.min(len)])
}

/// Rows of predictions.csv to show: up to half right and half wrong by the first head, spread
/// over the file, in file order.
fn pick(p: &Predictions, n: usize) -> Vec<usize> {
    let Some(first) = p.heads.first() else {
        return Vec::new();
    };
    let (right, wrong): (Vec<usize>, Vec<usize>) = (0..p.file.len()).partition(|&i| line(first, i).right);
    let take_wrong = (n / 2).max(n.saturating_sub(right.len())).min(wrong.len());
    let take_right = (n - take_wrong).min(right.len());
    let mut rows: Vec<usize> = spread(&right, take_right).chain(spread(&wrong, take_wrong)).collect();
    rows.sort_unstable();
    rows
}

/// What [`render`] drew.
pub(crate) struct Drawn {
    /// Faces in the grid.
    pub shown: usize,
    /// Chosen faces whose image could not be read.
    pub unreadable: usize,
}

/// Draws the grid of test faces read from `images` into `<report_dir>/faces/`.
pub(crate) fn render(p: &Predictions, images: &Path, report_dir: &Path) -> Result<Drawn, ReportError> {
    let rows = pick(p, GRID_FACES);
    let mut tiles = Vec::with_capacity(rows.len());
    for &i in &rows {
        let Ok(face) = dataset::images::open_photo(&images.join(&p.file[i])) else {
            continue;
        };
        tiles.push(Tile {
            face: face.to_rgb8(),
            caption: caption(p, i),
            lines: p.heads.iter().map(|h| line(h, i)).collect(),
        });
    }
    let drawn = Drawn { shown: tiles.len(), unreadable: rows.len() - tiles.len() };
    if !tiles.is_empty() {
        let dir = report_dir.join(FACES_DIR);
        write_atomic(
            &dir.join(".gitignore"),
            b"# UTKFace images are for non-commercial research only: never commit them.\n*\n",
        )?;
        face_grid(&report_dir.join(GRID_FILE), &tiles)?;
    }
    Ok(drawn)
}

/// Removes a grid left by an earlier `--faces` render, so that a page without faces has no stray copy.
pub(crate) fn remove(report_dir: &Path) -> Result<(), ReportError> {
    let dir = report_dir.join(FACES_DIR);
    match std::fs::remove_dir_all(&dir) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(ReportError::Write { path: dir, source: e }),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn predictions(truth: &[usize], pred: &[usize]) -> Predictions {
        let n = truth.len();
        Predictions {
            file: (0..n).map(|i| format!("{i}.jpg")).collect(),
            age: vec![30.0; n],
            gender: vec![Some(0); n],
            race: vec![Some(0); n],
            heads: vec![HeadPredictions::Classification {
                name: "gender".into(),
                classes: vec!["male".into(), "female".into()],
                truth: truth.to_vec(),
                pred: pred.to_vec(),
                probs: vec![vec![0.5, 0.5]; n],
            }],
        }
    }

    #[test]
    fn picks_half_right_half_wrong_in_file_order() {
        // Rows 1, 3, 5 are wrong.
        let p = predictions(&[0, 0, 0, 0, 0, 0, 0, 0], &[0, 1, 0, 1, 0, 1, 0, 0]);
        assert_eq!(pick(&p, 4), vec![0, 1, 3, 4]);
        // Not enough wrong ones: fill with right ones.
        assert_eq!(pick(&p, 8), (0..8).collect::<Vec<_>>());
        let all_right = predictions(&[1, 1, 1], &[1, 1, 1]);
        assert_eq!(pick(&all_right, 2), vec![0, 1]);
        assert_eq!(line(&all_right.heads[0], 0).text, "gender: female \u{2192} female");
        assert_eq!(caption(&all_right, 0), "30 years, male");
    }
}
