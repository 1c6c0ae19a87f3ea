//! Reproducibility: identical reruns, kill-and-resume, `verify`, and `sweep`.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use super::common::{experiment, options, tiny_synthetic};

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

#[test]
fn two_runs_with_one_seed_write_identical_metrics() {
    let _serial = super::common::serial();
    let reports = tempfile::tempdir().unwrap();
    let exp = experiment(&tiny_synthetic(2));
    let a = runner::run(&exp, &options(reports.path())).unwrap().dir;
    let b = runner::run(&exp, &options(reports.path())).unwrap().dir;
    assert_ne!(a.root(), b.root());
    assert_eq!(read(&a.metrics()), read(&b.metrics()));
    assert_eq!(read(&a.test_metrics()), read(&b.test_metrics()));
    assert_eq!(read(&a.predictions()), read(&b.predictions()));
}

#[test]
fn verify_passes_on_an_untouched_run_and_fails_on_an_edited_one() {
    let _serial = super::common::serial();
    let reports = tempfile::tempdir().unwrap();
    let run = runner::run(&experiment(&tiny_synthetic(1)), &options(reports.path())).unwrap().dir;
    let scratch = reports.path().join("verify");
    let v = runner::verify::verify(run.root(), &scratch, &options(reports.path()), 0.0).unwrap();
    assert!(v.reproduced, "{:?}", v.lines);
    // an edited number must be caught
    let metrics = read(&run.metrics());
    let mut lines: Vec<String> = metrics.lines().map(str::to_string).collect();
    let mut fields: Vec<String> = lines[1].split(',').map(str::to_string).collect();
    fields[2] = "0.123456".into();
    lines[1] = fields.join(",");
    std::fs::write(run.metrics(), lines.join("\n") + "\n").unwrap();
    let v = runner::verify::verify(run.root(), &scratch, &options(reports.path()), 0.0).unwrap();
    assert!(!v.reproduced);
    assert!(v.lines.iter().any(|l| l.contains("metrics.csv") && l.contains("DIFFERENT")), "{:?}", v.lines);
}

#[test]
fn verify_refuses_an_unfinished_run_before_retraining_and_compares_predictions() {
    let _serial = super::common::serial();
    let reports = tempfile::tempdir().unwrap();
    let run = runner::run(&experiment(&tiny_synthetic(1)), &options(reports.path())).unwrap().dir;
    let scratch = reports.path().join("verify");
    // an edited prediction is caught
    let edited = read(&run.predictions()).replacen(",0.", ",1.", 1);
    std::fs::write(run.predictions(), edited).unwrap();
    let v = runner::verify::verify(run.root(), &scratch, &options(reports.path()), 0.0).unwrap();
    assert!(!v.reproduced);
    assert!(v.lines.iter().any(|l| l.starts_with("predictions.csv") && l.contains("DIFFERENT")), "{:?}", v.lines);
    // a run that stopped before its test figures is refused at once: nothing is retrained
    std::fs::remove_file(run.test_metrics()).unwrap();
    std::fs::remove_dir_all(&scratch).unwrap();
    let err = runner::verify::verify(run.root(), &scratch, &options(reports.path()), 0.0).expect_err("refused");
    assert!(err.to_string().contains("has not finished"), "{err}");
    assert!(run_dirs(&scratch).is_empty(), "no re-run was started");
}

#[test]
fn resuming_a_run_whose_config_was_edited_is_refused_naming_the_keys() {
    let _serial = super::common::serial();
    let reports = tempfile::tempdir().unwrap();
    let run = runner::run(&experiment(&tiny_synthetic(1)), &options(reports.path())).unwrap().dir;
    let config = read(&run.config());
    assert!(config.contains("lr = 0.001"), "{config}");
    std::fs::write(run.config(), config.replace("lr = 0.001", "lr = 0.01").replace("seed = 11", "seed = 12")).unwrap();
    let err = runner::resume(run.root(), &options(reports.path())).err().expect("refused").to_string();
    assert!(err.contains("optimizer.lr") && err.contains("seed") && !err.contains("batch_size"), "{err}");
}

fn run_dirs(base: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for exp in std::fs::read_dir(base).into_iter().flatten().flatten() {
        for run in std::fs::read_dir(exp.path()).into_iter().flatten().flatten() {
            if run.path().join("config.toml").is_file() {
                out.push(run.path());
            }
        }
    }
    out.sort();
    out
}

#[test]
fn a_run_killed_mid_training_resumes_to_the_same_results() {
    let _serial = super::common::serial();
    let dir = tempfile::tempdir().unwrap();
    // bigger than the tiny run, so that the kill lands during training
    let text = tiny_synthetic(6)
        .replace("count = 240", "count = 900")
        .replace("train = 160", "train = 700")
        .replace("valid = 40", "valid = 100");
    let exp_path = dir.path().join("resume.toml");
    std::fs::write(&exp_path, &text).unwrap();
    let killed_reports = dir.path().join("killed");
    let bin = env!("CARGO_BIN_EXE_agelab");
    let mut child = Command::new(bin)
        .args([
            "run",
            exp_path.to_str().unwrap(),
            "--quiet",
            "--no-report",
            "--reports",
            killed_reports.to_str().unwrap(),
        ])
        .spawn()
        .unwrap();
    let start = Instant::now();
    let run = loop {
        let runs = run_dirs(&killed_reports);
        if let Some(r) = runs.first() {
            if read_rows(&r.join("metrics.csv")) >= 2 {
                break r.clone();
            }
        }
        assert!(start.elapsed() < Duration::from_secs(300), "the run did not reach epoch 2");
        assert!(child.try_wait().unwrap().is_none(), "the run ended before it could be killed");
        std::thread::sleep(Duration::from_millis(50));
    };
    child.kill().unwrap(); // SIGKILL: no chance to clean up
    child.wait().unwrap();
    assert!(!run.join("test-metrics.json").exists(), "killed before the end");
    let status =
        Command::new(bin).args(["run", "--resume", run.to_str().unwrap(), "--quiet", "--no-report"]).status().unwrap();
    assert!(status.success());
    let whole = runner::run(&experiment(&text), &options(&dir.path().join("whole"))).unwrap().dir;
    assert_eq!(read(&run.join("metrics.csv")), read(&whole.metrics()));
    assert_eq!(read(&run.join("test-metrics.json")), read(&whole.test_metrics()));
    // no temp file or stale checkpoint left behind
    let leftovers: Vec<String> = std::fs::read_dir(run.join("checkpoints"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

/// A one-epoch tiny experiment written to a temporary folder: (folder, experiment file, reports).
fn tiny_experiment_file() -> (tempfile::TempDir, PathBuf, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let exp_path = dir.path().join("tiny.toml");
    std::fs::write(&exp_path, tiny_synthetic(1)).unwrap();
    let reports = dir.path().join("reports");
    (dir, exp_path, reports)
}

fn read_rows(p: &Path) -> usize {
    std::fs::read_to_string(p).map(|t| t.lines().count().saturating_sub(1)).unwrap_or(0)
}

#[test]
fn sweep_runs_a_2x2_grid_and_compares_it() {
    let (_dir, exp_path, reports) = tiny_experiment_file();
    let out = Command::new(env!("CARGO_BIN_EXE_agelab"))
        .args([
            "sweep",
            exp_path.to_str().unwrap(),
            "--set",
            "optimizer.lr=1e-3,3e-4",
            "--set",
            "train.batch_size=16,32",
            "--quiet",
            "--reports",
            reports.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let names: Vec<String> =
        std::fs::read_dir(&reports).unwrap().flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect();
    for want in ["tiny-lr=1e-3-batch_size=16", "tiny-lr=3e-4-batch_size=32"] {
        assert!(names.iter().any(|n| n == want), "{want} missing from {names:?}");
    }
    let csv = read(&reports.join("tiny-sweep/comparison.csv"));
    assert_eq!(csv.lines().count(), 5, "{csv}");

    // Again, after one grid point lost its test metrics (stopped after its last checkpoint): the
    // finished points are reused, that one is continued in its own folder, no new run starts.
    let point = reports.join("tiny-lr=1e-3-batch_size=16");
    let runs = |p: &std::path::Path| std::fs::read_dir(p).unwrap().flatten().filter(|e| e.path().is_dir()).count();
    let run_dir = std::fs::read_dir(&point).unwrap().flatten().next().unwrap().path();
    std::fs::remove_file(run_dir.join("test-metrics.json")).unwrap();
    let again = Command::new(env!("CARGO_BIN_EXE_agelab"))
        .args([
            "sweep",
            exp_path.to_str().unwrap(),
            "--set",
            "optimizer.lr=1e-3,3e-4",
            "--set",
            "train.batch_size=16,32",
        ])
        .args(["--reports", reports.to_str().unwrap()])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&again.stderr);
    assert!(again.status.success(), "{stderr}");
    assert_eq!(stderr.matches("finished already").count(), 3, "{stderr}");
    assert_eq!(runs(&point), 1, "continued in place");
    assert!(run_dir.join("test-metrics.json").is_file(), "the continued run finished");
    assert_eq!(runs(&reports.join("tiny-lr=3e-4-batch_size=32")), 1);
}

/// `run --continue`: a finished run of the same experiment is reused, a changed experiment starts
/// anew; a run folder whose lock another process holds is refused, a stale lock file taken over.
#[test]
fn run_continue_reuses_finished_runs_and_a_live_lock_is_refused() {
    let (_dir, exp_path, reports) = tiny_experiment_file();
    let agelab = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_agelab"))
            .args(args)
            .args(["--no-report", "--reports", reports.to_str().unwrap()])
            .output()
            .unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr),
        )
    };
    let runs = || std::fs::read_dir(reports.join("tiny")).unwrap().flatten().filter(|e| e.path().is_dir()).count();
    let exp = exp_path.to_str().unwrap();
    let (ok, out) = agelab(&["run", "--continue", exp]);
    assert!(ok, "{out}");
    let (ok, out) = agelab(&["run", "--continue", exp]);
    assert!(ok && out.contains("finished already"), "{out}");
    assert_eq!(runs(), 1);

    std::fs::write(&exp_path, tiny_synthetic(2)).unwrap();
    let (ok, out) = agelab(&["run", "--continue", exp]);
    assert!(ok && out.contains("1 earlier run(s) have other settings"), "{out}");
    assert_eq!(runs(), 2);

    let run = std::fs::read_dir(reports.join("tiny")).unwrap().flatten().next().unwrap().path();
    assert!(!run.join("lock").exists(), "a finished run leaves no lock");
    // this process holds the run's lock, as a training process would
    let held = runfolder::RunLock::take(&runfolder::RunDir::open(&run).unwrap()).unwrap();
    let (ok, out) = agelab(&["run", "--resume", run.to_str().unwrap()]);
    assert!(!ok && out.contains(&format!("in use by another process ({})", std::process::id())), "{out}");
    drop(held);
    // a lock file left by a process that is gone holds no lock
    let mut gone = Command::new("true").spawn().unwrap();
    gone.wait().unwrap();
    std::fs::write(run.join("lock"), gone.id().to_string()).unwrap();
    let (ok, out) = agelab(&["run", "--resume", run.to_str().unwrap()]);
    assert!(ok, "a stale lock is taken over: {out}");
    assert!(!run.join("lock").exists());
}
