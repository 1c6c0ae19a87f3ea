//! HTML sections of the per-run page: run facts, metrics per head, fairness, data, epochs.

use crate::html::{escape, facts, table, Cell};
use crate::run::{
    ClassMetrics, CurveMetric, Epochs, HeadPredictions, LoadSummary, Predictions, RegressionMetrics, Run, TestMetrics,
};
use metrics::{group_means, GroupMean};

/// UTKFace race codes as stored in predictions.csv.
pub(crate) const RACES: [&str; 5] = ["white", "black", "asian", "indian", "others"];
/// UTKFace gender codes as stored in predictions.csv.
pub(crate) const GENDERS: [&str; 2] = ["male", "female"];

/// Groups smaller than this are flagged as unreliable in the fairness tables.
const SMALL_GROUP: usize = 30;

/// A fraction with three decimals, or "n/a".
pub(crate) fn frac(v: Option<f64>) -> String {
    match v {
        Some(x) if x.is_finite() => format!("{x:.3}"),
        _ => "n/a".to_owned(),
    }
}

/// Years with two decimals, or "n/a".
pub(crate) fn years(v: Option<f64>) -> String {
    match v {
        Some(x) if x.is_finite() => format!("{x:.2}"),
        _ => "n/a".to_owned(),
    }
}

/// An integer with thousands separators.
pub(crate) fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Seconds as "1 h 02 min 03 s (3723 s)".
pub(crate) fn duration(secs: f64) -> String {
    if !secs.is_finite() || secs < 0.0 {
        return "n/a".to_owned();
    }
    let t = secs.round() as u64;
    let (h, m, s) = (t / 3600, t / 60 % 60, t % 60);
    let hms = if h > 0 {
        format!("{h} h {m:02} min {s:02} s")
    } else if m > 0 {
        format!("{m} min {s:02} s")
    } else {
        format!("{s} s")
    };
    format!("{hms} ({secs:.0} s)")
}

/// The run facts table at the top of the page.
pub(crate) fn run_facts(run: &Run) -> String {
    let m = run.manifest.as_ref();
    let commit = m.and_then(|m| {
        m.git_commit.as_ref().map(|c| match m.git_dirty {
            Some(true) => format!("{c} (dirty: uncommitted changes)"),
            _ => c.clone(),
        })
    });
    let split = run.split_text();
    let input = m.map(|m| format!("{} channels, {} x {} px", m.input.channels, m.input.size, m.input.size));
    let heads = m.map(|m| {
        m.heads
            .iter()
            .map(|h| match &h.classes {
                Some(c) if !c.is_empty() => format!("{} ({} classes: {})", h.name, c.len(), c.join(", ")),
                _ => format!("{} (regression)", h.name),
            })
            .collect::<Vec<_>>()
            .join("; ")
    });
    let ips = Epochs::mean(&run.epochs.images_per_s).map(|v| format!("{v:.1} images/s (mean over epochs)"));
    let test = run.test.as_ref().map(|t| &t.file);
    facts(&[
        ("Experiment", Some(run.experiment())),
        ("Run id", Some(run.run_id())),
        ("Status", m.map(|m| m.status.to_string())),
        ("Model", m.map(|m| m.model.clone())),
        ("Parameters", m.map(|m| thousands(m.parameters as u64))),
        (
            "Multiply-adds per image",
            m.map(|m| format!("{} ({:.2} M)", thousands(m.multiply_adds as u64), m.multiply_adds as f64 / 1e6)),
        ),
        ("Heads", heads),
        ("Input", input),
        ("Seed", m.map(|m| m.seed.to_string())),
        ("Git commit", commit),
        ("agelab / libtorch", m.map(|m| format!("{} / {}", m.agelab_version, m.libtorch_version))),
        ("Device / threads", m.map(|m| format!("{} / {}", m.device, m.threads))),
        ("Data root", m.map(|m| m.data_root.clone())),
        ("Data fingerprint", m.map(|m| m.data_fingerprint.clone())),
        ("Split fingerprint", m.map(|m| m.split_fingerprint.clone())),
        ("Split sizes (faces)", split),
        ("Epochs run", Some(run.epochs.epoch.len().to_string())),
        ("Best epoch", test.map(|t| t.best_epoch.to_string())),
        ("Train time", m.map(|m| duration(m.train_seconds))),
        ("Throughput", ips),
        (
            "Started / finished",
            m.map(|m| format!("{} / {}", m.started, m.finished.as_deref().unwrap_or("not finished"))),
        ),
        ("Test images", test.map(|t| format!("{} (part: {})", thousands(t.images as u64), t.part))),
        ("Test loss", test.map(|t| format!("{:.4}", t.loss))),
    ])
}

/// Extra numbers computed from predictions.csv for a classification head.
pub(crate) struct Computed {
    /// Expected calibration error (10 bins).
    pub ece: Option<f64>,
}

/// Summary and per-class tables of a classification head.
pub(crate) fn classification_tables(c: &ClassMetrics, computed: Option<&Computed>) -> String {
    let mut header = vec!["accuracy", "1-off accuracy", "macro F1", "AUC"];
    let mut row = vec![
        Cell::Num(frac(Some(c.accuracy))),
        Cell::Num(if c.ordinal { frac(c.one_off) } else { "n/a (not ordinal)".to_owned() }),
        Cell::Num(frac(Some(c.macro_f1))),
        Cell::Num(frac(c.auc)),
    ];
    if let Some(computed) = computed {
        header.push("ECE, 10 bins (from predictions.csv)");
        row.push(Cell::Num(frac(computed.ece)));
    }
    let mut s = table("", &header, &[row], |_| None);
    let rows: Vec<Vec<Cell>> = c
        .per_class
        .iter()
        .map(|p| {
            vec![
                Cell::Text(p.class.clone()),
                Cell::Num(frac(Some(p.precision))),
                Cell::Num(frac(Some(p.recall))),
                Cell::Num(frac(Some(p.f1))),
                Cell::Num(thousands(p.support)),
            ]
        })
        .collect();
    if !rows.is_empty() {
        s.push_str(&table("", &["class", "precision", "recall", "F1", "support (faces)"], &rows, |_| None));
    }
    s
}

/// Summary table of a regression head.
pub(crate) fn regression_table(r: &RegressionMetrics) -> String {
    table(
        "",
        &["MAE (years)", "RMSE (years)"],
        &[vec![Cell::Num(years(Some(r.mae))), Cell::Num(years(Some(r.rmse)))]],
        |_| None,
    )
}

/// The per-epoch metrics table.
pub(crate) fn epochs_table(e: &Epochs) -> String {
    let mut header: Vec<String> =
        ["epoch", "lr", "seconds", "images/s", "train loss", "valid loss"].iter().map(|s| (*s).to_owned()).collect();
    for h in &e.heads {
        let unit = match h.metric {
            CurveMetric::Accuracy => "acc",
            CurveMetric::Mae => "MAE (years)",
        };
        header.push(format!("train {} {unit}", h.name));
        header.push(format!("valid {} {unit}", h.name));
    }
    let f = |v: f64, d: usize| {
        if v.is_finite() {
            format!("{v:.d$}")
        } else {
            String::new()
        }
    };
    let rows: Vec<Vec<Cell>> = (0..e.epoch.len())
        .map(|i| {
            let mut r = vec![
                Cell::Num(e.epoch[i].to_string()),
                Cell::Num(if e.lr[i].is_finite() { format!("{:.2e}", e.lr[i]) } else { String::new() }),
                Cell::Num(f(e.seconds[i], 1)),
                Cell::Num(f(e.images_per_s[i], 1)),
                Cell::Num(f(e.train_loss[i], 4)),
                Cell::Num(f(e.valid_loss[i], 4)),
            ];
            for h in &e.heads {
                let d = if h.metric == CurveMetric::Accuracy { 3 } else { 2 };
                r.push(Cell::Num(f(h.train[i], d)));
                r.push(Cell::Num(f(h.valid[i], d)));
            }
            r
        })
        .collect();
    let header: Vec<&str> = header.iter().map(String::as_str).collect();
    table("", &header, &rows, |_| None)
}

fn group_name(names: &[&str], code: Option<u8>) -> String {
    match code {
        Some(c) => names.get(usize::from(c)).map_or(format!("code {c}"), |n| format!("{n} ({c})")),
        None => "unknown".to_owned(),
    }
}

/// A per-face measure averaged over a group.
#[derive(Clone, Copy)]
struct Measure {
    /// Column title.
    metric: &'static str,
    higher_is_better: bool,
    fmt: fn(Option<f64>) -> String,
}

/// Accuracy of a classification head.
const ACCURACY: Measure = Measure { metric: "accuracy", higher_is_better: true, fmt: frac };
/// Absolute error of a regression head.
const MAE: Measure = Measure { metric: "MAE (years)", higher_is_better: false, fmt: years };

/// One fairness table: a per-face value averaged per group, with the largest gap highlighted.
fn fairness_table(attribute: &str, names: &[&str], codes: &[Option<u8>], values: &[f64], measure: &Measure) -> String {
    let Measure { metric, higher_is_better, fmt } = *measure;
    let groups: Vec<GroupMean> = group_means(codes, values);
    if groups.is_empty() {
        return String::new();
    }
    let (mut best, mut worst) = (0, 0);
    for (i, g) in groups.iter().enumerate() {
        let better = |a: f64, b: f64| if higher_is_better { a > b } else { a < b };
        if better(g.mean, groups[best].mean) {
            best = i;
        }
        if better(groups[worst].mean, g.mean) {
            worst = i;
        }
    }
    let rows: Vec<Vec<Cell>> = groups
        .iter()
        .map(|g| {
            let count = if g.count < SMALL_GROUP { format!("{} *", g.count) } else { g.count.to_string() };
            vec![Cell::Text(group_name(names, g.code)), Cell::Num(count), Cell::Num(fmt(Some(g.mean)))]
        })
        .collect();
    let gap = (groups[best].mean - groups[worst].mean).abs();
    let mut s = format!("<h4>By {}</h4>\n", escape(attribute));
    s.push_str(&table("fairness", &[attribute, "faces", metric], &rows, |i| {
        if groups.len() < 2 || best == worst {
            None
        } else if i == worst {
            Some("worst")
        } else if i == best {
            Some("best")
        } else {
            None
        }
    }));
    if groups.len() >= 2 {
        s.push_str(&format!(
            "<p>Largest gap in {}: <span class=\"gap\">{}</span> between {} ({}) and {} ({}).</p>\n",
            escape(metric),
            escape(&fmt(Some(gap))),
            escape(&group_name(names, groups[best].code)),
            escape(&fmt(Some(groups[best].mean))),
            escape(&group_name(names, groups[worst].code)),
            escape(&fmt(Some(groups[worst].mean))),
        ));
    }
    s
}

/// Fairness tables of every head: accuracy (or MAE) per race and per gender.
pub(crate) fn fairness(p: &Predictions) -> String {
    let mut s = String::new();
    for h in &p.heads {
        let (name, values, measure) = match h {
            HeadPredictions::Classification { name, truth, pred, .. } => {
                (name, truth.iter().zip(pred).map(|(t, p)| if t == p { 1.0 } else { 0.0 }).collect(), &ACCURACY)
            }
            HeadPredictions::Regression { name, truth, pred } => {
                (name, truth.iter().zip(pred).map(|(t, p)| (t - p).abs()).collect::<Vec<f64>>(), &MAE)
            }
        };
        s.push_str(&format!("<h3>Head \"{}\"</h3>\n<div class=\"grid\">\n<div>\n", escape(name)));
        s.push_str(&fairness_table("race", &RACES, &p.race, &values, measure));
        s.push_str("</div>\n<div>\n");
        s.push_str(&fairness_table("gender", &GENDERS, &p.gender, &values, measure));
        s.push_str("</div>\n</div>\n");
    }
    if !s.is_empty() {
        s.push_str(&format!(
            "<p class=\"note\">Computed from predictions.csv (true labels from the file names). \
             Highlighted: the best (blue) and worst (orange) group. \
             * fewer than {SMALL_GROUP} faces: the estimate is noisy.</p>\n"
        ));
    }
    s
}

/// The data loading summary.
pub(crate) fn load_summary(ls: &LoadSummary) -> String {
    let mut s = facts(&[
        ("Folder", Some(ls.folder.display().to_string())),
        ("Files seen", Some(thousands(ls.seen as u64))),
        ("Faces kept", Some(thousands(ls.kept as u64))),
        ("Files skipped", Some(thousands(ls.skipped.len() as u64))),
    ]);
    if !ls.skipped.is_empty() {
        const SHOWN: usize = 20;
        let rows: Vec<Vec<Cell>> = ls
            .skipped
            .iter()
            .take(SHOWN)
            .map(|k| vec![Cell::Text(k.file.clone()), Cell::Text(k.reason.clone())])
            .collect();
        s.push_str("<details><summary>Skipped files");
        if ls.skipped.len() > SHOWN {
            s.push_str(&format!(" (first {SHOWN} of {})", ls.skipped.len()));
        }
        s.push_str("</summary>\n");
        s.push_str(&table("", &["file", "reason"], &rows, |_| None));
        s.push_str("</details>\n");
    }
    s
}

/// Checks that predictions.csv agrees with test-metrics.json; returns messages for the alerts box.
pub(crate) fn consistency(test: &TestMetrics, p: &Predictions) -> Vec<String> {
    let mut out = Vec::new();
    if test.file.images != p.file.len() {
        out.push(format!(
            "predictions.csv has {} rows but test-metrics.json reports {} test images.",
            p.file.len(),
            test.file.images
        ));
    }
    for h in &p.heads {
        if let HeadPredictions::Classification { name, truth, pred, .. } = h {
            let Some((_, crate::run::HeadMetrics::Classification(c))) = test.heads.iter().find(|(n, _)| n == name)
            else {
                continue;
            };
            if truth.is_empty() {
                continue;
            }
            let acc = metrics::accuracy(truth, pred);
            let a = c.accuracy;
            if (a - acc).abs() > 0.0015 {
                out.push(format!(
                    "head \"{name}\": accuracy from predictions.csv ({acc:.3}) differs from test-metrics.json ({a:.3})."
                ));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_numbers() {
        assert_eq!(thousands(1234567), "1,234,567");
        assert_eq!(thousands(999), "999");
        assert_eq!(duration(3723.0), "1 h 02 min 03 s (3723 s)");
        assert_eq!(duration(59.4), "59 s (59 s)");
        assert_eq!(frac(Some(0.64)), "0.640");
        assert_eq!(frac(None), "n/a");
        assert_eq!(years(Some(6.1)), "6.10");
    }

    #[test]
    fn fairness_highlights_largest_gap() {
        let codes = [Some(0), Some(0), Some(2), Some(2)];
        let vals = [1.0, 1.0, 0.0, 1.0];
        let s = fairness_table("race", &RACES, &codes, &vals, &ACCURACY);
        assert!(s.contains("<tr class=\"best\"><td>white (0)</td>"));
        assert!(s.contains("<tr class=\"worst\"><td>asian (2)</td>"));
        assert!(s.contains("<span class=\"gap\">0.500</span>"));
    }
}
