//! A tiny deterministic PRNG (splitmix64) and the sampling helpers the generator uses.
//!
//! Why hand-rolled: the generated files are the benchmark's fixed yardstick, so they
//! must be byte-identical for a given `--seed` on every machine and for ever. `rand`'s
//! generators explicitly do not promise a stable stream across versions; splitmix64 is
//! ten lines, fully specified, and fast enough (about 1 ns a draw).

/// splitmix64 (Steele, Lea, Flood 2014), the seeding generator of xoshiro.
pub struct Rng(u64);

impl Rng {
    /// A stream for one purpose: `seed` mixed with a `stream` constant, so that, for
    /// example, the customers file does not change when the number of orders does.
    pub fn new(seed: u64, stream: u64) -> Self {
        let mut r = Rng(seed ^ stream.wrapping_mul(0xD6E8_FEB8_6659_FD93));
        r.next_u64(); // step once so that seed 0 / stream 0 does not start at 0
        r
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (Lemire's multiply-shift; the bias for n < 2^32 is below
    /// 2^-32, irrelevant for synthetic data, and it needs no rejection loop, which
    /// keeps the number of draws per row fixed).
    pub fn below(&mut self, n: u32) -> u32 {
        (((self.next_u64() >> 32) * u64::from(n)) >> 32) as u32
    }

    /// A number in `lo..=hi`.
    pub fn range(&mut self, lo: u32, hi: u32) -> u32 {
        lo + self.below(hi - lo + 1)
    }

    /// True with probability `per_10k` / 10 000.
    pub fn chance(&mut self, per_10k: u32) -> bool {
        self.below(10_000) < per_10k
    }

    /// An index into `weights` drawn in proportion to the weights.
    pub fn weighted(&mut self, weights: &[u32]) -> usize {
        let total: u32 = weights.iter().sum();
        let mut x = self.below(total);
        for (i, &w) in weights.iter().enumerate() {
            if x < w {
                return i;
            }
            x -= w;
        }
        weights.len() - 1
    }

    /// One element of `items`, uniformly.
    pub fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len() as u32) as usize]
    }
}

#[cfg(test)]
mod tests {
    use super::Rng;

    #[test]
    fn same_seed_same_stream() {
        let (mut a, mut b) = (Rng::new(42, 1), Rng::new(42, 1));
        for _ in 0..1000 {
            assert_eq!(a.next_u64(), b.next_u64());
        }
    }

    #[test]
    fn weighted_follows_weights_roughly() {
        let mut r = Rng::new(7, 0);
        let mut counts = [0u32; 3];
        for _ in 0..100_000 {
            counts[r.weighted(&[70, 25, 5])] += 1;
        }
        assert!((69_000..71_000).contains(&counts[0]), "{counts:?}");
        assert!((4_500..5_500).contains(&counts[2]), "{counts:?}");
    }
}
