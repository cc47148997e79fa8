//! Parsing a file's TOML text into its raw shape with every error located. Nesting is checked
//! first: the parser's own limit reports only "recursion limit", with no place in the file, and
//! no postured file needs more than a few levels.

use super::error::{ConfigError, Source};
use serde::de::DeserializeOwned;

/// Deeper than any config or catalogue needs (they use three levels), far below the parser's.
pub const MAX_DEPTH: usize = 32;

/// The raw shape of `source`, or an error with its file, line and column.
pub fn parse<T: DeserializeOwned>(source: &Source) -> Result<T, ConfigError> {
    if let Some(at) = too_deep(&source.text) {
        return Err(ConfigError::at(
            source,
            Some(at..at + 1),
            format!(
                "nested more than {MAX_DEPTH} levels deep (tables, arrays or dotted keys); postured's files need at most three"
            ),
        ));
    }
    toml::from_str(&source.text).map_err(|e| ConfigError::from_toml(source, &e))
}

/// The byte offset where brackets or dotted keys first go deeper than `MAX_DEPTH`, skipping
/// strings and comments. Counts `[`/`{` still open and dots in a row without a bracket, comma,
/// `=` or line end between them; wrong TOML only changes which error is found first.
fn too_deep(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let (mut depth, mut dots, mut i) = (0usize, 0usize, 0usize);
    while i < bytes.len() {
        match bytes[i] {
            b'#' => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            quote @ (b'"' | b'\'') => {
                i = skip_string(bytes, i, quote);
                continue;
            }
            b'[' | b'{' => {
                depth += 1;
                dots = 0;
                if depth > MAX_DEPTH {
                    return Some(i);
                }
            }
            b']' | b'}' => {
                depth = depth.saturating_sub(1);
                dots = 0;
            }
            b'.' => {
                dots += 1;
                if dots > MAX_DEPTH {
                    return Some(i);
                }
            }
            b'=' | b',' | b'\n' => dots = 0,
            _ => {}
        }
        i += 1;
    }
    None
}

/// The index just past the string starting at `start` (one of `"`, `'`, `"""`, `'''`).
fn skip_string(bytes: &[u8], start: usize, quote: u8) -> usize {
    let triple = bytes[start..].starts_with(&[quote; 3]);
    let mut i = start + if triple { 3 } else { 1 };
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if quote == b'"' => i += 2,
            // A one-line string ends at the line's end at the latest.
            b'\n' if !triple => return i,
            b if b == quote => {
                if !triple {
                    return i + 1;
                }
                if bytes[i..].starts_with(&[quote; 3]) {
                    // Up to two more quotes may end the content: `""""` closes after the first.
                    let mut end = i + 3;
                    while end < bytes.len() && bytes[end] == quote && end < i + 5 {
                        end += 1;
                    }
                    return end;
                }
                i += 1;
            }
            _ => i += 1,
        }
    }
    bytes.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn depth_counts_brackets_and_dots_but_not_strings_or_comments() {
        assert_eq!(too_deep("a = [[1], {b = [2]}]\n[x.y.z]\n"), None);
        let deep = format!("a = {}", "[".repeat(40));
        assert_eq!(too_deep(&deep), Some(4 + MAX_DEPTH));
        let quoted = format!("a = \"{}\"\nb = '{}'\n# {}\n", "[".repeat(99), "{".repeat(99), "[".repeat(99));
        assert_eq!(too_deep(&quoted), None);
        let ml = format!("a = \"\"\"\n{}\\\"\"\"\"\nb = '''{}'''\n", "[".repeat(99), ".".repeat(99));
        assert_eq!(too_deep(&ml), None);
        let escaped = format!("a = \"\\\"{}\"\n", "[".repeat(99));
        assert_eq!(too_deep(&escaped), None);
        let header = format!("[{}]\n", vec!["a"; 40].join("."));
        assert_eq!(too_deep(&header), Some(1 + 2 * MAX_DEPTH + 1));
        assert_eq!(too_deep(&format!("a = 1.5\n{}", "b.".repeat(20))), None);
    }
}
