//! `evaluate` and `predict` on a few real faces, with a model trained briefly on others.

use std::path::Path;
use std::process::Command;

use runner::predict::HeadPrediction;

use super::common::{experiment, options, utkface};

fn link_faces(src: &Path, dst: &Path, names: &[String]) {
    std::fs::create_dir_all(dst).unwrap();
    for n in names {
        std::os::unix::fs::symlink(src.join(n), dst.join(n)).unwrap();
    }
}

#[test]
fn evaluate_and_predict_on_real_faces() {
    let _serial = super::common::serial();
    let Some(root) = utkface() else { return };
    let dir = tempfile::tempdir().unwrap();
    let mut names: Vec<String> =
        std::fs::read_dir(&root).unwrap().flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    let (train, held) = (names[..300].to_vec(), names[1000..1020].to_vec());
    let train_dir = dir.path().join("train");
    let held_dir = dir.path().join("held");
    link_faces(&root, &train_dir, &train);
    link_faces(&root, &held_dir, &held);
    let text = super::common::tiny_synthetic(1)
        .replace(
            "source = \"synthetic\"\ncount = 240",
            &format!("source = \"utkface\"\nroot = \"{}\"", train_dir.display()),
        )
        .replace("train = 160", "train = 250")
        .replace("valid = 40", "valid = 25");
    let run = runner::run(&experiment(&text), &options(&dir.path().join("reports"))).unwrap().dir;

    // evaluate: all 20 held-out faces, metrics and predictions written
    let out = dir.path().join("eval");
    let p = runner::predict::Predictor::load(run.root()).unwrap();
    let m = p.evaluate_folder(&held_dir, runner::evaluate::Crops::named("single", p.side()).unwrap(), &out).unwrap();
    assert_eq!(m.images, 20);
    assert_eq!(std::fs::read_to_string(out.join("predictions.csv")).unwrap().lines().count(), 21);
    assert!(out.join("evaluation.json").is_file());

    // evaluate --part: the run's own test faces, rebuilt from its config, give its test figures;
    // mirrored views are written beside; a split that no longer matches the manifest is refused
    let cli_eval = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_agelab"))
            .args(["evaluate", run.root().to_str().unwrap()])
            .args(args)
            .output()
            .unwrap()
    };
    let o = cli_eval(&["--part", "test"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let json = |p: &Path| -> serde_json::Value { serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap() };
    let (trained, again) = (json(&run.test_metrics()), json(&run.root().join("evaluations/test/test-metrics.json")));
    assert_eq!((&trained["images"], &trained["best_epoch"]), (&again["images"], &again["best_epoch"]));
    for head in ["age", "gender"] {
        let (a, b) = (trained["heads"][head]["accuracy"].as_f64().unwrap(), again["heads"][head]["accuracy"].as_f64());
        assert!((a - b.unwrap()).abs() < 1e-9, "{head}: trained {a}, re-evaluated {b:?}");
    }
    let o = cli_eval(&["--part", "valid", "--views", "mirror"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let mirrored = json(&run.root().join("evaluations/valid-mirror/evaluation.json"));
    assert_eq!(mirrored["images"].as_u64(), Some(25));
    assert_eq!(mirrored["views"], serde_json::json!([{"view": "mirror", "side": 16}]));
    let summary = std::fs::read_to_string(run.root().join("evaluations/valid-mirror/summary.md")).unwrap();
    assert!(summary.contains("25 faces") && summary.contains("| gender | accuracy |"), "{summary}");
    assert!(summary.contains("## By group") && summary.contains("| gender | female |"), "{summary}");
    let o = cli_eval(&["--part", "valid", "--views", "ten"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success() && err.contains("ten-crop views need a model trained on crops"), "{err}");
    let manifest = run.manifest();
    let saved = std::fs::read_to_string(&manifest).unwrap();
    let fp = json(&manifest)["split_fingerprint"].as_str().unwrap().to_owned();
    std::fs::write(&manifest, saved.replace(&fp, "0123456789abcdef0123456789abcdef")).unwrap();
    let o = cli_eval(&["--part", "valid"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success() && err.contains("manifest.json") && err.contains(&fp), "{err}");
    std::fs::write(&manifest, saved).unwrap();

    // several models together (an ensemble): per face, the mean of their outputs; models that
    // do not share the split (another seed deals other faces) are refused
    let reports = dir.path().join("reports");
    let other = runner::run(&experiment(&text.replace("lr = 1e-3", "lr = 3e-3")), &options(&reports)).unwrap().dir;
    let cli = |args: &[&str]| Command::new(env!("CARGO_BIN_EXE_agelab")).args(args).output().unwrap();
    let (one, two) = (run.root().to_str().unwrap(), other.root().to_str().unwrap());
    let ensemble = dir.path().join("ensemble");
    for member in [one, two] {
        let o = cli(&["evaluate", member, "--part", "valid"]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    let o = cli(&["evaluate", one, two, "--part", "valid", "--out", ensemble.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let column = |csv: &Path, name: &str| -> Vec<f64> {
        let mut r = csv::Reader::from_path(csv).unwrap();
        let at = r.headers().unwrap().iter().position(|h| h == name).unwrap();
        r.records().map(|row| row.unwrap()[at].parse().unwrap()).collect()
    };
    let valid = |d: &Path| d.join("evaluations/valid/predictions.csv");
    let (a, b) = (column(&valid(run.root()), "gender_p1"), column(&valid(other.root()), "gender_p1"));
    let mean = column(&ensemble.join("predictions.csv"), "gender_p1");
    assert_eq!(mean.len(), 25);
    assert!(a != b, "two learning rates, two models");
    for ((m, x), y) in mean.iter().zip(&a).zip(&b) {
        assert!((m - (x + y) / 2.0).abs() < 2e-5, "ensemble {m}, members {x} and {y}");
    }
    let info = json(&ensemble.join("evaluation.json"));
    assert_eq!(info["model"].as_str(), Some(format!("{one} + {two}").as_str()));
    let moved = runner::run(&experiment(&text.replace("seed = 11", "seed = 12")), &options(&reports)).unwrap().dir;
    let o =
        cli(&["evaluate", one, moved.root().to_str().unwrap(), "--part", "valid", "--out", ensemble.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success() && err.contains("must share their split"), "{err}");
    let o = cli(&["evaluate", one, two, "--data", held_dir.to_str().unwrap()]);
    assert!(String::from_utf8_lossy(&o.stderr).contains("--part"), "an ensemble is evaluated on a part of its split");

    // mirror views: predictions that cannot tell a face from its mirror image
    let mirror = runner::predict::Predictor::load(run.root())
        .unwrap()
        .with_views(runner::evaluate::Crops::named("mirror", p.side()).unwrap());
    let face = image::open(held_dir.join(&held[0])).unwrap();
    let (a, b) = (mirror.predict(std::slice::from_ref(&face)).remove(0), mirror.predict(&[face.fliph()]).remove(0));
    for (x, y) in a.iter().zip(&b) {
        match (x, y) {
            (HeadPrediction::Class { probabilities: px, .. }, HeadPrediction::Class { probabilities: py, .. }) => {
                assert!(px.iter().zip(py).all(|(u, v)| (u - v).abs() < 1e-5), "{px:?} vs {py:?}")
            }
            (HeadPrediction::Value(u), HeadPrediction::Value(v)) => assert!((u - v).abs() < 1e-4, "{u} vs {v}"),
            _ => panic!("{x:?} vs {y:?}"),
        }
    }

    // predict (CLI) on three crops: one CSV row each, labels from the model's classes
    let three = dir.path().join("three");
    link_faces(&root, &three, &held[..3]);
    let pred_out = dir.path().join("pred");
    let o = Command::new(env!("CARGO_BIN_EXE_agelab"))
        .args(["predict", run.root().to_str().unwrap(), three.to_str().unwrap(), "--out", pred_out.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let csv = std::fs::read_to_string(pred_out.join("predictions.csv")).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 4, "{csv}");
    assert!(
        lines[0].starts_with("file,face,x,y,width,height,age,age_probability,gender,gender_probability"),
        "{}",
        lines[0]
    );
    assert!(lines[1].contains(",male,") || lines[1].contains(",female,"), "{}", lines[1]);

    // predicting together: per face and head, the mean of the members' probabilities; one set of
    // columns on the command line; models with other heads are refused
    let (m1, m2) = (
        runner::predict::Predictor::load(run.root()).unwrap(),
        runner::predict::Predictor::load(other.root()).unwrap(),
    );
    let faces: Vec<image::DynamicImage> = held[..3].iter().map(|n| image::open(held_dir.join(n)).unwrap()).collect();
    let together = runner::predict::predict_together(&[&m1, &m2], &faces).unwrap();
    let (alone1, alone2) = (m1.predict(&faces), m2.predict(&faces));
    for ((t, x), y) in together.iter().flatten().zip(alone1.iter().flatten()).zip(alone2.iter().flatten()) {
        match (t, x, y) {
            (
                HeadPrediction::Class { probabilities: pt, .. },
                HeadPrediction::Class { probabilities: px, .. },
                HeadPrediction::Class { probabilities: py, .. },
            ) => assert!(
                pt.iter().zip(px).zip(py).all(|((t, x), y)| (t - (x + y) / 2.0).abs() < 1e-6),
                "{pt:?} {px:?} {py:?}"
            ),
            _ => panic!("class heads: {t:?}"),
        }
    }
    let o = cli(&["predict", one, two, three.to_str().unwrap(), "--ensemble", "--out", pred_out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let csv_together = std::fs::read_to_string(pred_out.join("predictions.csv")).unwrap();
    assert_eq!(csv_together.lines().next(), lines.first().copied(), "one set of head columns");
    let gender_only = text.replace("[[tasks]]\nname = \"age\"\ntarget = \"age_group\"\nscheme = \"report5\"\n", "");
    assert_ne!(gender_only, text);
    let lone = runner::run(&experiment(&gender_only), &options(&reports)).unwrap().dir;
    let o = cli(&["predict", one, lone.root().to_str().unwrap(), three.to_str().unwrap(), "--ensemble"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success() && err.contains("must predict the same heads"), "{err}");

    // release (CLI): the run becomes a named model folder with a card; predict takes the folder
    let models = dir.path().join("models");
    let run_dir = run.root().to_str().unwrap();
    let o = cli(&["release", run_dir, "--name", "tiny-real", "--models", models.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let released = models.join("tiny-real");
    for f in ["config.toml", "weights.safetensors", "test-metrics.json", "manifest.json", "README.md"] {
        assert!(released.join(f).is_file(), "{f} missing from the release");
    }
    let card = std::fs::read_to_string(released.join("README.md")).unwrap();
    let metrics: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(released.join("test-metrics.json")).unwrap()).unwrap();
    let accuracy = metrics["heads"]["gender"]["accuracy"].as_f64().unwrap();
    assert!(card.contains(&format!("| gender | accuracy | {:.1}% |", 100.0 * accuracy)), "{card}");
    assert!(
        card.contains("| race | white |") && card.contains("| gender | male |") && card.contains("| age band | 0-14 |"),
        "{card}"
    );
    assert!(card.contains("non-commercial research"), "{card}");
    let again = cli(&["release", run_dir, "--name", "tiny-real", "--models", models.to_str().unwrap()]);
    assert!(!again.status.success(), "a second release of the same name needs --force");
    assert!(String::from_utf8_lossy(&again.stderr).contains("--force"));
    // --force from the same run keeps the release's evaluations; from other weights it drops them
    let kept = released.join("evaluations/valid/summary.md");
    std::fs::create_dir_all(kept.parent().unwrap()).unwrap();
    std::fs::write(&kept, "scores").unwrap();
    let o = cli(&["release", run_dir, "--name", "tiny-real", "--force", "--models", models.to_str().unwrap()]);
    assert!(o.status.success() && kept.is_file(), "{}", String::from_utf8_lossy(&o.stderr));
    let o = cli(&["release", two, "--name", "tiny-real", "--force", "--models", models.to_str().unwrap()]);
    assert!(o.status.success() && !kept.exists(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stderr).contains("scored the old weights"));
    let o = cli(&["release", run_dir, "--name", "tiny-real", "--force", "--models", models.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let bad = cli(&["release", dir.path().to_str().unwrap(), "--name", "x", "--models", models.to_str().unwrap()]);
    assert!(
        String::from_utf8_lossy(&bad.stderr).contains("config.toml: missing"),
        "{}",
        String::from_utf8_lossy(&bad.stderr)
    );
    let o = cli(&["predict", released.to_str().unwrap(), three.to_str().unwrap(), "--out", pred_out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(
        std::fs::read_to_string(pred_out.join("predictions.csv")).unwrap(),
        csv,
        "the release predicts as its run"
    );
}
