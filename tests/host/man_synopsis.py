#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Check the SYNOPSIS of man pages against the headers they include.

Usage: man_synopsis.py -I DIR [-I DIR...] [--need SEC:NAME...] PAGE...

Each PAGE that is not a .so link is rendered with mandoc(1); every
declaration in its SYNOPSIS (a prototype, a struct, a #define) must be,
token for token, one of the declarations of the header its SYNOPSIS
includes (#include <H>, found under the -I directories). Each --need
SEC:NAME names a function that must have a page: man/NAME.SEC (as given
among the PAGEs), a page or a .so link to one, whose SYNOPSIS declares
NAME. Prints every problem and exits 1 if there is any.
"""
import argparse
import os
import re
import subprocess
import sys


def norm(text):
    """One spelling per declaration: single spaces, none around punctuation."""
    text = re.sub(r"\\\s*\n", " ", text)
    text = re.sub(r"\s+", " ", text).strip()
    return re.sub(r"\s*([(),;*{}\[\]\\])\s*", r"\1", text)


def split_decls(text):
    """Top-level declarations of C text without comments: ;-terminated,
    braces kept whole; #define lines are declarations of their own."""
    decls, cur, depth = [], "", 0
    for line in text.split("\n"):
        if line.lstrip().startswith("#"):
            if line.lstrip().startswith("#define") and depth == 0:
                decls.append(norm(line))
            continue
        for ch in line + "\n":
            cur += ch
            if ch == "{":
                depth += 1
            elif ch == "}":
                depth -= 1
            elif ch == ";" and depth == 0:
                if cur.strip() != ";":
                    decls.append(norm(cur))
                cur = ""
    return decls


def header_decls(path, incdirs, seen=None):
    """The declarations of a header and of the headers it includes that
    are found under the -I directories (a declaration a module author
    gets from <kucomms/kucomms_kernel.h> may live in a header it includes)."""
    seen = set() if seen is None else seen
    if path in seen:
        return set()
    seen.add(path)
    with open(path, encoding="utf-8") as f:
        text = f.read()
    found = set()
    for inc in re.findall(r"^#include <([^>]+)>", text, flags=re.M):
        sub = next((os.path.join(d, inc) for d in incdirs
                    if os.path.isfile(os.path.join(d, inc))), None)
        if sub:
            found |= header_decls(sub, incdirs, seen)
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    text = re.sub(r"//[^\n]*", "", text)
    # Macros continued over lines become one line.
    text = re.sub(r"\\\n", " ", text)
    # The C++ linkage block is not a declaration.
    text = re.sub(r"#ifdef __cplusplus\n.*?#endif", "", text, flags=re.S)
    return found | set(split_decls(text))


def synopsis(page):
    """(included header, declarations) of a page's rendered SYNOPSIS."""
    out = subprocess.run(["mandoc", "-Tascii", "-O", "width=200", page],
                         check=True, capture_output=True, text=True).stdout
    out = re.sub(r".\x08", "", out)
    m = re.search(r"^SYNOPSIS\n(.*?)^\S", out, flags=re.S | re.M)
    if not m:
        return None, []
    body = m.group(1)
    inc = re.search(r"#include <([^>]+)>", body)
    # Prose after the declarations ("Link with ...") is not C.
    body = re.sub(r"^\s*#include <[^>]+>\s*$", "", body, flags=re.M)
    body = re.split(r"^\s*(?:Link|Compile|Build)\b", body, flags=re.M)[0]
    body = re.sub(r"\\\n", " ", body)
    return (inc.group(1) if inc else None), split_decls(body)


def declares(decl, name):
    return re.search(r"(^|[^\w])" + re.escape(name) + r"\(", decl) or \
        decl.startswith("#define " + name + "(")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-I", dest="incdirs", action="append", default=[])
    ap.add_argument("--need", action="append", default=[])
    ap.add_argument("pages", nargs="+")
    args = ap.parse_args()
    problems, syn = [], {}

    def resolve(page):
        with open(page, encoding="utf-8") as f:
            first = f.readline()
        m = re.match(r"\.so (man\d)/(\S+)$", first)
        if not m:
            return page
        target = os.path.join(os.path.dirname(page), m.group(2))
        if m.group(1) != "man" + target.rsplit(".", 1)[-1] or \
                not os.path.isfile(target):
            problems.append(f"{page}: .so to a page that does not exist")
            return None
        return target

    for page in args.pages:
        if resolve(page) != page:
            continue
        hdr, decls = synopsis(page)
        syn[page] = decls
        if not decls:
            continue
        path = next((os.path.join(d, hdr) for d in args.incdirs
                     if hdr and os.path.isfile(os.path.join(d, hdr))), None)
        if not path:
            problems.append(f"{page}: SYNOPSIS includes no header found "
                            f"under {args.incdirs}: {hdr}")
            continue
        known = header_decls(path, args.incdirs)
        for d in decls:
            if d not in known:
                problems.append(f"{page}: not as in {hdr}: {d}")

    by_path = {os.path.normpath(p): p for p in args.pages}
    for need in args.need:
        sec, name = need.split(":", 1)
        pages = [p for p in by_path if os.path.basename(p) == f"{name}.{sec}"]
        if not pages:
            problems.append(f"{name}: no page {name}.{sec}")
            continue
        target = resolve(by_path[pages[0]])
        if target is None:
            continue
        if not any(declares(d, name) for d in syn.get(target, [])):
            problems.append(f"{name}: the SYNOPSIS of {target} does not "
                            "declare it")

    for p in dict.fromkeys(problems):
        print(p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
