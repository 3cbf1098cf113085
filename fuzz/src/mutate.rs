//! A byte-level mutator: the seed inputs changed by a few random edits at a time (bit flips,
//! byte changes, insertions and deletions, copies within the input, splices with another seed,
//! and tokens the formats give meaning to), from a pinned PRNG so a run can be repeated.

/// Tokens worth inserting: the structure of JSON, standoff, CoNLL and markup, numbers at the
/// edges, characters whose sizes differ in UTF-8, UTF-16 and code points.
const TOKENS: &[&[u8]] = &[
    b"{",
    b"}",
    b"[",
    b"]",
    b"\"",
    b",",
    b":",
    b"\n",
    b"\t",
    b" ",
    b"\r\n",
    b"\\",
    b"\\u0000",
    b"\\ud83d",
    b"null",
    b"true",
    b"-1",
    b"0",
    b"1",
    b"4294967296",
    b"18446744073709551616",
    b"1e309",
    b"0.5",
    b"NaN",
    b"\"id\"",
    b"\"text\"",
    b"\"spans\"",
    b"\"start\"",
    b"\"end\"",
    b"\"label\"",
    b"\"layer\"",
    b"\"relations\"",
    b"\"clusters\"",
    b"\"ents\"",
    b"\"tokens\"",
    b"\"head\"",
    b"\"tail\"",
    b"\"value\"",
    b"\"result\"",
    b"T1\t",
    b"R1\t",
    b"*\t",
    b"#1\t",
    b"Arg1:T1",
    b"Arg2:T2",
    b";",
    b"B-PER",
    b"I-PER",
    b"E-",
    b"S-",
    b"O",
    b"-DOCSTART-",
    b"# id = ",
    b"+++\n",
    b"]{",
    b"#q1",
    b">q1",
    b"\xC3\xA9",
    b"\xF0\x9F\x98\x80",
    b"\xE2\x80\x9C",
    b"\xFF",
    b"\x00",
    b"\xEF\xBB\xBF",
    b"../",
    b"CON",
];

/// The largest input made.
const MAX_LEN: usize = 64 * 1024;

/// Makes mutants of seed inputs.
#[derive(Debug)]
pub struct Mutator {
    state: u64,
}

impl Mutator {
    /// A mutator whose choices follow from `seed`.
    pub fn new(seed: u64) -> Mutator {
        Mutator { state: seed }
    }

    /// A seed derived from a name (a target's), so each target gets its own mutants.
    pub fn seed_for(name: &str) -> u64 {
        hash(name.as_bytes())
    }

    /// SplitMix64.
    fn next(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number below `n` (0 when `n` is 0).
    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }

    /// One of `seeds` (not empty) with one to eight edits.
    pub fn mutant(&mut self, seeds: &[Vec<u8>]) -> Vec<u8> {
        let mut data = seeds[self.below(seeds.len())].clone();
        for _ in 0..=self.below(8) {
            self.edit(&mut data, seeds);
        }
        data.truncate(MAX_LEN);
        data
    }

    fn edit(&mut self, data: &mut Vec<u8>, seeds: &[Vec<u8>]) {
        let len = data.len();
        match self.below(9) {
            0 if len > 0 => {
                let i = self.below(len);
                data[i] ^= 1 << self.below(8);
            }
            1 if len > 0 => {
                let i = self.below(len);
                data[i] = self.next() as u8;
            }
            2 => {
                let at = self.below(len + 1);
                let n = 1 + self.below(8);
                let bytes: Vec<u8> = (0..n).map(|_| self.next() as u8).collect();
                data.splice(at..at, bytes);
            }
            3 if len > 0 => {
                let at = self.below(len);
                let n = 1 + self.below((len - at).min(64));
                data.drain(at..at + n);
            }
            4 if len > 0 => {
                // Copy a piece of the input elsewhere in it.
                let from = self.below(len);
                let n = 1 + self.below((len - from).min(256));
                let piece = data[from..from + n].to_vec();
                let at = self.below(len + 1);
                data.splice(at..at, piece);
            }
            5 => {
                // Splice: this input's head with another seed's tail.
                let other = &seeds[self.below(seeds.len())];
                let cut = self.below(len + 1);
                let from = self.below(other.len() + 1);
                data.truncate(cut);
                data.extend_from_slice(&other[from..]);
            }
            6 if len > 0 => {
                // Replace a digit run's neighbourhood: offsets are where the bugs are.
                let i = self.below(len);
                if let Some(d) = data[i..].iter().position(u8::is_ascii_digit) {
                    let at = i + d;
                    let end = data[at..].iter().position(|b| !b.is_ascii_digit()).map_or(data.len(), |n| at + n);
                    let number = match self.below(4) {
                        0 => (self.next() % 1000).to_string(),
                        1 => format!("{}", self.next()),
                        2 => "0".to_owned(),
                        _ => format!("{}", (data[at..end].len() as u64).wrapping_add(self.next() % 3)),
                    };
                    data.splice(at..end, number.into_bytes());
                }
            }
            7 if len > 1 => {
                let at = self.below(len);
                data.truncate(at);
            }
            _ => {
                let token = TOKENS[self.below(TOKENS.len())];
                let at = self.below(len + 1);
                data.splice(at..at, token.iter().copied());
            }
        }
    }
}

/// FNV-1a of `data`: names a saved input.
pub fn hash(data: &[u8]) -> u64 {
    data.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mutants_differ_from_their_seed_and_repeat_with_the_seed() {
        let seeds = vec![b"{\"id\": \"a\", \"start\": 12}".to_vec()];
        let a: Vec<Vec<u8>> = (0..50).scan(Mutator::new(7), |m, _| Some(m.mutant(&seeds))).collect();
        let b: Vec<Vec<u8>> = (0..50).scan(Mutator::new(7), |m, _| Some(m.mutant(&seeds))).collect();
        assert_eq!(a, b);
        assert!(a.iter().filter(|m| **m != seeds[0]).count() > 40, "{a:?}");
    }
}
