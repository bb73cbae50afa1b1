"""Pillow (native libjpeg-turbo) anchor for decode-bench.mjs.

usage: pillow-decode.py TILES.bin SECONDS [REF_OUT.rgb]
TILES.bin holds complete JPEG streams, each prefixed by a little-endian uint32 length.
Prints one JSON line {"tiles": n, "seconds": s}; with REF_OUT writes each tile's RGB decode (concatenated) there.
"""
import io, json, struct, sys, time
from PIL import Image

data = open(sys.argv[1], 'rb').read()
tiles, o = [], 0
while o < len(data):
    (n,) = struct.unpack_from('<I', data, o)
    tiles.append(data[o + 4:o + 4 + n])
    o += 4 + n
if len(sys.argv) > 3:
    with open(sys.argv[3], 'wb') as f:
        for t in tiles:
            f.write(Image.open(io.BytesIO(t)).convert('RGB').tobytes())
secs = float(sys.argv[2])
for t in tiles[:20]:
    Image.open(io.BytesIO(t)).load()
n, i = 0, 0
t0 = time.perf_counter()
end = t0 + secs
while time.perf_counter() < end:
    im = Image.open(io.BytesIO(tiles[i % len(tiles)]))
    im.load()
    n += 1
    i += 1
print(json.dumps({'tiles': n, 'seconds': time.perf_counter() - t0}))
