#!/usr/bin/env python3
"""Keeps the workspace's `rust-version` honest: no package that Cargo.lock
builds on this platform may ask for a newer Rust than the workspace says it
needs. Only the toolchain installed here is at hand (no other can be
downloaded), so the lock is checked against each crate's own declaration.
Fix a failure with `cargo update -p CRATE --precise VERSION` (a release that
still supports the workspace's Rust), or raise `rust-version` knowingly.
Exit 0 when every package fits, 1 with the list when not.
"""
import json
import subprocess
import sys


def version(text):
    parts = [int(p) for p in text.split(".")[:3]]
    return tuple(parts + [0] * (3 - len(parts)))


def main():
    target = subprocess.run(["rustc", "-vV"], capture_output=True, text=True, check=True).stdout
    host = next(line.split()[1] for line in target.splitlines() if line.startswith("host:"))
    meta = json.loads(subprocess.run(
        ["cargo", "metadata", "--format-version", "1", "--filter-platform", host],
        capture_output=True, text=True, check=True).stdout)
    packages = {p["id"]: p for p in meta["packages"]}
    members = set(meta["workspace_members"])
    ours = min(version(packages[m]["rust_version"]) for m in members if packages[m].get("rust_version"))
    built = {n["id"] for n in meta["resolve"]["nodes"]}
    newer = sorted(
        f'{p["name"]} {p["version"]} needs Rust {p["rust_version"]}'
        for i, p in packages.items()
        if i in built and p.get("rust_version") and version(p["rust_version"]) > ours
    )
    if newer:
        print(f"msrv: the workspace says Rust {'.'.join(map(str, ours))}, but Cargo.lock builds:")
        print("\n".join(f"  {n}" for n in newer))
        return 1
    print(f"msrv: every package built on {host} supports Rust {'.'.join(map(str, ours))} ({len(built)} packages)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
