#!/usr/bin/env python3
"""Checks the layering of the migprobe workspace; exit 0 when it holds.

1. No module cycles inside a crate. Nodes are source files; an edge A -> B
   means A names an item of B's module: a `use` (private) or an inline path
   (`crate::x::y`, `super::y`, `self::y`). `pub use` re-exports and `mod`
   declarations are a module's facade, not a dependency, and are ignored, as
   are `#[cfg(test)]` modules and comments. Cycles are found as strongly
   connected components (Tarjan).
2. No library crate names the CLI (`migprobe::`), and only the CLI names
   `clap` outside the bench crate.
3. Each crate depends only on the crates below it:
   probe <- sources, analysis, nfqueue <- bench, migprobe (the CLI).

Usage: scripts/check-layers.py [--verbose]   (from anywhere in the repo)
"""

import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CRATES = {
    "migprobe_probe": "crates/probe/src",
    "migprobe_sources": "crates/sources/src",
    "migprobe_analysis": "crates/analysis/src",
    "migprobe_nfqueue": "crates/nfqueue/src",
    "migprobe_bench": "crates/bench/src",
    "migprobe": "src",
}
ALLOWED = {
    "migprobe_probe": set(),
    "migprobe_sources": {"migprobe_probe"},
    "migprobe_analysis": {"migprobe_probe"},
    "migprobe_nfqueue": {"migprobe_probe"},
    "migprobe_bench": {"migprobe_probe", "migprobe_sources", "migprobe_analysis", "migprobe_nfqueue"},
    "migprobe": {"migprobe_probe", "migprobe_sources", "migprobe_analysis"},
}
CLAP_OK = {"migprobe", "migprobe_bench"}


def strip(text):
    """Source without comments, string literals and #[cfg(test)] modules."""
    text = re.sub(r"//[^\n]*", "", text)
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    text = re.sub(r'r#*"(?:.|\n)*?"#*', '""', text)
    text = re.sub(r'"(?:\\.|[^"\\])*"', '""', text)
    out, i = [], 0
    for m in re.finditer(r"#\[cfg\(test\)\]\s*mod\s+\w+\s*\{", text):
        if m.start() < i:
            continue
        out.append(text[i : m.start()])
        depth, j = 1, m.end()
        while j < len(text) and depth:
            depth += {"{": 1, "}": -1}.get(text[j], 0)
            j += 1
        i = j
    out.append(text[i:])
    return "".join(out)


def modules(src):
    """{module path tuple: file} for every .rs file under src."""
    mods = {}
    for dirpath, _, files in os.walk(src):
        for f in files:
            if not f.endswith(".rs"):
                continue
            rel = os.path.relpath(os.path.join(dirpath, f), src)
            parts = rel[:-3].split(os.sep)
            if parts[0] == "bin" or parts == ["main"]:
                continue
            if parts[-1] in ("mod", "lib"):
                parts = parts[:-1]
            mods[tuple(parts)] = os.path.join(dirpath, f)
    return mods


def expand(tree):
    """`a::{b, c::{d, e}}` -> ['a::b', 'a::c::d', 'a::c::e']."""
    tree = re.sub(r"\s+as\s+", "@", tree)
    tree = re.sub(r"\s+", "", tree)
    m = re.match(r"^(.*?)\{(.*)\}$", tree)
    if not m:
        return [tree]
    prefix, body = m.group(1), m.group(2)
    items, depth, cur = [], 0, ""
    for ch in body:
        if ch == "," and depth == 0:
            items.append(cur)
            cur = ""
            continue
        depth += {"{": 1, "}": -1}.get(ch, 0)
        cur += ch
    items.append(cur)
    return [p for it in items if it for p in expand(prefix + it)]


def resolve(path, here, mods):
    """The module a path names, as seen from module `here`; None if outside."""
    parts = [p for p in path.split("::") if p]
    if not parts:
        return None
    if parts[0] == "crate":
        base, parts = [], parts[1:]
    elif parts[0] in ("self", "super"):
        base = list(here)
        while parts and parts[0] in ("self", "super"):
            if parts.pop(0) == "super":
                base = base[:-1]
    else:
        return None
    full = base + parts
    for n in range(len(full), -1, -1):
        if tuple(full[:n]) in mods:
            return tuple(full[:n])
    return None


def full_of(path, here):
    """The absolute module path a `crate::`/`super::`/`self::` path spells out."""
    parts = [p for p in path.split("::") if p]
    if parts and parts[0] == "crate":
        return parts[1:]
    base = list(here)
    while parts and parts[0] in ("self", "super"):
        if parts.pop(0) == "super":
            base = base[:-1]
    return base + parts


def edges(mods):
    out = {m: set() for m in mods}
    for mod, path in mods.items():
        text = strip(open(path, encoding="utf-8").read())
        paths, aliases = [], {}
        for m in re.finditer(r"(\bpub(?:\([^)]*\))?\s+)?\buse\s+([^;]+);", text):
            if m.group(1):
                continue  # a re-export: the facade, not a dependency
            for p in expand(m.group(2)):
                p, _, alias = p.partition("@")
                p = re.sub(r"::(self|\*)$", "", p.strip(":"))
                paths.append(p)
                to = resolve(p, mod, mods)
                if to is not None and "::".join(to) == "::".join(full_of(p, mod)):
                    aliases[alias or p.split("::")[-1]] = to
        code = re.sub(r"\buse\s+[^;]+;", "", text)
        paths += re.findall(r"\b(?:crate|super|self)(?:::\w+)+", code)
        for name, target in aliases.items():
            for rest in re.findall(r"(?<![:\w])" + re.escape(name) + r"((?:::\w+)+)", code):
                paths.append("crate::" + "::".join(target) + rest)
        for p in paths:
            to = resolve(p, mod, mods)
            if to is not None and to != mod:
                out[mod].add(to)
    return out


def cycles(graph):
    index, low, stack, on, sccs, n = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = n[0]
        n[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            scc = []
            while True:
                w = stack.pop()
                on.discard(w)
                scc.append(w)
                if w == v:
                    break
            if len(scc) > 1:
                sccs.append(scc)

    sys.setrecursionlimit(10000)
    for v in graph:
        if v not in index:
            visit(v)
    return sccs


def crate_refs(text):
    return set(re.findall(r"\b(migprobe(?:_\w+)?)::", text))


def main():
    verbose = "--verbose" in sys.argv
    problems = []
    total_files = total_edges = 0
    for crate, src in CRATES.items():
        mods = modules(os.path.join(ROOT, src))
        graph = edges(mods)
        total_files += len(mods)
        total_edges += sum(len(v) for v in graph.values())
        for scc in cycles(graph):
            names = " <-> ".join("::".join(m) or "lib" for m in sorted(scc))
            problems.append(f"{crate}: module cycle: {names}")
        for mod, path in mods.items():
            text = strip(open(path, encoding="utf-8").read())
            for other in crate_refs(text) - {crate} - ALLOWED[crate]:
                problems.append(f"{os.path.relpath(path, ROOT)}: {crate} must not name {other}")
            if crate not in CLAP_OK and re.search(r"\bclap::", text):
                problems.append(f"{os.path.relpath(path, ROOT)}: library code names clap")
        if verbose:
            for m, tos in sorted(graph.items()):
                for t in sorted(tos):
                    print(f"{crate}: {'::'.join(m) or 'lib'} -> {'::'.join(t) or 'lib'}")
    for p in problems:
        print(p)
    print(f"check-layers: {total_files} modules, {total_edges} edges, {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
