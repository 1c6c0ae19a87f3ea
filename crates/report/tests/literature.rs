//! The literature table: the repository's data file parses and names real experiments, and
//! `compare_with_literature` puts each paper's figure beside the measured one.

mod common;

use std::fs;
use std::path::{Path, PathBuf};

use common::{both_runs, check_page, fixture};
use report::literature::{self, Metric};
use report::{compare_with_literature, ReportError};

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Experiments the table names whose files may not be committed yet: vgg16 needs pretrained
/// weights, multitask is being trained.
const PLANNED: [&str; 2] = ["vgg16", "multitask"];

#[test]
fn the_repository_table_parses_and_names_real_experiments() {
    let papers = literature::read(&repo_root().join("literature/papers.csv")).expect("literature/papers.csv");
    assert!(papers.len() >= 10, "{} rows", papers.len());
    for p in &papers {
        assert!(!p.source.is_empty(), "row {} has no source", p.id);
        assert!(p.comparable_here || !p.comparable_reason.is_empty(), "row {} says no without a reason", p.id);
        let exp = &p.agelab_experiment;
        if !exp.is_empty() && !PLANNED.contains(&exp.as_str()) {
            assert!(
                repo_root().join(format!("experiments/{exp}.toml")).is_file(),
                "row {}: no experiments/{exp}.toml",
                p.id
            );
        }
    }
    // The corrections issue #7 asks for.
    let row = |id: &str| papers.iter().find(|p| p.id == id).unwrap_or_else(|| panic!("row {id}"));
    assert_eq!(row("levi-hassner-gender-oversample").reported, Some(86.8));
    assert_eq!(row("levi-hassner-age-exact-oversample").reported, Some(50.7));
    assert_eq!(row("levi-hassner-age-1off-oversample").metric, Metric::OneOff);
    assert_eq!(row("levi-hassner-age-1off-oversample").reported, Some(84.7));
    assert_eq!(row("lapuschkin-vgg16-gender").reported, Some(92.7));
    assert_eq!(row("ghojogh-fusion-fei").reported, Some(94.0));
    // The LMTCNN paper's three pairs (exact age, gender; single crop on Adience).
    for (id, age, gender) in [("levi-hassner", 44.14, 82.52), ("1-1", 40.84, 82.04), ("2-1", 44.26, 85.16)] {
        assert_eq!(row(&format!("lee-lmtcnn-{id}-age")).reported, Some(age), "{id}");
        assert_eq!(row(&format!("lee-lmtcnn-{id}-age")).metric, Metric::Exact, "{id}");
        assert_eq!(row(&format!("lee-lmtcnn-{id}-gender")).reported, Some(gender), "{id}");
    }
    for id in ["ghojogh-fusion-fei", "ear-profile-gender", "feret-gender"] {
        assert!(!row(id).comparable_here, "{id} must be marked not comparable");
    }
}

#[test]
fn compare_joins_reported_and_measured_figures() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("cmp");
    let index = compare_with_literature(&both_runs(tmp.path()), &out, &fixture("literature.csv")).expect("compare");

    let csv = fs::read_to_string(out.join("literature.csv")).expect("literature.csv");
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let header: Vec<String> = reader.headers().expect("header").iter().map(str::to_owned).collect();
    let col = |name: &str| header.iter().position(|h| h == name).unwrap_or_else(|| panic!("{name} in {header:?}"));
    let (reported, measured) = (col("reported"), col("measured_here"));
    assert_eq!(measured, reported + 1, "reported and measured_here are adjacent");
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("row")).collect();
    assert_eq!(rows.len(), 6);
    let cell = |row: usize, name: &str| rows[row][col(name)].to_owned();
    let num = |row: usize, name: &str| cell(row, name).parse::<f64>().unwrap_or(f64::NAN);
    let close = |a: f64, b: f64| (a - b).abs() < 1e-6;
    // Model 4 fixture: accuracy 0.6667 and 1-off 1.0, in %.
    assert!(close(num(0, "measured_here"), 66.67), "{}", cell(0, "measured_here"));
    assert!(close(num(0, "reported"), 63.9));
    assert!(close(num(1, "measured_here"), 100.0));
    assert_eq!(cell(1, "reported"), "");
    // Multitask fixture: MAE in years (not scaled), 10-crop gender accuracy from `ten_crop`.
    assert!(close(num(2, "measured_here"), 4.3471), "{}", cell(2, "measured_here"));
    assert_eq!(cell(2, "unit"), "years");
    assert!(close(num(3, "measured_here"), 79.17), "{}", cell(3, "measured_here"));
    assert!(cell(3, "agelab_protocol").contains("10-crop"), "{}", cell(3, "agelab_protocol"));
    assert!(cell(3, "agelab_protocol").contains("train 160 / valid 24 / test 24"));
    assert!(cell(3, "note").starts_with("not comparable: Adience"), "{}", cell(3, "note"));
    assert_eq!(cell(3, "report_says"), "79.3 (wrong)");
    // No run of lmtcnn; no experiment at all for the FEI row.
    assert_eq!(cell(4, "measured_here"), "");
    assert!(cell(4, "note").contains("no run of `lmtcnn`"), "{}", cell(4, "note"));
    assert!(cell(5, "note").starts_with("not reproducible here: FEI"), "{}", cell(5, "note"));

    let md = fs::read_to_string(out.join("comparison.md")).expect("md");
    assert!(md.contains("## Literature: reported vs measured here"));
    assert!(md.contains("| 63.9 | 66.67 |"), "{md}");
    let html = check_page(&index);
    assert!(html.contains("<h2 id=\"literature\">") && html.contains("class=\"unmeasured\""));
}

#[test]
fn a_bad_table_is_an_error_naming_the_file() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let path = tmp.path().join("papers.csv");
    let good = fs::read_to_string(fixture("literature.csv")).expect("read");
    fs::write(&path, good.replacen(",exact,", ",exactly,", 1)).expect("write");
    let err = literature::read(&path).expect_err("unknown metric");
    assert!(matches!(&err, ReportError::Csv { path: p, .. } if p == &path), "{err:?}");
    assert!(err.to_string().contains("papers.csv"), "{err}");

    fs::write(&path, good.replacen("model4,age,accuracy", "model4,age,", 1)).expect("write");
    let err = literature::read(&path).expect_err("experiment without metric");
    assert!(err.to_string().contains("groups-exact"), "{err}");
    assert!(matches!(literature::read(&tmp.path().join("none.csv")), Err(ReportError::Missing { .. })));
}
