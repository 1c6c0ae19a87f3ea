//! The assignment rules of the split kinds that need per-face inputs. Each returns one
//! `Option<Part>` per face; all randomness comes from a ChaCha8 stream seeded with the split seed.

use std::collections::BTreeMap;

use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use super::{Part, SplitInputs};
use crate::DatasetError;

/// Folders of the 5-split protocol.
pub const FOLDERS: usize = 10;

pub(super) fn check_fractions(train: f64, valid: f64) -> Result<(), DatasetError> {
    if !(0.0..=1.0).contains(&train) || !(0.0..=1.0).contains(&valid) || train + valid > 1.0 + 1e-9 {
        return Err(DatasetError::InvalidSplit(format!(
            "fractions must be in [0, 1] and sum to at most 1, got train {train}, valid {valid}"
        )));
    }
    Ok(())
}

pub(super) fn check_lengths(inputs: &SplitInputs<'_>) -> Result<(), DatasetError> {
    let n = inputs.n;
    let lens = [
        ("strata", inputs.strata.map(<[usize]>::len)),
        ("groups", inputs.groups.map(<[String]>::len)),
        ("folds", inputs.folds.map(<[usize]>::len)),
    ];
    for (what, len) in lens {
        if let Some(len) = len.filter(|&l| l != n) {
            return Err(DatasetError::InvalidSplit(format!("{len} {what} given for {n} faces")));
        }
    }
    Ok(())
}

pub(super) fn require<'a, T: ?Sized>(x: Option<&'a T>, kind: &str, what: &str) -> Result<&'a T, DatasetError> {
    x.ok_or_else(|| DatasetError::InvalidSplit(format!("split kind '{kind}' needs {what}, and this data has none")))
}

/// Cumulative rounding: the number of the first `upto` items (of a sequence laid out in order)
/// that fall below fraction `f`. Differences of this function over consecutive blocks add up to
/// `round(f * total)` exactly and each is within one of `f * block`.
fn cut(f: f64, upto: usize) -> usize {
    (f * upto as f64).round() as usize
}

/// Stratified fractions: strata in class order, each shuffled; within a stratum the first
/// `cut(train)` faces train, up to `cut(train + valid)` valid, the rest test, where the cuts are
/// taken cumulatively over the strata laid end to end (so the totals are exact).
pub(super) fn stratified(strata: &[usize], train: f64, valid: f64, seed: u64) -> Vec<Option<Part>> {
    let mut by_class: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for (i, &c) in strata.iter().enumerate() {
        by_class.entry(c).or_default().push(i);
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut parts = vec![None; strata.len()];
    let mut before = 0;
    for members in by_class.values_mut() {
        members.shuffle(&mut rng);
        let after = before + members.len();
        let tr = cut(train, after) - cut(train, before);
        let tv = (cut(train + valid, after) - cut(train + valid, before)).max(tr);
        for (rank, &i) in members.iter().enumerate() {
            parts[i] = Some(if rank < tr {
                Part::Train
            } else if rank < tv {
                Part::Valid
            } else {
                Part::Test
            });
        }
        before = after;
    }
    parts
}

/// Distinct keys in sorted order, and each face's index into them.
fn group_ids(groups: &[String]) -> (Vec<&str>, Vec<usize>) {
    let mut keys: Vec<&str> = groups.iter().map(String::as_str).collect();
    keys.sort_unstable();
    keys.dedup();
    let ids = groups.iter().map(|g| keys.binary_search(&g.as_str()).unwrap_or(0)).collect();
    (keys, ids)
}

/// Subject-aware fractions over the faces in `members` (all faces when `None`): subjects shuffled,
/// laid end to end, each to the part its middle face falls in.
fn groups_into_parts(
    groups: &[String],
    members: Option<&[usize]>,
    train: f64,
    valid: f64,
    rng: &mut ChaCha8Rng,
) -> Vec<(usize, Part)> {
    let all: Vec<usize>;
    let members = match members {
        Some(m) => m,
        None => {
            all = (0..groups.len()).collect();
            &all
        }
    };
    let (keys, ids) = group_ids(groups);
    let mut faces_of: Vec<Vec<usize>> = vec![Vec::new(); keys.len()];
    for &i in members {
        faces_of[ids[i]].push(i);
    }
    let mut order: Vec<usize> = (0..keys.len()).filter(|&g| !faces_of[g].is_empty()).collect();
    order.shuffle(rng);
    let n = members.len() as f64;
    let (tr, tv) = (train * n, (train + valid) * n);
    let mut out = Vec::with_capacity(members.len());
    let mut before = 0usize;
    for g in order {
        let size = faces_of[g].len();
        let middle = before as f64 + size as f64 / 2.0;
        let part = if middle < tr {
            Part::Train
        } else if middle < tv {
            Part::Valid
        } else {
            Part::Test
        };
        out.extend(faces_of[g].iter().map(|&i| (i, part)));
        before += size;
    }
    out
}

pub(super) fn by_groups(groups: &[String], train: f64, valid: f64, seed: u64) -> Vec<Option<Part>> {
    let mut parts = vec![None; groups.len()];
    for (i, p) in groups_into_parts(groups, None, train, valid, &mut ChaCha8Rng::seed_from_u64(seed)) {
        parts[i] = Some(p);
    }
    parts
}

pub(super) fn kfold(
    folds: &[usize],
    test: usize,
    valid_fold: Option<usize>,
    valid: f64,
    groups: Option<&[String]>,
    seed: u64,
) -> Result<Vec<Option<Part>>, DatasetError> {
    let k = folds.iter().max().map_or(0, |m| m + 1);
    let bad = |m: String| Err(DatasetError::InvalidSplit(m));
    if test >= k {
        return bad(format!("test fold {test} does not exist (the data has folds 0..{k})"));
    }
    if let Some(v) = valid_fold {
        if v >= k || v == test {
            return bad(format!("valid fold {v} must be one of the folds 0..{k} other than the test fold {test}"));
        }
        if valid > 0.0 {
            return bad("give either valid_fold or a valid fraction, not both".into());
        }
    }
    if !(0.0..1.0).contains(&valid) {
        return bad(format!("the valid fraction must be in [0, 1), got {valid}"));
    }
    let mut parts: Vec<Option<Part>> = folds
        .iter()
        .map(|&f| {
            Some(if f == test {
                Part::Test
            } else if Some(f) == valid_fold {
                Part::Valid
            } else {
                Part::Train
            })
        })
        .collect();
    if valid > 0.0 {
        let pool: Vec<usize> = (0..folds.len()).filter(|&i| parts[i] == Some(Part::Train)).collect();
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        match groups {
            Some(g) => {
                for (i, p) in groups_into_parts(g, Some(&pool), 1.0 - valid, valid, &mut rng) {
                    parts[i] = Some(p);
                }
            }
            None => {
                let mut order = pool;
                order.shuffle(&mut rng);
                let take = cut(valid, order.len());
                for &i in &order[..take] {
                    parts[i] = Some(Part::Valid);
                }
            }
        }
    }
    Ok(parts)
}

/// The folder of every face: units (subjects, or single faces) shuffled, then each dealt to the
/// folder holding the fewest faces so far (the lowest-numbered on a tie), so folders differ in
/// size by at most one unit.
pub fn folders(n: usize, groups: Option<&[String]>, seed: u64) -> Vec<usize> {
    let units: Vec<Vec<usize>> = match groups {
        Some(g) => {
            let (keys, ids) = group_ids(g);
            let mut units = vec![Vec::new(); keys.len()];
            for (i, &id) in ids.iter().enumerate() {
                units[id].push(i);
            }
            units
        }
        None => (0..n).map(|i| vec![i]).collect(),
    };
    let mut order: Vec<usize> = (0..units.len()).collect();
    order.shuffle(&mut ChaCha8Rng::seed_from_u64(seed));
    let mut sizes = [0usize; FOLDERS];
    let mut folder = vec![0; n];
    for u in order {
        let f = (0..FOLDERS).min_by_key(|&f| (sizes[f], f)).unwrap_or(0);
        for &i in &units[u] {
            folder[i] = f;
        }
        sizes[f] += units[u].len();
    }
    folder
}

/// The folders of split `i`: (test, valid); the other six train.
pub fn fivesplit_folders(i: usize) -> ([usize; 2], [usize; 2]) {
    let at = |k: usize| (2 * i + k) % FOLDERS;
    ([at(0), at(1)], [at(2), at(3)])
}

pub(super) fn fivesplit(
    n: usize,
    split: usize,
    groups: Option<&[String]>,
    seed: u64,
) -> Result<Vec<Option<Part>>, DatasetError> {
    if split >= 5 {
        return Err(DatasetError::InvalidSplit(format!("fivesplit has splits 0..=4, got {split}")));
    }
    let (test, valid) = fivesplit_folders(split);
    Ok(folders(n, groups, seed)
        .into_iter()
        .map(|f| {
            Some(if test.contains(&f) {
                Part::Test
            } else if valid.contains(&f) {
                Part::Valid
            } else {
                Part::Train
            })
        })
        .collect())
}
