//! A released model's card (Markdown): what it predicts, what it was trained on, how well it does
//! on its test faces with 95% intervals, and how that varies by race, gender and age band, so
//! that a user sees the model's limits before its weights.

use std::fmt::Write as _;
use std::path::Path;

use crate::run::{HeadMetrics, HeadPredictions, Predictions, Run, TestMetrics};
use crate::tables::{GENDERS, RACES};
use crate::ReportError;
use metrics::{group_means, mean_interval, wilson_interval};

/// What the release adds to the run folder's own facts.
#[derive(Debug, Clone)]
pub struct Release<'a> {
    /// The name `agelab predict` knows the model by.
    pub name: &'a str,
    /// The experiment file that trains it, as given on the command line.
    pub experiment_file: &'a str,
    /// `reports/heldout/<name>/summary.md` (from `agelab evaluate --faces`), if it has been run.
    pub heldout: Option<&'a str>,
}

/// Age bands of the per-age table (the report's Model 4 groups): lower bounds, inclusive.
const AGE_BANDS: [(u8, &str); 5] = [(0, "0-14"), (15, "15-25"), (26, "26-39"), (40, "40-59"), (60, "60+")];

fn age_band(age: f64) -> Option<u8> {
    (age.is_finite() && age >= 0.0)
        .then(|| AGE_BANDS.iter().rposition(|(lo, _)| age >= f64::from(*lo)).unwrap_or(0) as u8)
}

/// The card of the finished run in `run_dir`, released as `release`.
pub fn model_card(run_dir: &Path, release: &Release<'_>) -> Result<String, ReportError> {
    let run = Run::read(run_dir)?;
    let missing = |file: &str| ReportError::Missing {
        path: run_dir.join(file),
        expected: "a finished run: a model card needs its test metrics and per-face predictions".into(),
    };
    let test = run.test.as_ref().ok_or_else(|| missing("test-metrics.json"))?;
    let predictions = run.predictions.as_ref().ok_or_else(|| missing("predictions.csv"))?;
    let m = run.manifest.as_ref().ok_or_else(|| missing("manifest.json"))?;
    let mut s = String::new();
    let _ = writeln!(s, "# {}\n", release.name);
    let heads: Vec<&str> = test.heads.iter().map(|(n, _)| n.as_str()).collect();
    let _ = writeln!(
        s,
        "Predicts {} from a {side}x{side} {colour} face crop. Trained from scratch by agelab (experiment `{}`, run `{}`).\n",
        heads.iter().map(|h| format!("`{h}`")).collect::<Vec<_>>().join(", "),
        run.experiment(),
        run.run_id(),
        side = m.input.size,
        colour = if m.input.channels == 1 { "grayscale" } else { "RGB" },
    );
    let _ = writeln!(s, "```sh\nagelab predict {} photo.jpg            # one face crop\nagelab predict {} group.jpg --detect   # every face the Haar detector finds\n```\n", release.name, release.name);

    s.push_str("## Training\n\n");
    let sizes = &m.split_sizes;
    let facts: [(&str, String); 9] = [
        ("data", data_line(&run)),
        ("data fingerprint", m.data_fingerprint.clone()),
        ("split", format!("{} train / {} valid / {} test faces", sizes.train, sizes.valid, sizes.test)),
        ("split fingerprint", m.split_fingerprint.clone()),
        ("model", format!("{} ({} parameters)", m.model, m.parameters)),
        ("epochs", format!("{} (weights of epoch {})", run.epochs.epoch.len(), test.file.best_epoch)),
        ("training time", format!("{:.0} min on {} CPU thread(s)", m.train_seconds / 60.0, m.threads)),
        ("seed, commit", format!("{}, {}", m.seed, m.git_commit.clone().unwrap_or_default())),
        ("libtorch", m.libtorch_version.clone()),
    ];
    s.push_str("| | |\n|---|---|\n");
    for (k, v) in facts {
        let _ = writeln!(s, "| {k} | {v} |");
    }
    let _ = writeln!(
        s,
        "\nRetrain (same data, same split, same seed):\n\n```sh\njust run {}\nagelab release reports/{}/<run-id> --name {}\n```\n",
        release.experiment_file,
        run.experiment(),
        release.name
    );

    s.push_str("## Test results\n\n");
    let _ = writeln!(
        s,
        "On the run's {} held-out test faces, with 95% intervals (Wilson for accuracies, Student's t for MAE).\n",
        test.file.images
    );
    s.push_str(&results_table(test, predictions));
    s.push('\n');
    by_group(&mut s, predictions);

    let _ = write!(
        s,
        "## Faces from outside UTKFace\n\nUTKFace's test faces share their sources and alignment with the training faces, so \
         they flatter the model. The held-out check runs it on labelled photos from elsewhere (`data/heldout/labels.csv`, \
         fetched by `scripts/fetch-heldout.sh`), each face found by the Haar cascade:\n\n\
         `just heldout {name}` (`agelab evaluate {name} --faces data/heldout/labels.csv --images <fetched photos> --detect`)\n\n\
         {}\n\n",
        match release.heldout.map(heldout_scores) {
            Some(table) => format!("From `reports/heldout/{}/summary.md` (every face listed there):\n\n{table}", release.name),
            None => format!("Not run for this release yet; its figures go to `reports/heldout/{}/summary.md`.", release.name),
        },
        name = release.name
    );
    s.push_str(
        "## Licence and intended use\n\nTrained on UTKFace, whose images are for non-commercial research only; use these weights \
         under the same terms. The faces are web photos with labels estimated by the dataset's authors; race \
         and gender are the dataset's five and two categories. Do not use the model to make decisions about people.\n",
    );
    Ok(s)
}

/// Ages in years grouped by every built-in scheme, then each head's figure per race, gender and
/// age band: where a model fails, which one headline figure hides.
fn by_group(s: &mut String, predictions: &Predictions) {
    for h in &predictions.heads {
        if let HeadPredictions::Regression { name, truth, pred } = h {
            s.push_str(&crate::age_groups::markdown(name, &crate::age_groups::builtin_scores(truth, pred)));
        }
    }
    s.push_str("## By group\n\nAccuracy (classification heads) or MAE in years (age heads) per group of faces; groups under 30 faces are noisy.\n\n");
    breakdowns(s, predictions);
}

/// Which faces: the folder's name (UTKFace's aligned crops are `UTKFace/`) and how many loaded.
fn data_line(run: &Run) -> String {
    let folder = run.manifest.as_ref().and_then(|m| Path::new(&m.data_root).file_name());
    let kept = run.load_summary.as_ref().map(|l| l.kept);
    format!(
        "UTKFace-format faces from `{}/` ({} usable faces; the rest are listed in the run's load-summary.json)",
        folder.map_or("?".into(), |f| f.to_string_lossy().into_owned()),
        kept.map_or("?".into(), |k| k.to_string()),
    )
}

/// A grouping of the test faces: its name, the group names by code, and each face's code.
type Attribute<'a> = (&'a str, &'a [&'a str], &'a [Option<u8>]);

/// Per head: a per-face score (hit or absolute error), formatted per group of race, gender, age band.
fn breakdowns(s: &mut String, p: &Predictions) {
    let bands: Vec<Option<u8>> = p.age.iter().map(|&a| age_band(a)).collect();
    let band_names: Vec<&str> = AGE_BANDS.iter().map(|(_, n)| *n).collect();
    let attributes: [Attribute<'_>; 3] =
        [("race", &RACES, &p.race), ("gender", &GENDERS, &p.gender), ("age band", &band_names, &bands)];
    for h in &p.heads {
        let (values, as_text): (Vec<f64>, fn(f64) -> String) = match h {
            HeadPredictions::Classification { truth, pred, .. } => {
                (truth.iter().zip(pred).map(|(t, q)| f64::from(u8::from(t == q))).collect(), |v| pct(Some(v)))
            }
            HeadPredictions::Regression { truth, pred, .. } => {
                (truth.iter().zip(pred).map(|(t, q)| (t - q).abs()).collect(), |v| format!("{v:.2}"))
            }
        };
        let _ = writeln!(s, "### {}\n", h.name());
        s.push_str("| attribute | group | faces | value |\n|---|---|---|---|\n");
        for (attribute, names, codes) in attributes {
            for g in group_means(codes, &values) {
                let group = g.code.and_then(|c| names.get(usize::from(c)).copied()).unwrap_or("unknown");
                let _ = writeln!(s, "| {attribute} | {group} | {} | {} |", g.count, as_text(g.mean));
            }
        }
        s.push('\n');
    }
}

/// The scores table of a held-out summary: its first Markdown table, with the line before it.
fn heldout_scores(summary: &str) -> String {
    let lines: Vec<&str> = summary.lines().collect();
    let start = lines.iter().position(|l| l.starts_with('|')).unwrap_or(lines.len());
    let end = lines[start..].iter().position(|l| !l.starts_with('|')).map_or(lines.len(), |n| start + n);
    let context = lines[..start].iter().rev().find(|l| !l.trim().is_empty()).copied().unwrap_or("");
    format!("{context}\n\n{}", lines[start..end].join("\n")).trim().to_string()
}

/// A fraction as a percentage with one decimal (`?` when missing).
pub(crate) fn pct(v: Option<f64>) -> String {
    v.map_or("?".into(), |v| format!("{:.1}%", 100.0 * v))
}

/// Each head's test figures with 95% intervals (Wilson for accuracies, Student's t for MAE), as a
/// Markdown table.
fn results_table(test: &TestMetrics, predictions: &Predictions) -> String {
    let mut s = String::new();
    s.push_str("| head | metric | value | 95% interval |\n|---|---|---|---|\n");
    for (name, h) in &test.heads {
        let Some(hp) = predictions.heads.iter().find(|p| p.name() == name) else { continue };
        match (h, hp) {
            (HeadMetrics::Classification(c), HeadPredictions::Classification { truth, pred, .. }) => {
                let hits = metrics::hits(truth, pred);
                let (lo, hi) = wilson_interval(hits, truth.len());
                let _ = writeln!(
                    s,
                    "| {name} | accuracy | {} | {} - {} |",
                    pct(Some(c.accuracy)),
                    pct(Some(lo)),
                    pct(Some(hi))
                );
                if let Some(one_off) = c.one_off {
                    let _ = writeln!(s, "| {name} | 1-off accuracy | {} | |", pct(Some(one_off)));
                }
                if let Some(auc) = c.auc {
                    let _ = writeln!(s, "| {name} | ROC AUC | {auc:.3} | |");
                }
            }
            (HeadMetrics::Regression(r), HeadPredictions::Regression { truth, pred, .. }) => {
                let errors: Vec<f64> = truth.iter().zip(pred).map(|(t, p)| (t - p).abs()).collect();
                let (_, lo, hi) = mean_interval(&errors).unwrap_or((f64::NAN, f64::NAN, f64::NAN));
                let _ = writeln!(s, "| {name} | MAE (years) | {:.2} | {lo:.2} - {hi:.2} |", r.mae);
            }
            _ => {}
        }
    }
    s
}

/// The test figures of an evaluation folder (`agelab evaluate`'s output: `test-metrics.json` and
/// `predictions.csv`) with their intervals, then per group (age schemes, race, gender, age band),
/// in Markdown, for `summary.md`.
pub fn evaluation_summary(dir: &Path, what: &str) -> Result<String, ReportError> {
    let (test, predictions) = crate::run::read_test(dir, None)?;
    let missing = |file: &str| ReportError::Missing {
        path: dir.join(file),
        expected: "an evaluation written by `agelab evaluate`".into(),
    };
    let test = test.ok_or_else(|| missing("test-metrics.json"))?;
    let predictions = predictions.ok_or_else(|| missing("predictions.csv"))?;
    let mut s = format!(
        "# {what}\n\n{} faces, 95% intervals (Wilson for accuracies, Student's t for MAE).\n\n",
        test.file.images
    );
    s.push_str(&results_table(&test, &predictions));
    s.push('\n');
    by_group(&mut s, &predictions);
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_heldout_scores_are_the_summary_first_table() {
        let summary = "# m on held-out faces\n\nLabels: x. 3 photos.\n\n| measure | faces |\n|---|---|\n| gender accuracy | 3 |\n\n| file |\n|---|\n| a.jpg |\n";
        assert_eq!(
            heldout_scores(summary),
            "Labels: x. 3 photos.\n\n| measure | faces |\n|---|---|\n| gender accuracy | 3 |"
        );
    }

    #[test]
    fn age_bands_follow_model4_groups() {
        let band = |a: f64| age_band(a).map(|b| AGE_BANDS[usize::from(b)].1);
        assert_eq!(band(0.0), Some("0-14"));
        assert_eq!(band(14.0), Some("0-14"));
        assert_eq!(band(15.0), Some("15-25"));
        assert_eq!(band(39.0), Some("26-39"));
        assert_eq!(band(60.0), Some("60+"));
        assert_eq!(band(116.0), Some("60+"));
        assert_eq!(band(f64::NAN), None);
    }
}
