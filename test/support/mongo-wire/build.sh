#!/usr/bin/env bash
# Builds the Mongo-wire launcher into target/ (classes jar + runtime jars in target/lib/); returns at once
# when target/ is newer than the pom and the sources. Usage: build.sh
set -euo pipefail
cd "$(dirname "$0")"
stamp=target/mongo-wire.stamp

# The stamp is written only after a successful build, so an interrupted build is never taken as done.
if [ -f "$stamp" ] && [ -z "$(find pom.xml src -newer "$stamp" -print -quit)" ]; then
  exit 0
fi

echo '[mongo-wire] building…' >&2
rm -rf target/lib
# Debian's Maven 3.8 prints stray colour resets even in batch mode; build output belongs on stderr anyway.
mvn -B -q -Dstyle.color=never package 2>&1 | sed 's/\x1b\[[0-9;]*m//g' >&2
touch "$stamp"
