//! Standard output for the commands. Every write returns its error instead of panicking as
//! `println!` does, so a closed pipe (`postured plan | head -1`) travels up to `main` like any
//! other error and ends the command quietly there (see `is_closed_pipe`).

use std::io::Write;

/// `println!` that returns the write error: `outln!("…")?`.
macro_rules! outln {
    ($($arg:tt)*) => { $crate::commands::out::line(format_args!($($arg)*)) };
}
pub(crate) use outln;

/// Writes one line to standard output and flushes it, so nothing is left to fail at exit.
pub fn line(args: std::fmt::Arguments) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_fmt(args)?;
    out.write_all(b"\n")?;
    out.flush()
}

/// Writes `bytes` as they are to standard output and flushes them.
pub fn bytes(bytes: &[u8]) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(bytes)?;
    out.flush()
}

/// True when the error, or anything that caused it, is a write to a closed pipe: the reader
/// (`head`, `true`) has gone, and like other Unix tools we then stop without a word.
pub fn is_closed_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|cause| {
        let io = cause.downcast_ref::<std::io::Error>().map(std::io::Error::kind);
        let json = cause.downcast_ref::<serde_json::Error>().and_then(serde_json::Error::io_error_kind);
        io.or(json) == Some(std::io::ErrorKind::BrokenPipe)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use anyhow::Context;
    use std::io::{Error, ErrorKind};

    #[test]
    fn a_closed_pipe_is_found_anywhere_in_the_chain() {
        let deep = Err::<(), _>(Error::from(ErrorKind::BrokenPipe)).context("writing").context("plan");
        assert!(is_closed_pipe(&deep.unwrap_err()));
        let json = serde_json::Error::io(Error::from(ErrorKind::BrokenPipe));
        assert!(is_closed_pipe(&anyhow::Error::new(json)));
        assert!(!is_closed_pipe(&anyhow::Error::new(Error::from(ErrorKind::PermissionDenied))));
        assert!(!is_closed_pipe(&anyhow::anyhow!("Broken pipe")));
    }
}
