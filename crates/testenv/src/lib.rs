//! The one rule for tests that need something a machine may lack (the real UTKFace data, a
//! Chromium binary, fetched weights): on a developer's machine such a test says on stderr what it
//! skipped and why, then passes; under CI (`CI` set to anything non-empty) it fails instead, so CI
//! cannot go green by skipping. Every crate's tests use it as a dev-dependency; [`photos`] makes
//! the awkward photos (EXIF-turned, CMYK, 16-bit, palette) the decoding tests need.
#![warn(missing_docs)]

pub mod photos;

use std::ffi::OsStr;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Whether the tests run under CI: `CI` is set and not empty (GitHub sets `true`, others `1`).
pub fn under_ci() -> bool {
    is_ci(std::env::var_os("CI").as_deref())
}

fn is_ci(value: Option<&OsStr>) -> bool {
    value.is_some_and(|v| !v.is_empty())
}

/// What a test needs: `Ok(v)` gives `Some(v)`. `Err(why)` gives `None` after a note naming `test`
/// and `why` on a developer's machine, and panics with the same words under CI.
pub fn need<T>(test: &str, found: Result<T, String>) -> Option<T> {
    decide(under_ci(), test, found)
}

fn decide<T>(ci: bool, test: &str, found: Result<T, String>) -> Option<T> {
    match found {
        Ok(v) => Some(v),
        Err(why) => {
            assert!(!ci, "{test}: {why}; CI must provide it (a test may not pass by skipping under CI)");
            // Straight to the handle: libtest captures eprintln! of passing tests.
            let _ = writeln!(std::io::stderr(), "skipped {test}: {why}");
            None
        }
    }
}

/// `$AGELAB_DATA/<sub>` (`UTKFace`, `adience`), the real data a test reads in place, or `None`
/// under [`need`]'s rule.
pub fn data_dir(test: &str, sub: &str) -> Option<PathBuf> {
    need(test, locate_data(sub))
}

/// `$AGELAB_DATA/<sub>`, or why it is not there (for examples and tools that report it their way).
pub fn locate_data(sub: &str) -> Result<PathBuf, String> {
    find_data(std::env::var_os("AGELAB_DATA").as_deref(), sub)
}

fn find_data(base: Option<&OsStr>, sub: &str) -> Result<PathBuf, String> {
    let base = base.filter(|v| !v.is_empty()).ok_or_else(|| {
        format!("AGELAB_DATA is not set (point it at the folder that holds {sub}/, e.g. ../shared/data)")
    })?;
    let dir = Path::new(base).join(sub);
    if dir.is_dir() {
        Ok(dir)
    } else {
        Err(format!("{} is not a folder (AGELAB_DATA should hold {sub}/)", dir.display()))
    }
}

/// The first of `names` found on `PATH` (or the file `override_var` names, when set), or `None`
/// under [`need`]'s rule.
pub fn program(test: &str, override_var: &str, names: &[&str]) -> Option<PathBuf> {
    let found = match std::env::var_os(override_var).filter(|v| !v.is_empty()) {
        Some(p) => {
            let p = PathBuf::from(p);
            if p.is_file() {
                Ok(p)
            } else {
                Err(format!("{override_var}={} is not a file", p.display()))
            }
        }
        None => {
            let path = std::env::var_os("PATH").unwrap_or_default();
            std::env::split_paths(&path)
                .flat_map(|d| names.iter().map(move |n| d.join(n)))
                .find(|p| p.is_file())
                .ok_or_else(|| format!("none of {names:?} is on PATH (or set {override_var})"))
        }
    };
    need(test, found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_non_empty_ci_value_is_ci() {
        assert!(is_ci(Some(OsStr::new("true"))));
        assert!(is_ci(Some(OsStr::new("1"))));
        assert!(is_ci(Some(OsStr::new("yes"))));
        assert!(!is_ci(Some(OsStr::new(""))));
        assert!(!is_ci(None));
    }

    #[test]
    fn a_developer_skips_and_ci_fails() {
        assert_eq!(decide(false, "t", Ok::<_, String>(3)), Some(3));
        assert_eq!(decide(true, "t", Ok::<_, String>(3)), Some(3));
        assert_eq!(decide::<u8>(false, "t", Err("no data".into())), None);
        let ci = std::panic::catch_unwind(|| decide::<u8>(true, "my_test", Err("no data".into())));
        let msg = ci.unwrap_err().downcast::<String>().map(|s| *s).unwrap_or_default();
        assert!(msg.contains("my_test") && msg.contains("no data") && msg.contains("CI"), "{msg}");
    }

    #[test]
    fn data_folders_are_found_or_explained() {
        let dir = std::env::temp_dir().join(format!("testenv-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("UTKFace")).unwrap();
        assert_eq!(find_data(Some(dir.as_os_str()), "UTKFace").unwrap(), dir.join("UTKFace"));
        let err = find_data(Some(dir.as_os_str()), "adience").unwrap_err();
        assert!(err.contains("adience") && err.contains("not a folder"), "{err}");
        assert!(find_data(None, "UTKFace").unwrap_err().contains("AGELAB_DATA is not set"));
        assert!(find_data(Some(OsStr::new("")), "UTKFace").unwrap_err().contains("AGELAB_DATA is not set"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
