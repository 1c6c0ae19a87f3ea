//! The `just` recipes pass their arguments on as arguments, never as shell text: tried through
//! the real `just` with a stand-in for the libtorch wrapper (`with=...`) that prints each
//! argument it receives, so nothing is built or trained.

use std::path::Path;
use std::process::Command;

use super::common::{repo, NASTY_NAMES};

/// A stand-in for `scripts/with-libtorch.sh`: prints each argument as `[arg]`, one call a line.
fn fake_wrapper(dir: &Path) -> std::path::PathBuf {
    let path = dir.join("with fake.sh");
    std::fs::write(&path, "#!/bin/sh\nfor a in \"$@\"; do printf '[%s]' \"$a\"; done; echo\n").unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    path
}

fn just(cwd: &Path, recipe_and_args: &[&str]) -> Option<(bool, String, String)> {
    let just = testenv::program("hostile just recipes", "AGELAB_JUST", &["just"])?;
    let fake = fake_wrapper(cwd);
    let out = Command::new(just)
        .arg("--justfile")
        .arg(repo().join("justfile"))
        .arg("--working-directory")
        .arg(cwd)
        .arg(format!("with={}", shell_quote(&fake.display().to_string())))
        .args(recipe_and_args)
        .output()
        .expect("just runs");
    Some((
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    ))
}

/// Single-quoted for `sh` (the override is pasted into recipe lines as the wrapper's command).
fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

#[test]
fn agelab_recipe_passes_each_file_name_as_one_argument() {
    let dir = tempfile::tempdir().unwrap();
    let mut args = vec!["agelab", "predict", "models/multitask"];
    args.extend(NASTY_NAMES);
    let Some((ok, stdout, stderr)) = just(dir.path(), &args) else { return };
    assert!(ok, "{stderr}");
    let want: String = ["target/release/agelab", "predict", "models/multitask"]
        .iter()
        .chain(NASTY_NAMES.iter())
        .map(|a| format!("[{a}]"))
        .collect();
    assert!(stdout.lines().any(|l| l == want), "expected the line\n{want}\nin\n{stdout}");
    assert!(!stdout.lines().any(|l| l.trim() == "INJECTED"), "a file name ran as a command:\n{stdout}");
}

#[test]
fn run_recipe_takes_its_experiment_whole_or_none() {
    let dir = tempfile::tempdir().unwrap();
    let Some((ok, stdout, stderr)) = just(dir.path(), &["run", "my exp (2);echo INJECTED.toml"]) else { return };
    assert!(ok, "{stderr}");
    assert!(stdout.contains("[target/release/agelab][run][my exp (2);echo INJECTED.toml]\n"), "{stdout}");
    let Some((ok, stdout, _)) = just(dir.path(), &["run"]) else { return };
    assert!(ok && stdout.contains("[target/release/agelab][run]\n"), "no argument: the quick start\n{stdout}");
}

#[test]
fn mirror_recipe_globs_names_without_splitting_or_running_them() {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("reports/a b (2)/20260101-000000");
    std::fs::create_dir_all(&run).unwrap();
    std::fs::write(run.join("test-metrics.json"), "{}").unwrap();
    let Some((ok, stdout, stderr)) = just(dir.path(), &["mirror", "a b (2)", "x;echo INJECTED", "a b*"]) else {
        return;
    };
    assert!(ok, "{stderr}");
    let call = "[target/release/agelab][evaluate][reports/a b (2)/20260101-000000][--part][test][--views][mirror]";
    assert_eq!(stdout.matches(call).count(), 2, "once by name, once by glob:\n{stdout}");
    assert!(stdout.contains("reports/x;echo INJECTED: no run folders"), "{stdout}");
    assert!(!stdout.lines().any(|l| l.trim() == "INJECTED"), "{stdout}");
}

/// Every recipe, including those too slow to run here (`heldout`, `bench`, `bench-cold`): none
/// pastes a parameter into its body; they read "$1" or "$@" (`set positional-arguments`).
#[test]
fn no_recipe_pastes_a_parameter_into_shell_text() {
    let Some(just) = testenv::program("hostile just recipes", "AGELAB_JUST", &["just"]) else { return };
    let out = Command::new(just)
        .args(["--justfile"])
        .arg(repo().join("justfile"))
        .args(["--dump", "--dump-format", "json"])
        .output()
        .expect("just runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let dump: serde_json::Value = serde_json::from_slice(&out.stdout).expect("just's JSON dump");
    assert_eq!(dump["settings"]["positional_arguments"], true);
    fn mentions(v: &serde_json::Value, name: &str) -> bool {
        match v {
            serde_json::Value::Array(items) => {
                (items.len() == 2 && items[0] == "variable" && items[1] == name)
                    || items.iter().any(|i| mentions(i, name))
            }
            serde_json::Value::Object(map) => map.values().any(|i| mentions(i, name)),
            _ => false,
        }
    }
    let recipes = dump["recipes"].as_object().expect("recipes");
    assert!(recipes.len() >= 8, "{recipes:?}");
    for (name, recipe) in recipes {
        for p in recipe["parameters"].as_array().into_iter().flatten() {
            let param = p["name"].as_str().unwrap();
            assert!(!mentions(&recipe["body"], param), "recipe `{name}` pastes {{{{{param}}}}} into shell text");
        }
    }
}
