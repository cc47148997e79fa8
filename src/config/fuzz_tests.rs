//! Seeded mutation fuzzing of the config and catalogue readers: the shipped files with bytes
//! flipped, lines dropped, doubled or swapped, numbers made huge, nesting made deep and bytes
//! that are not UTF-8. Every result must be settings or an error with a file, line and column;
//! a panic or a hang fails the test. Fixed seeds, so a failure reproduces.

use super::*;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::{Duration as Elapsed, Instant};

/// A small PRNG (SplitMix64): enough to spread mutations, no dependency, same on every machine.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// Text that tends to break parsers or checks, put in at random places.
const TOKENS: &[&str] = &[
    "[",
    "]",
    "{",
    "}",
    "[[",
    "]]",
    "\"",
    "'",
    "\"\"\"",
    "'''",
    "=",
    ".",
    ",",
    "#",
    "\n",
    "\\",
    "\\u0000",
    "\\uD800",
    "\0",
    "\u{1b}",
    "inf",
    "nan",
    "-0",
    "0x7fffffffffffffff",
    "99999999999999999999999",
    "-9223372036854775808",
    "1e400",
    "24:00",
    "23:60",
    "-1s",
    "0s",
    "1h30m",
    "999999999999d",
    "1979-05-27T07:32:00Z",
    "true",
    "\"neck\"",
    "\"posture\"",
    "\"Europe/Berlin\"",
    "\"Mars/Base\"",
    "\u{feff}",
    "\u{202e}",
    "é",
    "\r",
    "\t",
    "\u{85}",
];

fn mutate(rng: &mut Rng, original: &[u8]) -> Vec<u8> {
    let mut bytes = original.to_vec();
    for _ in 0..=rng.below(3) {
        let at = rng.below(bytes.len() + 1);
        match rng.below(9) {
            // One byte flipped to anything, so also to bytes that are not UTF-8.
            0 if !bytes.is_empty() => {
                let i = at.min(bytes.len() - 1);
                bytes[i] = rng.next() as u8;
            }
            1 => bytes.splice(at..at, rng.pick(TOKENS).bytes()).for_each(drop),
            2 | 3 => bytes = edit_lines(rng, &bytes),
            4 => bytes = huge_number(rng, &bytes),
            5 => {
                let depth = 1 + rng.below(300);
                let (open, close) = *rng.pick(&[("[", "]"), ("{a = ", "}"), ("a.", "")]);
                let deep = format!("\nx = {}1{}\n", open.repeat(depth), close.repeat(depth));
                bytes.splice(at..at, deep.into_bytes()).for_each(drop);
            }
            6 => {
                let header = format!("\n[{}]\n", vec!["t"; 1 + rng.below(250)].join("."));
                bytes.splice(at..at, header.into_bytes()).for_each(drop);
            }
            7 => bytes.truncate(at),
            _ => bytes
                .splice(at..at, [0xff, 0xc3, 0x28, 0xe2, 0x82][..1 + rng.below(5)].iter().copied())
                .for_each(drop),
        }
    }
    bytes
}

/// Drops, doubles or swaps whole lines.
fn edit_lines(rng: &mut Rng, bytes: &[u8]) -> Vec<u8> {
    let mut lines: Vec<&[u8]> = bytes.split(|b| *b == b'\n').collect();
    let i = rng.below(lines.len());
    match rng.below(3) {
        0 => {
            lines.remove(i);
        }
        1 => lines.insert(i, lines[i]),
        _ => {
            let j = rng.below(lines.len());
            lines.swap(i, j);
        }
    }
    lines.join(&b'\n')
}

/// Replaces the digits of one number with a huge (or huge negative) one.
fn huge_number(rng: &mut Rng, bytes: &[u8]) -> Vec<u8> {
    let digits: Vec<usize> = (0..bytes.len()).filter(|i| bytes[*i].is_ascii_digit()).collect();
    if digits.is_empty() {
        return bytes.to_vec();
    }
    let start = *rng.pick(&digits);
    let end = (start..bytes.len()).find(|i| !bytes[*i].is_ascii_digit()).unwrap_or(bytes.len());
    let huge = *rng.pick(&["18446744073709551616", "-9223372036854775809", "9".repeat(400).leak(), "1e999"]);
    [&bytes[..start], huge.as_bytes(), &bytes[end..]].concat()
}

const DIR: &str = "/home/u/.config/postured";

/// Reads `bytes` as the user's config (or, with `as_catalog`, as the user's catalogue beside an
/// empty config), all in memory. Returns the error's headline if it was refused.
fn read(bytes: Vec<u8>, as_catalog: bool) -> Result<(), ConfigError> {
    let dir = Path::new(DIR);
    if as_catalog {
        let catalog = decode(&dir.join("catalog.toml"), bytes)?;
        let user = Source { path: dir.join("config.toml"), text: String::new() };
        from_sources(Some(user), Some(dir), move |_| Ok(Some(catalog.clone()))).map(drop)
    } else {
        let user = decode(&dir.join("config.toml"), bytes)?;
        from_sources(Some(user), Some(dir), |_| Ok(None)).map(drop)
    }
}

/// Runs `count` mutations of `original` from `seed`; panics with the input that misbehaved.
fn fuzz(original: &str, as_catalog: bool, seed: u64, count: usize) -> (usize, usize) {
    let mut rng = Rng(seed);
    let (mut accepted, mut refused) = (0, 0);
    for n in 0..count {
        let input = mutate(&mut rng, original.as_bytes());
        let shown = || String::from_utf8_lossy(&input[..input.len().min(2000)]).into_owned();
        let started = Instant::now();
        let result = catch_unwind(AssertUnwindSafe(|| read(input.clone(), as_catalog)))
            .unwrap_or_else(|_| panic!("mutation {n} of seed {seed} panicked on:\n{}", shown()));
        assert!(
            started.elapsed() < Elapsed::from_secs(2),
            "mutation {n} took {:?}:\n{}",
            started.elapsed(),
            shown()
        );
        match result {
            Ok(()) => accepted += 1,
            Err(e) => {
                refused += 1;
                let Some((line, column)) = e.place else {
                    panic!("mutation {n} of seed {seed} was refused without a place: {e}\n{}", shown())
                };
                let lines = input.split(|b| *b == b'\n').count();
                assert!(line >= 1 && line <= lines && column >= 1, "{e} is outside the file:\n{}", shown());
                assert!(e.path.starts_with(DIR), "{e} names the wrong file");
                assert!(!e.message.is_empty() && !e.message.contains('\n'), "{e:?}");
            }
        }
    }
    (accepted, refused)
}

// 7,000 + 3,000 mutations. No wall-clock limit on the whole run (a loaded CI machine must not
// fail it); each single input must be done within `fuzz`'s bound, far above its few ms.

#[test]
fn mutated_configs_are_read_or_refused_with_a_place() {
    let (accepted, refused) = fuzz(DEFAULT_CONFIG, false, 0x5eed_c0f1, 7_000);
    assert!(accepted > 500 && refused > 3_000, "too tame or too wild: {accepted} read, {refused} refused");
}

#[test]
fn mutated_catalogues_are_read_or_refused_with_a_place() {
    let (accepted, refused) = fuzz(DEFAULT_CATALOG, true, 0xca7a_1065, 3_000);
    assert!(accepted > 100 && refused > 1_000, "too tame or too wild: {accepted} read, {refused} refused");
}
