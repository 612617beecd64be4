"""Reading a migprobe run for the OpenStack scenario's Python tools
(tests/lab/check_openstack.py, scripts/openstack/example_readme.py): the run
file through `migprobe cat` ($MIGPROBE, else migprobe on PATH), its events,
and JSON files that may be missing."""
import json
import os
import subprocess

MIGPROBE = os.environ.get("MIGPROBE", "migprobe")


def load_json(path, default=None):
    """The JSON in path, or default when it is missing or not JSON."""
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError) as e:
        print(f"cannot read {path}: {e}")
        return default


def run_lines(run_dir):
    """Every line of the run file in run_dir (or a run file), parsed."""
    out = subprocess.run([MIGPROBE, "cat", run_dir], check=True, capture_output=True, text=True)
    return [json.loads(l) for l in out.stdout.splitlines() if l.strip()]


def first(events, origin, kind, **detail):
    """The first event of origin and kind whose detail holds every given value."""
    for e in events:
        d = e.get("detail") or {}
        if e["origin"] == origin and e["kind"] == kind and all(d.get(k) == v for k, v in detail.items()):
            return e
    return None
