//! A read-only index over keys that are already hashes, laid out for memory latency.
//!
//! The visit log and the customer table are built once and then asked millions of times
//! in random order, from tables far larger than the CPU caches. A SwissTable lookup
//! there costs two cache misses (its control bytes, then its slot); this layout costs
//! about one: a small bucket table (4 bytes per 4 keys, mostly cache-resident) says where
//! a bucket's entries start in one packed array, and a bucket's ~4 entries share a cache
//! line or two. It also has no empty slots, so it is about half the size. Building is a
//! counting sort by bucket (no comparison sort), done once after loading.
//!
//! An entry keeps only the part of its key the bucket does not already say: a 128-bit key
//! is found by the top bits of one half (its bucket) and the whole other half (stored),
//! so an entry of a `u32` value is 16 bytes, not 24, and a bucket of four fits a cache
//! line. Two keys are then confused only when they agree on 64 + bucket-bits bits: a
//! look-up compares its key with a bucket's ~4 entries, so it takes one key for another
//! with odds of about 4 in 2⁶⁴, 2 in 10¹⁹.

/// The 128-bit XXH3 hash of `bytes` as an index key: wide enough to stand for the
/// bytes themselves (a collision among billions of keys is about 1 in 10^20).
pub fn key128(bytes: &[u8]) -> (u64, u64) {
    let h = xxhash_rust::xxh3::xxh3_128(bytes);
    ((h >> 64) as u64, h as u64)
}

/// A key that is a well-mixed hash: its top bits pick the bucket.
pub trait Spread: Copy + Eq {
    /// What an entry keeps of the key to tell it from the others in its bucket.
    type Stored: Copy + Ord;
    /// 64 well-mixed bits of the key.
    fn spread(&self) -> u64;
    /// The stored part.
    fn stored(&self) -> Self::Stored;
}

impl Spread for u64 {
    type Stored = u64;
    fn spread(&self) -> u64 {
        *self
    }
    fn stored(&self) -> u64 {
        *self
    }
}

impl Spread for (u64, u64) {
    type Stored = u64;
    fn spread(&self) -> u64 {
        self.0
    }
    fn stored(&self) -> u64 {
        self.1
    }
}

/// The index: `entries` grouped by bucket, `starts[b]..starts[b + 1]` for bucket `b`.
#[derive(Debug, Clone)]
pub struct Frozen<K: Spread, V> {
    /// 64 minus the number of bucket bits.
    shift: u32,
    starts: Vec<u32>,
    entries: Vec<(K::Stored, V)>,
}

impl<K: Spread, V> Default for Frozen<K, V> {
    fn default() -> Self {
        Frozen {
            shift: 64,
            starts: vec![0, 0],
            entries: Vec::new(),
        }
    }
}

impl<K: Spread, V: Copy> Frozen<K, V> {
    /// Builds the index from `n` distinct keys; `entries` is called twice (count, then fill).
    pub fn build<I: Iterator<Item = (K, V)>>(n: usize, entries: impl Fn() -> I) -> Self {
        // About four keys per bucket.
        let bits = (n / 4).max(1).next_power_of_two().trailing_zeros();
        let mut f = Frozen {
            shift: 64 - bits,
            starts: vec![0u32; (1usize << bits) + 1],
            entries: Vec::with_capacity(n),
        };
        for (k, _) in entries() {
            let b = f.bucket(&k);
            f.starts[b + 1] += 1;
        }
        for b in 1..f.starts.len() {
            f.starts[b] += f.starts[b - 1];
        }
        // Fill each bucket from its start; `next` tracks where its next entry goes.
        let mut next: Vec<u32> = f.starts[..f.starts.len() - 1].to_vec();
        let Some(&(k0, v0)) = entries().next().as_ref() else {
            return f;
        };
        f.entries
            .resize(f.starts[f.starts.len() - 1] as usize, (k0.stored(), v0));
        for (k, v) in entries() {
            let b = f.bucket(&k);
            f.entries[next[b] as usize] = (k.stored(), v);
            next[b] += 1;
        }
        f
    }

    fn bucket(&self, k: &K) -> usize {
        k.spread().checked_shr(self.shift).unwrap_or(0) as usize
    }

    /// The value of `k`.
    pub fn get(&self, k: &K) -> Option<V> {
        let b = self.bucket(k);
        let (from, to) = (self.starts[b] as usize, self.starts[b + 1] as usize);
        let s = k.stored();
        self.entries[from..to].iter().find(|e| e.0 == s).map(|e| e.1)
    }

    /// The values of many keys at once, into `out` (cleared first). The cache misses of
    /// different keys overlap: every key's bucket bounds are loaded in one pass, then
    /// every key's entries, so the CPU has many independent loads in flight instead of
    /// waiting on one key's two misses before starting the next.
    pub fn get_many(&self, keys: &[K], out: &mut Vec<Option<V>>) {
        let spans: Vec<(u32, u32)> = keys
            .iter()
            .map(|k| {
                let b = self.bucket(k);
                (self.starts[b], self.starts[b + 1])
            })
            .collect();
        // Every bucket's first and last entries read in a loop without data-dependent
        // branches, so that their misses overlap; the search below, whose exits the CPU
        // cannot predict, then reads lines already in the caches.
        let mut seen = false;
        for (k, &(from, to)) in keys.iter().zip(&spans) {
            let s = k.stored();
            for at in [from, to.saturating_sub(1)] {
                seen ^= self.entries.get(at as usize).is_some_and(|e| e.0 == s);
            }
        }
        std::hint::black_box(seen);
        out.clear();
        out.extend(keys.iter().zip(spans).map(|(k, (from, to))| {
            let s = k.stored();
            self.entries[from as usize..to as usize]
                .iter()
                .find(|e| e.0 == s)
                .map(|e| e.1)
        }));
    }

    /// Number of keys.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when there are none.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

impl<K: Spread + Sync> Frozen<K, u32>
where
    K::Stored: Send,
{
    /// Indexes `keys` given with repeats, in order: each distinct key finds the position
    /// of its first occurrence, and `link(a, b)` is called for every occurrence `a` and
    /// the next occurrence `b` of the same key (in order), so that a caller can chain
    /// them.
    ///
    /// Grouping by sorting rather than by filing each key into a hash map as it comes:
    /// the occurrences are put in bucket order by a radix sort (see `group_part`), then
    /// each bucket's few are sorted in place. A hash map's insert waits on a cache miss
    /// per key; 5M visits were filed in ~1 s of a core, and are grouped in ~0.3 s, half
    /// of the buckets on each of two cores.
    pub fn first_of(keys: &[K], link: impl FnMut(u32, u32)) -> Self {
        Self::first_of_segments(&[keys], link)
    }

    /// [`Self::first_of`] for keys given in segments, one after another: positions run on
    /// from one segment to the next (a file read in two halves is indexed without
    /// copying the second half's keys after the first's).
    pub fn first_of_segments(keys: &[&[K]], mut link: impl FnMut(u32, u32)) -> Self {
        let n: usize = keys.iter().map(|s| s.len()).sum();
        // About four occurrences per bucket (fewer keys: a key's repeats share one).
        let bits = (n / 4).max(1).next_power_of_two().trailing_zeros();
        let shift = 64 - bits;
        let groups = 1usize << bits.min(GROUP_BITS);
        let parts = if n >= 1 << 16 {
            std::thread::scope(|scope| {
                let second = scope.spawn(|| group_part(keys, bits, groups / 2..groups, 0));
                // With room for the second's entries too, which are appended to it.
                let first = group_part(keys, bits, 0..groups / 2, n);
                vec![first, second.join().unwrap_or_else(|e| std::panic::resume_unwind(e))]
            })
        } else {
            vec![group_part(keys, bits, 0..groups, 0)]
        };
        let mut f = Frozen {
            shift,
            starts: Vec::with_capacity((1usize << bits) + 1),
            entries: Vec::new(),
        };
        f.starts.push(0);
        for part in parts {
            let base = u32::try_from(f.entries.len()).unwrap_or(u32::MAX);
            f.starts.extend(part.ends.iter().map(|&e| base + e));
            // The first part's entries are kept where they are, not copied.
            if f.entries.is_empty() {
                f.entries = part.entries;
            } else {
                f.entries.extend(part.entries);
            }
            for (a, b) in part.links {
                link(a, b);
            }
        }
        // Sized for the distinct keys, as `build` sizes it: buckets were picked by the top
        // bits, so two neighbours merge into the bucket of one bit fewer.
        let want = (f.entries.len() / 4).max(1).next_power_of_two().trailing_zeros();
        for _ in want..bits {
            f.starts = f.starts.iter().step_by(2).copied().collect();
            f.shift += 1;
        }
        f
    }
}

/// Buckets are sorted in groups of their top bits, at most 2^10 groups.
const GROUP_BITS: u32 = 10;

/// What [`group_part`] found for a run of buckets.
struct Part<S> {
    /// The distinct keys' entries (stored part, first position), bucket by bucket.
    entries: Vec<(S, u32)>,
    /// Where each bucket's entries end (in `entries`).
    ends: Vec<u32>,
    /// Each occurrence after a key's first, with the one before it.
    links: Vec<(u32, u32)>,
}

/// Groups the occurrences in `keys` (segments, one after another) whose buckets (of `2^bits`) fall in `groups`, a run
/// of the buckets' groups by their top bits. The entries have room for at least `at_least`.
///
/// A radix sort in two passes: first by group (at most 1024 write heads, which the CPU
/// caches hold), then each group, small enough for the caches, by bucket. Scattering
/// straight into a million buckets wrote each occurrence to a cache line of its own.
fn group_part<K: Spread>(keys: &[&[K]], bits: u32, groups: std::ops::Range<usize>, at_least: usize) -> Part<K::Stored> {
    let mut part = Part {
        entries: Vec::new(),
        ends: Vec::new(),
        links: Vec::new(),
    };
    let Some(k0) = keys.iter().find_map(|s| s.first()) else {
        part.ends.resize(groups.len() << (bits - bits.min(GROUP_BITS)), 0);
        return part;
    };
    let low = bits - bits.min(GROUP_BITS);
    let bucket = |k: &K| k.spread().checked_shr(64 - bits).unwrap_or(0) as usize;
    // First pass: (stored part, bucket, position) by group.
    let mut count = vec![0usize; groups.len() + 1];
    for k in keys.iter().flat_map(|s| s.iter()) {
        let g = bucket(k) >> low;
        if groups.contains(&g) {
            count[g - groups.start + 1] += 1;
        }
    }
    for g in 1..count.len() {
        count[g] += count[g - 1];
    }
    let mut next = count.clone();
    let mut grouped = vec![(k0.stored(), 0u32, 0u32); count[groups.len()]];
    // Positions run on across the segments.
    let mut first = 0u32;
    for segment in keys {
        for (i, k) in (first..).zip(*segment) {
            let b = bucket(k);
            let g = b >> low;
            if groups.contains(&g) {
                let at = &mut next[g - groups.start];
                grouped[*at] = (k.stored(), u32::try_from(b).unwrap_or(u32::MAX), i);
                *at += 1;
            }
        }
        first = first.saturating_add(u32::try_from(segment.len()).unwrap_or(u32::MAX));
    }
    drop(next);
    // Second pass, group by group: by bucket, then each bucket's occurrences by stored
    // part and position, so that a key's are together and in order.
    let per = 1usize << low;
    let mut room = vec![0usize; per + 1];
    let mut sorted = Vec::new();
    part.entries.reserve(grouped.len().max(at_least));
    for g in 0..groups.len() {
        let occ = &grouped[count[g]..count[g + 1]];
        room.fill(0);
        for &(_, b, _) in occ {
            room[(b as usize & (per - 1)) + 1] += 1;
        }
        for j in 1..room.len() {
            room[j] += room[j - 1];
        }
        sorted.clear();
        sorted.resize(occ.len(), (k0.stored(), 0u32));
        let mut next = room.clone();
        for &(s, b, i) in occ {
            let at = &mut next[b as usize & (per - 1)];
            sorted[*at] = (s, i);
            *at += 1;
        }
        for j in 0..per {
            let bucket = &mut sorted[room[j]..room[j + 1]];
            bucket.sort_unstable();
            for n in 0..bucket.len() {
                match n.checked_sub(1).map(|p| bucket[p]) {
                    Some((s, prev)) if s == bucket[n].0 => part.links.push((prev, bucket[n].1)),
                    _ => part.entries.push(bucket[n]),
                }
            }
            part.ends.push(u32::try_from(part.entries.len()).unwrap_or(u32::MAX));
        }
    }
    part
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Every key is found with its value; keys not put in are not.
        #[test]
        fn finds_exactly_what_it_was_built_from(
            keys in proptest::collection::hash_set(any::<u64>(), 0..2000),
            absent in any::<u64>(),
        ) {
            let keys: Vec<u64> = keys.into_iter().collect();
            let f = Frozen::build(keys.len(), || keys.iter().enumerate().map(|(i, &k)| (k, i as u32)));
            prop_assert_eq!(f.len(), keys.len());
            for (i, k) in keys.iter().enumerate() {
                prop_assert_eq!(f.get(k), Some(i as u32));
            }
            if !keys.contains(&absent) {
                prop_assert_eq!(f.get(&absent), None);
            }
            // Batched look-ups answer exactly as single ones.
            let mut asked = keys.clone();
            asked.push(absent);
            let mut many = Vec::new();
            f.get_many(&asked, &mut many);
            let single: Vec<Option<u32>> = asked.iter().map(|k| f.get(k)).collect();
            prop_assert_eq!(many, single);
        }
    }

    proptest! {
        /// Keys with repeats: each distinct key finds its first position, and the links
        /// chain every key's positions in order, each position once.
        #[test]
        fn first_of_finds_first_occurrences_and_chains_the_rest(
            keys in proptest::collection::vec((0u64..6, 0u64..4), 0..300),
            shift in 0u32..64,
            cut in 0usize..300,
        ) {
            // Small values pushed into the top bits, so that buckets are shared; distinct
            // keys differ in their stored half (as hashes do, but for odds of 2⁻⁶⁴).
            let keys: Vec<(u64, u64)> = keys.iter().map(|&(a, b)| (a << shift, a * 4 + b)).collect();
            let mut next = vec![None; keys.len()];
            let f = Frozen::first_of(&keys, |a, b| {
                assert!(next[a as usize].replace(b).is_none(), "position {a} linked twice");
            });
            let mut distinct = keys.clone();
            distinct.sort_unstable();
            distinct.dedup();
            prop_assert_eq!(f.len(), distinct.len());
            for k in &distinct {
                let positions: Vec<u32> = (0u32..).zip(&keys).filter(|p| p.1 == k).map(|p| p.0).collect();
                let mut chain = vec![f.get(k).expect("every key is found")];
                while let Some(n) = next[*chain.last().unwrap() as usize] {
                    chain.push(n);
                }
                prop_assert_eq!(chain, positions);
            }
            prop_assert_eq!(f.get(&(99, 99)), None);
            // The same keys in two segments: the same index and the same links.
            let (a, b) = keys.split_at(cut.min(keys.len()));
            let mut links = Vec::new();
            let g = Frozen::first_of_segments(&[a, b], |x, y| links.push((x, y)));
            for k in &distinct {
                prop_assert_eq!(g.get(k), f.get(k));
            }
            let mut expected: Vec<(u32, u32)> = (0u32..).zip(&next).filter_map(|(x, y)| Some((x, (*y)?))).collect();
            links.sort_unstable();
            expected.sort_unstable();
            prop_assert_eq!(links, expected);
        }
    }

    /// Enough occurrences for both passes of the radix sort (over 1024 groups of buckets)
    /// and for two cores: every id finds its first row and its rows chain in order.
    #[test]
    fn first_of_many_hashed_ids() {
        let ids: Vec<String> = (0..100_000)
            .map(|i| format!("rule/O{}/1", (i * 7919) % 37_000))
            .collect();
        let keys: Vec<(u64, u64)> = ids.iter().map(|id| key128(id.as_bytes())).collect();
        let mut next = vec![u32::MAX; keys.len()];
        let f = Frozen::first_of(&keys, |a, b| next[a as usize] = b);
        let mut expected: std::collections::HashMap<&str, Vec<u32>> = Default::default();
        for (i, id) in (0u32..).zip(&ids) {
            expected.entry(id.as_str()).or_default().push(i);
        }
        assert_eq!(f.len(), expected.len());
        for (id, rows) in expected {
            let mut chain = vec![f.get(&key128(id.as_bytes())).unwrap()];
            while next[*chain.last().unwrap() as usize] != u32::MAX {
                chain.push(next[*chain.last().unwrap() as usize]);
            }
            assert_eq!(chain, rows, "{id}");
        }
    }

    #[test]
    fn empty_and_extreme_keys() {
        let f: Frozen<u64, u32> = Frozen::first_of(&[], |_, _| unreachable!());
        assert_eq!((f.get(&0), f.len()), (None, 0));
        let f: Frozen<u64, u32> = Frozen::build(0, std::iter::empty);
        assert_eq!(f.get(&7), None);
        let keys = [0u64, u64::MAX, 1 << 63];
        let f = Frozen::build(3, || keys.iter().map(|&k| (k, k)));
        for k in keys {
            assert_eq!(f.get(&k), Some(k));
        }
        let f: Frozen<(u64, u64), u8> = Frozen::build(1, || std::iter::once(((5, 6), 1)));
        assert_eq!((f.get(&(5, 6)), f.get(&(5, 7))), (Some(1), None));
        // Keys that share their stored half are told apart by their buckets (64 keys make
        // 16 buckets, picked by the top 4 bits).
        let mut keys = vec![(0u64, 9u64), (u64::MAX, 9), (1 << 63, 9)];
        keys.extend((0..61).map(|i| (i << 40, 100 + i)));
        let f = Frozen::build(keys.len(), || keys.iter().enumerate().map(|(i, &k)| (k, i)));
        for (i, k) in keys.iter().enumerate() {
            assert_eq!(f.get(k), Some(i));
        }
        assert_eq!(f.get(&(1 << 62, 9)), None);
    }
}
