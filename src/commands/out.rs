//! Standard output for the commands. Every write returns its error instead of panicking as
//! `println!` does, so a closed pipe (`postured plan | head -1`) travels up to `main` like any
//! other error and ends the command quietly there (see `is_closed_pipe`).

use std::io::{ErrorKind, Write};
use std::sync::atomic::{AtomicBool, Ordering};

/// Set when a write to standard output found the pipe closed. Only then is a BrokenPipe error
/// quiet: the same error from the D-Bus connection means the daemon or bus went away.
static CLOSED: AtomicBool = AtomicBool::new(false);

/// `println!` that returns the write error: `outln!("…")?`.
macro_rules! outln {
    ($($arg:tt)*) => { $crate::commands::out::line(format_args!($($arg)*)) };
}
pub(crate) use outln;

/// Standard output as a writer that notes a closed pipe, for `BufWriter` and `serde_json`.
pub struct Stdout;

impl Write for Stdout {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        noting(std::io::stdout().write(buf))
    }

    fn flush(&mut self) -> std::io::Result<()> {
        noting(std::io::stdout().flush())
    }
}

fn noting<T>(result: std::io::Result<T>) -> std::io::Result<T> {
    if result.as_ref().is_err_and(|e| e.kind() == ErrorKind::BrokenPipe) {
        CLOSED.store(true, Ordering::Relaxed);
    }
    result
}

/// Writes one line to standard output and flushes it, so nothing is left to fail at exit.
pub fn line(args: std::fmt::Arguments) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    noting(out.write_fmt(args).and_then(|()| out.write_all(b"\n")).and_then(|()| out.flush()))
}

/// Writes `bytes` as they are to standard output and flushes them.
pub fn bytes(bytes: &[u8]) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    noting(out.write_all(bytes).and_then(|()| out.flush()))
}

/// True when the error comes from writing to a closed standard output: the reader (`head`,
/// `true`) has gone, and like other Unix tools we then stop without a word.
pub fn is_closed_pipe(e: &anyhow::Error) -> bool {
    CLOSED.load(Ordering::Relaxed)
        && e.chain().any(|cause| {
            let io = cause.downcast_ref::<std::io::Error>().map(std::io::Error::kind);
            let json = cause.downcast_ref::<serde_json::Error>().and_then(serde_json::Error::io_error_kind);
            io.or(json) == Some(ErrorKind::BrokenPipe)
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use anyhow::Context;
    use std::io::{Error, ErrorKind};

    #[test]
    fn only_a_closed_standard_output_is_quiet() {
        // A broken connection to the bus or the daemon is a real failure, whatever its kind.
        let bus = Err::<(), _>(Error::from(ErrorKind::BrokenPipe)).context("can't reach the daemon");
        assert!(!is_closed_pipe(&bus.unwrap_err()));
        // Once a write to standard output has failed with a closed pipe, that error is quiet,
        // however deep it sits, and also inside serde_json's.
        let _ = noting(Err::<(), _>(Error::from(ErrorKind::BrokenPipe)));
        let deep = Err::<(), _>(Error::from(ErrorKind::BrokenPipe)).context("writing").context("plan");
        assert!(is_closed_pipe(&deep.unwrap_err()));
        let json = serde_json::Error::io(Error::from(ErrorKind::BrokenPipe));
        assert!(is_closed_pipe(&anyhow::Error::new(json)));
        assert!(!is_closed_pipe(&anyhow::Error::new(Error::from(ErrorKind::PermissionDenied))));
        assert!(!is_closed_pipe(&anyhow::anyhow!("Broken pipe")));
    }
}
