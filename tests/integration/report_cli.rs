//! `agelab report --faces` and `agelab compare` with the literature table, on the report crate's
//! fixture run folders (no training, no real data).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Copies the report crate's fixture run `name` to `dst`.
fn fixture_run(name: &str, dst: &Path) -> PathBuf {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("crates/report/tests/data").join(name);
    fs::create_dir_all(dst).unwrap();
    for e in fs::read_dir(src).unwrap() {
        let e = e.unwrap();
        fs::copy(e.path(), dst.join(e.file_name())).unwrap();
    }
    dst.to_path_buf()
}

fn agelab(args: &[&str]) -> std::process::Output {
    let out =
        Command::new(env!("CARGO_BIN_EXE_agelab")).args(args).current_dir(env!("CARGO_MANIFEST_DIR")).output().unwrap();
    assert!(out.status.success(), "agelab {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    out
}

#[test]
fn report_draws_faces_only_with_the_flag() {
    let tmp = tempfile::tempdir().unwrap();
    let run = fixture_run("run-model4", &tmp.path().join("model4/r"));
    let images = tmp.path().join("faces");
    fs::create_dir_all(&images).unwrap();
    let csv = fs::read_to_string(run.join("predictions.csv")).unwrap();
    for line in csv.lines().skip(1) {
        let file = line.split(',').next().unwrap();
        image::RgbImage::from_pixel(64, 64, image::Rgb([120, 90, 60]))
            .save_with_format(images.join(file), image::ImageFormat::Jpeg)
            .unwrap();
    }
    let run_arg = run.to_str().unwrap();
    agelab(&["report", &format!("--faces={}", images.display()), run_arg]);
    assert!(run.join("report/faces/sample-faces.png").is_file());
    agelab(&["report", run_arg]);
    assert!(!run.join("report/faces").exists(), "a report without --faces keeps no face grid");
}

#[test]
fn compare_joins_the_repository_literature_table_unless_told_not_to() {
    let tmp = tempfile::tempdir().unwrap();
    let a = fixture_run("run-model4", &tmp.path().join("model4/a"));
    let b = fixture_run("run-multitask", &tmp.path().join("multitask/b"));
    let out = tmp.path().join("cmp");
    let (a, b, o) = (a.to_str().unwrap(), b.to_str().unwrap(), out.to_str().unwrap());
    agelab(&["compare", a, b, "--out", o]);
    let lit = fs::read_to_string(out.join("literature.csv")).unwrap();
    assert!(lit.contains("The 2021 student report, Model 4"), "{lit}");
    // The fixture's model4 run (accuracy 0.6667) is measured beside the report's 63.9%.
    assert!(lit.lines().any(|l| l.contains(",63.9,66.6")), "{lit}");
    let out2 = tmp.path().join("cmp2");
    agelab(&["compare", a, b, "--out", out2.to_str().unwrap(), "--no-literature"]);
    assert!(!out2.join("literature.csv").exists());
}
