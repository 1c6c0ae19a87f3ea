//! Atomic writes: a temp file next to the target, synced, then renamed over it, so a kill at any
//! point leaves the old file or the new one, never a torn one; the temp file is removed on error.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use crate::RunFolderError;

/// The temp name used next to `path` while it is being written (`<name>.tmp<pid>`; resuming
/// removes leftovers of a killed process by the `.tmp` in their names).
pub fn tmp_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().map(|s| s.to_os_string()).unwrap_or_else(|| "file".into());
    name.push(format!(".tmp{}", std::process::id()));
    path.with_file_name(name)
}

/// Writes `bytes` to `path` atomically, mode 0644 (readable by all, like every committed file).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), RunFolderError> {
    let tmp = tmp_path(path);
    let result = (|| {
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o644);
        let mut f = options.open(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        drop(f);
        std::fs::rename(&tmp, path)
    })();
    result.map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        RunFolderError::io(path, e)
    })
}

/// Writes `value` as pretty JSON, atomically.
pub fn write_json<T: serde::Serialize>(path: &Path, value: &T) -> Result<(), RunFolderError> {
    let bytes = serde_json::to_vec_pretty(value)
        .map_err(|e| RunFolderError::io(path, std::io::Error::new(std::io::ErrorKind::InvalidData, e)))?;
    write_atomic(path, &bytes)
}

/// Reads a JSON file into `T`; `expected` says what the file should hold, for the error.
pub fn read_json<T: serde::de::DeserializeOwned>(path: &Path, expected: &str) -> Result<T, RunFolderError> {
    let bytes = read_bytes(path, expected)?;
    serde_json::from_slice(&bytes).map_err(|source| RunFolderError::Json {
        path: path.to_path_buf(),
        expected: expected.to_owned(),
        source,
    })
}

/// A file's bytes; a missing file is [`RunFolderError::Missing`], saying what it should hold.
pub(crate) fn read_bytes(path: &Path, expected: &str) -> Result<Vec<u8>, RunFolderError> {
    std::fs::read(path).map_err(|source| {
        if source.kind() == std::io::ErrorKind::NotFound {
            RunFolderError::Missing { path: path.to_path_buf(), expected: expected.to_owned() }
        } else {
            RunFolderError::io(path, source)
        }
    })
}

/// Appends a line to a log file (logs are append-only; a torn last line is harmless).
pub fn append_line(path: &Path, line: &str) -> Result<(), RunFolderError> {
    let mut f =
        std::fs::OpenOptions::new().create(true).append(true).open(path).map_err(|e| RunFolderError::io(path, e))?;
    writeln!(f, "{line}").map_err(|e| RunFolderError::io(path, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_replace_and_leave_no_temp_behind() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("a.json");
        write_atomic(&p, b"1").unwrap();
        write_atomic(&p, b"2").unwrap();
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "2");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode & 0o644, 0o644, "readable by all: {mode:o}");
        }
        // a target that cannot be renamed onto (a non-empty folder) fails and cleans up
        let blocked = d.path().join("blocked");
        std::fs::create_dir(&blocked).unwrap();
        std::fs::write(blocked.join("x"), "x").unwrap();
        assert!(write_atomic(&blocked, b"3").is_err());
        let names: Vec<String> = std::fs::read_dir(d.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert!(names.iter().all(|n| !n.contains(".tmp")), "{names:?}");
        let missing = read_json::<u32>(&d.path().join("none.json"), "a number").unwrap_err();
        assert!(missing.to_string().contains("a number"), "{missing}");
        let bad = read_json::<u32>(&p.with_file_name("blocked/x"), "a number").unwrap_err();
        assert!(matches!(bad, RunFolderError::Json { .. }), "{bad}");
    }
}
