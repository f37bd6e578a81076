#!/usr/bin/env bash
# The README's first command: installs what tcompose needs, builds it, loads the
# busybox base image into the embedded engine and brings the example stack up.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh
# `npm ci`: exactly the committed lock, which lists every platform's optional builds.
npm ci --no-audit --no-fund
bash scripts/busybox-image.sh build/busybox.tar

# The engine this starts keeps outbound NAT off: the example talks only among its own
# containers, and on CI machines nothing may forward to the uplink. Without the variable
# an engine gives bridge networks NAT, as Docker does.
export TCOMPOSE_IP_MASQ=${TCOMPOSE_IP_MASQ:-0}
tcompose() { node dist/cli/main.cjs "$@"; }
tcompose image load -i build/busybox.tar
tcompose -f examples/quickstart/compose.yaml up -d --wait

port=$(tcompose -f examples/quickstart/compose.yaml port web 80)
cat <<MSG

The quickstart stack is up:
  site:     http://${port}/
  api:      http://${port}/cgi-bin/visits   (web asks api, api asks data by name)
  status:   node dist/cli/main.cjs -f examples/quickstart/compose.yaml ps
  logs:     node dist/cli/main.cjs -f examples/quickstart/compose.yaml logs -f
  stop:     node dist/cli/main.cjs -f examples/quickstart/compose.yaml down
(\`npm link\` puts \`tcompose\` on your PATH.)
MSG
