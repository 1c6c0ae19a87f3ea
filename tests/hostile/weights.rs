//! Weights files that are empty, cut short or not weights at all are named as such.

use std::path::Path;

use super::common::{agelab_str, model, refused};

/// A copy of the released model with `weights` as its weights file.
fn model_with(dir: &Path, weights: &[u8]) -> std::path::PathBuf {
    let m = dir.join("model");
    std::fs::create_dir_all(&m).unwrap();
    std::fs::copy(model().join("config.toml"), m.join("config.toml")).unwrap();
    std::fs::write(m.join("weights.safetensors"), weights).unwrap();
    m
}

#[test]
fn empty_truncated_and_foreign_weights_say_so_once() {
    let real = std::fs::read(model().join("weights.safetensors")).unwrap();
    let cases: [(&str, Vec<u8>, &str); 5] = [
        ("empty", Vec::new(), "empty weights file"),
        ("cut in the header", real[..5].to_vec(), "truncated weights file"),
        ("cut in the data", real[..real.len() / 2].to_vec(), "truncated weights file"),
        ("a photo", testenv::photos::jpeg(16, 16), "not a safetensors weights file"),
        ("text", b"{\"not\": \"weights\"}\n".repeat(4), "not a safetensors weights file"),
    ];
    for (what, bytes, want) in cases {
        let dir = tempfile::tempdir().unwrap();
        let m = model_with(dir.path(), &bytes);
        std::fs::write(dir.path().join("face.jpg"), testenv::photos::jpeg(32, 32)).unwrap();
        let out = agelab_str(&["predict", m.to_str().unwrap(), "face.jpg"], dir.path());
        let stderr = refused(&out, &[want, "weights.safetensors"]);
        assert_eq!(stderr.matches(want).count(), 1, "{what}: said once\n{stderr}");
        assert!(!stderr.contains("MetadataIncompleteBuffer"), "{what}: {stderr}");
    }
}

#[test]
fn an_unfinished_run_is_predicted_with_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("run");
    std::fs::create_dir_all(run.join("checkpoints")).unwrap();
    std::fs::copy(model().join("config.toml"), run.join("config.toml")).unwrap();
    std::fs::copy(model().join("weights.safetensors"), run.join("checkpoints/best.safetensors")).unwrap();
    std::fs::write(dir.path().join("face.jpg"), testenv::photos::jpeg(32, 32)).unwrap();
    let out = agelab_str(&["predict", "run", "face.jpg"], dir.path());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("warning:") && stderr.contains("has not finished"), "{stderr}");
    std::fs::write(run.join("test-metrics.json"), "{}").unwrap();
    let out = agelab_str(&["predict", "run", "face.jpg"], dir.path());
    assert!(!String::from_utf8_lossy(&out.stderr).contains("has not finished"));
}
