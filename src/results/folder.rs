//! Result folders that appear whole or not at all.
//!
//! A run writes into a temporary folder beside its final place and renames
//! it into place when complete. An existing, non-empty folder is refused
//! unless forced; when forced, the old results stay intact until the new
//! ones are complete, and are then swapped out.
//!
//! A resumable run (`--resume`) writes into `.NAME.partial` instead, a fixed
//! name that survives an interruption so that the run can continue there.
//!
//! While a folder is staged, `.NAME.lock` beside it holds an advisory lock
//! of the operating system, so that a second cordon process writing the same
//! folder is refused at once instead of racing the first one to the rename.
//! The system releases the lock when its process ends, however it ends: a
//! lock file left by a killed process blocks nothing and is locked again by
//! the next run. A staging that ends normally (committed or dropped) removes
//! the file.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

/// A folder being written. Dropped without [`Staging::commit`], a
/// temporary folder is removed with everything in it; a resumable one stays.
/// Either way the folder's lock is released last.
#[derive(Debug)]
pub struct Staging {
    folder: Folder,
    target: PathBuf,
    /// Declared last, so that it is released after the folder is gone.
    lock: Lock,
}

#[derive(Debug)]
enum Folder {
    Temporary(tempfile::TempDir),
    Resumable(PathBuf),
}

/// Why a folder cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub(crate) struct Refused(pub String);

impl Staging {
    /// Prepares to write `target`; refuses a non-empty existing folder
    /// unless `force`.
    pub fn new(target: &Path, force: bool) -> Result<Staging> {
        let lock = Lock::acquire(target)?;
        let parent = check_target(target, force)?;
        let name = name_of(target);
        let temp = tempfile::Builder::new()
            .prefix(&format!(".{name}.partial-"))
            .tempdir_in(&parent)
            .with_context(|| format!("cannot create a temporary folder in {}", parent.display()))?;
        Ok(Staging {
            folder: Folder::Temporary(temp),
            target: target.to_path_buf(),
            lock,
        })
    }

    /// Prepares to write `target` through `.NAME.partial`, which is kept if
    /// the run stops early; returns whether it already existed.
    pub fn resumable(target: &Path, force: bool) -> Result<(Staging, bool)> {
        let lock = Lock::acquire(target)?;
        let parent = check_target(target, force)?;
        let partial = parent.join(format!(".{}.partial", name_of(target)));
        let existed = partial.is_dir();
        std::fs::create_dir_all(&partial)
            .with_context(|| format!("cannot create folder {}", partial.display()))?;
        let staging = Staging {
            folder: Folder::Resumable(partial),
            target: target.to_path_buf(),
            lock,
        };
        Ok((staging, existed))
    }

    /// Where to write files now.
    pub fn path(&self) -> &Path {
        match &self.folder {
            Folder::Temporary(t) => t.path(),
            Folder::Resumable(p) => p,
        }
    }

    /// Where the results will be.
    pub fn target(&self) -> &Path {
        &self.target
    }

    /// Moves the finished folder into place (replacing an old one).
    /// The lock is held until the folder is in place (or the commit failed).
    pub fn commit(self) -> Result<PathBuf> {
        let Staging {
            folder,
            target,
            lock,
        } = self;
        let moved = move_into_place(folder, &target);
        drop(lock);
        moved.map(|()| target)
    }
}

/// Moves a finished folder to `target`, replacing an old one.
fn move_into_place(folder: Folder, target: &Path) -> Result<()> {
    let parent = parent_of(target);
    let old = if target.exists() {
        let old = tempfile::Builder::new()
            .prefix(&format!(".{}.old-", name_of(target)))
            .tempdir_in(&parent)
            .with_context(|| format!("cannot create a temporary folder in {}", parent.display()))?;
        let old_path = old.path().join("previous");
        std::fs::rename(target, &old_path)
            .with_context(|| format!("cannot move old results {} aside", target.display()))?;
        Some(old)
    } else {
        None
    };
    let temp = match folder {
        Folder::Temporary(t) => t.keep(),
        Folder::Resumable(p) => p,
    };
    if let Err(e) = std::fs::rename(&temp, target) {
        if let Some(old) = &old {
            let _ = std::fs::rename(old.path().join("previous"), target);
        }
        let _ = std::fs::remove_dir_all(&temp);
        bail!("cannot move results into {}: {e}", target.display());
    }
    drop(old); // removes the previous results
    Ok(())
}

/// The advisory lock on `.NAME.lock` beside a target folder, held while the
/// folder is staged and committed. Dropped, it removes its file and then
/// releases the lock (closing the file).
#[derive(Debug)]
struct Lock {
    /// `None` where the file system cannot lock files: the folder is then
    /// written unguarded, as before locks existed.
    file: Option<std::fs::File>,
    path: PathBuf,
}

impl Lock {
    /// Locks `.NAME.lock` beside `target` (creating its parent folder), or
    /// refuses at once when another process holds it.
    fn acquire(target: &Path) -> Result<Lock> {
        let parent = parent_of(target);
        std::fs::create_dir_all(&parent)
            .with_context(|| format!("cannot create folder {}", parent.display()))?;
        let name = format!(".{}.lock", name_of(target));
        let path = match target.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.join(name),
            _ => PathBuf::from(name),
        };
        let held = || -> anyhow::Error {
            Refused(format!(
                "another cordon process is writing {} (it holds {}); wait for it to finish, or choose another --out",
                target.display(),
                path.display()
            ))
            .into()
        };
        // A few tries: each lost race means another process took the lock.
        for _ in 0..8 {
            let file = std::fs::OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false)
                .open(&path)
                .with_context(|| format!("cannot create lock file {}", path.display()))?;
            match file.try_lock() {
                Ok(()) => {}
                Err(std::fs::TryLockError::WouldBlock) => return Err(held()),
                Err(std::fs::TryLockError::Error(e))
                    if e.kind() == std::io::ErrorKind::Unsupported =>
                {
                    return Ok(Lock { file: None, path });
                }
                Err(std::fs::TryLockError::Error(e)) => {
                    return Err(
                        anyhow::Error::new(e).context(format!("cannot lock {}", path.display()))
                    );
                }
            }
            // The holder before us removes the file before it unlocks it:
            // if it did so after we opened it, we hold a lock on a file that
            // is no longer there, and must lock the one now at the path.
            if same_file(&file, &path) {
                return Ok(Lock {
                    file: Some(file),
                    path,
                });
            }
        }
        Err(held())
    }
}

impl Drop for Lock {
    fn drop(&mut self) {
        if let Some(file) = self.file.take() {
            // Removed while still locked, so that no one can lock this file
            // after us and believe it holds the lock (see `acquire`).
            let _ = std::fs::remove_file(&self.path);
            drop(file);
        }
    }
}

/// Whether `path` still names the open `file`.
#[cfg(unix)]
fn same_file(file: &std::fs::File, path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (file.metadata(), std::fs::metadata(path)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

/// Whether `path` still names the open `file`; elsewhere than on unix the
/// race this guards against is not checked.
#[cfg(not(unix))]
fn same_file(_file: &std::fs::File, path: &Path) -> bool {
    path.exists()
}

/// The file name of a target folder.
fn name_of(target: &Path) -> String {
    target
        .file_name()
        .map_or_else(|| "results".into(), |n| n.to_string_lossy().into_owned())
}

/// Refuses a target that is a file, or a non-empty folder without `force`;
/// returns its parent, created.
fn check_target(target: &Path, force: bool) -> Result<PathBuf> {
    if target.exists() {
        if !target.is_dir() {
            return Err(Refused(format!("{} exists and is not a folder", target.display())).into());
        }
        let non_empty = std::fs::read_dir(target)
            .with_context(|| format!("cannot read folder {}", target.display()))?
            .next()
            .is_some();
        if non_empty && !force {
            return Err(Refused(format!(
                "{} already holds results; use --force to replace them (the old results stay until the new run completes), or choose another --out",
                target.display()
            ))
            .into());
        }
    }
    let parent = parent_of(target);
    std::fs::create_dir_all(&parent)
        .with_context(|| format!("cannot create folder {}", parent.display()))?;
    Ok(parent)
}

fn parent_of(p: &Path) -> PathBuf {
    match p.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// A new folder `root/<stem>/<UTC date-time>` that does not exist yet.
pub fn default_out(root: &Path, stem: &str, now: chrono::DateTime<chrono::Utc>) -> PathBuf {
    let base = root
        .join(stem)
        .join(now.format("%Y-%m-%dT%H-%M-%SZ").to_string());
    let mut candidate = base.clone();
    let mut k = 2;
    while candidate.exists() {
        candidate = PathBuf::from(format!("{}-{k}", base.display()));
        k += 1;
    }
    candidate
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dropped_staging_leaves_nothing_and_a_commit_replaces_atomically() {
        let root = tempfile::tempdir().unwrap();
        let target = root.path().join("out");
        {
            let s = Staging::new(&target, false).unwrap();
            std::fs::write(s.path().join("a.csv"), "x").unwrap();
        }
        assert!(!target.exists());
        assert_eq!(std::fs::read_dir(root.path()).unwrap().count(), 0);
        let s = Staging::new(&target, false).unwrap();
        std::fs::write(s.path().join("a.csv"), "first").unwrap();
        s.commit().unwrap();
        assert!(Staging::new(&target, false).is_err());
        let s = Staging::new(&target, true).unwrap();
        assert_eq!(
            std::fs::read_to_string(target.join("a.csv")).unwrap(),
            "first"
        );
        std::fs::write(s.path().join("a.csv"), "second").unwrap();
        s.commit().unwrap();
        assert_eq!(
            std::fs::read_to_string(target.join("a.csv")).unwrap(),
            "second"
        );
        assert_eq!(std::fs::read_dir(root.path()).unwrap().count(), 1);
    }
}
