//! The released models in models/: each loads by name, carries its card, and re-evaluated on its
//! listed test faces (real UTKFace) gives the figures its card and test-metrics.json state.

use std::path::PathBuf;

use super::common::{repo, utkface};

fn released() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(repo().join("models"))
        .map(|d| d.flatten().map(|e| e.path()).filter(|p| p.join("config.toml").is_file()).collect())
        .unwrap_or_default();
    dirs.sort();
    dirs
}

#[test]
fn released_models_reproduce_their_cards_on_their_test_faces() {
    let models = released();
    assert!(!models.is_empty(), "expected released models under models/");
    let Some(root) = utkface() else { return };
    for dir in models {
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let card = std::fs::read_to_string(dir.join("README.md")).unwrap_or_else(|e| panic!("{name}: card: {e}"));
        assert!(card.contains("non-commercial research"), "{name}: the card must carry the licence note");
        let weights = std::fs::metadata(dir.join("weights.safetensors")).unwrap().len();
        assert!(weights < 25 << 20, "{name}: {weights} bytes of weights");
        let stated: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join("test-metrics.json")).unwrap()).unwrap();

        let list = dir.join("test-faces.txt");
        let faces: Vec<String> = std::fs::read_to_string(&list)
            .unwrap_or_else(|e| panic!("{}: {e}", list.display()))
            .lines()
            .map(str::to_owned)
            .collect();
        let tmp = tempfile::tempdir().unwrap();
        let data = tmp.path().join("faces");
        std::fs::create_dir(&data).unwrap();
        for f in &faces {
            std::os::unix::fs::symlink(root.join(f), data.join(f)).unwrap();
        }
        let p = runner::predict::Predictor::load(&dir).unwrap_or_else(|e| panic!("{name}: {e}"));
        let m = p
            .evaluate_folder(
                &data,
                runner::evaluate::Crops::named("single", p.side()).unwrap(),
                &tmp.path().join("eval"),
            )
            .unwrap();
        assert_eq!(m.images as u64, stated["images"].as_u64().unwrap(), "{name}: test faces");
        let measured = serde_json::to_value(&m).unwrap();
        for (head, h) in stated["heads"].as_object().unwrap() {
            for metric in ["accuracy", "mae"] {
                let (Some(want), Some(got)) = (h[metric].as_f64(), measured["heads"][head][metric].as_f64()) else {
                    continue;
                };
                // Same weights and faces; only the batch size differs, which may flip a tie.
                let tolerance = if metric == "mae" { 1e-3 } else { 1.5 / faces.len() as f64 };
                assert!((want - got).abs() <= tolerance, "{name}: {head} {metric}: card {want}, re-evaluated {got}");
                if metric == "accuracy" {
                    assert!(card.contains(&format!("| {head} | accuracy | {:.1}% |", 100.0 * want)), "{name}: {head}");
                }
            }
        }
    }
}

/// `agelab evaluate <name> --faces labels.csv`: labelled photos (here real UTKFace test faces,
/// labels from their names, one given a box) scored with intervals; bad labels name their line.
#[test]
fn evaluate_on_labelled_faces_scores_what_predict_says() {
    let Some(root) = utkface() else { return };
    let dir = repo().join("models/multitask");
    let faces: Vec<String> =
        std::fs::read_to_string(dir.join("test-faces.txt")).unwrap().lines().take(12).map(str::to_owned).collect();
    let mut csv = String::from("file,person,gender,age,x,y,width,height\n");
    for (i, f) in faces.iter().enumerate() {
        let parts: Vec<&str> = f.split('_').collect();
        let gender = if parts[1] == "0" { "male" } else { "female" };
        let region = if i == 0 { "0,0,200,200" } else { ",,," };
        csv += &format!("{f},,{gender},{},{region}\n", parts[0]);
    }
    let tmp = tempfile::tempdir().unwrap();
    let labels = tmp.path().join("labels.csv");
    std::fs::write(&labels, &csv).unwrap();
    let out = tmp.path().join("out");
    let run = |labels: &std::path::Path| {
        std::process::Command::new(env!("CARGO_BIN_EXE_agelab"))
            .args(["evaluate", "multitask", "--faces"])
            .arg(labels)
            .arg("--images")
            .arg(&root)
            .arg("--out")
            .arg(&out)
            .output()
            .unwrap()
    };
    let o = run(&labels);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));

    let p = runner::predict::Predictor::load(&dir).unwrap();
    let gender = p.head_names().iter().position(|h| h == "gender").unwrap();
    let mut hits = 0;
    for f in &faces {
        let img = image::open(root.join(f)).unwrap();
        let truth = if f.split('_').nth(1) == Some("0") { "male" } else { "female" };
        if let runner::predict::HeadPrediction::Class { label, .. } = &p.predict(&[img]).remove(0)[gender] {
            hits += usize::from(label == truth);
        }
    }
    let summary = std::fs::read_to_string(out.join("summary.md")).unwrap();
    let want = format!("| gender accuracy | 12 | {:.1}% ({hits}/12) |", 100.0 * hits as f64 / 12.0);
    assert!(summary.contains(&want), "expected {want} in\n{summary}");
    assert!(summary.contains("| age MAE (years) | 12 |"), "{summary}");
    let rows = std::fs::read_to_string(out.join("predictions.csv")).unwrap();
    assert_eq!(rows.lines().count(), 13, "{rows}");
    assert!(rows.lines().nth(1).unwrap().contains(",box given,0,0,200,200,"), "{rows}");

    // the two releases together: each face's gender from their averaged probabilities
    let pair = tmp.path().join("pair");
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_agelab"))
        .args(["evaluate", "multitask", "multitask-96", "--faces"])
        .arg(&labels)
        .arg("--images")
        .arg(&root)
        .arg("--out")
        .arg(&pair)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let q = runner::predict::Predictor::load(&repo().join("models/multitask-96")).unwrap();
    let imgs: Vec<image::DynamicImage> = faces.iter().map(|f| image::open(root.join(f)).unwrap()).collect();
    let together = runner::predict::predict_together(&[&p, &q], &imgs).unwrap();
    let hits = faces
        .iter()
        .zip(&together)
        .filter(|(f, preds)| {
            let truth = if f.split('_').nth(1) == Some("0") { "male" } else { "female" };
            matches!(&preds[gender], runner::predict::HeadPrediction::Class { label, .. } if label == truth)
        })
        .count();
    let summary = std::fs::read_to_string(pair.join("summary.md")).unwrap();
    let want = format!("| gender accuracy | 12 | {:.1}% ({hits}/12) |", 100.0 * hits as f64 / 12.0);
    assert!(summary.contains(&want) && summary.contains("multitask + multitask-96"), "expected {want} in\n{summary}");

    std::fs::write(&labels, "file,gender,age\nx.jpg,female,forty\n").unwrap();
    let o = run(&labels);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success() && err.contains("labels.csv:2") && err.contains("age 'forty'"), "{err}");
}
