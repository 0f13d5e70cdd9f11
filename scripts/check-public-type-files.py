#!/usr/bin/env python3
"""Lists src/ files that break "one public type per file, named after it": files declaring more than one public
top-level type, or whose public type is not named after the file (partial files Name.Part.cs count as Name).
Exit 1 when any is found. Usage: scripts/check-public-type-files.py [folder ...] (default src)."""
import os, re, sys

DECL = re.compile(r'^public\s+(?:(?:sealed|static|abstract|readonly|partial|unsafe|ref|record)\s+)*'
                  r'(?:class|struct|interface|enum|record|delegate\s+\S+)\s+([A-Za-z_][A-Za-z0-9_]*)', re.M)

def check(root):
    bad = []
    for folder, _, files in os.walk(root):
        if any(p in ('bin', 'obj') for p in folder.split(os.sep)):
            continue
        for name in files:
            if not name.endswith('.cs'):
                continue
            path = os.path.join(folder, name)
            # Top-level only: declarations at column 0 (file-scoped namespaces put them there).
            types = DECL.findall(open(path, encoding='utf-8').read())
            stem = name[:-3].split('.')[0]
            if len(types) > 1 or (types and types[0] != stem):
                bad.append((path, types))
    return bad

roots = sys.argv[1:] or ['src']
found = [b for r in roots for b in check(r)]
for path, types in sorted(found):
    print(f"{path}: {', '.join(types)}")
sys.exit(1 if found else 0)
