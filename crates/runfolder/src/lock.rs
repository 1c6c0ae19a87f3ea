//! The run lock: held while a process trains in a run folder, so that a second one (a relaunched
//! sweep, `run --continue` while the first still runs) cannot write the same checkpoints. It is an
//! advisory OS lock on `lock` (flock on Unix, LockFileEx on Windows): the OS releases it when the
//! process dies, so a killed run's folder is free again without guessing whether a pid is alive.

use std::fs::File;
use std::io::Write as _;
use std::path::PathBuf;

use crate::{RunDir, RunFolderError};

/// The held lock; dropping it removes the lock file and releases the lock.
#[derive(Debug)]
pub struct RunLock {
    path: PathBuf,
    file: File,
}

impl RunLock {
    /// Takes the lock of `dir`, or says which process holds it.
    pub fn take(dir: &RunDir) -> Result<RunLock, RunFolderError> {
        let path = dir.lock();
        loop {
            let file = std::fs::OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false)
                .open(&path)
                .map_err(|e| RunFolderError::io(&path, e))?;
            match fs4::FileExt::try_lock(&file) {
                Ok(()) => {}
                Err(fs4::TryLockError::WouldBlock) => {
                    let holder = std::fs::read_to_string(&path).ok().and_then(|t| t.trim().parse().ok());
                    return Err(RunFolderError::Locked { path: dir.root().to_path_buf(), holder });
                }
                Err(fs4::TryLockError::Error(e)) => return Err(RunFolderError::io(&path, e)),
            }
            // The holder before us may have removed the file between our open and our lock: then
            // we hold a lock on a file nobody else can see; start again on the current one.
            if !path.exists() {
                continue;
            }
            let mut lock = RunLock { path, file };
            lock.file.set_len(0).map_err(|e| RunFolderError::io(&lock.path, e))?;
            write!(lock.file, "{}", std::process::id()).map_err(|e| RunFolderError::io(&lock.path, e))?;
            return Ok(lock);
        }
    }
}

impl Drop for RunLock {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
        let _ = fs4::FileExt::unlock(&self.file);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_taker_is_refused_until_the_first_lets_go() {
        let base = tempfile::tempdir().unwrap();
        let dir = RunDir::create(base.path(), "exp").unwrap();
        let first = RunLock::take(&dir).unwrap();
        assert_eq!(std::fs::read_to_string(dir.lock()).unwrap(), std::process::id().to_string());
        let err = RunLock::take(&dir).unwrap_err();
        assert!(matches!(err, RunFolderError::Locked { holder: Some(p), .. } if p == std::process::id()), "{err}");
        drop(first);
        assert!(!dir.lock().exists(), "removed at the end");
        // a lock file left by a killed process holds no OS lock: it is simply taken over
        std::fs::write(dir.lock(), "999999").unwrap();
        let again = RunLock::take(&dir).unwrap();
        drop(again);
    }
}
