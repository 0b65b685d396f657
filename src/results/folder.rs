//! Result folders that appear whole or not at all.
//!
//! A run writes into a temporary folder beside its final place and renames
//! it into place when complete. An existing, non-empty folder is refused
//! unless forced; when forced, the old results stay intact until the new
//! ones are complete, and are then swapped out.
//!
//! A resumable run (`--resume`) writes into `.NAME.partial` instead, a fixed
//! name that survives an interruption so that the run can continue there.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

/// A folder being written. Dropped without [`Staging::commit`], a
/// temporary folder is removed with everything in it; a resumable one stays.
#[derive(Debug)]
pub struct Staging {
    folder: Folder,
    target: PathBuf,
}

#[derive(Debug)]
enum Folder {
    Temporary(tempfile::TempDir),
    Resumable(PathBuf),
}

/// Why a folder cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct Refused(pub String);

impl Staging {
    /// Prepares to write `target`; refuses a non-empty existing folder
    /// unless `force`.
    pub fn new(target: &Path, force: bool) -> Result<Staging> {
        let parent = check_target(target, force)?;
        let name = name_of(target);
        let temp = tempfile::Builder::new()
            .prefix(&format!(".{name}.partial-"))
            .tempdir_in(&parent)
            .with_context(|| format!("cannot create a temporary folder in {}", parent.display()))?;
        Ok(Staging {
            folder: Folder::Temporary(temp),
            target: target.to_path_buf(),
        })
    }

    /// Prepares to write `target` through `.NAME.partial`, which is kept if
    /// the run stops early; returns whether it already existed.
    pub fn resumable(target: &Path, force: bool) -> Result<(Staging, bool)> {
        let parent = check_target(target, force)?;
        let partial = parent.join(format!(".{}.partial", name_of(target)));
        let existed = partial.is_dir();
        std::fs::create_dir_all(&partial)
            .with_context(|| format!("cannot create folder {}", partial.display()))?;
        let staging = Staging {
            folder: Folder::Resumable(partial),
            target: target.to_path_buf(),
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
    pub fn commit(self) -> Result<PathBuf> {
        let parent = parent_of(&self.target);
        let old = if self.target.exists() {
            let old = tempfile::Builder::new()
                .prefix(&format!(".{}.old-", name_of(&self.target)))
                .tempdir_in(&parent)
                .with_context(|| {
                    format!("cannot create a temporary folder in {}", parent.display())
                })?;
            let old_path = old.path().join("previous");
            std::fs::rename(&self.target, &old_path).with_context(|| {
                format!("cannot move old results {} aside", self.target.display())
            })?;
            Some(old)
        } else {
            None
        };
        let temp = match self.folder {
            Folder::Temporary(t) => t.keep(),
            Folder::Resumable(p) => p,
        };
        if let Err(e) = std::fs::rename(&temp, &self.target) {
            if let Some(old) = &old {
                let _ = std::fs::rename(old.path().join("previous"), &self.target);
            }
            let _ = std::fs::remove_dir_all(&temp);
            bail!("cannot move results into {}: {e}", self.target.display());
        }
        drop(old); // removes the previous results
        Ok(self.target)
    }
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
