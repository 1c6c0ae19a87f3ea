//! The comparison of several runs: a polars DataFrame written as CSV, Markdown and HTML, and the
//! literature table joined with what the runs measured.

use std::path::{Path, PathBuf};

use polars::prelude::*;

use crate::age_groups::builtin_scores;
use crate::figures::curves::valid_overlay;
use crate::figures::headline::{headline_chart, Row};
use crate::figures::slug;
use crate::html::{escape, figure, page, table, Cell};
use crate::io::write_atomic;
use crate::literature::{literature_frame, MeasuredMetric, Paper};
use crate::run::{HeadMetrics, HeadPredictions, Run};
use crate::ReportError;
use metrics::{mean_interval, wilson_interval};

/// How to read the literature table (Markdown and HTML).
const LITERATURE_NOTE: &str = "Each row is one figure of one paper (literature/papers.csv, with its source). \
\"reported\" is the paper's figure, \"measured_here\" agelab's test figure for the experiment that reproduces the row \
(same unit: % or years), on agelab's data and protocol (agelab_protocol). \"comparable_here\" says whether the two \
share data and protocol; \"note\" says why not, or why nothing was measured. \"report_says\" is the student report's \
figure where it differs from the paper.";

/// How to read the mean ± std table.
const SUMMARY_NOTE: &str = "The runs taken as repeats of one protocol (the five splits of Paplhám & Franc, \
or seeds): per column, the mean and sample standard deviation over the runs that have it (also in summary.csv).";

/// What a comparison over other test views says above its table.
fn views_note(views: &str) -> String {
    format!(
        "Test figures with {views} views: each run's evaluations/test-{views}/, written by \
         `agelab evaluate <run> --part test --views {views}` (outputs averaged over the views; \
         the loss is the first view's).\n\n"
    )
}

/// What a headline figure measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeadlineMetric {
    /// Exact accuracy of a classification head (a fraction; 95% interval: Wilson).
    Accuracy,
    /// Mean absolute error of an age head, in years (95% interval: Student's t over the faces).
    Mae,
}

/// One head's headline test figure with its 95% interval: what the comparison chart plots, the
/// comparison table leads with and the README's results table quotes.
#[derive(Debug, Clone, PartialEq)]
pub struct Headline {
    /// The head (`gender`, `age`, `age_years`, ...).
    pub head: String,
    /// For an age head in years, the built-in age-group scheme its predictions are placed in
    /// (`report5`, `report4`, `adience8`) and scored as groups; `None` for the head's own figure.
    pub scheme: Option<String>,
    /// Accuracy or MAE.
    pub metric: HeadlineMetric,
    /// The figure: a fraction for accuracies, years for MAE.
    pub value: f64,
    /// The 95% interval, when the per-face predictions (predictions.csv) are there to give it.
    pub interval: Option<(f64, f64)>,
}

impl Headline {
    /// The figure as the pages and the README print it: `88.21%`, `4.91`.
    pub fn value_text(&self) -> String {
        match self.metric {
            HeadlineMetric::Accuracy => format!("{:.2}%", 100.0 * self.value),
            HeadlineMetric::Mae => format!("{:.2}", self.value),
        }
    }

    /// The interval as the pages and the README print it: `85.6-90.4` (percent), `4.55-5.28` (years).
    pub fn interval_text(&self) -> Option<String> {
        self.interval.map(|(lo, hi)| match self.metric {
            HeadlineMetric::Accuracy => format!("{:.1}-{:.1}", 100.0 * lo, 100.0 * hi),
            HeadlineMetric::Mae => format!("{lo:.2}-{hi:.2}"),
        })
    }

    /// A short name for legends and table headers: the head, and the scheme a years head is read as.
    pub fn label(&self) -> String {
        match &self.scheme {
            Some(s) => format!("{} as {s}", self.head),
            None => self.head.clone(),
        }
    }
}

/// The headline figures of a run or evaluation folder (`views` as for `agelab compare --views`):
/// each head's accuracy or MAE with its 95% interval, then, for a head that predicts years, its
/// predictions scored on every built-in age-group scheme.
pub fn headlines(dir: &Path, views: Option<&str>) -> Result<Vec<Headline>, ReportError> {
    Ok(run_headlines(&Run::read_views(dir, views)?))
}

fn run_headlines(run: &Run) -> Vec<Headline> {
    let Some(test) = &run.test else { return Vec::new() };
    let mut own = Vec::new();
    let mut grouped = Vec::new();
    let predicted = |name: &str| {
        run.predictions.iter().flat_map(|p| &p.heads).find(|h| match h {
            HeadPredictions::Classification { name: n, .. } | HeadPredictions::Regression { name: n, .. } => n == name,
        })
    };
    for (name, head) in &test.heads {
        let line = |metric, value: Option<f64>, interval| {
            value.filter(|v| v.is_finite()).map(|value| Headline {
                head: name.clone(),
                scheme: None,
                metric,
                value,
                interval,
            })
        };
        match (head, predicted(name)) {
            (HeadMetrics::Classification(c), Some(HeadPredictions::Classification { truth, pred, .. })) => {
                let hits = metrics::hits(truth, pred);
                own.extend(line(HeadlineMetric::Accuracy, Some(c.accuracy), Some(wilson_interval(hits, truth.len()))));
            }
            (HeadMetrics::Classification(c), _) => own.extend(line(HeadlineMetric::Accuracy, Some(c.accuracy), None)),
            (HeadMetrics::Regression(r), Some(HeadPredictions::Regression { truth, pred, .. })) => {
                let errors: Vec<f64> = truth.iter().zip(pred).map(|(t, p)| (t - p).abs()).collect();
                let interval = mean_interval(&errors).map(|(_, lo, hi)| (lo, hi));
                own.extend(line(HeadlineMetric::Mae, Some(r.mae), interval));
                for s in builtin_scores(truth, pred) {
                    if let Some((value, interval)) = s.accuracy() {
                        grouped.push(Headline {
                            head: name.clone(),
                            scheme: Some(s.scheme.clone()),
                            metric: HeadlineMetric::Accuracy,
                            value,
                            interval: Some(interval),
                        });
                    }
                }
            }
            (HeadMetrics::Regression(r), _) => own.extend(line(HeadlineMetric::Mae, Some(r.mae), None)),
        }
    }
    own.extend(grouped);
    own
}

/// Test metrics that can appear per head, in column order.
const METRICS: [&str; 6] = ["accuracy", "one_off", "macro_f1", "auc", "mae", "rmse"];

fn head_metric(h: &HeadMetrics, metric: &str) -> Option<f64> {
    match h {
        HeadMetrics::Classification(c) => match metric {
            "accuracy" => Some(c.accuracy),
            "one_off" => c.one_off,
            "macro_f1" => Some(c.macro_f1),
            "auc" => c.auc,
            _ => None,
        },
        HeadMetrics::Regression(r) => match metric {
            "mae" => Some(r.mae),
            "rmse" => Some(r.rmse),
            _ => None,
        },
    }
}

/// The runs side by side: one row per run; metric columns that no run has are left out.
pub(crate) fn comparison_frame(runs: &[Run]) -> PolarsResult<DataFrame> {
    let str_col = |name: &str, f: &dyn Fn(&Run) -> Option<String>| {
        Column::new(name.into(), runs.iter().map(f).collect::<Vec<_>>())
    };
    let mut cols = vec![
        str_col("experiment", &|r| Some(r.experiment())),
        str_col("run_id", &|r| Some(r.run_id())),
        str_col("model", &|r| r.manifest.as_ref().map(|m| m.model.clone())),
        str_col("data", &|r| r.data_text()),
        str_col("split", &|r| r.split_text()),
        Column::new(
            "parameters".into(),
            runs.iter().map(|r| r.manifest.as_ref().map(|m| m.parameters as u64)).collect::<Vec<_>>(),
        ),
        Column::new("epochs".into(), runs.iter().map(|r| r.epochs.epoch.len() as u32).collect::<Vec<_>>()),
        Column::new(
            "train_seconds".into(),
            runs.iter().map(|r| r.manifest.as_ref().map(|m| m.train_seconds)).collect::<Vec<_>>(),
        ),
        Column::new("test_loss".into(), runs.iter().map(|r| r.test.as_ref().map(|t| t.file.loss)).collect::<Vec<_>>()),
    ];
    let mut heads: Vec<String> = Vec::new();
    for r in runs {
        for (name, _) in r.test.iter().flat_map(|t| &t.heads) {
            if !heads.contains(name) {
                heads.push(name.clone());
            }
        }
    }
    for head in &heads {
        for metric in METRICS {
            let values: Vec<Option<f64>> = runs
                .iter()
                .map(|r| {
                    let t = r.test.as_ref()?;
                    let (_, h) = t.heads.iter().find(|(n, _)| n == head)?;
                    head_metric(h, metric).filter(|v| v.is_finite())
                })
                .collect();
            if values.iter().any(Option::is_some) {
                cols.push(Column::new(format!("{head}_{metric}").into(), values));
            }
        }
    }
    DataFrame::new_infer_height(cols)
}

/// Repeats of one protocol (the five splits of Paplhám & Franc, or seeds): per numeric column of
/// the comparison, over the runs that have it, the count, mean, sample standard deviation, min and
/// max, and "mean ± std" as text (percent for accuracies, years for MAE/RMSE).
pub(crate) fn summary_frame(df: &DataFrame) -> PolarsResult<DataFrame> {
    let (mut names, mut counts, mut means, mut stds, mut mins, mut maxs, mut texts) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for c in df.columns() {
        if !matches!(c.dtype(), DataType::Float64) {
            continue;
        }
        let v: Vec<f64> = (0..c.len())
            .filter_map(|i| c.get(i).ok().and_then(|v| v.extract::<f64>()))
            .filter(|x| x.is_finite())
            .collect();
        if v.is_empty() {
            continue;
        }
        let n = v.len() as f64;
        let mean = v.iter().sum::<f64>() / n;
        let std =
            if v.len() > 1 { (v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt() } else { 0.0 };
        let name = c.name().to_string();
        let fraction = ["accuracy", "one_off", "macro_f1"].iter().any(|m| name.ends_with(&format!("_{m}")));
        texts.push(if fraction {
            format!("{:.2} ± {:.2} %", 100.0 * mean, 100.0 * std)
        } else {
            format!("{mean:.2} ± {std:.2}")
        });
        names.push(name);
        counts.push(v.len() as u32);
        means.push(mean);
        stds.push(std);
        mins.push(v.iter().copied().fold(f64::INFINITY, f64::min));
        maxs.push(v.iter().copied().fold(f64::NEG_INFINITY, f64::max));
    }
    DataFrame::new_infer_height(vec![
        Column::new("metric".into(), names),
        Column::new("runs".into(), counts),
        Column::new("mean ± std".into(), texts),
        Column::new("mean".into(), means),
        Column::new("std".into(), stds),
        Column::new("min".into(), mins),
        Column::new("max".into(), maxs),
    ])
}

/// A cell of the frame as text: floats rounded for reading, nulls empty.
fn cell_text(name: &str, v: &AnyValue<'_>) -> String {
    match v {
        AnyValue::Null => String::new(),
        AnyValue::String(s) => (*s).to_owned(),
        AnyValue::StringOwned(s) => s.to_string(),
        AnyValue::Float64(f) if name.ends_with("seconds") => format!("{f:.1}"),
        AnyValue::Float64(f) if name == "reported" || name == "measured_here" => figure_text(*f),
        AnyValue::Float64(f) if name.ends_with("mae") || name.ends_with("rmse") => format!("{f:.2}"),
        AnyValue::Float64(f) => format!("{f:.4}"),
        AnyValue::Float32(f) => format!("{f:.4}"),
        other => other.to_string(),
    }
}

/// A figure in % or years: two decimals at most, trailing zeros dropped (86.8, 44.26, 94).
fn figure_text(f: f64) -> String {
    let s = format!("{f:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_owned()
}

fn is_numeric(c: &Column) -> bool {
    c.dtype().is_primitive_numeric()
}

/// The frame as a GitHub-flavoured Markdown table.
pub(crate) fn to_markdown(df: &DataFrame) -> PolarsResult<String> {
    let cols = df.columns();
    let mut s = String::from("|");
    for c in cols {
        s.push_str(&format!(" {} |", c.name().replace('|', "\\|")));
    }
    s.push_str("\n|");
    for c in cols {
        s.push_str(if is_numeric(c) { " ---: |" } else { " --- |" });
    }
    s.push('\n');
    for i in 0..df.height() {
        s.push('|');
        for c in cols {
            let v = c.get(i)?;
            s.push_str(&format!(" {} |", cell_text(c.name(), &v).replace('|', "\\|")));
        }
        s.push('\n');
    }
    Ok(s)
}

fn to_html(df: &DataFrame, row_class: impl Fn(usize) -> Option<&'static str>) -> PolarsResult<String> {
    let cols = df.columns();
    let header: Vec<&str> = cols.iter().map(|c| c.name().as_str()).collect();
    let mut rows = Vec::with_capacity(df.height());
    for i in 0..df.height() {
        let mut row = Vec::with_capacity(cols.len());
        for c in cols {
            let text = cell_text(c.name(), &c.get(i)?);
            row.push(if is_numeric(c) { Cell::Num(text) } else { Cell::Text(text) });
        }
        rows.push(row);
    }
    Ok(table("", &header, &rows, row_class))
}

/// The columns that say which run it was and how it ran, after the figures when reading.
const BOOKKEEPING: [&str; 8] =
    ["run_id", "model", "data", "split", "parameters", "epochs", "train_seconds", "test_loss"];

/// The comparison in reading order: the run, each head's headline figure (accuracy or MAE), the
/// other metrics, then the bookkeeping. comparison.csv keeps the frame's own order.
fn reading_order(df: &DataFrame) -> PolarsResult<DataFrame> {
    let names: Vec<String> = df.get_column_names().iter().map(|n| n.to_string()).collect();
    let metrics = names.iter().filter(|n| *n != "experiment" && !BOOKKEEPING.contains(&n.as_str()));
    let (headline, other): (Vec<&String>, Vec<&String>) =
        metrics.partition(|n| n.ends_with("_accuracy") || n.ends_with("_mae"));
    let mut order: Vec<String> = names.iter().filter(|n| *n == "experiment").cloned().collect();
    order.extend(headline.into_iter().chain(other).cloned());
    order.extend(BOOKKEEPING.iter().filter(|b| names.iter().any(|n| n == *b)).map(|b| (*b).to_owned()));
    df.select(order)
}

/// One headline chart: runs whose heads answer the same question (same metric, same classes).
struct Task {
    /// "test", or "validation" when every figure is an evaluation of validation faces.
    part: &'static str,
    metric: HeadlineMetric,
    classes: Vec<String>,
    heads: Vec<String>,
    rows: Vec<Row>,
}

impl Task {
    fn title(&self) -> String {
        let heads = self.heads.join(" / ");
        match (self.metric, self.classes.len()) {
            (HeadlineMetric::Mae, _) => format!("{heads}: {} MAE", self.part),
            (_, n) if n > 2 => format!(
                "{heads} ({n} groups, {} to {}): {} accuracy",
                self.classes.first().map_or("", String::as_str),
                self.classes.last().map_or("", String::as_str),
                self.part
            ),
            _ => format!("{heads}: {} accuracy", self.part),
        }
    }

    fn stem(&self) -> String {
        let mut stem = format!("headline-{}", slug(&self.heads.join("-")));
        if self.classes.len() > 2 {
            stem.push_str(&format!("-{}-groups", self.classes.len()));
        }
        if self.metric == HeadlineMetric::Mae {
            stem.push_str("-mae");
        }
        stem
    }
}

/// A headline chart written: its file (in the comparison folder), title and caption.
struct Chart {
    file: String,
    title: String,
    caption: String,
}

/// Per task, a chart of each run's headline test figure with its 95% interval and the papers'
/// figures for the same experiment and head.
fn headline_charts(
    runs: &[Run],
    labels: &[String],
    papers: Option<&[Paper]>,
    out_dir: &Path,
) -> Result<Vec<Chart>, ReportError> {
    let mut tasks: Vec<Task> = Vec::new();
    let valid = runs.iter().all(|r| r.test.as_ref().is_some_and(|t| t.file.part == "valid"));
    let part = if valid { "validation" } else { "test" };
    for (run, label) in runs.iter().zip(labels) {
        for h in run_headlines(run).into_iter().filter(|h| h.scheme.is_none()) {
            let classes = run
                .test
                .iter()
                .flat_map(|t| &t.heads)
                .find_map(|(n, m)| match m {
                    HeadMetrics::Classification(c) if *n == h.head => Some(c.classes.clone()),
                    _ => None,
                })
                .unwrap_or_default();
            let scale = if h.metric == HeadlineMetric::Accuracy { 100.0 } else { 1.0 };
            let measured = match h.metric {
                HeadlineMetric::Accuracy => MeasuredMetric::Accuracy,
                HeadlineMetric::Mae => MeasuredMetric::Mae,
            };
            let row = Row {
                label: label.clone(),
                value: h.value * scale,
                interval: h.interval.map(|(a, b)| (a * scale, b * scale)),
                text: match h.interval_text() {
                    Some(i) => format!("{} ({i})", h.value_text()),
                    None => h.value_text(),
                },
                papers: papers
                    .into_iter()
                    .flatten()
                    .filter(|p| {
                        p.agelab_experiment == run.experiment()
                            && p.agelab_head == h.head
                            && p.agelab_metric == Some(measured)
                    })
                    .filter_map(|p| p.reported)
                    .collect(),
            };
            match tasks.iter_mut().find(|t| t.metric == h.metric && t.classes == classes) {
                Some(t) => {
                    if !t.heads.contains(&h.head) {
                        t.heads.push(h.head.clone());
                    }
                    t.rows.push(row);
                }
                None => {
                    tasks.push(Task { part, metric: h.metric, classes, heads: vec![h.head.clone()], rows: vec![row] })
                }
            }
        }
    }
    let mut charts: Vec<Chart> = Vec::new();
    for t in &tasks {
        let stem = t.stem();
        let mut file = format!("{stem}.png");
        let mut k = 2;
        while charts.iter().any(|c| c.file == file) {
            file = format!("{stem}-{k}.png");
            k += 1;
        }
        let x_desc = match t.metric {
            HeadlineMetric::Accuracy => format!("{part} accuracy (%)"),
            HeadlineMetric::Mae => format!("{part} MAE (years; lower is better)"),
        };
        headline_chart(&out_dir.join(&file), &t.title(), &x_desc, &format!("{part} figure"), &t.rows)?;
        let classes = if t.classes.is_empty() { String::new() } else { format!(" Classes: {}.", t.classes.join(", ")) };
        let papers = if t.rows.iter().any(|r| !r.papers.is_empty()) {
            " Diamonds: the paper's figure for the run's experiment (literature table), measured on the paper's own data and protocol."
        } else {
            ""
        };
        charts.push(Chart {
            file,
            title: t.title(),
            caption: format!(
                "Each run's {part} figure (dot) and its 95% interval over its own {part} faces, where its \
                 per-face predictions give one (bar; Wilson for accuracies, Student's t for MAE).{papers}{classes}"
            ),
        });
    }
    Ok(charts)
}

/// Writes `df` as CSV to `path`, atomically.
fn write_csv(df: &mut DataFrame, path: &Path) -> Result<(), ReportError> {
    let mut csv = Vec::new();
    CsvWriter::new(&mut csv)
        .include_header(true)
        .finish(df)
        .map_err(|source| ReportError::Table { path: path.to_path_buf(), source })?;
    write_atomic(path, &csv)
}

/// Writes the comparison of `run_dirs` into `out_dir`, with the literature table joined to the
/// runs when `literature` is given; see [`crate::compare`].
pub(crate) fn compare(
    run_dirs: &[PathBuf],
    out_dir: &Path,
    literature: Option<&[Paper]>,
    options: &crate::CompareOptions,
) -> Result<PathBuf, ReportError> {
    if run_dirs.is_empty() {
        return Err(ReportError::NoRuns { path: out_dir.to_path_buf() });
    }
    let views = options.views.as_deref();
    let runs = run_dirs.iter().map(|d| Run::read_views(d, views)).collect::<Result<Vec<_>, _>>()?;

    let csv_path = out_dir.join("comparison.csv");
    let table_err = |path: &Path| {
        let path = path.to_path_buf();
        move |source| ReportError::Table { path, source }
    };
    let mut df = comparison_frame(&runs).map_err(table_err(&csv_path))?;
    write_csv(&mut df, &csv_path)?;

    let lit_path = out_dir.join("literature.csv");
    let mut lit = literature.map(|papers| literature_frame(papers, &runs)).transpose().map_err(table_err(&lit_path))?;
    if let Some(lit) = &mut lit {
        write_csv(lit, &lit_path)?;
    }

    let summary_path = out_dir.join("summary.csv");
    let mut summary = options.repeats.then(|| summary_frame(&df)).transpose().map_err(table_err(&summary_path))?;
    if let Some(summary) = &mut summary {
        write_csv(summary, &summary_path)?;
    }

    // Unique legend labels, even for copies of one run.
    let mut labels: Vec<String> = Vec::new();
    for r in &runs {
        let base = format!("{}/{}", r.experiment(), r.run_id());
        let mut label = base.clone();
        let mut k = 2;
        while labels.contains(&label) {
            label = format!("{base} #{k}");
            k += 1;
        }
        labels.push(label);
    }
    let charts = headline_charts(&runs, &labels, literature, out_dir)?;
    let shown = reading_order(&df).map_err(table_err(&csv_path))?;

    let md_path = out_dir.join("comparison.md");
    let mut md = views.map(views_note).unwrap_or_default();
    for c in &charts {
        md.push_str(&format!("![{}]({})\n\n{}\n\n", c.title, c.file, c.caption));
    }
    md.push_str(&to_markdown(&shown).map_err(table_err(&md_path))?);
    if let Some(summary) = &summary {
        md.push_str(&format!("\n## Over the {} runs: mean ± std\n\n{SUMMARY_NOTE}\n\n", runs.len()));
        md.push_str(&to_markdown(summary).map_err(table_err(&md_path))?);
    }
    if let Some(lit) = &lit {
        md.push_str(&format!("\n## Literature: reported vs measured here\n\n{LITERATURE_NOTE}\n\n"));
        md.push_str(&to_markdown(lit).map_err(table_err(&md_path))?);
    }
    write_atomic(&md_path, md.as_bytes())?;

    let curves = "valid-curves.png";
    let series: Vec<(String, &crate::run::Epochs)> =
        labels.iter().cloned().zip(runs.iter().map(|r| &r.epochs)).filter(|(_, e)| !e.epoch.is_empty()).collect();
    // evaluation folders have no epochs: with nothing else, no curves to draw
    let has_curves = !series.is_empty();
    if has_curves {
        valid_overlay(&out_dir.join(curves), &series)?;
    }

    let index = out_dir.join("index.html");
    let mut body = String::from("<h2>Test figures</h2>\n");
    if let Some(v) = views {
        body.push_str(&format!("<p class=\"note\">{}</p>\n", escape(views_note(v).trim())));
    }
    for c in &charts {
        body.push_str(&figure(&c.file, &c.title, &c.caption));
    }
    body.push_str("<h2>Test metrics</h2>\n<div class=\"wide\">\n");
    body.push_str(&to_html(&shown, |_| None).map_err(table_err(&index))?);
    body.push_str("</div>\n");
    body.push_str(
        "<p class=\"note\">Also written as <a href=\"comparison.csv\">comparison.csv</a> and \
         <a href=\"comparison.md\">comparison.md</a>.</p>\n",
    );
    if let Some(summary) = &summary {
        body.push_str(&format!("<h2 id=\"summary\">Over the {} runs: mean ± std</h2>\n", runs.len()));
        body.push_str(&format!("<p class=\"note\">{}</p>\n", escape(SUMMARY_NOTE)));
        body.push_str(&to_html(summary, |_| None).map_err(table_err(&index))?);
    }
    if let Some(lit) = &lit {
        let measured = lit.column("measured_here").map_err(table_err(&index))?;
        let unmeasured: Vec<bool> = (0..lit.height()).map(|i| measured.get(i).is_ok_and(|v| v.is_null())).collect();
        body.push_str("<h2 id=\"literature\">Literature: reported vs measured here</h2>\n");
        body.push_str(&format!("<p class=\"note\">{}</p>\n", escape(LITERATURE_NOTE)));
        body.push_str("<div class=\"wide\">\n");
        body.push_str(
            &to_html(lit, |i| unmeasured.get(i).copied().unwrap_or(false).then_some("unmeasured"))
                .map_err(table_err(&index))?,
        );
        body.push_str("</div>\n<p class=\"note\">Also written as <a href=\"literature.csv\">literature.csv</a>; rows without a measured figure are greyed.</p>\n");
    }
    if has_curves {
        body.push_str("<h2>Validation curves</h2>\n");
        body.push_str(&figure(
            curves,
            "validation metric per epoch for each run",
            "Validation accuracy (classification heads) or MAE (regression heads) per epoch, one line per run.",
        ));
    }
    body.push_str("<h2>Runs</h2>\n<ul>\n");
    let mut alerts = String::new();
    for (label, r) in labels.iter().zip(&runs) {
        body.push_str(&format!(
            "<li><b>{}</b>: <code>{}</code></li>\n",
            escape(label),
            escape(&r.dir.display().to_string())
        ));
        for w in r.manifest.iter().flat_map(|m| &m.warnings) {
            alerts.push_str(&format!("<li>{}: {}</li>\n", escape(label), escape(w)));
        }
        if r.test.is_none() {
            alerts.push_str(&format!(
                "<li>{}: no test-metrics.json (run not finished?); its test metrics are empty.</li>\n",
                escape(label)
            ));
        }
    }
    body.push_str("</ul>\n");
    if !alerts.is_empty() {
        // folded: the runs' own pages show them in full; this page leads with the figures
        let n = alerts.matches("<li>").count();
        alerts = format!(
            "<section class=\"alerts\"><details><summary><b>Warnings from the runs ({n})</b></summary><ul>\n{alerts}</ul></details></section>\n"
        );
    }
    let html = page(
        &format!("Comparison of {} runs", runs.len()),
        &labels.join(", "),
        &alerts,
        &body,
        "Generated by agelab report from the run folders listed above.",
    );
    write_atomic(&index, html.as_bytes())?;
    Ok(index)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_aligns_numbers_and_blanks_nulls() {
        let df = DataFrame::new_infer_height(vec![
            Column::new("name".into(), vec![Some("a|b".to_owned()), None]),
            Column::new("acc".into(), vec![Some(0.5f64), None]),
        ]);
        let md = df.and_then(|d| to_markdown(&d)).unwrap_or_default();
        assert_eq!(md, "| name | acc |\n| --- | ---: |\n| a\\|b | 0.5000 |\n|  |  |\n");
    }

    #[test]
    fn summary_is_mean_and_sample_std_per_numeric_column() {
        let df = DataFrame::new_infer_height(vec![
            Column::new("experiment".into(), vec!["a", "b", "c"]),
            Column::new("gender_accuracy".into(), vec![Some(0.90f64), Some(0.92), None]),
            Column::new("age_mae".into(), vec![Some(5.0f64), Some(6.0), Some(7.0)]),
        ])
        .unwrap();
        let s = summary_frame(&df).unwrap();
        assert_eq!(s.height(), 2, "one row per numeric column");
        let cells = |name: &str| -> Vec<String> {
            let c = s.column(name).unwrap();
            (0..c.len()).map(|i| cell_text(name, &c.get(i).unwrap())).collect()
        };
        // 0.90 and 0.92: mean 0.91, sample std 0.01414 (the missing run is left out).
        assert_eq!(cells("mean ± std"), vec!["91.00 ± 1.41 %", "6.00 ± 1.00"]);
        assert_eq!(cells("runs"), vec!["2", "3"]);
    }
}
