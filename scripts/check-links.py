#!/usr/bin/env python3
"""Checks the relative links of README.md and docs/*.md: every link that is
not a URL must name a file or directory of the repository, and an anchor
(`#part`) must name a heading of the file it points to (GitHub's rule for
heading anchors). Links inside code (fenced blocks, `inline code`) are not
links. Prints each broken link as FILE:LINE: TARGET (why) and exits 1 when
there is one; 0 otherwise.

Usage: python3 scripts/check-links.py [FILE.md ...]   (default: README.md docs/*.md)
"""

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# [text](target) and ![alt](target); the target ends at the first space or ")".
LINK = re.compile(r"!?\[(?:[^\]\[]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
FENCE = re.compile(r"^\s*(```|~~~)")
INLINE_CODE = re.compile(r"`+[^`]*`+")
HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
EXTERNAL = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")


def prose_lines(path):
    """(line number, text) of every line, fenced code blocks blanked."""
    fenced = False
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if FENCE.match(line):
            fenced = not fenced
            yield n, ""
        else:
            yield n, "" if fenced else line


def prose(path):
    """The file's text with code (fenced blocks, inline code) blanked to spaces,
    so that offsets keep their line numbers and links may span lines."""
    text = "\n".join(line for _, line in prose_lines(path))
    return INLINE_CODE.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), text)


def slug(heading):
    """GitHub's anchor of a heading: lower case, punctuation dropped, spaces to '-'."""
    text = re.sub(r"[`*]|<[^>]*>", "", heading).strip().lower()
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    return "".join(c for c in text if c.isalnum() or c in " -_").replace(" ", "-")


def anchors(path, cache={}):
    """Every heading anchor of the markdown file `path` (duplicates numbered)."""
    if path not in cache:
        seen = {}
        for _, line in prose_lines(path):
            m = HEADING.match(line)
            if m:
                base = slug(m.group(2))
                k = seen.get(base, 0)
                seen[base] = k + 1
                seen.setdefault(f"{base}-{k}" if k else base, 1)
        cache[path] = set(seen)
    return cache[path]


def problem(source, target):
    """Why the link `target` in `source` is broken, or None."""
    if EXTERNAL.match(target):
        return None
    file_part, _, anchor = target.partition("#")
    dest = (source.parent / file_part).resolve() if file_part else source
    if not dest.exists():
        return "no such file"
    if ROOT not in dest.parents and dest != ROOT:
        return "outside the repository"
    if anchor and dest.suffix == ".md" and anchor not in anchors(dest):
        return f"no heading #{anchor} in {dest.relative_to(ROOT)}"
    return None


def main(argv):
    files = [Path(a).resolve() for a in argv] or [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    broken = 0
    for f in files:
        text = prose(f)
        for m in LINK.finditer(text):
            why = problem(f, m.group(1))
            if why:
                broken += 1
                n = text.count("\n", 0, m.start()) + 1
                print(f"{f.relative_to(ROOT)}:{n}: {m.group(1)} ({why})")
    if broken:
        print(f"{broken} broken relative link(s)", file=sys.stderr)
        return 1
    print(f"links: {len(files)} files, every relative link resolves")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
