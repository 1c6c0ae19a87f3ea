//! What the hostile tests share: the binary, a released model, and file names that break shells.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// File names a shell would split, run or choke on, and names in other scripts.
pub const NASTY_NAMES: [&str; 8] = [
    "face;echo INJECTED;.jpg",
    "a b.jpg",
    "face (1).jpg",
    "it's \"quoted\".jpg",
    "$(echo INJECTED).jpg",
    "`echo INJECTED`.jpg",
    "été 😀 visage.jpg",
    "comma, and more.jpg",
];

/// The repository root.
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The released model the tests predict with (small: 64x64 input).
pub fn model() -> PathBuf {
    repo().join("models/multitask")
}

/// Runs the agelab binary built for these tests.
pub fn agelab(args: &[&std::ffi::OsStr], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_agelab")).args(args).current_dir(cwd).output().expect("agelab runs")
}

/// `agelab` with string arguments.
pub fn agelab_str(args: &[&str], cwd: &Path) -> Output {
    let args: Vec<&std::ffi::OsStr> = args.iter().map(std::ffi::OsStr::new).collect();
    agelab(&args, cwd)
}

/// Standard output and error, as text.
pub fn text(out: &Output) -> (String, String) {
    (String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
}

/// Asserts a refusal: a failing exit code, no panic, and every `needles` in stderr.
pub fn refused(out: &Output, needles: &[&str]) -> String {
    let (stdout, stderr) = text(out);
    assert!(!out.status.success(), "expected a refusal; stdout:\n{stdout}\nstderr:\n{stderr}");
    assert!(!stderr.contains("panicked"), "a panic, not an error:\n{stderr}");
    for n in needles {
        assert!(stderr.contains(n), "{n:?} not in stderr:\n{stderr}");
    }
    stderr
}

/// The rows of a predictions CSV, read back through a CSV parser.
pub fn csv_rows(path: &Path) -> Vec<csv::StringRecord> {
    let mut r = csv::Reader::from_path(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    r.records().map(|row| row.expect("well-formed CSV row")).collect()
}
