//! Age groups read off a head that predicts years. One age model then answers every grouping the
//! report and the literature use (the report's 5 and 4 groups, Adience's 8, exact and 1-off)
//! without a classifier per scheme. A predicted age is rounded to whole years and placed by the
//! same rule as the true ages (`dataset::AgeScheme::group`, so ages between Adience's ranges go to
//! the nearer range).

use std::fmt::Write as _;

use dataset::AgeScheme;

use crate::card::pct;
use crate::html::{table, Cell};
use crate::stats::wilson_interval;
use crate::tables::{frac, thousands};

/// One scheme's scores over the test faces.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SchemeScore {
    /// The scheme's name (`report5`, `report4`, `adience8`).
    pub scheme: String,
    /// Group labels in order.
    pub classes: Vec<String>,
    /// `confusion[true][predicted]`, in faces.
    pub confusion: Vec<Vec<usize>>,
}

impl SchemeScore {
    /// Faces scored.
    pub fn faces(&self) -> usize {
        self.confusion.iter().flatten().sum()
    }

    fn hits_within(&self, off: usize) -> usize {
        let mut hits = 0;
        for (t, row) in self.confusion.iter().enumerate() {
            for (p, n) in row.iter().enumerate() {
                if t.abs_diff(p) <= off {
                    hits += n;
                }
            }
        }
        hits
    }

    /// Exact accuracy with its 95% Wilson interval; `None` without faces.
    pub fn accuracy(&self) -> Option<(f64, (f64, f64))> {
        let n = self.faces();
        let hits = self.hits_within(0);
        (n > 0).then(|| (hits as f64 / n as f64, wilson_interval(hits, n)))
    }

    /// Accuracy when an adjacent group counts as right.
    pub fn one_off(&self) -> Option<f64> {
        let n = self.faces();
        (n > 0).then(|| self.hits_within(1) as f64 / n as f64)
    }

    /// Per group: (label, faces, recall, precision).
    pub fn per_group(&self) -> Vec<(String, usize, Option<f64>, Option<f64>)> {
        (0..self.classes.len())
            .map(|k| {
                let support: usize = self.confusion[k].iter().sum();
                let predicted: usize = self.confusion.iter().map(|row| row[k]).sum();
                let hit = self.confusion[k][k];
                let ratio = |d: usize| (d > 0).then(|| hit as f64 / d as f64);
                (self.classes[k].clone(), support, ratio(support), ratio(predicted))
            })
            .collect()
    }
}

/// Whole years of a finite, non-negative prediction (`None` otherwise).
fn years(v: f64) -> Option<u16> {
    v.is_finite().then(|| v.round().clamp(0.0, f64::from(u16::MAX)) as u16)
}

/// Scores of `pred` (years) against `truth` (years) under `scheme`; faces with a non-finite
/// value on either side are left out.
pub(crate) fn score(scheme: &AgeScheme, truth: &[f64], pred: &[f64]) -> SchemeScore {
    let pairs = truth.iter().zip(pred).filter_map(|(t, p)| Some((scheme.group(years(*t)?), scheme.group(years(*p)?))));
    score_groups(scheme, pairs)
}

/// Scores of (true group, predicted group) pairs under `scheme` (a head that predicts groups).
pub(crate) fn score_groups(scheme: &AgeScheme, pairs: impl IntoIterator<Item = (usize, usize)>) -> SchemeScore {
    let k = scheme.len();
    let mut confusion = vec![vec![0; k]; k];
    for (t, p) in pairs {
        confusion[t][p] += 1;
    }
    SchemeScore { scheme: scheme.name.clone(), classes: scheme.labels.clone(), confusion }
}

/// Scores under every built-in scheme, in [`AgeScheme::BUILTIN`] order.
pub(crate) fn builtin_scores(truth: &[f64], pred: &[f64]) -> Vec<SchemeScore> {
    AgeScheme::BUILTIN.iter().filter_map(|n| AgeScheme::builtin(n)).map(|s| score(&s, truth, pred)).collect()
}

/// Accuracy and its interval, formatted by `fmt` (fractions on pages, percentages on cards).
pub(crate) fn accuracy_cells(s: &SchemeScore, fmt: fn(Option<f64>) -> String) -> (String, String) {
    match s.accuracy() {
        Some((a, (lo, hi))) => (fmt(Some(a)), format!("{} - {}", fmt(Some(lo)), fmt(Some(hi)))),
        None => ("n/a".into(), String::new()),
    }
}

/// The HTML section for a years head: a summary row per scheme and its per-group table.
pub(crate) fn html(scores: &[SchemeScore]) -> String {
    let rows: Vec<Vec<Cell>> = scores
        .iter()
        .map(|s| {
            let (acc, interval) = accuracy_cells(s, frac);
            vec![
                Cell::Text(s.scheme.clone()),
                Cell::Text(s.classes.join(", ")),
                Cell::Num(thousands(s.faces() as u64)),
                Cell::Num(acc),
                Cell::Num(interval),
                Cell::Num(frac(s.one_off())),
            ]
        })
        .collect();
    let mut out = "<p>The predicted age, rounded to whole years, placed in each built-in scheme's groups \
                   by the rule the true ages follow:</p>\n"
        .to_owned();
    out.push_str(&table(
        "",
        &["scheme", "groups", "faces", "accuracy", "95% interval", "1-off accuracy"],
        &rows,
        |_| None,
    ));
    for s in scores {
        let rows: Vec<Vec<Cell>> = s
            .per_group()
            .into_iter()
            .map(|(g, n, recall, precision)| {
                vec![Cell::Text(g), Cell::Num(thousands(n as u64)), Cell::Num(frac(recall)), Cell::Num(frac(precision))]
            })
            .collect();
        let _ = write!(
            out,
            "<details><summary>{} per group</summary>\n{}</details>\n",
            s.scheme,
            table("", &["group", "faces", "recall", "precision"], &rows, |_| None)
        );
    }
    out
}

/// The same as Markdown, for model cards.
pub(crate) fn markdown(head: &str, scores: &[SchemeScore]) -> String {
    let mut s = format!(
        "### Age groups from `{head}`\n\nThe predicted age, rounded to whole years, placed in each scheme's groups by the rule the true ages follow.\n\n\
         | scheme | faces | accuracy | 95% interval | 1-off accuracy |\n|---|---|---|---|---|\n"
    );
    for sc in scores {
        let (acc, interval) = accuracy_cells(sc, pct);
        let _ = writeln!(s, "| {} | {} | {acc} | {interval} | {} |", sc.scheme, sc.faces(), pct(sc.one_off()));
    }
    for sc in scores {
        let _ = writeln!(s, "\n{} per group:\n\n| group | faces | recall | precision |\n|---|---|---|---|", sc.scheme);
        for (g, n, recall, precision) in sc.per_group() {
            let _ = writeln!(s, "| {g} | {n} | {} | {} |", pct(recall), pct(precision));
        }
    }
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn predictions_are_rounded_and_grouped_like_the_truth() {
        let report4 = AgeScheme::report4();
        // truth 17 -> 0-17; 17.4 rounds to 17 (hit), 17.6 to 18 (18-29: a miss, but 1-off).
        let s = score(&report4, &[17.0, 17.0, 85.0, 40.0], &[17.4, 17.6, 60.0, f64::NAN]);
        assert_eq!(s.faces(), 3, "the NaN prediction is left out");
        assert_eq!(s.confusion[0][0], 1);
        assert_eq!(s.confusion[0][1], 1);
        assert_eq!(s.confusion[3][2], 1);
        let (acc, (lo, hi)) = s.accuracy().unwrap();
        assert!((acc - 1.0 / 3.0).abs() < 1e-12);
        assert!(lo < acc && acc < hi);
        assert!((s.one_off().unwrap() - 1.0).abs() < 1e-12);
        let groups = s.per_group();
        assert_eq!(groups[0], ("0-17".to_owned(), 2, Some(0.5), Some(1.0)));
        assert_eq!(groups[2].3, Some(0.0), "30-79 was predicted once, wrongly");
        assert_eq!(groups[2].2, None, "no true 30-79 face");
    }

    #[test]
    fn adience_gaps_go_to_the_nearer_range() {
        let a = score(&AgeScheme::adience8(), &[35.0], &[34.6]);
        // 35 is as far from 32 as from 38: the tie goes to 38-43; 34.6 rounds to 35 and goes there too.
        assert_eq!(a.accuracy().unwrap().0, 1.0);
        let all = builtin_scores(&[10.0], &[10.0]);
        assert_eq!(all.iter().map(|s| s.scheme.as_str()).collect::<Vec<_>>(), AgeScheme::BUILTIN);
    }

    #[test]
    fn empty_input_has_no_accuracy() {
        let s = score(&AgeScheme::report5(), &[], &[]);
        assert_eq!(s.accuracy(), None);
        assert_eq!(s.one_off(), None);
        assert!(html(&[s]).contains("n/a"));
    }
}
