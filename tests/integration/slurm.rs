//! `agelab sweep --slurm` against a real one-node Slurm (scripts/local-slurm.sh): a 2-task job
//! array of the quick start, 1 epoch each, must leave two finished run folders.

use std::process::Command;
use std::time::{Duration, Instant};

use super::common;

#[test]
fn sweep_on_local_slurm_finishes_both_runs() {
    let test = "sweep_on_local_slurm_finishes_both_runs";
    if testenv::program(test, "AGELAB_SBATCH", &["sbatch"]).is_none() {
        return;
    }
    let repo = common::repo();
    let slurm_dir = tempfile::tempdir().unwrap();
    let start = Command::new(repo.join("scripts/local-slurm.sh"))
        .arg("start")
        .env("AGELAB_SLURM_DIR", slurm_dir.path())
        .output()
        .unwrap();
    assert!(start.status.success(), "local-slurm start: {}", String::from_utf8_lossy(&start.stderr));
    let conf = slurm_dir.path().join("slurm.conf");
    let stop = || {
        let _ = Command::new(repo.join("scripts/local-slurm.sh"))
            .arg("stop")
            .env("AGELAB_SLURM_DIR", slurm_dir.path())
            .output();
    };
    // A quote and a space in the reports folder: the job script must quote its paths.
    let reports = tempfile::Builder::new().prefix("sweep it's ").tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_agelab"))
        .current_dir(&repo)
        .env("SLURM_CONF", &conf)
        .args(["sweep", "experiments/quickstart.toml", "--set", "train.epochs=1"])
        .args(["--set", "optimizer.lr=1e-3,3e-4", "--slurm", "--cpus-per-task", "1", "--reports"])
        .arg(reports.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    if !out.status.success() {
        stop();
        panic!("sweep --slurm: {stdout}{}", String::from_utf8_lossy(&out.stderr));
    }
    let job = stdout
        .lines()
        .find_map(|l| l.strip_prefix("submitted job "))
        .and_then(|l| l.split(':').next())
        .expect("a job id")
        .to_string();
    let deadline = Instant::now() + Duration::from_secs(150);
    loop {
        let q = Command::new("squeue").env("SLURM_CONF", &conf).args(["-h", "-j", &job]).output().unwrap();
        if q.status.success() && q.stdout.is_empty() {
            break;
        }
        if Instant::now() > deadline {
            stop();
            panic!("job {job} still queued or running after 150 s");
        }
        std::thread::sleep(Duration::from_secs(2));
    }
    stop();
    for lr in ["1e-3", "3e-4"] {
        let runs = reports.path().join(format!("quickstart-epochs=1-lr={lr}"));
        let finished = std::fs::read_dir(&runs)
            .unwrap_or_else(|e| panic!("{}: {e}", runs.display()))
            .filter_map(Result::ok)
            .any(|d| d.path().join("test-metrics.json").is_file());
        assert!(finished, "no finished run under {}", runs.display());
    }
}
