//! Splitting a run across machines: shard K of N runs a contiguous block of
//! trial indices, and `cordon merge` adds the shards' exact statistics back
//! together, giving the same bytes as a run on one machine.

use std::fmt;
use std::ops::Range;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::stats::RunStats;
use crate::stats::tables::Layout;

/// Shard `index` of `count` (`--shard K/N`, K from 0).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub index: u64,
    pub count: u64,
}

impl Shard {
    /// The shard's trials out of `trials`: contiguous, in order, and
    /// covering every trial exactly once over all shards.
    pub fn trials(self, trials: u64) -> Range<u64> {
        let at = |k: u64| (u128::from(trials) * u128::from(k) / u128::from(self.count)) as u64;
        at(self.index)..at(self.index + 1)
    }
}

impl FromStr for Shard {
    type Err = String;

    fn from_str(s: &str) -> Result<Shard, String> {
        let err = || {
            format!(
                "expected K/N with 0 <= K < N (e.g. 3/8, or $SLURM_ARRAY_TASK_ID/8), found {s:?}"
            )
        };
        let (k, n) = s.split_once('/').ok_or_else(err)?;
        let (index, count) = (
            k.trim().parse::<u64>().map_err(|_| err())?,
            n.trim().parse::<u64>().map_err(|_| err())?,
        );
        if count == 0 || index >= count {
            return Err(err());
        }
        Ok(Shard { index, count })
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// What a shard folder carries besides its `trials.csv` and manifest:
/// everything needed to write the tables once the shards are merged.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct ShardState {
    pub layout: Layout,
    pub stats: RunStats,
}

/// The file name of a shard's [`ShardState`].
pub(crate) const STATE_FILE: &str = "shard-state.json";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_cover_every_trial_once_in_order() {
        for (trials, n) in [(10u64, 3u64), (1000, 7), (5, 5), (1_000_000_000, 64)] {
            let mut next = 0;
            for k in 0..n {
                let r = Shard { index: k, count: n }.trials(trials);
                assert_eq!(r.start, next);
                assert!(r.end > r.start);
                next = r.end;
            }
            assert_eq!(next, trials);
        }
    }

    #[test]
    fn shard_arguments_parse_or_explain() {
        assert_eq!("3/8".parse::<Shard>(), Ok(Shard { index: 3, count: 8 }));
        for bad in ["8/8", "1/0", "x/2", "3", "-1/4"] {
            assert!(bad.parse::<Shard>().unwrap_err().contains("K/N"), "{bad}");
        }
    }
}
