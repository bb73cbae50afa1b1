# Independent reference for the patcher tests: CLAM's tissue segmentation and four_pt patch grid written with
# OpenCV (cv2) and numpy, run by Debian's /usr/bin/python3 on the SAME segmentation-level pixels the TypeScript
# code used (a raw RGBA dump), so that differences measure the algorithm and not the JPEG decoder.
#
# usage: clam_reference.py REQUEST.json     (prints one JSON line)
# REQUEST: {image, width, height, channels, downsample:[sx,sy], params:{sthresh,mthresh,close,use_otsu,a_t,a_h,
#           max_n_holes,ref_patch_size}, patch:{size0, step0} | null, mask_out, binary_out}
import json
import sys

import cv2
import numpy as np


def segment(img, ds, p):
    hsv = cv2.cvtColor(img, cv2.COLOR_RGB2HSV)
    med = cv2.medianBlur(hsv[:, :, 1], p['mthresh'])
    if p['use_otsu']:
        t, binary = cv2.threshold(med, 0, 255, cv2.THRESH_OTSU + cv2.THRESH_BINARY)
    else:
        t, binary = cv2.threshold(med, p['sthresh'], 255, cv2.THRESH_BINARY)
    if p['close'] > 0:
        binary = cv2.morphologyEx(binary, cv2.MORPH_CLOSE, np.ones((p['close'], p['close']), np.uint8))
    ref_area = int(p['ref_patch_size'] ** 2 / (ds[0] * ds[1]))
    a_t = p['a_t'] * ref_area
    a_h = p['a_h'] * ref_area
    contours, hier = cv2.findContours(binary, cv2.RETR_CCOMP, cv2.CHAIN_APPROX_NONE)
    regions = []
    if hier is None:
        return t, binary, regions
    parent = hier[0][:, 3]
    for i in np.flatnonzero(parent == -1):
        holes = [contours[j] for j in np.flatnonzero(parent == i)]
        area = cv2.contourArea(contours[i]) - sum(cv2.contourArea(h) for h in holes)
        if area == 0 or not (a_t < area):
            continue
        holes = sorted(holes, key=cv2.contourArea, reverse=True)[: p['max_n_holes']]
        holes = [h for h in holes if cv2.contourArea(h) > a_h]
        regions.append((contours[i], holes))
    return t, binary, regions


def final_mask(shape, regions):
    out = np.zeros(shape, np.uint8)
    for outer, holes in regions:
        tmp = np.zeros(shape, np.uint8)
        cv2.drawContours(tmp, [outer], -1, 255, cv2.FILLED)
        if holes:
            cv2.drawContours(tmp, holes, -1, 0, cv2.FILLED)
            cv2.drawContours(tmp, holes, -1, 255, 1)
        out |= tmp
    return out


def four_pt_coords(regions, ds, size0, step0):
    found = set()
    shift = int(size0 // 2 * 0.5)
    for outer, holes in regions:
        cont = np.array(outer * np.array(ds), dtype='int32')
        hs = [np.array(h * np.array(ds), dtype='int32') for h in holes]
        x0, y0, w, h = cv2.boundingRect(cont)
        for x in range(x0, x0 + w, step0):
            for y in range(y0, y0 + h, step0):
                cx, cy = x + size0 // 2, y + size0 // 2
                pts = [(cx - shift, cy - shift), (cx + shift, cy + shift), (cx + shift, cy - shift), (cx - shift, cy + shift)]
                if not any(cv2.pointPolygonTest(cont, (float(a), float(b)), False) >= 0 for a, b in pts):
                    continue
                c = (x + size0 / 2, y + size0 / 2)
                if any(cv2.pointPolygonTest(hh, c, False) > 0 for hh in hs):
                    continue
                found.add((x, y))
    return sorted(found)


def main():
    req = json.load(open(sys.argv[1]))
    raw = np.fromfile(req['image'], dtype=np.uint8).reshape(req['height'], req['width'], req['channels'])
    img = np.ascontiguousarray(raw[:, :, :3])
    ds = req['downsample']
    t, binary, regions = segment(img, ds, req['params'])
    mask = final_mask(binary.shape, regions)
    mask.tofile(req['mask_out'])
    binary.tofile(req['binary_out'])
    out = {'threshold': float(t), 'regions': len(regions), 'holes': sum(len(h) for _, h in regions)}
    if req.get('patch'):
        out['coords'] = four_pt_coords(regions, ds, req['patch']['size0'], req['patch']['step0'])
    print(json.dumps(out))


main()
