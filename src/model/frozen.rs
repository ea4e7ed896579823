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
    type Stored: Copy + Eq;
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

    #[test]
    fn empty_and_extreme_keys() {
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
