#!/usr/bin/env python3
"""Cut real objects out of the bundled photos for the demo's instance bank (not run by CI; outputs committed).

There are no segmentation weights here, so each mask is made offline with OpenCV's GrabCut, seeded by hand:
a box around the object, strokes/polygons of sure foreground and sure background, and for the cup two ellipses
(cup rim, saucer) outside which everything is background. Then the largest component is kept and its holes are
filled, and a 5 px median filter smooths the edge. Every mask was checked by eye on an overlay
(`--overlays DIR` writes them) and the seeds adjusted until the outline followed the object.

Writes, next to this script:
  objects.json             COCO instances (compressed RLE) over the photos in images/ (same file names)
  objects/*.png            each object as an RGBA cut-out (alpha = mask), cropped to its box, for looking at

    sudo apt-get install python3-opencv python3-numpy
    /usr/bin/python3 samples/data/make_objects.py [--overlays /tmp/overlays]
"""
import argparse
import json
import os

import cv2
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
IMAGES = os.path.join(HERE, "images")
OUT = os.path.join(HERE, "objects")

CATEGORIES = [
    {"id": 1, "name": "person", "supercategory": "person", "synonyms": ["person", "astronaut"]},
    {"id": 2, "name": "cat", "supercategory": "animal", "synonyms": ["cat"]},
    {"id": 3, "name": "cup", "supercategory": "kitchen", "synonyms": ["cup", "coffee cup", "espresso cup"]},
    {"id": 4, "name": "rocket", "supercategory": "vehicle", "synonyms": ["rocket", "launch vehicle"]},
]

# ---------------------------------------------------------------- COCO RLE (as in make_dataset.py, pycocotools semantics)


def rle_counts(mask):
    flat = np.asarray(mask, dtype=bool).flatten(order="F")
    change = np.flatnonzero(flat[1:] != flat[:-1]) + 1
    bounds = np.concatenate([[0], change, [flat.size]])
    counts = list(np.diff(bounds).astype(int))
    if flat[0]:
        counts.insert(0, 0)
    return counts


def counts_to_string(counts):
    out = []
    for i, c in enumerate(counts):
        x = int(c) - (int(counts[i - 2]) if i > 2 else 0)
        more = True
        while more:
            ch = x & 0x1F
            x >>= 5
            more = (x != -1) if (ch & 0x10) else (x != 0)
            if more:
                ch |= 0x20
            out.append(chr(ch + 48))
    return "".join(out)


# ---------------------------------------------------------------- seeded GrabCut


def ellipses_inside(shape, ellipses, grow):
    h, w = shape
    yy, xx = np.mgrid[0:h, 0:w]
    inside = np.zeros(shape, bool)
    for cx, cy, ax, ay in ellipses:
        inside |= ((xx - cx) / (ax + grow)) ** 2 + ((yy - cy) / (ay + grow)) ** 2 <= 1
    return inside


def grabcut(image, box, fg=(), bg=(), outside=None):
    mask = np.full(image.shape[:2], cv2.GC_BGD, np.uint8)
    x, y, w, h = box
    mask[y:y + h, x:x + w] = cv2.GC_PR_FGD
    if outside is not None:
        mask[outside] = cv2.GC_BGD
    for value, shapes in ((cv2.GC_FGD, fg), (cv2.GC_BGD, bg)):
        for shape in shapes:
            if shape[0] == "rect":
                _, x0, y0, x1, y1 = shape
                mask[y0:y1, x0:x1] = value
            else:
                cv2.fillPoly(mask, [np.array(shape[1], np.int32)], value)
    bgd, fgd = np.zeros((1, 65)), np.zeros((1, 65))
    cv2.setRNGSeed(0)
    cv2.grabCut(image, mask, None, bgd, fgd, 8, cv2.GC_INIT_WITH_MASK)
    m = ((mask == cv2.GC_FGD) | (mask == cv2.GC_PR_FGD)).astype(np.uint8)
    m = cv2.medianBlur(m * 255, 5) // 255
    n, labels, stats, _ = cv2.connectedComponentsWithStats(m, connectivity=8)
    m = (labels == 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))).astype(np.uint8)
    # Fill holes: background components that do not touch the border.
    n, labels, stats, _ = cv2.connectedComponentsWithStats(1 - m, connectivity=4)
    H, W = m.shape
    for i in range(1, n):
        x, y, w, h, _ = stats[i]
        if x > 0 and y > 0 and x + w < W and y + h < H:
            m[labels == i] = 1
    return m.astype(bool)


def cup_outside(shape):
    # Cup rim and saucer as ellipses (measured on the photo); the spoon's handle sticks out of both.
    inside = ellipses_inside(shape, [(289, 101, 116, 82)], 2) | ellipses_inside(shape, [(280, 225, 207, 168)], 6)
    yy, xx = np.mgrid[0:shape[0], 0:shape[1]]
    inside |= (xx > 390) & (xx < 430) & (yy > 55) & (yy < 130)
    return ~inside


OBJECTS = [
    # (file, category id, box x,y,w,h, sure foreground, sure background, outside-is-background)
    ("astronaut.png", 1, (15, 10, 350, 502),
     [("poly", [(185, 40), (225, 22), (275, 40), (290, 90), (265, 125), (245, 150), (205, 150), (185, 125), (162, 90)]),
      ("rect", 60, 300, 260, 500), ("rect", 285, 342, 325, 372),
      ("poly", [(125, 185), (165, 158), (250, 162), (283, 192), (296, 230), (285, 265), (230, 290), (150, 270), (120, 230)])],
     [("rect", 380, 290, 512, 360), ("poly", [(300, 380), (360, 345), (440, 350), (480, 420), (480, 512), (290, 512)]),
      ("rect", 305, 100, 360, 180), ("rect", 100, 100, 145, 160),
      ("poly", [(262, 140), (305, 140), (305, 198), (285, 175), (262, 158)])],
     None),
    ("chelsea.png", 2, (0, 0, 451, 300),
     [("rect", 60, 40, 330, 280), ("rect", 300, 60, 350, 180)],
     [("rect", 400, 0, 451, 20), ("poly", [(385, 100), (451, 60), (451, 300), (400, 300), (380, 200)]), ("rect", 0, 0, 25, 80)],
     None),
    ("coffee.png", 3, (0, 0, 600, 400),
     [("poly", [(185, 70), (230, 30), (330, 25), (395, 65), (400, 120), (380, 200), (340, 250), (270, 260), (220, 230), (190, 180)]),
      ("rect", 120, 150, 160, 250), ("rect", 420, 150, 460, 260), ("rect", 400, 75, 416, 110)],
     [],
     cup_outside),
    ("rocket.jpg", 4, (300, 118, 45, 270),
     [("rect", 312, 145, 332, 385), ("poly", [(322, 131), (329, 140), (332, 160), (332, 175), (312, 175), (312, 160), (315, 140)])],
     [("rect", 300, 118, 345, 124)],
     None),
]

LICENSES = [
    {"id": 1, "name": "Public domain", "url": "https://creativecommons.org/publicdomain/mark/1.0/"},
    {"id": 2, "name": "CC0 1.0", "url": "https://creativecommons.org/publicdomain/zero/1.0/"},
]
PHOTO_LICENSE = {"astronaut.png": 1, "chelsea.png": 2, "coffee.png": 2, "rocket.jpg": 1}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--overlays", help="also write each mask's outline over its photo into this folder")
    args = parser.parse_args()
    os.makedirs(OUT, exist_ok=True)
    images, annotations = [], []
    for index, (name, category, box, fg, bg, outside_fn) in enumerate(OBJECTS, start=1):
        bgr = cv2.imread(os.path.join(IMAGES, name), cv2.IMREAD_COLOR)
        h, w = bgr.shape[:2]
        mask = grabcut(bgr, box, fg, bg, outside_fn(bgr.shape[:2]) if outside_fn else None)
        ys, xs = np.nonzero(mask)
        x0, y0, x1, y1 = int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1
        images.append({"id": index, "file_name": name, "width": w, "height": h, "license": PHOTO_LICENSE[name]})
        annotations.append({
            "id": index, "image_id": index, "category_id": category, "iscrowd": 0,
            "area": int(mask.sum()), "bbox": [float(x0), float(y0), float(x1 - x0), float(y1 - y0)],
            "segmentation": {"size": [h, w], "counts": counts_to_string(rle_counts(mask))},
        })
        cname = next(c["name"] for c in CATEGORIES if c["id"] == category)
        rgba = cv2.cvtColor(bgr, cv2.COLOR_BGR2BGRA)
        rgba[..., 3] = mask.astype(np.uint8) * 255
        cv2.imwrite(os.path.join(OUT, f"{cname}.png"), rgba[y0:y1, x0:x1])
        if args.overlays:
            os.makedirs(args.overlays, exist_ok=True)
            vis = bgr.copy()
            contours, _ = cv2.findContours(mask.astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
            cv2.drawContours(vis, contours, -1, (0, 255, 0), 1)
            cv2.imwrite(os.path.join(args.overlays, f"{cname}.png"), vis)
        print(f"{cname}: {name} area {int(mask.sum())} box {x0},{y0} {x1 - x0}x{y1 - y0}")

    coco = {
        "info": {"description": "XPaste sample objects: real objects cut from the bundled photos (GrabCut, hand-set seeds)",
                 "version": "1.0", "year": 2026, "contributor": "XPaste contributors", "date_created": "2026-01-01"},
        "licenses": LICENSES, "images": images, "annotations": annotations, "categories": CATEGORIES,
    }
    with open(os.path.join(HERE, "objects.json"), "w") as f:
        json.dump(coco, f, separators=(",", ":"))
        f.write("\n")


if __name__ == "__main__":
    main()
