#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# docker-compose.yml parses, and describes three privileged servers and a
# privileged client whose helper scripts and Dockerfile exist.
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$top_srcdir/tests/lib/tap.sh"

command -v python3 >/dev/null 2>&1 || skip_all "python3 not installed"
python3 -c 'import yaml' 2>/dev/null || skip_all "python3-yaml not installed"

out=$(python3 - "$top_srcdir" <<'PY'
import os, sys, yaml
top = sys.argv[1]
with open(os.path.join(top, "docker-compose.yml")) as f:
    doc = yaml.safe_load(f)
svc = doc["services"]
def say(cond, what):
    print(("ok" if cond else "FAIL") + " " + what)
say(sorted(svc) == ["client", "server1", "server2", "server3"],
    "three servers and a client")
say(all(s.get("privileged") is True for s in svc.values()),
    "every service is privileged")
say("/dev/fuse:/dev/fuse" in svc["client"].get("devices", []),
    "the client has /dev/fuse")
say(any(v.startswith("/sys/fs/bpf:") for v in svc["client"].get("volumes", [])),
    "the client shares bpffs")
df = svc["server1"]["build"]["dockerfile"]
say(os.path.isfile(os.path.join(top, df)), "the Dockerfile exists")
for s in svc.values():
    cmd = s["command"][0]
    say(os.path.isfile(os.path.join(top, "docker", os.path.basename(cmd))),
        "helper %s exists" % os.path.basename(cmd))
PY
)
rc=$?
ok $rc "docker-compose.yml is valid YAML"
while read -r verdict what; do
	[ -n "$verdict" ] || continue
	[ "$verdict" = ok ]
	ok $? "$what"
done <<EOF
$out
EOF
tap_done
