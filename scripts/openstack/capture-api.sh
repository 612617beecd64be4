#!/usr/bin/env bash
# Records nova's raw API answers, polled every second, during one block live
# migration of the OpenStack lab's server: the fixtures of
# tests/fixtures/openstack/ (replayed by tests/openstack_capture.rs). One
# JSON line per answer in OUTDIR/api.jsonl: {"poll", "at" (UTC), "path",
# "body" (nova's bytes, as text)}; compressed to api.jsonl.zst at the end.
#
# Usage: LAB_DIR=... LAB_NETNS=... scripts/openstack/capture-api.sh OUTDIR
# (the OpenStack lab must be up: scripts/openstack-lab.sh up).
set -euo pipefail
out=${1:?usage: capture-api.sh OUTDIR}
here=$(cd "$(dirname "$0")/.." && pwd)
[[ ! -e $out ]] || { echo "capture-api: $out exists; remove it or give another" >&2; exit 2; }
eval "$("$here/openstack-lab.sh" env)"
mkdir -p "$out"
ns=$OS_LAB_PROBER_NETNS id=$OS_LAB_SERVER_ID
token=$(ip netns exec "$ns" openstack token issue -f value -c id)
nova=$(ip netns exec "$ns" openstack endpoint list --service compute --interface public -f value -c URL | head -1)
# get POLL PATH: appends nova's answer to api.jsonl and prints it.
get() {
	local body
	body=$(ip netns exec "$ns" curl -sf -H "X-Auth-Token: $token" -H "OpenStack-API-Version: compute 2.62" "$nova$2")
	python3 -c 'import json,sys,datetime; print(json.dumps({"poll": int(sys.argv[1]), "at": datetime.datetime.now(datetime.timezone.utc).isoformat(), "path": sys.argv[2], "body": sys.argv[3]}))' \
		"$1" "$2" "$body" >>"$out/api.jsonl"
	printf '%s\n' "$body"
}
"$here/openstack-lab.sh" migrate >"$out/migrate.log" 2>&1 &
mig=$!
poll=0 left=5
while ((left > 0)); do
	kill -0 "$mig" 2>/dev/null || left=$((left - 1))
	get "$poll" "/servers/$id" >/dev/null
	for r in $(get "$poll" "/servers/$id/os-instance-actions" | python3 -c 'import json,sys; [print(a["request_id"]) for a in json.load(sys.stdin)["instanceActions"]]'); do
		get "$poll" "/servers/$id/os-instance-actions/$r" >/dev/null
	done
	get "$poll" "/os-migrations?instance_uuid=$id" >/dev/null
	poll=$((poll + 1))
	sleep 1
done
wait "$mig"
zstd -q -19 --rm "$out/api.jsonl"
echo "capture-api: $poll polls in $out ($(tail -1 "$out/migrate.log"))"
