//! The run manifest (the `runfolder` crate's type) and the provenance the runner fills it with.

pub use runfolder::{HeadInfo, InputInfo, Manifest, SplitSizes, Status};

/// The current git commit and dirty flag of `dir`, when it is in a git checkout.
pub fn git_state(dir: &std::path::Path) -> (Option<String>, Option<bool>) {
    let run = |args: &[&str]| {
        std::process::Command::new("git")
            .args(args)
            .current_dir(dir)
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
    };
    let commit = run(&["rev-parse", "HEAD"]);
    let dirty =
        commit.as_ref().and_then(|_| run(&["status", "--porcelain", "--untracked-files=no"])).map(|s| !s.is_empty());
    (commit, dirty)
}
