//! agelab's reports: read a run folder (docs/run-folder.md) and write a self-contained HTML
//! page with PNG figures, or compare several runs side by side. No libtorch needed.

#![warn(missing_docs)]

mod compare;
mod error;
mod figures;
mod html;
mod io;
mod run;
pub mod stats;
mod tables;

use std::collections::HashSet;
use std::path::{Path, PathBuf};

pub use error::ReportError;
pub use figures::annotate::{annotate, Mark};

use figures::{calibration, confusion, curves, roc, slug};
use html::{escape, figure, page};
use run::{HeadMetrics, HeadPredictions, Run};

/// Confidence bins of the reliability diagrams.
const CALIBRATION_BINS: usize = 10;

/// Renders the report of the run folder `run_dir`.
///
/// Writes `<run_dir>/report/index.html` and its PNG figures in `<run_dir>/report/`, and returns
/// the path of `index.html`. Needs `manifest.json` and `metrics.csv`; shows whatever else the
/// run has (`test-metrics.json`, `predictions.csv`, `load-summary.json`, `train.log`).
pub fn render_run(run_dir: &Path) -> Result<PathBuf, ReportError> {
    let run = Run::read(run_dir)?;
    let out = run_dir.join("report");
    let mut page_alerts: Vec<String> = Vec::new();
    let mut body = String::new();
    let mut names = FileNames::default();

    // Warnings first: the run's own, then what the report noticed.
    let status = run.manifest.status.as_deref().unwrap_or("unknown");
    if status != "finished" {
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
                HeadMetrics::Regression(r) => body.push_str(&tables::regression_table(r)),
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
        curves::training_curves(&out.join(&file), &run.epochs, run.test.as_ref().and_then(|t| t.best_epoch))?;
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
                let (scores, positives) = binary_scores(truth, probs);
                if let Some(auc) = stats::auc(&scores, &positives) {
                    let file = names.take(&format!("roc-{}", slug(name)));
                    let points = stats::roc_curve(&scores, &positives);
                    roc::roc_curve(&out.join(&file), name, &classes[1], &points, auc)?;
                    roc_html.push_str(&figure(
                        &file,
                        &format!("ROC curve of head {name}"),
                        &format!("Head \"{name}\": ROC from the predicted probability of \"{}\" in predictions.csv; AUC = {auc:.3}.", classes[1]),
                    ));
                }
            }
            let (conf, correct) = confidence(truth, pred, probs);
            let bins = stats::reliability_bins(&conf, &correct, CALIBRATION_BINS);
            if let Some(ece) = stats::expected_calibration_error(&bins) {
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

    let alerts = alerts_html(run.manifest.warnings.as_deref().unwrap_or(&[]), &page_alerts);
    let title = format!("{} / {}", run.experiment(), run.run_id());
    let subtitle = match (&run.manifest.model, run.manifest.parameters) {
        (Some(m), Some(p)) => format!("model {m}, {} parameters", tables::thousands(p)),
        (Some(m), None) => format!("model {m}"),
        _ => String::new(),
    };
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
    compare::compare(run_dirs, out_dir)
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

/// Probability of class 1 and whether class 1 is true, per face of a binary head.
fn binary_scores(truth: &[usize], probs: &[Vec<f64>]) -> (Vec<f64>, Vec<bool>) {
    let scores = probs.iter().map(|r| r.get(1).copied().unwrap_or(f64::NAN)).collect();
    (scores, truth.iter().map(|&t| t == 1).collect())
}

/// Max probability and correctness of each prediction.
fn confidence(truth: &[usize], pred: &[usize], probs: &[Vec<f64>]) -> (Vec<f64>, Vec<bool>) {
    let conf = probs.iter().map(|r| r.iter().copied().fold(f64::NAN, f64::max)).collect();
    let correct = truth.iter().zip(pred).map(|(t, p)| t == p).collect();
    (conf, correct)
}

/// AUC and ECE of classification head `name` from predictions.csv, where available.
fn computed_metrics(run: &Run, name: &str) -> tables::Computed {
    let mut c = tables::Computed { auc: None, ece: None };
    let Some(p) = &run.predictions else {
        return c;
    };
    for h in &p.heads {
        if let HeadPredictions::Classification { name: n, classes, truth, pred, probs } = h {
            if n != name {
                continue;
            }
            if classes.len() == 2 {
                let (scores, positives) = binary_scores(truth, probs);
                c.auc = stats::auc(&scores, &positives);
            }
            let (conf, correct) = confidence(truth, pred, probs);
            c.ece = stats::expected_calibration_error(&stats::reliability_bins(&conf, &correct, CALIBRATION_BINS));
        }
    }
    c
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
