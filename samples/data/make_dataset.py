#!/usr/bin/env python3
"""Builds the bundled sample dataset (images/ + instances.json) from the repository's sample photos.

Not run by CI; its outputs are committed. Needs Debian's python3-numpy, python3-scipy and python3-skimage.

    python3 samples/data/make_dataset.py [--check-fixtures coco_rle_cases.json]

Masks are measured, not guessed:
- coins.png: watershed on the Sobel gradient from intensity markers (dark < 30 = background, bright > 150 = coin),
  holes filled, a radius-2 closing per coin, specks under 100 px dropped: 24 coins, each checked by eye on an overlay.
- horse.png: the silhouette is black on white; mask = grey level < 128 (the antialiased edge cut at half way).
The COCO RLE encoder and polygon rasteriser below follow pycocotools; --check-fixtures verifies them against
cases produced by pycocotools before anything is written.
"""
import argparse
import json
import os
import shutil

import numpy as np
from scipy import ndimage as ndi
from skimage import filters, io, measure, morphology, segmentation

HERE = os.path.dirname(os.path.abspath(__file__))
PHOTOS = os.path.join(HERE, "..", "..", "tests", "Shared", "TestData", "images")
OUT_IMAGES = os.path.join(HERE, "images")

# ---------------------------------------------------------------- COCO mask codec (pycocotools semantics)


def rle_counts(mask):
    """Uncompressed COCO RLE counts: column-major runs, starting with a (possibly empty) run of zeros."""
    flat = np.asarray(mask, dtype=bool).flatten(order="F")
    counts, current, run = [], False, 0
    for value in flat:
        if value != current:
            counts.append(run)
            current, run = value, 0
        run += 1
    counts.append(run)
    return counts


def counts_to_string(counts):
    """pycocotools rleToString: delta against the count two back, 5-bit groups with continuation, +48."""
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


def counts_to_mask(counts, h, w):
    flat = np.zeros(h * w, dtype=bool)
    pos, value = 0, False
    for c in counts:
        flat[pos:pos + c] = value
        pos += c
        value = not value
    return flat.reshape((w, h)).T


def poly_to_counts(xy, h, w):
    """pycocotools rleFrPoly: upsample x5, walk the edges, keep the y-boundary crossings at pixel centres."""
    scale = 5.0
    k = len(xy) // 2
    x = [int(scale * xy[2 * j] + 0.5) for j in range(k)] + [0]
    y = [int(scale * xy[2 * j + 1] + 0.5) for j in range(k)] + [0]
    x[k], y[k] = x[0], y[0]
    u, v = [], []
    for j in range(k):
        xs, xe, ys, ye = x[j], x[j + 1], y[j], y[j + 1]
        dx, dy = abs(xe - xs), abs(ys - ye)
        flip = (dx >= dy and xs > xe) or (dx < dy and ys > ye)
        if flip:
            xs, xe, ys, ye = xe, xs, ye, ys
        if dx >= dy:
            s = (ye - ys) / dx if dx else 0.0
            for d in range(dx + 1):
                t = dx - d if flip else d
                u.append(t + xs)
                v.append(int(ys + s * t + 0.5))
        else:
            s = (xe - xs) / dy
            for d in range(dy + 1):
                t = dy - d if flip else d
                v.append(t + ys)
                u.append(int(xs + s * t + 0.5))
    bx, by = [], []
    for j in range(1, len(u)):
        if u[j] == u[j - 1]:
            continue
        xd = float(u[j] if u[j] < u[j - 1] else u[j] - 1)
        xd = (xd + 0.5) / scale - 0.5
        if np.floor(xd) != xd or xd < 0 or xd > w - 1:
            continue
        yd = float(v[j] if v[j] < v[j - 1] else v[j - 1])
        yd = (yd + 0.5) / scale - 0.5
        yd = 0.0 if yd < 0 else (float(h) if yd > h else yd)
        yd = np.ceil(yd)
        bx.append(int(xd))
        by.append(int(yd))
    a = sorted([bx[j] * h + by[j] for j in range(len(bx))] + [h * w])
    prev, diffs = 0, []
    for t in a:
        diffs.append(t - prev)
        prev = t
    b, j = [diffs[0]], 1
    while j < len(diffs):
        if diffs[j] > 0:
            b.append(diffs[j])
            j += 1
        else:
            j += 1
            if j < len(diffs):
                b[-1] += diffs[j]
                j += 1
    return b


def bbox_of(mask):
    ys, xs = np.nonzero(mask)
    return [float(xs.min()), float(ys.min()), float(xs.max() - xs.min() + 1), float(ys.max() - ys.min() + 1)]


def check_fixtures(path):
    cases = json.load(open(path))
    for case in cases["masks"]:
        h, w = int(case["h"]), int(case["w"])
        rows = case["mask_rows"]
        if rows is None:  # large cases carry only their counts
            mask = counts_to_mask(case["counts_uncompressed"], h, w)
        else:
            mask = np.array([[ch == "1" for ch in r] for r in rows], dtype=bool).reshape(h, w)
        counts = rle_counts(mask)
        assert counts == case["counts_uncompressed"], case["name"]
        assert counts_to_string(counts) == case["counts"], case["name"]
        assert int(mask.sum()) == case["area"], case["name"]
    for case in cases["polygons"]:
        counts = poly_to_counts(case["polygon"], case["h"], case["w"])
        assert counts_to_string(counts) == case["counts"], case["polygon"]
        assert int(counts_to_mask(counts, case["h"], case["w"]).sum()) == case["area"]
    print(f"codec matches {len(cases['masks'])} mask and {len(cases['polygons'])} polygon fixtures")


# ---------------------------------------------------------------- segmentation


def segment_coins(grey):
    elevation = filters.sobel(grey)
    markers = np.zeros(grey.shape, dtype=np.int32)
    markers[grey < 30] = 1
    markers[grey > 150] = 2
    foreground = ndi.binary_fill_holes(segmentation.watershed(elevation, markers) == 2)
    labels, n = ndi.label(foreground)
    coins = []
    for i in range(1, n + 1):
        mask = labels == i
        if mask.sum() < 100:
            continue
        mask = ndi.binary_fill_holes(morphology.binary_closing(mask, morphology.disk(2)))
        coins.append(mask)
    # Reading order: rows by centroid (rows are ~70 px apart), then left to right.
    centres = [ndi.center_of_mass(m) for m in coins]
    order = sorted(range(len(coins)), key=lambda i: (round(centres[i][0] / 70), centres[i][1]))
    rows = [round(centres[i][0] / 70) for i in order]
    row_index = {r: k for k, r in enumerate(sorted(set(rows)))}
    return [(row_index[r], coins[i]) for r, i in zip(rows, order)]


def mask_to_polygon(mask, tolerance=0.5):
    """Outer contour at level 0.5, simplified; COCO coordinates put pixel centres at +0.5."""
    padded = np.pad(mask.astype(float), 1)
    contour = max(measure.find_contours(padded, 0.5), key=len) - 1
    contour = measure.approximate_polygon(contour, tolerance)
    xy = []
    for r, c in contour[:-1]:
        xy += [round(float(c) + 0.5, 2), round(float(r) + 0.5, 2)]
    return xy


def iou(a, b):
    return float((a & b).sum()) / float((a | b).sum())


# ---------------------------------------------------------------- dataset


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--check-fixtures", help="coco_rle_cases.json from pycocotools, to verify the codec first")
    args = parser.parse_args()
    if args.check_fixtures:
        check_fixtures(args.check_fixtures)

    os.makedirs(OUT_IMAGES, exist_ok=True)
    licenses = [
        {"id": 1, "name": "Public domain", "url": "https://creativecommons.org/publicdomain/mark/1.0/"},
        {"id": 2, "name": "CC0 1.0", "url": "https://creativecommons.org/publicdomain/zero/1.0/"},
        {"id": 3, "name": "No known copyright restrictions", "url": ""},
    ]
    categories = [
        {"id": 1, "name": "coin", "supercategory": "object"},
        {"id": 2, "name": "horse", "supercategory": "animal"},
    ]
    images, annotations = [], []

    def add_image(file_name, pixels, license_id):
        images.append({"id": len(images) + 1, "file_name": file_name, "width": int(pixels.shape[1]),
                       "height": int(pixels.shape[0]), "license": license_id})
        return images[-1]["id"]

    def add_annotation(image_id, category_id, mask, segmentation, iscrowd=0):
        annotations.append({"id": len(annotations) + 1, "image_id": image_id, "category_id": category_id,
                            "segmentation": segmentation, "area": int(mask.sum()), "bbox": bbox_of(mask),
                            "iscrowd": iscrowd})

    # Coins: rows 0-1 as polygons, row 2 as compressed RLE, row 3 as one crowd region (uncompressed RLE).
    coins_path = os.path.join(PHOTOS, "coins.png")
    grey = io.imread(coins_path)
    h, w = grey.shape
    shutil.copyfile(coins_path, os.path.join(OUT_IMAGES, "coins.png"))
    coins_id = add_image("coins.png", grey, 3)
    coins = segment_coins(grey)
    assert len(coins) == 24 and [sum(1 for r, _ in coins if r == k) for k in range(4)] == [6, 6, 6, 6], \
        [r for r, _ in coins]
    crowd = np.zeros((h, w), dtype=bool)
    worst = 1.0
    for row, mask in coins:
        if row <= 1:
            polygon = mask_to_polygon(mask)
            drawn = counts_to_mask(poly_to_counts(polygon, h, w), h, w)
            worst = min(worst, iou(drawn, mask))
            add_annotation(coins_id, 1, drawn, [polygon])
        elif row == 2:
            add_annotation(coins_id, 1, mask, {"size": [h, w], "counts": counts_to_string(rle_counts(mask))})
        else:
            crowd |= mask
    add_annotation(coins_id, 1, crowd, {"size": [h, w], "counts": rle_counts(crowd)}, iscrowd=1)
    assert worst > 0.95, worst
    print(f"coins: 18 single + 1 crowd of 6; polygon vs segmented mask IoU >= {worst:.4f}")

    # Horse: black silhouette on white. Stored as RGB (the original's alpha is opaque but for 12 border pixels).
    rgba = io.imread(os.path.join(PHOTOS, "horse.png"))
    alpha = rgba[..., 3:4].astype(np.float64) / 255.0
    rgb = np.round(rgba[..., :3] * alpha + 255.0 * (1.0 - alpha)).astype(np.uint8)
    io.imsave(os.path.join(OUT_IMAGES, "horse.png"), rgb, check_contrast=False)
    horse = rgb.astype(np.int32).mean(axis=2) < 128
    assert measure.label(horse).max() == 1
    hh, hw = horse.shape
    horse_id = add_image("horse.png", rgb, 2)
    add_annotation(horse_id, 2, horse, {"size": [hh, hw], "counts": counts_to_string(rle_counts(horse))})
    print(f"horse: {int(horse.sum())} px")

    # Destination photos and textures: nothing in them is annotated (their objects are not in the category list).
    for name, license_id in [("astronaut.png", 1), ("chelsea.png", 2), ("coffee.png", 2), ("rocket.jpg", 1),
                             ("brick.png", 2), ("grass.png", 2), ("gravel.png", 2)]:
        src = os.path.join(PHOTOS, name)
        shutil.copyfile(src, os.path.join(OUT_IMAGES, name))
        add_image(name, io.imread(src), license_id)

    dataset = {
        "info": {"description": "XPaste sample: coins and a horse with measured instance masks, plus destination photos",
                 "version": "1.0", "year": 2026, "contributor": "XPaste contributors",
                 "date_created": "2026-01-01"},
        "licenses": licenses,
        "images": images,
        "annotations": annotations,
        "categories": categories,
    }
    with open(os.path.join(HERE, "instances.json"), "w") as f:
        json.dump(dataset, f, separators=(",", ":"))
        f.write("\n")
    print(f"{len(images)} images, {len(annotations)} annotations")


if __name__ == "__main__":
    main()
