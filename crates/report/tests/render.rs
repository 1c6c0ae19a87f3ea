//! End-to-end tests of `render_run` and `compare` on the fixture run folders in tests/data/.

mod common;

use std::collections::BTreeSet;
use std::fs;

use common::{check_page, copy_run, pngs_in};
use report::{compare, render_run, ReportError};
use runfolder::RunFolderError;

#[test]
fn renders_the_model4_fixture() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let run = copy_run("run-model4", tmp.path(), "model4/20250101-120000");
    let index = render_run(&run).expect("render_run");
    assert_eq!(index, run.join("report/index.html"));
    let html = check_page(&index);

    let pngs = pngs_in(&run.join("report"));
    for expected in ["curves.png", "confusion-age.png", "calibration-age.png", "roc-age.png"] {
        assert!(pngs.contains(expected), "{expected} missing: {pngs:?}");
    }
    // One-vs-rest ROC of the 5-class head: a row per class and the macro average.
    assert!(html.contains("One-vs-rest") || html.contains("one-vs-rest"));
    assert!(html.contains("<th class=\"num\">AUC (one vs rest)</th>") && html.contains("Macro-average AUC"));
    // No faces without --faces, and the page says why.
    assert!(html.contains("Sample test faces") && html.contains("committed reports omit them"));
    assert!(!run.join("report/faces").exists());
    // Model summary and multiply-adds.
    assert!(html.contains("<h2>Model summary</h2>") && html.contains("Multiply-adds per image: 11,011,328"));
    assert!(html.contains("11,011,328 (11.01 M)"), "multiply-adds from the manifest");

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
    for expected in [
        "roc-gender.png",
        "roc-age.png",
        "confusion-gender.png",
        "calibration-gender.png",
        "confusion-age.png",
        "scatter-age_years.png",
    ] {
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
        ReportError::Missing { path, .. } | ReportError::RunFolder(RunFolderError::Missing { path, .. }) => {
            assert_eq!(path, &run.join("metrics.csv"))
        }
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
        ReportError::RunFolder(RunFolderError::Malformed { path, line, column, found, .. }) => {
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
        ReportError::RunFolder(RunFolderError::MissingColumn { path, column, .. }) => {
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
        "experiment,run_id,model,data,split,parameters,epochs,train_seconds,test_loss,age_accuracy,age_one_off,age_macro_f1"
    );
    assert!(
        lines[1].starts_with(
            "model4,20250101-120000,model4,\"UTKFace, 3x64x64\",train 160 / valid 24 / test 24,1234567,5,219.5,1.0123,0.6667,1.0,0.6029"
        ),
        "{}",
        lines[1]
    );

    // The pages lead with what is compared: a chart per task, then a table whose first figure
    // column is the headline metric, the bookkeeping after.
    let chart = "headline-age-5-groups.png";
    let png = image::open(out.join(chart)).expect("the headline chart is a PNG");
    assert!(png.width() >= 800 && png.height() >= 200, "{}x{}", png.width(), png.height());
    let md = fs::read_to_string(out.join("comparison.md")).expect("md");
    let table: Vec<&str> = md.lines().filter(|l| l.starts_with('|')).collect();
    assert_eq!(table.len(), 4, "header, rule, 2 rows:\n{md}");
    assert!(md.starts_with("![age (5 groups, 0-14 to 60+): test accuracy"), "{md}");
    assert!(md.contains(&format!("]({chart})")), "{md}");
    assert!(
        table[0].starts_with("| experiment | age_accuracy | age_one_off | age_macro_f1 | run_id |"),
        "{}",
        table[0]
    );
    assert!(table[2].starts_with("| model4 | 0.6667 | 1.0000 | 0.6029 | 20250101-120000 |"), "{}", table[2]);

    let html = check_page(&index);
    let first_table = html.find("<table").expect("a table");
    let img = html.find(&format!("<img src=\"{chart}\"")).expect("the chart on the page");
    assert!(img < first_table, "the chart comes before the first table");
    let header = &html[first_table..html[first_table..].find("</tr>").map_or(html.len(), |e| first_table + e)];
    let columns: Vec<&str> = header.split("</th>").filter_map(|c| c.rsplit('>').next()).collect();
    assert_eq!(columns[..2], ["experiment", "age_accuracy"], "{header}");
    assert!(html.contains("valid-curves.png"));
    assert!(html.contains("model4/20250101-120000 #2"), "duplicate runs get distinct labels");
}

/// `views`: the runs' `evaluations/test-<views>/` figures replace their training-time test, the
/// tables say so, and a run without them is an error that names the command writing them.
#[test]
fn compares_other_test_views_from_evaluations() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let a = copy_run("run-model4", tmp.path(), "runs/a");
    let out = tmp.path().join("cmp");
    let options = report::CompareOptions { views: Some("mirror".into()), ..Default::default() };
    match report::compare_with(std::slice::from_ref(&a), &out, &options) {
        Err(e @ (ReportError::Missing { .. } | ReportError::RunFolder(RunFolderError::Missing { .. }))) => {
            let msg = e.to_string();
            assert!(
                msg.contains("test-mirror/test-metrics.json") && msg.contains("--part test --views mirror"),
                "{msg}"
            );
        }
        other => panic!("expected a missing evaluation, got {other:?}"),
    }
    let eval = a.join("evaluations/test-mirror");
    fs::create_dir_all(&eval).expect("mkdir");
    let test = fs::read_to_string(a.join("test-metrics.json")).expect("test metrics");
    fs::write(eval.join("test-metrics.json"), test.replace("\"accuracy\": 0.6667", "\"accuracy\": 0.75"))
        .expect("write");
    fs::copy(a.join("predictions.csv"), eval.join("predictions.csv")).expect("copy");
    report::compare_with(&[a], &out, &options).expect("compare");
    let csv = fs::read_to_string(out.join("comparison.csv")).expect("csv");
    assert!(csv.lines().nth(1).is_some_and(|l| l.contains(",0.75,1.0,")), "{csv}");
    let md = fs::read_to_string(out.join("comparison.md")).expect("md");
    assert!(md.starts_with("Test figures with mirror views"), "{md}");
}

/// Evaluation folders (an ensemble's, written by `agelab evaluate <model> <model>`) sit in a
/// comparison as runs without training, named by their folders, and count as repeats.
#[test]
fn compares_evaluation_folders_beside_runs() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let a = copy_run("run-model4", tmp.path(), "runs/a");
    let ens = tmp.path().join("ensembles/x+y/test-mirror");
    fs::create_dir_all(&ens).expect("mkdir");
    for f in ["test-metrics.json", "predictions.csv"] {
        fs::copy(a.join(f), ens.join(f)).expect("copy");
    }
    fs::write(ens.join("evaluation.json"), "{}").expect("write");
    let out = tmp.path().join("cmp");
    let options = report::CompareOptions { repeats: true, ..Default::default() };
    report::compare_with(&[a.clone(), ens.clone()], &out, &options).expect("compare");
    let csv = fs::read_to_string(out.join("comparison.csv")).expect("csv");
    let rows: Vec<&str> = csv.lines().collect();
    assert!(rows[2].starts_with("x+y,test-mirror,,,,,0,,1.0123,0.6667,"), "{csv}");
    let md = fs::read_to_string(out.join("comparison.md")).expect("md");
    assert!(md.contains("Over the 2 runs: mean ± std"), "{md}");
    // a run's own evaluations/<name>/ is named by the run's manifest
    let own = a.join("evaluations/test-mirror");
    fs::create_dir_all(&own).expect("mkdir");
    for f in ["test-metrics.json", "predictions.csv", "evaluation.json"] {
        fs::copy(ens.join(f), own.join(f)).expect("copy");
    }
    report::compare_with(&[own], &out, &report::CompareOptions::default()).expect("compare");
    let csv = fs::read_to_string(out.join("comparison.csv")).expect("csv");
    assert!(csv.lines().nth(1).is_some_and(|l| l.starts_with("model4,20250101-120000 test-mirror,")), "{csv}");
    let html = fs::read_to_string(out.join("index.html")).expect("index");
    assert!(!html.contains("valid-curves.png"), "no epochs, no curves");
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

/// Writes a gray JPEG per test face of `run`'s predictions.csv into `dir`, as UTKFace would have them.
fn fake_faces(run: &std::path::Path, dir: &std::path::Path) -> usize {
    fs::create_dir_all(dir).expect("mkdir");
    let csv = fs::read_to_string(run.join("predictions.csv")).expect("predictions.csv");
    let mut n = 0;
    for (i, line) in csv.lines().skip(1).enumerate() {
        let file = line.split(',').next().expect("file column");
        let shade = (40 + (i * 7) % 180) as u8;
        let img = image::RgbImage::from_fn(200, 200, |x, y| image::Rgb([shade, (x % 256) as u8, (y % 256) as u8]));
        img.save_with_format(dir.join(file), image::ImageFormat::Jpeg).expect("save jpeg");
        n += 1;
    }
    n
}

#[test]
fn draws_sample_faces_only_when_asked_and_keeps_them_out_of_git() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let run = copy_run("run-multitask", tmp.path(), "multitask/r");
    let images = tmp.path().join("UTKFace");
    assert!(fake_faces(&run, &images) >= 24);
    let options = report::RenderOptions { faces: Some(report::FaceImages::Folder(images.clone())) };
    let index = report::render_run_with(&run, &options).expect("render with faces");
    let html = check_page(&index);
    assert!(html.contains("src=\"faces/sample-faces.png\""));
    assert!(html.contains("24 test faces"), "24 faces drawn");
    let ignore = fs::read_to_string(run.join("report/faces/.gitignore")).expect(".gitignore");
    assert!(ignore.lines().any(|l| l == "*"), "{ignore}");

    // Rendering again without --faces removes the grid.
    let html = check_page(&render_run(&run).expect("render"));
    assert!(!html.contains("sample-faces.png") && !run.join("report/faces").exists());

    // Unreadable images: the page says so, and no grid is written.
    let options = report::RenderOptions { faces: Some(report::FaceImages::Folder(tmp.path().join("nowhere"))) };
    let html = fs::read_to_string(report::render_run_with(&run, &options).expect("render")).expect("read");
    assert!(html.contains("No test face image could be read"));

    // The manifest's data root (the fixture's `data/UTKFace` does not exist here).
    let options = report::RenderOptions { faces: Some(report::FaceImages::DataRoot) };
    let html = fs::read_to_string(report::render_run_with(&run, &options).expect("render")).expect("read");
    assert!(html.contains("No test face image could be read from <code>data/UTKFace</code>"));
}
