//! Result folders that appear whole or not at all.
//!
//! A run writes into a temporary folder beside its final place and renames
//! it into place when complete. An existing, non-empty folder is refused
//! unless forced; when forced, the old results stay intact until the new
//! ones are complete, and are then swapped out.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

/// A folder being written; dropped without [`Staging::commit`], it is
/// removed with everything in it.
#[derive(Debug)]
pub struct Staging {
    temp: tempfile::TempDir,
    target: PathBuf,
}

/// Why a folder cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct Refused(pub String);

impl Staging {
    /// Prepares to write `target`; refuses a non-empty existing folder
    /// unless `force`.
    pub fn new(target: &Path, force: bool) -> Result<Staging> {
        if target.exists() {
            if !target.is_dir() {
                return Err(
                    Refused(format!("{} exists and is not a folder", target.display())).into(),
                );
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
        let name = target
            .file_name()
            .map_or_else(|| "results".into(), |n| n.to_string_lossy().into_owned());
        let temp = tempfile::Builder::new()
            .prefix(&format!(".{name}.partial-"))
            .tempdir_in(&parent)
            .with_context(|| format!("cannot create a temporary folder in {}", parent.display()))?;
        Ok(Staging {
            temp,
            target: target.to_path_buf(),
        })
    }

    /// Where to write files now.
    pub fn path(&self) -> &Path {
        self.temp.path()
    }

    /// Where the results will be.
    pub fn target(&self) -> &Path {
        &self.target
    }

    /// Moves the finished folder into place (replacing an old one).
    pub fn commit(self) -> Result<PathBuf> {
        let parent = parent_of(&self.target);
        let old = if self.target.exists() {
            let name = self
                .target
                .file_name()
                .map_or_else(|| "results".into(), |n| n.to_string_lossy().into_owned());
            let old = tempfile::Builder::new()
                .prefix(&format!(".{name}.old-"))
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
        let temp = self.temp.keep();
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
