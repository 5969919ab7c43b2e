#!/usr/bin/env bash
# Installs the third-party Telnet peers the test suite runs against (see ../shared/PEERS.md).
#
# * Debian packages (only when root and only when something is missing): busybox-static
#   (busybox telnetd and telnet), inetutils-telnet (Debian's telnet client), inetutils-telnetd
#   (GNU telnetd, run under socat), putty-tools (PuTTY's plink), libtelnet-utils (libtelnet's
#   telnet-client, telnet-chatd, telnet-proxy), tmux (to drive terminal programs), socat (inetd
#   mode), procps (top, a curses program), openssl (s_client, test certificates), asciinema,
#   tintin++ (a MUD client: MCCP, GMCP, MSDP), haproxy (a TCP load balancer sending PROXY
#   headers), iproute2 (ip netns for the keepalive test).
# * A Python venv at $IRONBOA_VENV (default: target/peers-venv) with pinned telnetlib3 and miniboa.
#   Python 3.11's stdlib still carries telnetlib, which the tests also drive.
#
# Idempotent: a second run with everything present does nothing and takes well under a second.
# Exits non-zero when something the suite needs could not be installed.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${IRONBOA_VENV:-$here/target/peers-venv}"
python="${IRONBOA_SYSTEM_PYTHON:-python3}"

apt_packages=(busybox-static inetutils-telnet inetutils-telnetd putty-tools libtelnet-utils tmux socat procps openssl asciinema tintin++ haproxy iproute2)
pip_packages=(telnetlib3==5.0.1 miniboa==1.0.9)

missing=()
for pkg in "${apt_packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$pkg")
    fi
done
if ((${#missing[@]})); then
    if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
        echo "setup-peers: installing Debian packages: ${missing[*]}"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    else
        echo "setup-peers: missing Debian packages (not root, not installing): ${missing[*]}" >&2
    fi
fi

if [[ ! -x "$venv/bin/python" ]]; then
    echo "setup-peers: creating venv $venv"
    "$python" -m venv "$venv"
fi
if ! "$venv/bin/python" - "${pip_packages[@]}" <<'PY' 2>/dev/null
import sys
from importlib.metadata import version
for spec in sys.argv[1:]:
    name, want = spec.split("==")
    if version(name) != want:
        sys.exit(1)
PY
then
    echo "setup-peers: installing ${pip_packages[*]} into $venv"
    "$venv/bin/python" -m pip install -q --disable-pip-version-check "${pip_packages[@]}"
fi

status=0
for tool in busybox telnet tmux socat top plink telnet-client telnet-chatd /usr/sbin/telnetd asciinema; do
    command -v "$tool" >/dev/null || { echo "setup-peers: $tool not found" >&2; status=1; }
done
if ! busybox --list 2>/dev/null | grep -qx telnetd; then
    echo "setup-peers: busybox has no telnetd applet (install busybox-static)" >&2
    status=1
fi
"$venv/bin/python" -W ignore -c 'import telnetlib, telnetlib3, miniboa' || status=1
exit $status
