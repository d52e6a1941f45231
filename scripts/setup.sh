#!/usr/bin/env bash
# One-stop set-up on a fresh Debian machine: Debian packages the project needs, then the npm packages,
# then the build (TypeScript, the native kernels where a compiler is present, node_modules/ivae link).
# Safe to run again: it installs only what is missing.
#   scripts/setup.sh           everything the lecture and the tests need
#   scripts/setup.sh --bench   also PyTorch (Debian's python3-torch) for the benchmark's reference
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  # Jupyter kernel-protocol test of the notebooks (nbclient drives the ivae/tslab kernel)
  jupyter-notebook jupyter-nbconvert python3-nbclient python3-jupyter-client
  # server of the test JupyterLab 4 (lab-app/, test/lab): jupyter_server 1.23 + jupyterlab_server 2.16 (LabServerApp)
  python3-jupyter-server python3-jupyterlab-server
  # fonts for SVG -> PNG rendering of figures
  fonts-dejavu-core
  # browser tests of the Jupyter widgets (headless Chromium driven by playwright-core)
  chromium
  # optional native kernels (native/, built offline by scripts/build-native.js with npm's node-gyp)
  g++ make
)
for arg in "$@"; do
  case "$arg" in
    --bench) APT_PACKAGES+=(python3-torch python3-numpy) ;;
    *) echo "setup.sh: unknown option $arg" >&2; exit 2 ;;
  esac
done

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ]; then SUDO=""; elif command -v sudo >/dev/null; then SUDO="sudo"; else
    echo "setup.sh: need root (or sudo) to apt-get install: ${missing[*]}" >&2; exit 1; fi
  echo "setup.sh: apt-get install ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ -d node_modules ] && [ node_modules/.package-lock.json -nt package-lock.json ]; then
  echo "setup.sh: node_modules up to date"
  npm run prepare --silent
else
  echo "setup.sh: npm ci"
  npm ci --no-audit --no-fund
fi
# the test JupyterLab 4 app (own node_modules in lab-app/), rebuilt only when its content hash changes
node scripts/build-lab.js
echo "setup.sh: done"
