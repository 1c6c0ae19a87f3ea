//! Out-of-range numbers in every numeric option are refused before anything runs: experiment
//! keys at load (naming file, line and key; libtorch used to panic on `threads = 0`), command-line
//! numbers as they are parsed.

use super::common::{agelab_str, model, refused, repo};

/// Experiment lines that must each be refused: (line as written, key the error names).
const BAD_KEYS: [(&str, &str); 14] = [
    ("threads = 0", "train.threads"),
    ("lr = nan", "optimizer.lr"),
    ("lr = -0.001", "optimizer.lr"),
    ("lr = inf", "optimizer.lr"),
    ("momentum = 1.5", "optimizer.momentum"),
    ("weight_decay = nan", "optimizer.weight_decay"),
    ("batch_size = 0", "train.batch_size"),
    ("epochs = 0", "train.epochs"),
    ("patience = 0", "train.patience"),
    ("image_size = 0", "data.image_size"),
    ("image_size = 100000", "data.image_size"),
    ("count = 0", "data.count"),
    ("limit = 0", "data.limit"),
    ("train = 1.5", "split"),
];

/// The quick start with `line` set in its table (replacing the key when the file has it).
fn with_line(line: &str) -> String {
    let text = std::fs::read_to_string(repo().join("experiments/quickstart.toml")).unwrap();
    let key = line.split(" = ").next().unwrap();
    let table = match key {
        "threads" | "batch_size" | "epochs" | "patience" => "[train]",
        "lr" | "momentum" | "weight_decay" => "[optimizer]",
        "train" => "[split]",
        _ => "[data]",
    };
    let mut out = Vec::new();
    let mut in_table = false;
    let mut done = false;
    for l in text.lines() {
        if l.starts_with('[') {
            if in_table && !done {
                out.push(line.to_string());
                done = true;
            }
            in_table = l == table;
        }
        if in_table && l.split(" = ").next() == Some(key) {
            out.push(line.to_string());
            done = true;
            continue;
        }
        out.push(l.to_string());
    }
    if !done {
        out.push(line.to_string());
    }
    out.join("\n") + "\n"
}

#[test]
fn every_numeric_experiment_key_is_range_checked_at_load() {
    let dir = tempfile::tempdir().unwrap();
    for (line, key) in BAD_KEYS {
        let text = with_line(line);
        let at = text.lines().position(|l| l == line).expect("line written") + 1;
        let path = dir.path().join("bad.toml");
        std::fs::write(&path, &text).unwrap();
        let out = agelab_str(&["run", "bad.toml", "--reports", "reports", "--quiet"], dir.path());
        let stderr = refused(&out, &["bad.toml", &format!("`{key}")]);
        if key != "split" {
            assert!(stderr.contains(&format!("line {at}:")), "{line}: expected line {at}:\n{stderr}");
        }
    }
    assert!(!dir.path().join("reports").exists(), "nothing ran");
}

#[test]
fn model_options_are_checked_at_load_too() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(repo().join("experiments/quickstart.toml")).unwrap();
    for (arch, want) in [
        ("arch = \"article3\"\nkernel = 0", "kernel"),
        ("arch = \"article3\"\nfilters = [32, -1]", "filters"),
        ("arch = \"lmtcnn\"\nwidth = 0", "width"),
        ("arch = \"vgg16\"\nfrozen_blocks = 9", "frozen_blocks"),
    ] {
        std::fs::write(dir.path().join("m.toml"), text.replace("arch = \"model4\"", arch)).unwrap();
        let out = agelab_str(&["run", "m.toml", "--reports", "reports", "--quiet"], dir.path());
        refused(&out, &["m.toml: line ", "`model`", want]);
    }
    assert!(!dir.path().join("reports").exists(), "refused before any data was made");
}

#[test]
fn command_line_numbers_are_checked_as_they_are_parsed() {
    let dir = tempfile::tempdir().unwrap();
    let m = model();
    let m = m.to_str().unwrap();
    let cases: [&[&str]; 10] = [
        &["verify", "run", "--tolerance", "nan"],
        &["verify", "run", "--tolerance", "-1"],
        &["verify", "run", "--tolerance", "inf"],
        &["predict", m, "x.jpg", "--margin=-0.1"],
        &["predict", m, "x.jpg", "--margin-top", "nan"],
        &["predict", m, "x.jpg", "--margin-bottom", "inf"],
        &["predict", m, "x.jpg", "--detect", "--scale-factor", "1"],
        &["predict", m, "x.jpg", "--detect", "--scale-factor", "nan"],
        &["predict", m, "x.jpg", "--detect", "--max-side", "0"],
        &["evaluate", m, "--faces", "f.csv", "--margin", "-1"],
    ];
    for args in cases {
        let out = agelab_str(args, dir.path());
        let stderr = refused(&out, &["invalid value"]);
        assert_eq!(out.status.code(), Some(2), "a usage error: {args:?}\n{stderr}");
    }
}
