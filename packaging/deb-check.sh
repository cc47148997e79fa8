#!/usr/bin/env bash
# Builds the Debian package from one release build, installs it on this machine, runs
# /usr/bin/postured --version and verifies the packaged user unit (with its man page) using
# systemd-analyze, then removes the package again. Run by .ci/run; needs root or sudo, and
# cargo-deb (installed from crates.io when missing).
set -euo pipefail
cd "$(dirname "$0")/.."

sudo=""
[ "$(id -u)" = 0 ] || sudo="sudo"
if ! cargo deb --version >/dev/null 2>&1; then
    cargo install cargo-deb --locked
fi

cargo build --release --locked
rm -rf target/package
target/release/postured package-files target/package >/dev/null
rm -f target/debian/postured_*.deb
cargo deb --no-build --locked
deb=$(ls target/debian/postured_*.deb)

if dpkg-query -W -f='${Status}' postured 2>/dev/null | grep -q "ok installed"; then
    echo "a postured package is installed already; not replacing it" >&2
    exit 1
fi
$sudo dpkg -i "$deb"
trap '$sudo dpkg -r postured >/dev/null' EXIT

want="postured $(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)"
got=$(/usr/bin/postured --version)
[ "$got" = "$want" ] || { echo "/usr/bin/postured --version says '$got', not '$want'" >&2; exit 1; }
unit=/usr/lib/systemd/user/postured.service
grep -qx 'ExecStart=/usr/bin/postured run' "$unit" || { echo "$unit does not run /usr/bin/postured" >&2; exit 1; }
# --man=yes: Documentation=man:postured(1) must resolve to the packaged man page.
runtime=$(mktemp -d)
trap '$sudo dpkg -r postured >/dev/null; rm -rf "$runtime"' EXIT
XDG_RUNTIME_DIR=$runtime systemd-analyze --user verify --man=yes "$unit"
desktop-file-validate /usr/share/applications/io.github.Postured.desktop
dpkg-deb -f "$deb" Depends Recommends
echo "deb-check: $deb installs, runs and verifies"
