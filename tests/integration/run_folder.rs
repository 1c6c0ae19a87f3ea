//! A whole run on synthetic faces writes the run folder the report reads.

use super::common::{experiment, options, tiny_synthetic};

#[test]
fn a_run_writes_config_metrics_test_metrics_predictions_and_checkpoints() {
    let _serial = super::common::serial();
    let reports = tempfile::tempdir().unwrap();
    let out = runner::run(&experiment(&tiny_synthetic(2)), &options(reports.path())).unwrap();
    let dir = out.dir;
    for f in [
        dir.config(),
        dir.manifest(),
        dir.split(),
        dir.metrics(),
        dir.test_metrics(),
        dir.predictions(),
        dir.load_summary(),
    ] {
        assert!(f.is_file(), "missing {}", f.display());
    }
    let metrics = std::fs::read_to_string(dir.metrics()).unwrap();
    let lines: Vec<&str> = metrics.lines().collect();
    assert_eq!(
        lines[0],
        "epoch,lr,train_loss,valid_loss,train_age_acc,valid_age_acc,train_gender_acc,valid_gender_acc"
    );
    assert_eq!(lines.len(), 3, "{metrics}");
    let test: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(dir.test_metrics()).unwrap()).unwrap();
    assert_eq!(test["images"], 40);
    let cm = test["heads"]["age"]["confusion"].as_array().unwrap();
    assert_eq!(cm.len(), 5);
    let total: u64 = cm.iter().flat_map(|r| r.as_array().unwrap()).map(|v| v.as_u64().unwrap()).sum();
    assert_eq!(total, 40);
    let predictions = std::fs::read_to_string(dir.predictions()).unwrap();
    assert_eq!(predictions.lines().count(), 41);
    assert!(predictions.starts_with("file,age,gender,race,age_true,age_pred,age_p0"));
    assert!(dir.checkpoints().join("best.safetensors").is_file());
    let manifest: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(dir.manifest()).unwrap()).unwrap();
    assert_eq!(manifest["status"], "finished");
    assert_eq!(manifest["split_sizes"]["train"], 160);
    // the saved config re-loads to the same experiment
    let saved = runner::Experiment::from_toml(&std::fs::read_to_string(dir.config()).unwrap(), &dir.config()).unwrap();
    assert_eq!(saved, experiment(&tiny_synthetic(2)));
}

/// The files the doc's table lists for a training run (up to the ones `evaluate` and `report` add).
fn documented_files() -> Vec<String> {
    let doc = std::fs::read_to_string(super::common::repo().join("docs/run-folder.md")).unwrap();
    doc.lines()
        .filter_map(|l| l.strip_prefix("| `"))
        .filter_map(|l| l.split_once('`').map(|(name, _)| name.to_owned()))
        .take_while(|name| !name.starts_with("evaluations/"))
        .collect()
}

#[test]
fn the_doc_lists_exactly_what_a_run_writes_and_the_types_read_it_back() {
    let _serial = super::common::serial();
    assert_eq!(documented_files(), runfolder::FILES, "docs/run-folder.md and runfolder::FILES disagree");
    let reports = tempfile::tempdir().unwrap();
    let out = runner::run(&experiment(&tiny_synthetic(2)), &options(reports.path())).unwrap();
    let dir = out.dir;
    let mut written: Vec<String> = std::fs::read_dir(dir.root())
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            let name = e.file_name().to_string_lossy().into_owned();
            if e.path().is_dir() {
                name + "/"
            } else {
                name
            }
        })
        .collect();
    written.sort();
    // everything but the lock, which is released and removed at the end
    let mut expected: Vec<String> = runfolder::FILES.iter().filter(|f| **f != "lock").map(|f| f.to_string()).collect();
    expected.sort();
    assert_eq!(written, expected);

    // every file reads back through its one type and writes back byte for byte
    let manifest: runfolder::Manifest = runfolder::read_json(&dir.manifest(), "a manifest").unwrap();
    assert_eq!(manifest.status, runfolder::Status::Finished);
    // JSON's decimals read back within an ULP: compare all but the seconds exactly
    assert!((manifest.train_seconds - out.manifest.train_seconds).abs() < 1e-9);
    assert_eq!(runfolder::Manifest { train_seconds: out.manifest.train_seconds, ..manifest.clone() }, out.manifest);
    let metrics = runfolder::MetricsCsv::read(&dir.metrics()).unwrap();
    assert_eq!(metrics.to_csv(), std::fs::read_to_string(dir.metrics()).unwrap());
    assert_eq!(runfolder::TimingRow::read(&dir.timing()).unwrap().len(), 2);
    let test = runfolder::TestMetrics::read(&dir.test_metrics()).unwrap();
    assert_eq!(test, out.test);
    assert_eq!(serde_json::to_string_pretty(&test).unwrap(), std::fs::read_to_string(dir.test_metrics()).unwrap());
    let specs: Vec<runfolder::HeadSpec> = manifest
        .heads
        .iter()
        .map(|h| runfolder::HeadSpec {
            name: h.name.clone(),
            kind: match &h.classes {
                Some(c) => runfolder::HeadKind::Classification { classes: c.clone() },
                None => runfolder::HeadKind::Regression,
            },
        })
        .collect();
    let predictions = runfolder::Predictions::read(&dir.predictions(), &specs).unwrap();
    assert_eq!(predictions.to_csv(), std::fs::read_to_string(dir.predictions()).unwrap());
    let summary: runfolder::LoadSummary = runfolder::read_json(&dir.load_summary(), "a load summary").unwrap();
    assert_eq!(summary.kept, 240);
}

#[test]
fn a_missing_data_folder_says_where_to_put_utkface() {
    let reports = tempfile::tempdir().unwrap();
    let text = tiny_synthetic(1)
        .replace("source = \"synthetic\"\ncount = 240", "source = \"utkface\"\nroot = \"/nonexistent/UTKFace\"");
    let err = runner::run(&experiment(&text), &options(reports.path())).err().expect("must fail").to_string();
    assert!(err.contains("/nonexistent/UTKFace") && err.contains("AGELAB_DATA"), "{err}");
    let left: Vec<_> = std::fs::read_dir(reports.path()).unwrap().flatten().map(|e| e.path()).collect();
    assert!(left.is_empty(), "a failed start leaves no run folder behind: {left:?}");
}

#[test]
fn a_split_larger_than_the_data_leaves_no_run_folder() {
    let reports = tempfile::tempdir().unwrap();
    let text = tiny_synthetic(1).replace("train = 160", "train = 1000");
    assert!(runner::run(&experiment(&text), &options(reports.path())).is_err());
    assert_eq!(std::fs::read_dir(reports.path()).unwrap().count(), 0);
}

#[test]
fn a_faithful_flawed_head_is_run_and_warned_about() {
    let _serial = super::common::serial();
    let reports = tempfile::tempdir().unwrap();
    let text = format!("faithful = true\n{}", tiny_synthetic(1))
        .replace("scheme = \"report5\"", "scheme = \"report4\"\nloss = \"mse\"\nactivation = \"softmax\"");
    let out = runner::run(&experiment(&text), &options(reports.path())).unwrap();
    let w = out.manifest.warnings.join("\n");
    assert!(w.contains("softmax over a single unit"), "{w}");
    assert!(w.contains("constant predictions: head 'age'"), "{w}");
}
