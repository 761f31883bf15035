#!/usr/bin/env bash
# Writes to stdout a tar of a root file system made from Debian's busybox-static: /bin/busybox, a
# link per applet, /etc/passwd and /etc/group with root and nobody. It is the base image
# (busybox:local) of the examples and the tests, since nothing can be pulled from Docker Hub here.
# Works as any user: every entry is owned by root in the tar.
set -euo pipefail
BUSYBOX=${BUSYBOX:-/bin/busybox}
if ! "$BUSYBOX" --list >/dev/null 2>&1; then
  echo "there is no busybox at $BUSYBOX (apt-get install busybox-static)" >&2; exit 1
fi
# A dynamically linked busybox (Debian's busybox package) names its loader near the start of the file.
if head -c 4096 "$BUSYBOX" | grep -aq 'ld-linux'; then
  echo "$BUSYBOX is linked dynamically and cannot run alone in an image (apt-get install busybox-static)" >&2; exit 1
fi
r=$(mktemp -d)
trap 'rm -rf "$r"' EXIT
chmod 755 "$r"
mkdir -p "$r"/{bin,etc,tmp,proc,sys,dev,root}
chmod 1777 "$r/tmp"
cp "$BUSYBOX" "$r/bin/busybox"
for applet in $("$BUSYBOX" --list); do
  [ "$applet" = busybox ] || ln -s /bin/busybox "$r/bin/$applet"
done
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' > "$r/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' > "$r/etc/group"
tar --owner=0 --group=0 --numeric-owner -C "$r" -c .
