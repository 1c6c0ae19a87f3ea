//! End-to-end tests of `render_run` and `compare` on the fixture run folders in tests/data/.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use report::{compare, render_run, ReportError};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data").join(name)
}

/// Copies a fixture run folder into `parent/<experiment>/<run-id>` so tests never write into the source tree.
fn copy_run(name: &str, parent: &Path, sub: &str) -> PathBuf {
    let dst = parent.join(sub);
    fs::create_dir_all(&dst).expect("create run folder");
    for entry in fs::read_dir(fixture(name)).expect("read fixture") {
        let entry = entry.expect("fixture entry");
        if entry.file_type().expect("file type").is_file() {
            fs::copy(entry.path(), dst.join(entry.file_name())).expect("copy fixture file");
        }
    }
    dst
}

/// The `src="..."` values of the page.
fn image_refs(html: &str) -> BTreeSet<String> {
    html.split("src=\"").skip(1).filter_map(|rest| rest.split('"').next()).map(str::to_owned).collect()
}

fn pngs_in(dir: &Path) -> BTreeSet<String> {
    fs::read_dir(dir)
        .expect("read report folder")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".png"))
        .collect()
}

/// Decodes a PNG and checks that it is not blank: clearly more than one colour in use.
fn assert_png_has_content(path: &Path) {
    let img = image::open(path).unwrap_or_else(|e| panic!("{} does not decode: {e}", path.display())).to_luma8();
    assert!(img.width() >= 400 && img.height() >= 400, "{} is tiny", path.display());
    let n = f64::from(img.width() * img.height());
    let mean = img.pixels().map(|p| f64::from(p[0])).sum::<f64>() / n;
    let var = img.pixels().map(|p| (f64::from(p[0]) - mean).powi(2)).sum::<f64>() / n;
    assert!(var > 100.0, "{} looks blank (variance {var:.1})", path.display());
    let dark = img.pixels().filter(|p| p[0] < 100).count();
    assert!(dark > 500, "{} has almost no dark (text/line) pixels", path.display());
}

/// Checks the page against the report folder: every PNG written is referenced and every reference exists.
fn check_page(index: &Path) -> String {
    let html = fs::read_to_string(index).expect("read index.html");
    let dir = index.parent().expect("report folder");
    let refs = image_refs(&html);
    let written = pngs_in(dir);
    assert!(!written.is_empty(), "no PNG written");
    assert_eq!(refs, written, "referenced images vs PNGs written");
    for r in &refs {
        assert!(dir.join(r).is_file(), "{r} is referenced but missing");
        assert_png_has_content(&dir.join(r));
    }
    assert!(!html.contains("{{"), "unfilled placeholder");
    html
}

#[test]
fn renders_the_model4_fixture() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let run = copy_run("run-model4", tmp.path(), "model4/20250101-120000");
    let index = render_run(&run).expect("render_run");
    assert_eq!(index, run.join("report/index.html"));
    let html = check_page(&index);

    let pngs = pngs_in(&run.join("report"));
    for expected in ["curves.png", "confusion-age.png", "calibration-age.png"] {
        assert!(pngs.contains(expected), "{expected} missing: {pngs:?}");
    }
    assert!(!pngs.iter().any(|p| p.starts_with("roc-")), "no ROC for a 5-class head");

    // Header.
    for s in [
        "model4",
        "20250101-120000",
        "1,234,567",
        "3f9c2e1a7b",
        "sha256:9b1d4c0e",
        "sha256:51aa07f3",
        "train 160 / valid 24 / test 24",
        "3 min 40 s",
    ] {
        assert!(html.contains(s), "header lacks {s}");
    }
    // Warnings from the manifest come before the first section.
    let warn = html.find("valid set has only 24 faces").expect("manifest warning shown");
    assert!(warn < html.find("<h2>Run</h2>").expect("run section"));
    // The fixture's test metrics: accuracy 0.6667, one_off 1.0, macro F1 0.6029, per-class rows.
    for s in ["<td class=\"num\">0.667</td>", "<td class=\"num\">1.000</td>", "<td class=\"num\">0.603</td>",
              "<td>15-25</td><td class=\"num\">0.833</td><td class=\"num\">0.625</td><td class=\"num\">0.714</td><td class=\"num\">8</td>"] {
        assert!(html.contains(s), "metrics table lacks {s}");
    }
    // Fairness tables per race and gender with the gap highlighted.
    assert!(html.contains("<h4>By race</h4>") && html.contains("<h4>By gender</h4>"));
    assert!(html.contains("class=\"worst\"") && html.contains("Largest gap in accuracy"));
    // Data summary and log.
    assert!(html.contains("cannot decode: unexpected end of file"));
    assert!(html.contains("epoch 5/5 lr 0.0005"));
}

#[test]
fn renders_binary_and_regression_heads() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let run = copy_run("run-multitask", tmp.path(), "multitask/20250102-090000-2");
    let index = render_run(&run).expect("render_run");
    let html = check_page(&index);
    let pngs = pngs_in(&run.join("report"));
    for expected in ["roc-gender.png", "confusion-gender.png", "calibration-gender.png", "confusion-age.png"] {
        assert!(pngs.contains(expected), "{expected} missing: {pngs:?}");
    }
    let test: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(run.join("test-metrics.json")).expect("read")).expect("json");
    let mae = test["heads"]["age_years"]["mae"].as_f64().expect("mae");
    let auc = test["heads"]["gender"]["auc"].as_f64().expect("auc");
    assert!(html.contains(&format!("<td class=\"num\">{mae:.2}</td>")), "MAE {mae:.2} missing");
    // The AUC computed from predictions.csv matches the fixture's (computed independently in Python).
    assert!(html.matches(&format!("<td class=\"num\">{auc:.3}</td>")).count() >= 2, "AUC {auc:.3} not shown twice");
    assert!(html.contains("MAE (years)"));
    assert!(!html.contains("Notes from the report"), "fixture files should agree with each other");
    // Heads in config order (manifest), although test-metrics.json sorts them by name.
    let pos = |h: &str| html.find(&format!("<h3>Head \"{h}\"</h3>"));
    let (age, gender, years) = (pos("age"), pos("gender"), pos("age_years"));
    assert!(age < gender && gender < years, "head order {age:?} {gender:?} {years:?}");
    // 10-crop metrics, and timing from timing.csv when metrics.csv has no timing columns.
    assert!(html.contains("With 10-crop over-sampling"));
    let acc10 = test["ten_crop"]["age"]["accuracy"].as_f64().expect("10-crop accuracy");
    assert!(html.contains(&format!("<td class=\"num\">{acc10:.3}</td>")));
    assert!(html.contains("3794.5 images/s (mean over epochs)"), "throughput from timing.csv");
}

#[test]
fn renders_an_unfinished_run_with_curves_only() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let run = copy_run("run-model4", tmp.path(), "model4/running");
    fs::remove_file(run.join("test-metrics.json")).expect("rm");
    fs::remove_file(run.join("predictions.csv")).expect("rm");
    let index = render_run(&run).expect("render_run");
    let html = check_page(&index);
    assert_eq!(pngs_in(&run.join("report")), BTreeSet::from(["curves.png".to_owned()]));
    assert!(html.contains("test-metrics.json is missing"));
}

#[test]
fn missing_metrics_csv_is_an_error_naming_the_file() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let run = copy_run("run-model4", tmp.path(), "model4/r");
    fs::remove_file(run.join("metrics.csv")).expect("rm");
    let err = render_run(&run).expect_err("must fail");
    match &err {
        ReportError::Missing { path, .. } => assert_eq!(path, &run.join("metrics.csv")),
        other => panic!("expected Missing, got {other:?}"),
    }
    assert!(err.to_string().contains("metrics.csv"), "{err}");
}

#[test]
fn malformed_values_and_columns_are_reported_with_file_and_column() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let run = copy_run("run-model4", tmp.path(), "model4/r");
    let csv = fs::read_to_string(run.join("metrics.csv")).expect("read");
    fs::write(run.join("metrics.csv"), csv.replacen("1.3154", "oops", 1)).expect("write");
    let err = render_run(&run).expect_err("must fail");
    match &err {
        ReportError::Malformed { path, line, column, found, .. } => {
            assert_eq!(path, &run.join("metrics.csv"));
            assert_eq!((*line, column.as_str(), found.as_str()), (3, "valid_loss", "oops"));
        }
        other => panic!("expected Malformed, got {other:?}"),
    }

    let pred = fs::read_to_string(run.join("predictions.csv")).expect("read");
    fs::write(run.join("metrics.csv"), csv).expect("write");
    fs::write(run.join("predictions.csv"), pred.replacen("age_p4", "age_p9", 1)).expect("write");
    let err = render_run(&run).expect_err("must fail");
    match &err {
        ReportError::MissingColumn { path, column, .. } => {
            assert_eq!(path, &run.join("predictions.csv"));
            assert_eq!(column, "age_p4");
        }
        other => panic!("expected MissingColumn, got {other:?}"),
    }
}

#[test]
fn compares_two_runs() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let a = copy_run("run-model4", tmp.path(), "runs/a");
    let b = copy_run("run-model4", tmp.path(), "runs/b");
    let out = tmp.path().join("cmp");
    let index = compare(&[a, b], &out).expect("compare");
    assert_eq!(index, out.join("index.html"));

    let csv = fs::read_to_string(out.join("comparison.csv")).expect("csv");
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 3, "header + 2 rows:\n{csv}");
    assert_eq!(
        lines[0],
        "experiment,run_id,model,parameters,epochs,train_seconds,test_loss,age_accuracy,age_one_off,age_macro_f1"
    );
    assert!(
        lines[1].starts_with("model4,20250101-120000,model4,1234567,5,219.5,1.0123,0.6667,1.0,0.6029"),
        "{}",
        lines[1]
    );

    let md = fs::read_to_string(out.join("comparison.md")).expect("md");
    assert_eq!(md.lines().count(), 4, "header, rule, 2 rows:\n{md}");
    assert!(md.contains("| model4 | 20250101-120000 |"));

    let html = check_page(&index);
    assert!(html.contains("valid-curves.png"));
    assert!(html.contains("model4/20250101-120000 #2"), "duplicate runs get distinct labels");
}

#[test]
fn compare_mixes_heads_and_needs_runs() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let a = copy_run("run-model4", tmp.path(), "a");
    let b = copy_run("run-multitask", tmp.path(), "b");
    let out = tmp.path().join("cmp");
    compare(&[a, b], &out).expect("compare");
    let csv = fs::read_to_string(out.join("comparison.csv")).expect("csv");
    let header = csv.lines().next().unwrap_or_default();
    for c in ["gender_auc", "age_years_mae", "age_years_rmse"] {
        assert!(header.split(',').any(|h| h == c), "{c} missing in {header}");
    }
    assert!(matches!(compare(&[], &out), Err(ReportError::NoRuns { .. })));
}
