#!/usr/bin/env bash
# scripts/utkface-framing.sh [N] -- how UTKFace's aligned crops frame a face, in units of the Haar
# cascade's box: runs `agelab predict --detect` with no margin on N (default 1000) UTKFace crops,
# every k-th file by name, and prints the median margin left+right, above and below the box. These
# are the defaults of `--margin`, `--margin-top` and `--margin-bottom`, so that a face cut out of a
# whole photo is framed as the training faces were.
set -euo pipefail
n="${1:-1000}"
root="${AGELAB_DATA:?set AGELAB_DATA to the folder holding UTKFace/}/UTKFace"
here="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir "$work/faces"
total=$(ls "$root" | wc -l)
step=$(( total / n > 0 ? total / n : 1 ))
ls "$root" | grep -v ' ' | awk -v s="$step" -v n="$n" 'NR % s == 0 && ++k <= n' | while read -r f; do ln -s "$root/$f" "$work/faces/$f"; done
(cd "$here" && scripts/with-libtorch.sh cargo build --quiet --release -p agelab)
"$here/scripts/with-libtorch.sh" "$here/target/release/agelab" predict multitask "$work/faces" --detect \
    --margin 0 --margin-top 0 --margin-bottom 0 --out "$work/out" > /dev/null
python3 - "$work/out/predictions.csv" <<'PY'
import csv, statistics as st, sys
rows = list(csv.DictReader(open(sys.argv[1])))
best = {}
for r in rows:
    if r["x"] and (r["file"] not in best or int(r["width"]) > int(best[r["file"]]["width"])):
        best[r["file"]] = r
left, right, top, bottom = [], [], [], []
for r in best.values():
    x, y, w, h = (int(r[k]) for k in ("x", "y", "width", "height"))
    left.append(x / w); right.append((200 - x - w) / w); top.append(y / h); bottom.append((200 - y - h) / h)
side = [(a + b) / 2 for a, b in zip(left, right)]
print(f"{len({r['file'] for r in rows})} UTKFace crops (200x200), a face found in {len(best)}")
for name, v in (("left/right", side), ("  left", left), ("  right", right), ("top", top), ("bottom", bottom)):
    q = st.quantiles(v, n=4)
    print(f"margin {name}: median {st.median(v):.3f} of the box (quartiles {q[0]:.3f}, {q[2]:.3f})")
PY
