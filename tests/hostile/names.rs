//! Names that become paths cannot leave the folder they are meant for, whichever command takes
//! them (one check, `runner::config::check_name`); nasty file names survive the binary whole.

use std::path::Path;

use super::common::{agelab_str, csv_rows, model, refused, repo, text, NASTY_NAMES};

/// A tiny experiment named `name` (never trained here: refused at load).
fn experiment(dir: &Path, name: &str) -> std::path::PathBuf {
    let text = std::fs::read_to_string(repo().join("experiments/quickstart.toml")).unwrap();
    let text = text.replace("name = \"quickstart\"", &format!("name = {name:?}"));
    let path = dir.join("exp.toml");
    std::fs::write(&path, text).unwrap();
    path
}

const ESCAPES: [&str; 5] = ["../escape", "/tmp/agelab-escape", "a/../../b", "..", ".hidden"];

#[test]
fn experiment_names_cannot_leave_reports() {
    let dir = tempfile::tempdir().unwrap();
    for name in ESCAPES {
        let exp = experiment(dir.path(), name);
        let out = agelab_str(&["run", exp.to_str().unwrap(), "--reports", "reports", "--quiet"], dir.path());
        refused(&out, &["exp.toml", "line 4:", "`name`", "cannot be a folder name"]);
    }
    let entries: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(entries, vec![std::ffi::OsString::from("exp.toml")], "nothing was written");
}

#[test]
fn sweep_variant_names_cannot_leave_reports() {
    let dir = tempfile::tempdir().unwrap();
    let exp = experiment(dir.path(), "base");
    let out = agelab_str(
        &["sweep", exp.to_str().unwrap(), "--set", "data.root=../../elsewhere", "--reports", "reports", "--quiet"],
        dir.path(),
    );
    refused(&out, &["`name`", "cannot be a folder name"]);
    assert!(!dir.path().join("reports").exists());
}

#[test]
fn release_and_model_names_cannot_leave_models() {
    let dir = tempfile::tempdir().unwrap();
    for name in ESCAPES {
        let out = agelab_str(&["release", model().to_str().unwrap(), "--name", name, "--models", "models"], dir.path());
        refused(&out, &["--name", "cannot be a folder name"]);
    }
    assert!(!dir.path().join("models").exists());
    // a model given by name is looked up in models/ only
    let out = agelab_str(&["predict", "../models/multitask", "x.jpg"], dir.path());
    refused(&out, &["not a run folder, and no released model has that name"]);
}

#[test]
fn nasty_file_names_come_back_whole_in_the_csv() {
    let dir = tempfile::tempdir().unwrap();
    let photos = dir.path().join("in put");
    std::fs::create_dir(&photos).unwrap();
    let bytes = testenv::photos::jpeg(48, 48);
    for n in NASTY_NAMES {
        std::fs::write(photos.join(n), &bytes).unwrap();
    }
    let out = agelab_str(&["predict", model().to_str().unwrap(), "in put", "--out", "out (1)"], dir.path());
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    let rows = csv_rows(&dir.path().join("out (1)/predictions.csv"));
    let mut names: Vec<&str> = rows.iter().map(|r| &r[0]).collect();
    let mut want = NASTY_NAMES.to_vec();
    names.sort();
    want.sort();
    assert_eq!(names, want);
    assert!(rows.iter().all(|r| !r[6].is_empty() && r[r.len() - 1].is_empty()), "a prediction per file");
}
