//! Which documents a shard of a run takes (`goldspan run --shard K/N`).
//!
//! A document belongs to shard `BLAKE3(id)[0..8] as little-endian u64 mod N`: a function of
//! its id alone, the same on every machine, platform and goldspan version, so N machines
//! given `0/N` … `N-1/N` cover every document exactly once without talking to each other, and
//! the merge can check that each document came from the shard it belongs to. Shards are
//! numbered from 0, as Slurm's `SLURM_ARRAY_TASK_ID` (with `--array=0-N-1`) and Kubernetes'
//! `JOB_COMPLETION_INDEX` number them.

use std::collections::BTreeSet;
use std::fmt;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The most shards a run may be split into.
pub const MAX_SHARDS: u32 = 1_000_000;

/// One shard of a run: `index` of `count`, from 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Shard {
    /// How many shards the run is split into (1 to 1,000,000).
    pub count: u32,
    /// This shard, from 0 to `count - 1`.
    pub index: u32,
}

impl Shard {
    /// Shard `index` of `count`, when `index < count` and `count` is 1 to [`MAX_SHARDS`].
    pub fn new(index: u32, count: u32) -> Result<Shard, String> {
        if count == 0 || count > MAX_SHARDS {
            return Err(format!("a run is split into 1 to {MAX_SHARDS} shards, not {count}"));
        }
        if index >= count {
            return Err(format!(
                "shard {index} does not exist: shards are numbered from 0, so a run in {count} shards has 0/{count} to {}/{count}",
                count - 1
            ));
        }
        Ok(Shard { count, index })
    }

    /// Parses `K/N`.
    pub fn parse(text: &str) -> Result<Shard, String> {
        let (k, n) = text
            .split_once('/')
            .ok_or_else(|| format!("{text:?} is not a shard: give K/N, shard K (from 0) of N, e.g. 0/4"))?;
        let number = |s: &str, what: &str| {
            s.trim().parse::<u32>().map_err(|_| format!("{text:?} is not a shard: {what} {s:?} is not a whole number"))
        };
        Shard::new(number(k, "K")?, number(n, "N")?)
    }

    /// The shard of `count` that document `id` belongs to.
    pub fn of(id: &str, count: u32) -> u32 {
        let hash = blake3::hash(id.as_bytes());
        let mut first = [0u8; 8];
        first.copy_from_slice(&hash.as_bytes()[..8]);
        (u64::from_le_bytes(first) % u64::from(count.max(1))) as u32
    }

    /// Whether document `id` belongs to this shard.
    pub fn contains(&self, id: &str) -> bool {
        Shard::of(id, self.count) == self.index
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// What a shard's run knows that its partial result must carry for the merge to decide as a
/// run on one machine would.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShardScope {
    /// The shard run.
    pub shard: Shard,
    /// Documents in scope in the whole run (every shard).
    pub in_scope: usize,
    /// The layers the extractor produced spans in, in this shard's documents.
    pub produced: BTreeSet<String>,
    /// The layers this shard scored; `None` for every layer found.
    pub scored_layers: Option<BTreeSet<String>>,
    /// The gold's layers (the manifest's, or those of this shard's documents without one).
    pub gold_layers: BTreeSet<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_are_pinned_to_blake3_of_the_id() {
        // Computed with the reference implementation (Python's `blake3` package):
        // int.from_bytes(blake3(id.encode()).digest()[:8], "little") % n.
        assert_eq!(Shard::of("synth-0000000", 4), 1);
        assert_eq!(Shard::of("synth-0000000", 7), 3);
        assert_eq!(Shard::of("a", 4), 3);
        assert_eq!(Shard::of("a", 7), 4);
        assert_eq!(Shard::of("doc-42", 4), 0);
        assert_eq!(Shard::of("doc-42", 7), 0);
        assert_eq!(Shard::of("anything", 1), 0);
        assert!(Shard::new(1, 4).expect("shard").contains("synth-0000000"));
    }

    #[test]
    fn shards_parse_from_k_of_n_counted_from_zero() {
        assert_eq!(Shard::parse("0/4"), Ok(Shard { index: 0, count: 4 }));
        assert_eq!(Shard::parse(" 3 / 4 "), Ok(Shard { index: 3, count: 4 }));
        assert_eq!(Shard::parse("3/4").map(|s| s.to_string()), Ok("3/4".to_owned()));
        let err = Shard::parse("4/4").expect_err("out of range");
        assert!(err.contains("0/4 to 3/4"), "{err}");
        assert!(Shard::parse("0/0").is_err());
        assert!(Shard::parse("1").expect_err("no slash").contains("give K/N"));
        assert!(Shard::parse("a/4").expect_err("not a number").contains("K \"a\""));
        assert!(Shard::parse("-1/4").is_err());
    }

    #[test]
    fn every_document_is_in_exactly_one_shard() {
        for count in 1..=16 {
            for i in 0..200 {
                let id = format!("doc-{i}");
                let holding = (0..count).filter(|&k| Shard { index: k, count }.contains(&id)).count();
                assert_eq!(holding, 1, "{id} in {count} shards");
            }
        }
    }
}
