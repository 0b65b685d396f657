//! `cordon merge`: shards run elsewhere become one result folder, with the
//! same bytes as a run of all trials on one machine.
//!
//! Shards must come from the same scenario text, seed, trial count,
//! variants and shard count, and each shard must be present exactly once.
//! Their exact statistics are added; their trials tables are joined in
//! shard order. The merged folder has the formats of the first shard
//! (CSV, Parquet or both, see [`Formats::of_folder`]); each shard's trials
//! are read from whichever of `trials.csv` and `trials.parquet` it has.

use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::Context;

use crate::engine::shard::{STATE_FILE, ShardState};
use crate::error::{Error, Result};
use crate::results::csv::CsvStream;
use crate::results::{Formats, Manifest};
use crate::study::run::finish;
use crate::study::stage;

/// A shard folder, read.
struct Part {
    dir: PathBuf,
    manifest: Manifest,
}

/// Merges `shards` into `out` (refusing an existing non-empty folder
/// unless `force`); returns the result folder.
pub fn merge(shards: &[PathBuf], out: &Path, force: bool, command_line: &str) -> Result<PathBuf> {
    let started = std::time::Instant::now();
    let mut parts: Vec<Part> = shards.iter().map(|d| read_part(d)).collect::<Result<_>>()?;
    parts.sort_by_key(|p| p.manifest.shard.as_ref().map_or(0, |s| s.index));
    check_compatible(&parts)?;
    let mut state = read_state(&parts[0].dir)?;
    for p in &parts[1..] {
        let other = read_state(&p.dir)?;
        state.stats.merge(&other.stats);
    }
    let formats = Formats::of_folder(&parts[0].dir);
    let staging = stage(out, force)?;
    join_trials(&parts, &staging.path().join("trials.csv"))?;
    let mut manifest = parts[0].manifest.clone();
    manifest.shard = None;
    manifest.command_line = command_line.to_string();
    manifest.started_utc = parts
        .iter()
        .map(|p| p.manifest.started_utc.clone())
        .min()
        .unwrap_or_default();
    manifest.wall_seconds = parts.iter().map(|p| p.manifest.wall_seconds).sum::<f64>()
        + started.elapsed().as_secs_f64();
    finish(
        staging,
        &state.stats,
        &state.layout,
        &manifest,
        formats,
        1,
        None,
    )
}

fn read_part(dir: &Path) -> Result<Part> {
    let manifest: Manifest = crate::results::manifest::read(
        dir,
        "not a shard folder (`cordon run --shard K/N` writes manifest.json, trials.csv and the tables)",
    )?;
    if manifest.shard.is_none() {
        return Err(Error::Invalid(format!(
            "{} holds a complete run, not a shard (run shards with --shard K/N)",
            dir.display()
        )));
    }
    Ok(Part {
        dir: dir.to_path_buf(),
        manifest,
    })
}

fn read_state(dir: &Path) -> Result<ShardState> {
    let path = dir.join(STATE_FILE);
    let file = File::open(&path)
        .map_err(|e| Error::Invalid(format!("cannot read {}: {e}", path.display())))?;
    serde_json::from_reader(BufReader::new(file))
        .map_err(|e| Error::Invalid(format!("{}: not a cordon shard state: {e}", path.display())))
}

/// `--set` values as typed.
fn sets(m: &Manifest) -> String {
    let list: Vec<String> = m
        .base_overrides
        .iter()
        .map(|o| format!("{}={}", o.path, o.value))
        .collect();
    if list.is_empty() {
        "none".into()
    } else {
        list.join(" ")
    }
}

/// The shards belong to one run and cover it exactly once.
fn check_compatible(parts: &[Part]) -> Result<()> {
    let first = &parts[0].manifest;
    let Some(count) = first.shard.as_ref().map(|s| s.count) else {
        return Ok(());
    };
    for p in parts {
        let m = &p.manifest;
        let differs = |what: &str, a: String, b: String| {
            Error::Invalid(format!(
                "{} does not belong with {}: {what} differs ({a} vs {b})",
                p.dir.display(),
                parts[0].dir.display()
            ))
        };
        if m.cordon_version != first.cordon_version {
            return Err(differs(
                "the cordon version",
                m.cordon_version.clone(),
                first.cordon_version.clone(),
            ));
        }
        if m.scenario.sha256 != first.scenario.sha256 {
            return Err(differs(
                "the scenario text (SHA-256)",
                m.scenario.sha256.clone(),
                first.scenario.sha256.clone(),
            ));
        }
        if m.seed != first.seed || m.trials != first.trials {
            return Err(differs(
                "seed or trials",
                format!("{} / {}", m.seed, m.trials),
                format!("{} / {}", first.seed, first.trials),
            ));
        }
        if m.base_overrides != first.base_overrides {
            return Err(differs("--set", sets(m), sets(first)));
        }
        let names = |m: &Manifest| {
            m.variants
                .iter()
                .map(|v| v.name.clone())
                .collect::<Vec<_>>()
                .join(",")
        };
        if names(m) != names(first) {
            return Err(differs("the variants", names(m), names(first)));
        }
        let c = m.shard.as_ref().map_or(0, |s| s.count);
        if c != count {
            return Err(differs("the shard count", c.to_string(), count.to_string()));
        }
    }
    let mut seen = vec![Vec::new(); count as usize];
    for p in parts {
        if let Some(s) = &p.manifest.shard {
            seen[s.index as usize].push(p.dir.display().to_string());
        }
    }
    let missing: Vec<String> = (0..count)
        .filter(|&k| seen[k as usize].is_empty())
        .map(|k| format!("{k}/{count}"))
        .collect();
    if let Some((k, dirs)) = seen.iter().enumerate().find(|(_, d)| d.len() > 1) {
        return Err(Error::Invalid(format!(
            "shard {k}/{count} is given more than once: {}",
            dirs.join(", ")
        )));
    }
    if !missing.is_empty() {
        return Err(Error::Invalid(format!(
            "missing shard{}: {}",
            if missing.len() > 1 { "s" } else { "" },
            missing.join(", ")
        )));
    }
    Ok(())
}

/// Joins the shards' `trials.csv` (or `trials.parquet`) in shard order
/// under one header, into a `trials.csv` that [`finish`] gives the merged
/// folder's formats.
fn join_trials(parts: &[Part], path: &Path) -> Result<()> {
    let file = File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
    let mut out = BufWriter::with_capacity(1 << 16, file);
    let mut header: Option<String> = None;
    for p in parts {
        let src = p.dir.join("trials.csv");
        if !src.exists() && p.dir.join("trials.parquet").exists() {
            join_parquet(&src, &mut out, &mut header, path)?;
            continue;
        }
        let f = File::open(&src)
            .map_err(|e| Error::Invalid(format!("cannot read {}: {e}", src.display())))?;
        let mut lines = BufReader::new(f).lines();
        let h = lines
            .next()
            .transpose()
            .with_context(|| format!("cannot read {}", src.display()))?
            .unwrap_or_default();
        match &header {
            None => {
                writeln!(out, "{h}").with_context(|| format!("cannot write {}", path.display()))?;
                header = Some(h);
            }
            Some(first) if *first != h => {
                return Err(Error::Invalid(format!(
                    "{}: its header differs from the first shard's",
                    src.display()
                )));
            }
            Some(_) => {}
        }
        for line in lines {
            let line = line.with_context(|| format!("cannot read {}", src.display()))?;
            writeln!(out, "{line}").with_context(|| format!("cannot write {}", path.display()))?;
        }
    }
    out.flush()
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

/// Appends the rows of a shard's `trials.parquet` (asked for as `src`, its
/// CSV twin) to the joined `trials.csv`, as CSV lines.
fn join_parquet(
    src: &Path,
    out: &mut BufWriter<File>,
    header: &mut Option<String>,
    path: &Path,
) -> Result<()> {
    let mut rows = CsvStream::open(src, "not a shard folder")?;
    let h: Vec<&str> = rows.header().names().collect();
    let h = h.join(",");
    match header {
        None => {
            writeln!(out, "{h}").with_context(|| format!("cannot write {}", path.display()))?;
            *header = Some(h);
        }
        Some(first) if *first != h => {
            return Err(Error::Invalid(format!(
                "{}: its header differs from the first shard's",
                rows.header().path().display()
            )));
        }
        Some(_) => {}
    }
    let width = rows.header().names().count();
    let mut line = String::with_capacity(256);
    while let Some(row) = rows.next_row()? {
        line.clear();
        for c in 0..width {
            if c > 0 {
                line.push(',');
            }
            line.push_str(row.text(c));
        }
        line.push('\n');
        out.write_all(line.as_bytes())
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(())
}
