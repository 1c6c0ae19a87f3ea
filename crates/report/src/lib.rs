//! agelab's reports: read a run folder (docs/run-folder.md) and write a self-contained HTML
//! page with PNG figures, or compare several runs side by side. No libtorch needed.

#![warn(missing_docs)]

mod age_groups;
mod card;
mod compare;
mod error;
mod faces;
mod figures;
mod heads;
mod heldout;
mod html;
mod io;
pub mod literature;
mod run;
mod tables;

use std::collections::HashSet;
use std::path::{Path, PathBuf};

pub use card::{evaluation_summary, model_card, Release};
pub use compare::{headlines, Headline, HeadlineMetric};
pub use error::ReportError;
pub use figures::annotate::{annotate, Mark};
pub use heldout::{heldout_markdown, HeldOut, HeldOutFace};

use figures::roc::RocCurve;
use figures::{calibration, confusion, curves, roc, scatter, slug};
use heads::{class_scores, computed_metrics, confidence, macro_auc, one_vs_rest, CALIBRATION_BINS};
use html::{escape, figure, page};
use run::{HeadMetrics, HeadPredictions, Predictions, Run};

/// What a per-run page shows beyond the run folder's own files.
#[derive(Debug, Clone, Default)]
pub struct RenderOptions {
    /// Where to read the test faces' images (UTKFace) for a grid of sample test faces, written to
    /// `report/faces/` with a `.gitignore`, since the images must never be committed. `None` (the
    /// default, and every committed report) leaves the grid out.
    pub faces: Option<FaceImages>,
}

/// The folder of the test faces' images.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FaceImages {
    /// The data folder the run's manifest names (`data_root`).
    DataRoot,
    /// This folder.
    Folder(PathBuf),
}

/// Renders the report of the run folder `run_dir`.
///
/// Writes `<run_dir>/report/index.html` and its PNG figures in `<run_dir>/report/`, and returns
/// the path of `index.html`. Needs `manifest.json` and `metrics.csv`; shows whatever else the
/// run has (`test-metrics.json`, `predictions.csv`, `load-summary.json`, `train.log`,
/// `model-summary.txt`).
pub fn render_run(run_dir: &Path) -> Result<PathBuf, ReportError> {
    render_run_with(run_dir, &RenderOptions::default())
}

/// [`render_run`] with options (the sample-face grid).
pub fn render_run_with(run_dir: &Path, options: &RenderOptions) -> Result<PathBuf, ReportError> {
    let run = Run::read(run_dir)?;
    let out = run_dir.join("report");
    let mut page_alerts: Vec<String> = Vec::new();
    let mut body = String::new();
    let mut names = FileNames::default();

    // Warnings first: the run's own, then what the report noticed.
    let status = run.manifest.as_ref().map_or_else(|| "unknown".to_owned(), |m| m.status.to_string());
    if run.manifest.as_ref().map(|m| &m.status) != Some(&runfolder::Status::Finished) {
        page_alerts.push(format!("Run status is \"{status}\", not \"finished\"."));
    }
    if run.test.is_none() {
        page_alerts.push(
            "test-metrics.json is missing: the run has not finished, so only training curves are shown.".to_owned(),
        );
    }
    if let (Some(t), Some(p)) = (&run.test, &run.predictions) {
        page_alerts.extend(tables::consistency(t, p));
    }

    body.push_str("<h2>Run</h2>\n");
    body.push_str(&tables::run_facts(&run));
    body.push_str(&faces_section(&run, options, &out)?);

    // Test metrics per head.
    if let Some(test) = &run.test {
        body.push_str("<h2>Test metrics</h2>\n");
        for (name, head) in &test.heads {
            body.push_str(&format!("<h3>Head \"{}\"</h3>\n", escape(name)));
            match head {
                HeadMetrics::Classification(c) => {
                    let computed = computed_metrics(&run, name);
                    body.push_str(&tables::classification_tables(c, Some(&computed)));
                }
                HeadMetrics::Regression(r) => {
                    body.push_str(&tables::regression_table(r));
                    if let Some((truth, pred)) = run.predictions.as_ref().and_then(|p| p.regression(name)) {
                        body.push_str(&age_groups::html(&age_groups::builtin_scores(truth, pred)));
                    }
                }
            }
            let ten_crop = test.ten_crop.iter().flatten().find(|(n, _)| n == name);
            if let Some((_, head)) = ten_crop {
                body.push_str("<p><b>With 10-crop over-sampling:</b></p>\n");
                match head {
                    HeadMetrics::Classification(c) => {
                        body.push_str(&tables::classification_tables(c, None));
                    }
                    HeadMetrics::Regression(r) => body.push_str(&tables::regression_table(r)),
                }
            }
        }
    }

    // Figures.
    body.push_str("<h2>Training curves</h2>\n");
    if run.epochs.epoch.is_empty() {
        body.push_str("<p>metrics.csv has no epochs yet.</p>\n");
    } else {
        let file = names.take("curves");
        curves::training_curves(&out.join(&file), &run.epochs, run.test.as_ref().map(|t| t.file.best_epoch as u32))?;
        body.push_str(&figure(
            &file,
            "training curves: loss and head metrics per epoch",
            "Train (blue, circles) vs validation (orange, triangles) per epoch; the dashed line marks the best epoch.",
        ));
    }

    if let Some(test) = &run.test {
        let mut confusion_html = String::new();
        for (name, head) in &test.heads {
            if let HeadMetrics::Classification(c) = head {
                if c.confusion.is_empty() {
                    continue;
                }
                let file = names.take(&format!("confusion-{}", slug(name)));
                confusion::confusion_matrix(&out.join(&file), name, &c.classes, &c.confusion)?;
                confusion_html.push_str(&figure(
                    &file,
                    &format!("confusion matrix of head {name}"),
                    &format!("Head \"{name}\": rows are true classes, columns predicted classes; left counts, right shares of each true class."),
                ));
            }
        }
        if !confusion_html.is_empty() {
            body.push_str("<h2>Confusion matrices</h2>\n");
            body.push_str(&confusion_html);
        }
    }

    if let Some(p) = &run.predictions {
        let mut roc_html = String::new();
        let mut cal_html = String::new();
        for h in &p.heads {
            let HeadPredictions::Classification { name, classes, truth, pred, probs } = h else {
                continue;
            };
            if classes.len() == 2 {
                let (scores, positives) = class_scores(truth, probs, 1);
                if let Some(auc) = metrics::roc_auc(&scores, &positives) {
                    let file = names.take(&format!("roc-{}", slug(name)));
                    let curve = RocCurve {
                        label: format!("model (AUC = {auc:.3})"),
                        points: metrics::roc_curve(&scores, &positives),
                    };
                    let title = format!("ROC: head \"{name}\" (positive class: {})", classes[1]);
                    roc::roc_curves(&out.join(&file), &title, &[curve])?;
                    roc_html.push_str(&figure(
                        &file,
                        &format!("ROC curve of head {name}"),
                        &format!("Head \"{name}\": ROC from the predicted probability of \"{}\" in predictions.csv; AUC = {auc:.3}.", classes[1]),
                    ));
                }
            } else if classes.len() > 2 {
                roc_html.push_str(&one_vs_rest_section(&out, &mut names, name, classes, truth, probs)?);
            }
            let (conf, correct) = confidence(truth, pred, probs);
            let bins = metrics::reliability_bins(&conf, &correct, CALIBRATION_BINS);
            if let Some(ece) = metrics::expected_calibration_error(&bins) {
                let file = names.take(&format!("calibration-{}", slug(name)));
                calibration::reliability_diagram(&out.join(&file), name, &bins, ece)?;
                cal_html.push_str(&figure(
                    &file,
                    &format!("reliability diagram of head {name}"),
                    &format!("Head \"{name}\": accuracy per bin of confidence (max probability); ECE = {ece:.3}. Bottom: faces per bin."),
                ));
            }
        }
        if !roc_html.is_empty() {
            body.push_str("<h2>ROC curves</h2>\n");
            body.push_str(&roc_html);
        }
        if !cal_html.is_empty() {
            body.push_str("<h2>Calibration</h2>\n<div class=\"grid\">\n");
            body.push_str(&cal_html);
            body.push_str("</div>\n");
        }
        let scatter_html = regression_section(p, &out, &mut names)?;
        if !scatter_html.is_empty() {
            body.push_str("<h2>Age: predicted vs true</h2>\n");
            body.push_str(&scatter_html);
        }
        let fair = tables::fairness(p);
        if !fair.is_empty() {
            body.push_str("<h2>Fairness: test metrics per race and gender</h2>\n");
            body.push_str(&fair);
        }
    }

    body.push_str(&format!(
        "<h2>Per-epoch metrics</h2>\n<details{}><summary>{} epochs (metrics.csv)</summary>\n{}</details>\n",
        if run.epochs.epoch.len() <= 30 { " open" } else { "" },
        run.epochs.epoch.len(),
        tables::epochs_table(&run.epochs)
    ));
    if let Ok(summary) = std::fs::read_to_string(run.dir.join("model-summary.txt")) {
        body.push_str(&format!(
            "<h2>Model summary</h2>\n<details><summary>Layers, output shapes, parameters and multiply-adds (model-summary.txt)</summary>\n<pre><code>{}</code></pre>\n</details>\n",
            escape(summary.trim_end())
        ));
    }
    if let Some(ls) = &run.load_summary {
        body.push_str("<h2>Data</h2>\n");
        body.push_str(&tables::load_summary(ls));
    }
    if let Some(lines) = &run.log_tail {
        body.push_str(&format!(
            "<h2>train.log</h2>\n<details><summary>Last {} lines</summary>\n<pre><code>{}</code></pre>\n</details>\n",
            lines.len(),
            escape(&lines.join("\n"))
        ));
    }

    let alerts = alerts_html(run.manifest.as_ref().map_or(&[][..], |m| &m.warnings[..]), &page_alerts);
    let title = format!("{} / {}", run.experiment(), run.run_id());
    let subtitle = run.manifest.as_ref().map_or_else(String::new, |m| {
        format!("model {}, {} parameters", m.model, tables::thousands(m.parameters as u64))
    });
    let html =
        page(&title, &subtitle, &alerts, &body, &format!("Generated by agelab report from {}.", run.dir.display()));
    let index = out.join("index.html");
    io::write_atomic(&index, html.as_bytes())?;
    Ok(index)
}

/// Writes a comparison of the runs in `run_dirs` into `out_dir`.
///
/// `out_dir` gets `comparison.csv` and `comparison.md` (one row per run: experiment, run id,
/// model, parameters, epochs, train seconds, test loss and each head's test metrics),
/// `valid-curves.png` (validation accuracy or MAE per epoch, runs overlaid) and `index.html`,
/// whose path is returned.
pub fn compare(run_dirs: &[PathBuf], out_dir: &Path) -> Result<PathBuf, ReportError> {
    compare_with(run_dirs, out_dir, &CompareOptions::default())
}

/// How [`compare_with`] joins and summarises the runs.
#[derive(Debug, Clone, Default)]
pub struct CompareOptions {
    /// The literature table to join (see [`compare_with_literature`]).
    pub literature: Option<PathBuf>,
    /// The runs are repeats of one protocol (seeds, or the five splits): add their mean ± std per
    /// metric (`summary.csv`, and a section of `comparison.md` and `index.html`).
    pub repeats: bool,
    /// Test figures of other test views (`mirror`, `ten`): each run's `evaluations/test-<views>/`
    /// (see [`run::Run::read_views`]) instead of its training-time test.
    pub views: Option<String>,
}

/// [`compare`] with options.
pub fn compare_with(run_dirs: &[PathBuf], out_dir: &Path, options: &CompareOptions) -> Result<PathBuf, ReportError> {
    let papers = options.literature.as_deref().map(literature::read).transpose()?;
    compare::compare(run_dirs, out_dir, papers.as_deref(), options)
}

/// [`compare`], plus the literature table read from `literature` (see [`literature::read`])
/// joined with the runs by experiment name: written as `literature.csv`, as a second table in
/// `comparison.md`, and as a section of `index.html`, "reported" next to "measured_here".
pub fn compare_with_literature(
    run_dirs: &[PathBuf],
    out_dir: &Path,
    literature: &Path,
) -> Result<PathBuf, ReportError> {
    compare_with(
        run_dirs,
        out_dir,
        &CompareOptions { literature: Some(literature.to_path_buf()), ..Default::default() },
    )
}

/// PNG file names handed out once each.
#[derive(Default)]
struct FileNames(HashSet<String>);

impl FileNames {
    fn take(&mut self, stem: &str) -> String {
        let mut name = format!("{stem}.png");
        let mut k = 2;
        while !self.0.insert(name.clone()) {
            name = format!("{stem}-{k}.png");
            k += 1;
        }
        name
    }
}

/// The one-vs-rest ROC figure and per-class AUC table of a multi-class head.
fn one_vs_rest_section(
    out: &Path,
    names: &mut FileNames,
    name: &str,
    classes: &[String],
    truth: &[usize],
    probs: &[Vec<f64>],
) -> Result<String, ReportError> {
    let rocs = one_vs_rest(classes, truth, probs);
    let Some(mean) = macro_auc(&rocs) else {
        return Ok(String::new());
    };
    let curves: Vec<RocCurve> = rocs
        .iter()
        .filter(|r| r.auc.is_some())
        .map(|r| RocCurve {
            label: format!("{} vs rest (AUC = {})", r.class, tables::frac(r.auc)),
            points: r.points.clone(),
        })
        .collect();
    let file = names.take(&format!("roc-{}", slug(name)));
    roc::roc_curves(&out.join(&file), &format!("One-vs-rest ROC: head \"{name}\""), &curves)?;
    let mut s = String::from("<div class=\"grid\">\n");
    s.push_str(&figure(
        &file,
        &format!("one-vs-rest ROC curves of head {name}"),
        &format!("Head \"{name}\": each class against all others, from its predicted probability in predictions.csv; macro-average AUC = {mean:.3}."),
    ));
    let rows: Vec<Vec<html::Cell>> = rocs
        .iter()
        .map(|r| {
            vec![
                html::Cell::Text(r.class.clone()),
                html::Cell::Num(r.support.to_string()),
                html::Cell::Num(tables::frac(r.auc)),
            ]
        })
        .collect();
    s.push_str("<div>\n");
    s.push_str(&html::table("", &["class", "faces", "AUC (one vs rest)"], &rows, |_| None));
    s.push_str(&format!("<p>Macro-average AUC: <b>{mean:.3}</b></p>\n</div>\n</div>\n"));
    Ok(s)
}

/// Predicted-vs-true figures of the regression heads.
fn regression_section(p: &Predictions, out: &Path, names: &mut FileNames) -> Result<String, ReportError> {
    let mut s = String::new();
    for h in &p.heads {
        let HeadPredictions::Regression { name, truth, pred } = h else {
            continue;
        };
        let errors: Vec<f64> = truth.iter().zip(pred).map(|(t, p)| (t - p).abs()).collect();
        let Some(mae) = run::Epochs::mean(&errors) else {
            continue;
        };
        let file = names.take(&format!("scatter-{}", slug(name)));
        scatter::predicted_vs_true(&out.join(&file), name, truth, pred, mae)?;
        s.push_str(&figure(
            &file,
            &format!("predicted against true age for head {name}"),
            &format!("Head \"{name}\": one dot per test face (predictions.csv); MAE = {mae:.2} years. The orange line is the mean prediction per 5-year bin of true age: where it leaves the diagonal, the head pulls predictions towards the middle ages."),
        ));
    }
    Ok(s)
}

/// The sample-face section: the grid when asked for and readable, otherwise why it is absent.
fn faces_section(run: &Run, options: &RenderOptions, out: &Path) -> Result<String, ReportError> {
    let head = "<h2>Sample test faces</h2>\n";
    let images = match &options.faces {
        Some(FaceImages::Folder(dir)) => Some(dir.clone()),
        Some(FaceImages::DataRoot) => {
            Some(run.manifest.as_ref().map(|m| PathBuf::from(&m.data_root)).ok_or_else(|| {
                ReportError::Inconsistent {
                    path: run.dir.join("manifest.json"),
                    message: "no data_root to read the sample faces from; name their folder instead".to_owned(),
                }
            })?)
        }
        None => None,
    };
    let (Some(images), Some(p)) = (images, run.predictions.as_ref()) else {
        faces::remove(out)?;
        return Ok(format!(
            "{head}<p class=\"note\">Not drawn: UTKFace's licence keeps its images out of the repository, so committed \
             reports omit them. <code>agelab report --faces &lt;run-dir&gt;</code> draws 24 test faces with their true \
             and predicted labels from the images on this machine (into <code>report/faces/</code>, which git ignores).</p>\n"
        ));
    };
    let drawn = faces::render(p, &images, out)?;
    if drawn.shown == 0 {
        return Ok(format!(
            "{head}<p class=\"note\">No test face image could be read from <code>{}</code>.</p>\n",
            escape(&images.display().to_string())
        ));
    }
    let missing = if drawn.unreadable > 0 {
        format!(" {} chosen images could not be read.", drawn.unreadable)
    } else {
        String::new()
    };
    Ok(format!(
        "{head}<div class=\"faces\">\n{}</div>\n",
        figure(
            faces::GRID_FILE,
            "sample test faces with true and predicted labels",
            &format!(
                "{} test faces from {} (half right, half wrong by the first head, spread over the test set): true \u{2192} predicted; \
                 blue with \u{2713} is right, orange with \u{2717} wrong (regression: within {:.0} years). Local only: \
                 report/faces/ is git-ignored and must not be committed.{missing}",
                drawn.shown,
                images.display(),
                faces::TOLERANCE_YEARS
            ),
        )
    ))
}

/// The warnings box: the run's own warnings, then the report's notes.
fn alerts_html(run_warnings: &[String], notes: &[String]) -> String {
    if run_warnings.is_empty() && notes.is_empty() {
        return String::new();
    }
    let mut s = String::from("<section class=\"alerts\" id=\"warnings\">\n");
    if !run_warnings.is_empty() {
        s.push_str("<h2>Warnings from the run (manifest.json)</h2>\n<ul>\n");
        for w in run_warnings {
            s.push_str(&format!("<li>{}</li>\n", escape(w)));
        }
        s.push_str("</ul>\n");
    }
    if !notes.is_empty() {
        s.push_str("<h2>Notes from the report</h2>\n<ul>\n");
        for n in notes {
            s.push_str(&format!("<li>{}</li>\n", escape(n)));
        }
        s.push_str("</ul>\n");
    }
    s.push_str("</section>\n");
    s
}
