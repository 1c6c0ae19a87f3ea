//! The literature table (`literature/papers.csv`): what the papers report, kept as data with each
//! figure's source, and joined with the figures agelab measured for the rows it reproduces.

use std::path::Path;

use polars::prelude::*;
use serde::Deserialize;

use crate::run::{HeadMetrics, Run};
use crate::ReportError;

/// How a paper's figure is measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum Metric {
    /// Exact age-group accuracy, in %.
    #[serde(rename = "exact")]
    Exact,
    /// Age-group accuracy counting a neighbouring group as right, in %.
    #[serde(rename = "1-off")]
    OneOff,
    /// Mean absolute error of the age, in years.
    #[serde(rename = "MAE")]
    Mae,
    /// Accuracy of a classification that is not an age group (gender), in %.
    #[serde(rename = "accuracy")]
    Accuracy,
}

impl Metric {
    /// The name used in the data file.
    pub fn name(self) -> &'static str {
        match self {
            Metric::Exact => "exact",
            Metric::OneOff => "1-off",
            Metric::Mae => "MAE",
            Metric::Accuracy => "accuracy",
        }
    }

    /// The unit of figures of this metric.
    pub fn unit(self) -> &'static str {
        match self {
            Metric::Mae => "years",
            _ => "%",
        }
    }
}

/// Whether the model was trained from scratch or started from weights learnt on other data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum Pretraining {
    /// Started from weights pre-trained on other data.
    #[serde(rename = "transfer")]
    Transfer,
    /// Trained from random initialisation.
    #[serde(rename = "from scratch")]
    FromScratch,
}

/// Which of a run's test metrics reproduces a paper's figure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MeasuredMetric {
    /// `accuracy` of a classification head, single (centre) crop.
    Accuracy,
    /// `one_off` of an ordinal classification head, single crop.
    OneOff,
    /// `mae` of a regression head.
    Mae,
    /// `accuracy` with 10-crop over-sampling (`ten_crop` in test-metrics.json).
    #[serde(rename = "accuracy_10crop")]
    Accuracy10Crop,
    /// `one_off` with 10-crop over-sampling.
    #[serde(rename = "one_off_10crop")]
    OneOff10Crop,
}

impl MeasuredMetric {
    fn ten_crop(self) -> bool {
        matches!(self, MeasuredMetric::Accuracy10Crop | MeasuredMetric::OneOff10Crop)
    }
}

/// Yes or no, as written in the data file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
enum YesNo {
    Yes,
    No,
}

/// One row of the literature table: one figure of one paper.
#[derive(Debug, Clone, Deserialize)]
pub struct Paper {
    /// A stable key of the row.
    pub id: String,
    /// Authors and title.
    pub paper: String,
    /// Year of publication, when known.
    pub year: Option<u16>,
    /// The data the figure was measured on.
    pub dataset: String,
    /// How train and test data were split and how the test images were cropped.
    pub protocol: String,
    /// What is predicted (gender, age group, age).
    pub task: String,
    /// The metric of `reported`.
    pub metric: Metric,
    /// Transfer or from scratch, when known.
    pub pretraining: Option<Pretraining>,
    /// The paper's figure (% or years, see [`Metric::unit`]); empty when it could not be confirmed.
    pub reported: Option<f64>,
    /// What the student report wrote for this figure, where it differs from the paper.
    pub report_says: String,
    /// Where in the paper the figure is, and whether it was confirmed.
    pub source: String,
    #[serde(deserialize_with = "yes_no")]
    /// Whether agelab's measured figure is comparable with the paper's (same data and protocol).
    pub comparable_here: bool,
    /// Why the figures are (not) comparable.
    pub comparable_reason: String,
    /// The experiment whose runs reproduce the row; empty when none can.
    pub agelab_experiment: String,
    /// The head of that experiment's runs that gives the figure.
    pub agelab_head: String,
    /// The test metric of that head that gives the figure.
    pub agelab_metric: Option<MeasuredMetric>,
}

fn yes_no<'de, D: serde::Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    Ok(YesNo::deserialize(d)? == YesNo::Yes)
}

/// Reads the literature table at `path`; every row must name a known metric and say yes or no.
pub fn read(path: &Path) -> Result<Vec<Paper>, ReportError> {
    let bytes = std::fs::read(path).map_err(|source| {
        if source.kind() == std::io::ErrorKind::NotFound {
            ReportError::Missing {
                path: path.to_path_buf(),
                expected: "the literature table (literature/papers.csv)".into(),
            }
        } else {
            ReportError::Read { path: path.to_path_buf(), source }
        }
    })?;
    let mut reader = csv::ReaderBuilder::new().trim(csv::Trim::All).from_reader(bytes.as_slice());
    let mut papers: Vec<Paper> = Vec::new();
    for row in reader.deserialize() {
        let paper: Paper = row.map_err(|source| ReportError::Csv { path: path.to_path_buf(), source })?;
        if paper.agelab_experiment.is_empty() != paper.agelab_metric.is_none() {
            return Err(ReportError::Inconsistent {
                path: path.to_path_buf(),
                message: format!(
                    "row `{}`: agelab_experiment and agelab_metric go together (both set or both empty)",
                    paper.id
                ),
            });
        }
        if papers.iter().any(|p| p.id == paper.id) {
            return Err(ReportError::Inconsistent {
                path: path.to_path_buf(),
                message: format!("row id `{}` appears twice; ids must be unique", paper.id),
            });
        }
        papers.push(paper);
    }
    Ok(papers)
}

/// What agelab measured for one paper row.
struct Measured {
    /// In the paper's unit (% or years).
    value: Option<f64>,
    /// The run that gave it (`experiment/run-id`).
    run: Option<String>,
    /// The run's data, split and cropping.
    protocol: String,
    /// Why there is no value, or how to read it.
    note: String,
}

/// The newest of `runs` of `experiment` (run ids are UTC start times, so they sort by time).
fn latest<'a>(runs: &'a [Run], experiment: &str) -> Option<&'a Run> {
    runs.iter().filter(|r| r.experiment() == experiment).max_by_key(|r| r.run_id())
}

/// A run's data, input shape, split sizes and test cropping, as one line.
fn run_protocol(run: &Run, ten_crop: bool) -> String {
    let crop = if ten_crop { "10-crop over-sampling" } else { "single crop" };
    [run.data_text(), run.split_text(), Some(crop.to_owned())].into_iter().flatten().collect::<Vec<_>>().join(", ")
}

fn measure(paper: &Paper, runs: &[Run]) -> Measured {
    let not_run = |note: String| Measured { value: None, run: None, protocol: String::new(), note };
    let Some(metric) = paper.agelab_metric else {
        return not_run(format!("not reproducible here: {}", paper.comparable_reason));
    };
    let experiment = &paper.agelab_experiment;
    let Some(run) = latest(runs, experiment) else {
        return not_run(format!("not measured yet: no run of `{experiment}` in this comparison"));
    };
    let label = Some(format!("{}/{}", run.experiment(), run.run_id()));
    let protocol = run_protocol(run, metric.ten_crop());
    let heads = run.test.as_ref().and_then(|t| if metric.ten_crop() { t.ten_crop.as_ref() } else { Some(&t.heads) });
    let head = heads.and_then(|hs| hs.iter().find(|(n, _)| *n == paper.agelab_head)).map(|(_, h)| h);
    let raw = head.and_then(|h| match (h, metric) {
        (HeadMetrics::Classification(c), MeasuredMetric::Accuracy | MeasuredMetric::Accuracy10Crop) => Some(c.accuracy),
        (HeadMetrics::Classification(c), MeasuredMetric::OneOff | MeasuredMetric::OneOff10Crop) => c.one_off,
        (HeadMetrics::Regression(r), MeasuredMetric::Mae) => Some(r.mae),
        _ => None,
    });
    let value = raw.filter(|v| v.is_finite()).map(|v| if paper.metric == Metric::Mae { v } else { v * 100.0 });
    let note = match (value, paper.comparable_here) {
        (None, _) => format!("the run has no such test metric for head `{}`", paper.agelab_head),
        (Some(_), true) => format!("comparable: {}", paper.comparable_reason),
        (Some(_), false) => format!("not comparable: {}", paper.comparable_reason),
    };
    Measured { value, run: label, protocol, note }
}

/// The literature table joined with the measured figures: "reported" and "measured_here" side
/// by side (both in `unit`), with the protocol of each and a note on rows without a measurement.
pub(crate) fn literature_frame(papers: &[Paper], runs: &[Run]) -> PolarsResult<DataFrame> {
    let measured: Vec<Measured> = papers.iter().map(|p| measure(p, runs)).collect();
    let text = |name: &str, f: &dyn Fn(&Paper) -> String| {
        Column::new(name.into(), papers.iter().map(f).collect::<Vec<String>>())
    };
    let measured_text = |name: &str, f: &dyn Fn(&Measured) -> Option<String>| {
        Column::new(name.into(), measured.iter().map(f).collect::<Vec<Option<String>>>())
    };
    DataFrame::new_infer_height(vec![
        text("paper", &|p| p.paper.clone()),
        Column::new("year".into(), papers.iter().map(|p| p.year.map(u32::from)).collect::<Vec<_>>()),
        text("task", &|p| p.task.clone()),
        text("metric", &|p| p.metric.name().to_owned()),
        text("report_says", &|p| p.report_says.clone()),
        Column::new("reported".into(), papers.iter().map(|p| p.reported).collect::<Vec<_>>()),
        Column::new("measured_here".into(), measured.iter().map(|m| m.value).collect::<Vec<_>>()),
        text("unit", &|p| p.metric.unit().to_owned()),
        text("dataset", &|p| p.dataset.clone()),
        text("protocol", &|p| p.protocol.clone()),
        measured_text("agelab_protocol", &|m| (!m.protocol.is_empty()).then(|| m.protocol.clone())),
        text("pretraining", &|p| match p.pretraining {
            Some(Pretraining::Transfer) => "transfer".to_owned(),
            Some(Pretraining::FromScratch) => "from scratch".to_owned(),
            None => String::new(),
        }),
        text("comparable_here", &|p| if p.comparable_here { "yes".to_owned() } else { "no".to_owned() }),
        measured_text("note", &|m| Some(m.note.clone())),
        measured_text("agelab_run", &|m| m.run.clone()),
        text("source", &|p| p.source.clone()),
    ])
}
