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

#[test]
fn a_missing_data_folder_says_where_to_put_utkface() {
    let reports = tempfile::tempdir().unwrap();
    let text = tiny_synthetic(1)
        .replace("source = \"synthetic\"\ncount = 240", "source = \"utkface\"\nroot = \"/nonexistent/UTKFace\"");
    let err = runner::run(&experiment(&text), &options(reports.path())).err().expect("must fail").to_string();
    assert!(err.contains("/nonexistent/UTKFace") && err.contains("AGELAB_DATA"), "{err}");
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
