//! A model's scores on labelled photos from outside its training data (`agelab evaluate --faces`):
//! few faces, so every figure carries its interval and every face is listed.

use std::fmt::Write as _;

use dataset::AgeScheme;

use crate::age_groups::{accuracy_cells, builtin_scores, score_groups, SchemeScore};
use crate::card::pct;
use metrics::{mean_interval, wilson_interval};

/// One labelled photo and what the model said about it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HeldOutFace {
    /// The image file, as the label file names it.
    pub file: String,
    /// Who it is, when known.
    pub person: Option<String>,
    /// True gender (`male`/`female`), when known.
    pub gender: Option<String>,
    /// True age in years, when known.
    pub age: Option<f64>,
    /// Predicted gender and its probability.
    pub predicted_gender: Option<(String, f64)>,
    /// Predicted age in years (a years head).
    pub predicted_years: Option<f64>,
    /// Predicted age group, as an index into the group head's scheme.
    pub predicted_group: Option<usize>,
    /// Why a face has no prediction, or how many faces the photo held.
    pub note: String,
}

/// What `heldout_markdown` summarises.
#[derive(Debug, Clone)]
pub struct HeldOut<'a> {
    /// The model, as named on the command line.
    pub model: &'a str,
    /// The run its weights come from (`<experiment>/<run-id>`), when its folder says.
    pub run: Option<&'a str>,
    /// The label file.
    pub labels: &'a str,
    /// How faces were taken from the photos, in words.
    pub cropping: &'a str,
    /// The scheme of the model's age-group head, if it has one.
    pub group_scheme: Option<&'a AgeScheme>,
    /// Every labelled photo, predicted or not.
    pub faces: &'a [HeldOutFace],
}

/// The gender score: (hits, faces).
fn gender_hits(faces: &[HeldOutFace]) -> (usize, usize) {
    faces.iter().fold((0, 0), |(hits, n), f| match (&f.gender, &f.predicted_gender) {
        (Some(t), Some((p, _))) => (hits + usize::from(t.eq_ignore_ascii_case(p)), n + 1),
        _ => (hits, n),
    })
}

/// (truth, prediction) in years for faces with both.
fn years_pairs(faces: &[HeldOutFace]) -> (Vec<f64>, Vec<f64>) {
    faces.iter().filter_map(|f| Some((f.age?, f.predicted_years?))).unzip()
}

fn group_score(scheme: &AgeScheme, faces: &[HeldOutFace]) -> SchemeScore {
    let pairs = faces.iter().filter_map(|f| Some((scheme.group(f.age?.round() as u16), f.predicted_group?)));
    score_groups(scheme, pairs)
}

/// Text for a Markdown table cell (a `|` would end the cell).
fn cell(text: &str) -> String {
    text.replace('|', "\\|")
}

fn interval_row(s: &mut String, what: &str, n: usize, value: String, interval: String, extra: &str) {
    let _ = writeln!(s, "| {what} | {n} | {value} | {interval} | {extra} |");
}

/// The Markdown summary: scores with 95% intervals, then a row per photo.
pub fn heldout_markdown(h: &HeldOut<'_>) -> String {
    let predicted = h
        .faces
        .iter()
        .filter(|f| f.predicted_gender.is_some() || f.predicted_years.is_some() || f.predicted_group.is_some())
        .count();
    let mut s = format!(
        "# `{}` on held-out faces\n\n{}Labels: `{}`. {} photo(s) listed, {} with a prediction. {}\n\n\
         | measure | faces | value | 95% interval | 1-off |\n|---|---|---|---|---|\n",
        h.model,
        h.run.map(|r| format!("Weights of run `{r}`. ")).unwrap_or_default(),
        h.labels,
        h.faces.len(),
        predicted,
        h.cropping
    );
    let (hits, n) = gender_hits(h.faces);
    if n > 0 {
        let (lo, hi) = wilson_interval(hits, n);
        interval_row(
            &mut s,
            "gender accuracy",
            n,
            format!("{} ({hits}/{n})", pct(Some(hits as f64 / n as f64))),
            format!("{} - {}", pct(Some(lo)), pct(Some(hi))),
            "",
        );
    }
    let (truth, pred) = years_pairs(h.faces);
    if !truth.is_empty() {
        let abs: Vec<f64> = truth.iter().zip(&pred).map(|(t, p)| (p - t).abs()).collect();
        let signed: Vec<f64> = truth.iter().zip(&pred).map(|(t, p)| p - t).collect();
        for (what, values, signed) in
            [("age MAE (years)", &abs, false), ("age bias, predicted - true (years)", &signed, true)]
        {
            let f = |v: f64| if signed { format!("{v:+.1}") } else { format!("{v:.1}") };
            let (value, interval) = match mean_interval(values) {
                Some((m, lo, hi)) => (f(m), format!("{} - {}", f(lo), f(hi))),
                None => (f(values[0]), String::new()),
            };
            interval_row(&mut s, what, values.len(), value, interval, "");
        }
    }
    let mut scores: Vec<(String, SchemeScore)> = Vec::new();
    if !truth.is_empty() {
        scores.extend(
            builtin_scores(&truth, &pred).into_iter().map(|sc| (format!("{} groups from years", sc.scheme), sc)),
        );
    }
    if let Some(scheme) = h.group_scheme {
        let sc = group_score(scheme, h.faces);
        if sc.faces() > 0 {
            scores.push((format!("{} groups (group head)", sc.scheme), sc));
        }
    }
    for (what, sc) in &scores {
        let (acc, interval) = accuracy_cells(sc, pct);
        interval_row(&mut s, what, sc.faces(), acc, interval, &pct(sc.one_off()));
    }
    s.push_str("\n| file | person | gender | predicted | age | predicted | note |\n|---|---|---|---|---|---|---|\n");
    for f in h.faces {
        let age_pred = match (f.predicted_years, f.predicted_group, h.group_scheme) {
            (Some(y), _, _) => format!("{y:.1}"),
            (None, Some(g), Some(scheme)) => scheme.labels.get(g).cloned().unwrap_or_default(),
            _ => String::new(),
        };
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {} | {age_pred} | {} |",
            cell(&f.file),
            cell(f.person.as_deref().unwrap_or("")),
            f.gender.as_deref().unwrap_or("?"),
            f.predicted_gender.as_ref().map(|(g, p)| format!("{g} ({p:.2})")).unwrap_or_default(),
            f.age.map(|a| format!("{a:.0}")).unwrap_or_else(|| "?".into()),
            cell(&f.note)
        );
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn face(gender: &str, age: Option<f64>, pg: &str, years: Option<f64>) -> HeldOutFace {
        HeldOutFace {
            file: format!("{gender}.jpg"),
            gender: Some(gender.into()),
            age,
            predicted_gender: Some((pg.into(), 0.9)),
            predicted_years: years,
            ..Default::default()
        }
    }

    #[test]
    fn scores_count_only_faces_with_both_truth_and_prediction() {
        let faces = vec![
            face("female", Some(30.0), "female", Some(34.0)),
            face("male", Some(60.0), "female", Some(50.0)),
            face("male", None, "male", Some(20.0)),
            HeldOutFace {
                file: "none.jpg".into(),
                gender: Some("male".into()),
                note: "no face found".into(),
                ..Default::default()
            },
        ];
        let md = heldout_markdown(&HeldOut {
            model: "m",
            run: None,
            labels: "l.csv",
            cropping: "",
            group_scheme: None,
            faces: &faces,
        });
        assert!(md.contains("| gender accuracy | 3 | 66.7% (2/3) |"), "{md}");
        assert!(md.contains("| age MAE (years) | 2 | 7.0 |"), "{md}");
        assert!(md.contains("| age bias, predicted - true (years) | 2 | -3.0 |"), "{md}");
        // report5: 30 and 34 -> 26-39 (hit); 60 -> 60+ but 50 -> 40-59 (1-off).
        assert!(md.contains("| report5 groups from years | 2 | 50.0% |"), "{md}");
        assert!(md.contains("| none.jpg |  | male |  | ? |  | no face found |"), "{md}");
    }

    #[test]
    fn a_group_head_is_scored_against_the_grouped_true_age() {
        let scheme = AgeScheme::report5();
        let mut f = face("female", Some(30.0), "female", None);
        f.predicted_group = Some(scheme.group(30));
        let md = heldout_markdown(&HeldOut {
            model: "m",
            run: Some("exp/20260101-000000"),
            labels: "l.csv",
            cropping: "",
            group_scheme: Some(&scheme),
            faces: &[f],
        });
        assert!(md.contains("| report5 groups (group head) | 1 | 100.0% |"), "{md}");
        assert!(!md.contains("from years"), "{md}");
        assert!(md.contains("Weights of run `exp/20260101-000000`. Labels"), "{md}");
    }
}
