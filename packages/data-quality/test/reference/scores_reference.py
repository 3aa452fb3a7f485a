"""Independent numpy implementation of ../shared/spec/data-quality.md, used to produce the float64 reference
values hard-coded in test/check-values.test.ts (run: python3 scores_reference.py <shared/data>).
NYU: the PNG is decoded here with zlib + the PNG filters (no PIL needed), then divided by 1000 in float64."""
import sys, zlib, struct
import numpy as np

def read_png16(path):
    b = open(path, 'rb').read()
    assert b[:8] == b'\x89PNG\r\n\x1a\n'
    pos, idat = 8, b''
    while pos < len(b):
        n, = struct.unpack('>I', b[pos:pos + 4]); t = b[pos + 4:pos + 8]; body = b[pos + 8:pos + 8 + n]
        if t == b'IHDR': w, h, depth, ctype = struct.unpack('>IIBB', body[:10]); assert depth == 16 and ctype == 0
        if t == b'IDAT': idat += body
        pos += 12 + n
    raw = np.frombuffer(zlib.decompress(idat), np.uint8).reshape(h, 1 + 2 * w)
    out = np.zeros((h, 2 * w), np.int64); bpp = 2
    for y in range(h):
        f, r = raw[y, 0], raw[y, 1:].astype(np.int64)
        up = out[y - 1] if y else np.zeros(2 * w, np.int64)
        row = np.zeros(2 * w, np.int64)
        for x in range(2 * w):
            a = row[x - bpp] if x >= bpp else 0; c = up[x - bpp] if x >= bpp else 0; u = up[x]
            if f == 0: p = 0
            elif f == 1: p = a
            elif f == 2: p = u
            elif f == 3: p = (a + u) // 2
            else:
                pp = a + u - c; pa, pb, pc = abs(pp - a), abs(pp - u), abs(pp - c)
                p = a if pa <= pb and pa <= pc else (u if pb <= pc else c)
            row[x] = (r[x] + p) & 255
        out[y] = row
    return (out[:, 0::2] * 256 + out[:, 1::2]).astype(np.float64)

def scores(D, max_depth=None, K=20):
    D = D.astype(np.float64)
    valid = np.isfinite(D) & (D > 0)
    if max_depth is not None: valid &= D <= max_depth
    N = int(valid.sum()); r = {'validRatio': N / D.size}
    v = D[valid]
    n, _ = np.histogram(v, bins=K, range=(v.min(), v.max()))
    nbar = N / K; chi2 = ((n - nbar) ** 2 / nbar).sum()
    r['chi2Score'] = np.exp(-chi2 / N)
    pmax = n.max() / N
    r['concScore'] = 1.0 if pmax <= 2 / K else 1 - min(1.0, (pmax - 2 / K) / (0.5 - 2 / K))
    r['rangeScore'] = (n > 0).sum() / K
    r['distScore'] = 0.5 * r['chi2Score'] + 0.3 * r['concScore'] + 0.2 * r['rangeScore']
    c, right, down = D[:-1, :-1], D[:-1, 1:], D[1:, :-1]
    keep = valid[:-1, :-1] & valid[:-1, 1:] & valid[1:, :-1]
    G = np.sqrt((right - c) ** 2 + (down - c) ** 2)[keep]
    q = np.quantile(G, 0.9); s = G[G <= q]
    r['gradScore'] = 1.0 if s.mean() == 0 else 1 / (1 + s.std() / s.mean())
    r['totalScore'] = (r['gradScore'] + r['distScore']) / 2
    return r

root = sys.argv[1]
nyu = read_png16(root + '/nyu_metric3d/depth/sync_depth_00050.png') / 1000.0
t = np.load(root + '/tartanair_sample/depth_left/000180_left_depth.npy')
for name, r in [('nyu', scores(nyu)), ('tartan', scores(t)), ('tartan100', scores(t, 100))]:
    print(name, {k: float(repr_v) for k, repr_v in r.items()})
