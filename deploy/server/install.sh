#!/bin/bash
# Install or upgrade Vicon's internal server on one Debian machine, from this checkout (README "Internal server").
#
#   sudo deploy/server/install.sh
#
# The first run installs the packages and the code and writes /etc/vicon/vicon.env from the sample, then stops:
# fill that file in and run the script again. Later runs upgrade the code and restart the service; they never
# touch /etc/vicon/vicon.env or the data in /var/lib/vicon.
#
# What goes where:
#   /opt/vicon/app/              the `make package` source (main.py, vicon/, templates/), replaced on upgrade
#   /opt/vicon/site/             the static site Caddy serves
#   /opt/vicon/venv/             Python with deploy/server/requirements.txt (the runtime and gunicorn)
#   /opt/vicon/gunicorn.conf.py  deploy/server/gunicorn.conf.py
#   /etc/vicon/vicon.env         the configuration (root, 0600), from deploy/server/vicon.env.example
#   /etc/caddy/Caddyfile         deploy/server/Caddyfile for the host of PUBLIC_BASE_URL (the old one kept beside)
#   /etc/systemd/system/         vicon.service, vicon-tick.service, vicon-tick.timer
#   /var/lib/vicon/              the data (systemd's StateDirectory): vicon.sqlite3 and blobs/
set -euo pipefail

SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
DEPLOY="$SRC/deploy/server"
PREFIX=/opt/vicon
ENV_FILE=/etc/vicon/vicon.env
UNITS=(vicon.service vicon-tick.service vicon-tick.timer)

if [ "$(id -u)" != 0 ]; then
  echo "Run as root: sudo $0" >&2
  exit 1
fi

echo "== Debian packages: python3-venv, caddy"
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3 python3-venv caddy >/dev/null

echo "== Code in $PREFIX"
install -d -m 0755 "$PREFIX"
build=$(mktemp -d "$PREFIX/.build-XXXXXX")
trap 'rm -rf "$build"' EXIT
python3 "$SRC/tools/package.py" "$build" >/dev/null
cp -a "$build/functions-source" "$build/app"
cp -a "$SRC/site" "$build/site"
if [ ! -x "$PREFIX/venv/bin/python" ]; then
  python3 -m venv "$PREFIX/venv"
fi
"$PREFIX/venv/bin/pip" install --quiet --upgrade pip
"$PREFIX/venv/bin/pip" install --quiet -r "$DEPLOY/requirements.txt"
install -m 0644 "$DEPLOY/gunicorn.conf.py" "$PREFIX/gunicorn.conf.py"
chmod -R u=rwX,go=rX "$build/app" "$build/site"
for part in app site; do
  rm -rf "$PREFIX/$part.old"
  if [ -d "$PREFIX/$part" ]; then mv "$PREFIX/$part" "$PREFIX/$part.old"; fi
  mv "$build/$part" "$PREFIX/$part"
done
rm -rf "$PREFIX/app.old" "$PREFIX/site.old"

echo "== Configuration in $ENV_FILE"
install -d -m 0700 /etc/vicon
if [ ! -e "$ENV_FILE" ]; then
  install -m 0600 "$DEPLOY/vicon.env.example" "$ENV_FILE"
  echo "Wrote $ENV_FILE from the sample. Fill in its empty values (PUBLIC_BASE_URL, SMTP_HOST, SIGNING_KEY,"
  echo "TICK_TOKEN, ZOOM_*), then run $0 again."
  exit 0
fi
chmod 0600 "$ENV_FILE"
host=$(sed -n 's#^PUBLIC_BASE_URL="\{0,1\}https://\([^/:"]*\).*#\1#p' "$ENV_FILE" | tail -n 1)
if [ -z "$host" ]; then
  echo "PUBLIC_BASE_URL in $ENV_FILE must be https://<host name>; fill it in and run $0 again." >&2
  exit 1
fi

echo "== Caddy for https://$host"
sed "s/^vicon\.example\.go\.id {/$host {/" "$DEPLOY/Caddyfile" >/etc/caddy/Caddyfile.vicon-new
caddy validate --config /etc/caddy/Caddyfile.vicon-new --adapter caddyfile >/dev/null
if [ -e /etc/caddy/Caddyfile ] && ! cmp -s /etc/caddy/Caddyfile /etc/caddy/Caddyfile.vicon-new; then
  cp -p /etc/caddy/Caddyfile "/etc/caddy/Caddyfile.before-vicon-$(date +%Y%m%d%H%M%S)"
fi
mv /etc/caddy/Caddyfile.vicon-new /etc/caddy/Caddyfile
chmod 0644 /etc/caddy/Caddyfile

echo "== systemd units"
for unit in "${UNITS[@]}"; do
  install -m 0644 "$DEPLOY/$unit" "/etc/systemd/system/$unit"
done
systemctl daemon-reload
systemctl enable --quiet vicon.service vicon-tick.timer
systemctl restart vicon.service
systemctl start vicon-tick.timer
systemctl reload-or-restart caddy.service

sleep 2
systemctl --no-pager --lines=5 status vicon.service || {
  echo "vicon.service did not start: journalctl -u vicon says why." >&2
  exit 1
}
echo "Done: https://$host/ (the API at https://$host/api/intake_options). Backups: README \"Internal server\"."
