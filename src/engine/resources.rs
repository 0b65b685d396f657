//! What a run will need, estimated before it starts: disk for its tables
//! and memory for its statistics.
//!
//! A run that cannot fit is refused at once, with the numbers, instead of
//! failing hours later with a full disk or being killed for memory. The
//! estimates are deliberately modest (typical row and sketch sizes, not
//! worst cases), so a refusal means the run would certainly not fit; a run
//! that passes can still meet a disk that other programs fill meanwhile,
//! which then fails with an error naming the file (see
//! [`crate::results::tables`]).

use std::path::Path;

use crate::scenario::Scenario;
use crate::stats::aggregate::{Distribution, N_TOTALS, N_WEEKLY};
use crate::stats::fold::VariantFold;

/// Bytes of one `trials.csv` row besides the variant name and the trial
/// index: 19 numbers and their commas. A row of `tests/data/two_states.toml`
/// takes about 80 (95 with name and index); a row of zeros still takes 40.
/// Charts (about 1 MB) are left out: the estimate is what the run needs at
/// least. It holds for every `--format`: a run writes `trials.csv` as
/// trials finish (so that `--resume` can cut it back to a checkpoint) and
/// makes `trials.parquet` from it at the end, so even a Parquet-only run
/// needs the CSV's room while it runs (the Parquet file adds a few percent).
pub(crate) const ROW_BYTES: u64 = 50;
/// Bytes of one `weekly.csv` row besides the variant name.
const WEEKLY_ROW_BYTES: u64 = 90;
/// Heap of a typical quantile sketch: a few dozen exact counts and
/// logarithmic buckets (at most 8 KiB of exact counts).
const SKETCH_BYTES: u64 = 512;

/// What a run needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Needs {
    /// Bytes of the result folder (`trials.csv` dominates).
    pub disk: u64,
    /// Bytes of memory for statistics and per-thread work.
    pub memory: u64,
    /// Bytes of `trials.csv` alone.
    pub trials_csv: u64,
    /// Bytes of one copy of the statistics.
    pub stats: u64,
}

/// The shape of a run, as far as its size is concerned.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Shape<'a> {
    pub scenario: &'a Scenario,
    /// Names of the variants that run, baseline first.
    pub variants: &'a [String],
    /// Trials to run (of this shard).
    pub trials: u64,
    /// The last trial index plus one (for the width of the `trial` column).
    pub end_trial: u64,
    pub threads: usize,
    /// Whether checkpoints are kept (`--resume`).
    pub resume: bool,
    /// Distinct points of the posterior the run draws from (`--posterior`;
    /// 0 without): each is held as a scenario per variant for the whole
    /// run.
    pub posterior_points: u64,
}

/// Estimates what a run of `shape` needs. Saturates instead of overflowing.
pub(crate) fn estimate(shape: &Shape<'_>) -> Needs {
    let s = shape.scenario;
    let weeks = u64::from(s.weeks);
    let digits = shape.end_trial.max(1).ilog10() as u64 + 1;
    let names: u64 = shape.variants.iter().map(|n| n.len() as u64).sum();
    let n_variants = shape.variants.len() as u64;
    // Every variant of every trial is one row.
    let trials_csv = shape
        .trials
        .saturating_mul(names.saturating_add(n_variants.saturating_mul(digits + 2 + ROW_BYTES)));
    let weekly_csv = weeks
        .saturating_mul(N_WEEKLY as u64)
        .saturating_mul(names.saturating_add(n_variants.saturating_mul(WEEKLY_ROW_BYTES)));
    let distribution = std::mem::size_of::<Distribution>() as u64 + SKETCH_BYTES;
    let per_variant = weeks
        .saturating_mul(N_WEEKLY as u64)
        .saturating_add(N_TOTALS as u64)
        .saturating_mul(distribution)
        .saturating_add(states_and_borders(s));
    let stats = per_variant.saturating_mul(n_variants);
    // Each worker thread keeps its own statistics; the run keeps the base
    // and the merged total; a checkpoint adds a snapshot and its JSON text
    // (a few times larger than the numbers it holds).
    let copies = (shape.threads as u64).saturating_add(if shape.resume { 6 } else { 2 });
    // A trial record per variant and worker: counters and levels by week.
    let records = weeks
        .saturating_mul(8 * 24)
        .saturating_mul(n_variants)
        .saturating_mul(shape.threads as u64);
    // What each worker's folds note before they settle (see
    // `stats::fold`): dense tables by week, one per variant.
    let folds = VariantFold::pending_bytes(weeks)
        .saturating_mul(n_variants)
        .saturating_mul(shape.threads as u64);
    // A run over a posterior holds every distinct point's scenarios.
    let posterior = shape
        .posterior_points
        .saturating_mul(n_variants)
        .saturating_mul(scenario_bytes(s));
    let memory = stats
        .saturating_mul(copies)
        .saturating_add(records)
        .saturating_add(folds)
        .saturating_add(posterior);
    let checkpoint = if shape.resume {
        stats.saturating_mul(3)
    } else {
        0
    };
    Needs {
        disk: trials_csv
            .saturating_add(weekly_csv)
            .saturating_add(checkpoint),
        memory,
        trials_csv,
        stats,
    }
}

/// Heap of one scenario of a posterior point, beyond what it shares with
/// the first point's (its exercises, states, borders, links and routes,
/// see [`Scenario::share_with`]): its regions (names, ids and values,
/// about 480 bytes each with the allocator's share), its draws of targets,
/// and 8 KB for the rest of the scenario, its variant and what building
/// it left. For the default scenario (22 regions) it gives 19 KB; a run
/// over its posterior (899 distinct points) took 20.5 KB a scenario more
/// than the same run without (211.1 against 45.2 MB peak, 9 variants,
/// docs/performance.md): the estimate is 7% under, the least the run
/// needs. A posterior over the states' or borders' values shares less.
fn scenario_bytes(s: &Scenario) -> u64 {
    let draws = (s.network.sources.len() * s.network.targets.len()) as u64 * 16;
    8 * 1024 + 480 * s.regions.len() as u64 + draws
}

/// Bytes of the per-state and per-border statistics of one variant.
fn states_and_borders(s: &Scenario) -> u64 {
    let moments = 64;
    (s.states.len() as u64 * 5 + s.borders.len() as u64 * 2 * 4) * moments
}

/// Refuses a run that needs more than `available` disk or memory, with the
/// numbers and what to change. `None` for a measure means it is unknown
/// and not checked.
pub(crate) fn check(
    shape: &Shape<'_>,
    needs: &Needs,
    folder: &Path,
    free_disk: Option<u64>,
    free_memory: Option<u64>,
) -> Result<(), String> {
    if let Some(free) = free_memory.filter(|&f| needs.memory > f) {
        let posterior = if shape.posterior_points > 0 {
            format!(
                ", and the scenarios of the posterior's {} distinct points × {} variant(s)",
                shape.posterior_points,
                shape.variants.len()
            )
        } else {
            String::new()
        };
        let fewer = if shape.posterior_points > 0 {
            ", a posterior with fewer distinct points"
        } else {
            ""
        };
        return Err(format!(
            "this run needs about {} of memory ({} variant(s) × {} weeks of statistics, one copy per thread for {} thread(s){posterior}), but only {} is available; use fewer --threads, fewer variants (--variant){fewer} or a shorter horizon (scenario.weeks)",
            bytes(needs.memory),
            shape.variants.len(),
            shape.scenario.weeks,
            shape.threads,
            bytes(free)
        ));
    }
    if let Some(free) = free_disk.filter(|&f| needs.disk > f) {
        return Err(format!(
            "this run needs about {} of disk in {} (trials.csv alone: {} trials × {} variant(s), about {}), but only {} is free; run fewer trials (--trials), fewer variants (--variant), or split the run into shards (--shard K/N) on several machines",
            bytes(needs.disk),
            folder.display(),
            shape.trials,
            shape.variants.len(),
            bytes(needs.trials_csv),
            bytes(free)
        ));
    }
    Ok(())
}

/// A byte count for people: `812.4 GB`.
pub(crate) fn bytes(n: u64) -> String {
    const UNITS: [&str; 6] = ["bytes", "kB", "MB", "GB", "TB", "PB"];
    let mut x = n as f64;
    let mut unit = 0;
    while x >= 1000.0 && unit + 1 < UNITS.len() {
        x /= 1000.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{n} bytes")
    } else {
        format!("{x:.1} {}", UNITS[unit])
    }
}

/// Free bytes on the file system that holds `path` (or its nearest existing
/// ancestor), for an unprivileged user; `None` where it cannot be told.
pub(crate) fn free_disk(path: &Path) -> Option<u64> {
    let mut at = path;
    while !at.exists() {
        at = at.parent()?;
        if at.as_os_str().is_empty() {
            at = Path::new(".");
        }
    }
    statvfs_free(at)
}

#[cfg(unix)]
fn statvfs_free(path: &Path) -> Option<u64> {
    use std::os::unix::ffi::OsStrExt;
    let c = std::ffi::CString::new(path.as_os_str().as_bytes()).ok()?;
    // SAFETY: `c` is a valid NUL-terminated path and `stat` a zeroed
    // struct that statvfs fills in; nothing is kept after the call.
    let mut stat: libc::statvfs = unsafe { std::mem::zeroed() };
    let rc = unsafe { libc::statvfs(c.as_ptr(), &mut stat) };
    if rc != 0 {
        return None;
    }
    #[allow(clippy::unnecessary_cast)] // the field types differ by platform
    Some((stat.f_bavail as u64).saturating_mul(stat.f_frsize as u64))
}

#[cfg(not(unix))]
fn statvfs_free(_: &Path) -> Option<u64> {
    None
}

/// Memory available to this process: the kernel's `MemAvailable`, lowered
/// to what a cgroup (container) limit leaves; `None` where neither can be
/// read.
pub(crate) fn free_memory() -> Option<u64> {
    let meminfo = std::fs::read_to_string("/proc/meminfo").ok();
    let available = meminfo.as_deref().and_then(mem_available);
    let cgroup = cgroup_room();
    match (available, cgroup) {
        (Some(a), Some(c)) => Some(a.min(c)),
        (a, c) => a.or(c),
    }
}

/// `MemAvailable` from the text of `/proc/meminfo`, in bytes.
fn mem_available(meminfo: &str) -> Option<u64> {
    let line = meminfo.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib.saturating_mul(1024))
}

/// What a cgroup v2 memory limit leaves, if there is one.
fn cgroup_room() -> Option<u64> {
    let read = |f: &str| std::fs::read_to_string(format!("/sys/fs/cgroup/{f}")).ok();
    let max: u64 = read("memory.max")?.trim().parse().ok()?; // "max": no limit
    let current: u64 = read("memory.current")?.trim().parse().ok()?;
    Some(max.saturating_sub(current))
}

/// Asks the C allocator to keep some of the memory it has been given
/// rather than hand it back to the system after every free, so that the
/// tables one study point or candidate frees are reused by the next
/// instead of being returned, then faulted in again page by page. The
/// binary calls it once, before anything is allocated; the Python package
/// does not (the host process's allocator is not the package's to set).
///
/// glibc's defaults (a 128 KiB mmap threshold raised on the fly, a trim
/// threshold of twice that, no top pad) hand back and fault in again the
/// tables of `cordon optimize`'s candidates, a few hundred KiB each: with
/// these settings its 100-trial search takes about 7% less time, a run
/// about 4% (docs/performance.md, "Ninth pass"). Blocks up to 4 MiB come
/// from the heap, which grows 16 MiB at a time (address space, resident
/// only when touched) and hands back what lies free above 32 MiB. The
/// price is memory kept: a run of 10⁶ trials of every variant peaks about
/// 12 MB (9%) higher. Elsewhere (another libc, another system) it does
/// nothing.
pub fn keep_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets allocator parameters; it is called before
    // any thread is started.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 4 << 20);
        libc::mallopt(libc::M_TRIM_THRESHOLD, 32 << 20);
        libc::mallopt(libc::M_TOP_PAD, 16 << 20);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::load_str;

    fn scenario() -> crate::scenario::ScenarioSet {
        let text = include_str!("../../tests/data/two_states.toml");
        load_str("two_states.toml", "two_states", text, &[]).unwrap()
    }

    fn shape<'a>(s: &'a Scenario, variants: &'a [String], trials: u64) -> Shape<'a> {
        Shape {
            scenario: s,
            variants,
            trials,
            end_trial: trials,
            threads: 2,
            resume: false,
            posterior_points: 0,
        }
    }

    #[test]
    fn a_posterior_adds_its_points_scenarios() {
        let set = scenario();
        let two = ["baseline".to_string(), "intel_heavy".to_string()];
        let plain = shape(&set.base, &two, 1000);
        let mut over = plain;
        over.posterior_points = 1000;
        let (a, b) = (estimate(&plain), estimate(&over));
        assert_eq!(b.memory - a.memory, 1000 * 2 * scenario_bytes(&set.base));
        assert_eq!(a.disk, b.disk);
        let e = check(&over, &b, Path::new("/results"), None, Some(a.memory)).unwrap_err();
        assert!(
            e.contains("posterior's 1000 distinct points × 2 variant(s)"),
            "{e}"
        );
        assert!(e.contains("a posterior with fewer distinct points"), "{e}");
        // The default scenario: 20.5 KB a scenario, as measured (a run over
        // its posterior's 899 distinct points took 166 MB more at 9
        // variants), to within a tenth.
        let text = include_str!("../../scenarios/csto-southern-frontier.toml");
        let default = load_str("d.toml", "d", text, &[]).unwrap();
        let per = scenario_bytes(&default.base) as f64;
        assert!((per / 20_500.0 - 1.0).abs() < 0.1, "{per}");
    }

    #[test]
    fn the_trials_table_grows_with_trials_and_variants() {
        let set = scenario();
        let one = ["baseline".to_string()];
        let two = ["baseline".to_string(), "intel_heavy".to_string()];
        let a = estimate(&shape(&set.base, &one, 1000));
        let b = estimate(&shape(&set.base, &one, 2000));
        let c = estimate(&shape(&set.base, &two, 1000));
        assert!(b.trials_csv > a.trials_csv * 19 / 10);
        assert!(c.trials_csv > a.trials_csv * 2);
        // 1000 rows of `baseline,NNN,` and 50 bytes.
        assert_eq!(a.trials_csv, 1000 * (8 + 4 + 2 + ROW_BYTES));
    }

    #[test]
    fn huge_runs_saturate_instead_of_overflowing() {
        let set = scenario();
        let names = vec!["x".repeat(1000); 1000];
        let mut s = shape(&set.base, &names, u64::MAX);
        s.threads = usize::MAX;
        let n = estimate(&s);
        assert_eq!(n.disk, u64::MAX);
        assert_eq!(n.memory, u64::MAX);
    }

    #[test]
    fn a_run_that_does_not_fit_is_refused_with_the_numbers() {
        let set = scenario();
        let one = ["baseline".to_string()];
        let s = shape(&set.base, &one, 1_000_000_000);
        let n = estimate(&s);
        let folder = Path::new("/results");
        let e = check(&s, &n, folder, Some(1_000_000), None).unwrap_err();
        assert!(e.contains("of disk in /results"), "{e}");
        assert!(e.contains("1000000000 trials"), "{e}");
        assert!(e.contains("only 1.0 MB is free"), "{e}");
        let e = check(&s, &n, folder, None, Some(1000)).unwrap_err();
        assert!(e.contains("of memory") && e.contains("only 1.0 kB"), "{e}");
        assert!(check(&s, &n, folder, None, None).is_ok());
        assert!(check(&s, &n, folder, Some(u64::MAX), Some(u64::MAX)).is_ok());
    }

    #[test]
    fn byte_counts_read_well() {
        assert_eq!(bytes(999), "999 bytes");
        assert_eq!(bytes(1_500), "1.5 kB");
        assert_eq!(bytes(812_400_000_000), "812.4 GB");
        assert_eq!(bytes(u64::MAX), "18446.7 PB");
    }

    #[test]
    fn free_space_and_memory_are_read_here() {
        let dir = tempfile::tempdir().unwrap();
        // A folder that does not exist yet is measured at its ancestor.
        let free = free_disk(&dir.path().join("a").join("b"));
        if cfg!(target_os = "linux") {
            assert!(free.is_some_and(|f| f > 0));
            assert!(free_memory().is_some_and(|m| m > 0));
        }
        assert_eq!(
            mem_available("MemTotal: 10 kB\nMemAvailable:    2048 kB\n"),
            Some(2048 * 1024)
        );
    }
}
