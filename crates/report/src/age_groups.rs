//! Age groups read off a head that predicts years. One age model then answers every grouping the
//! report and the literature use (the report's 5 and 4 groups, Adience's 8, exact and 1-off)
//! without a classifier per scheme. A predicted age is rounded to whole years and placed by the
//! same rule as the true ages (`dataset::AgeScheme::group`, so ages between Adience's ranges go to
//! the nearer range).

use std::fmt::Write as _;

use dataset::AgeScheme;

use crate::card::pct;
use crate::html::{table, Cell};
use crate::tables::{frac, thousands};

/// One scheme's scores over the test faces (counted and scored by the metrics crate).
pub(crate) type SchemeScore = metrics::GroupedScore;

/// Scores of `pred` (years) against `truth` (years) under `scheme`, both placed by the scheme's
/// own rule; faces with a non-finite value on either side are left out.
pub(crate) fn score(scheme: &AgeScheme, truth: &[f64], pred: &[f64]) -> SchemeScore {
    SchemeScore::from_years(&scheme.name, &scheme.labels, |y| scheme.group(y), truth, pred)
}

/// Scores of (true group, predicted group) pairs under `scheme` (a head that predicts groups).
pub(crate) fn score_groups(scheme: &AgeScheme, pairs: impl IntoIterator<Item = (usize, usize)>) -> SchemeScore {
    SchemeScore::from_pairs(&scheme.name, &scheme.labels, pairs)
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
