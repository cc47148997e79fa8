//! Config errors that point at the file, line and column, and say what is allowed.

use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

/// One loaded file: its name for messages and its text for line numbers and excerpts.
#[derive(Debug, Clone)]
pub struct Source {
    pub path: PathBuf,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ConfigError {
    pub path: PathBuf,
    /// 1-based line and column, when the error has a place in the file.
    pub place: Option<(usize, usize)>,
    pub message: String,
    /// The offending line, for the excerpt under the message.
    pub excerpt: Option<String>,
}

impl ConfigError {
    pub fn file(path: &Path, message: impl Into<String>) -> Self {
        ConfigError { path: path.to_owned(), place: None, message: message.into(), excerpt: None }
    }

    pub fn at(source: &Source, span: Option<Range<usize>>, message: impl Into<String>) -> Self {
        let mut e = ConfigError::file(&source.path, message);
        if let Some(span) = span {
            let start = span.start.min(source.text.len());
            let before = &source.text[..start];
            let line = before.matches('\n').count() + 1;
            let line_start = before.rfind('\n').map_or(0, |i| i + 1);
            let column = source.text[line_start..start].chars().count() + 1;
            e.place = Some((line, column));
            e.excerpt = source.text[line_start..].lines().next().map(|l| l.chars().take(200).collect());
        }
        e
    }

    /// From the TOML parser or serde: its span and its message, without its own excerpt.
    pub fn from_toml(source: &Source, err: &toml::de::Error) -> Self {
        let message = err.message().trim().replace('\n', " ");
        ConfigError::at(source, err.span(), message)
    }

    /// `path:line:column: message` on one line, as compilers and `grep -n` print places.
    pub fn headline(&self) -> String {
        match self.place {
            Some((line, column)) => format!("{}:{line}:{column}: {}", self.path.display(), self.message),
            None => format!("{}: {}", self.path.display(), self.message),
        }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.headline())?;
        if let (Some((line, column)), Some(excerpt)) = (self.place, &self.excerpt) {
            let gutter = line.to_string().len();
            write!(f, "\n{:gutter$} |\n{line} | {excerpt}\n{:gutter$} | {:>column$}", "", "", "^")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigError {}
