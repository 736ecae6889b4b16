#!/usr/bin/env python3
"""Lane-level model of attention_fp16_mma_kernel (src/backend/cuda/kernels/attention_fp16_mma.cu), no GPU.

Replays the kernel's ldmatrix addressing, fragment packing and online softmax for every lane of every warp,
with ldmatrix (.x4, optional .trans) and mma.m16n8k16 (row.col, f16 in, f32 accumulate) implemented from the
PTX ISA's fragment layouts, and compares the result with plain softmax attention. It checks the index
arithmetic, which is what breaks silently in such kernels; the GPU test (cuda_kernels_test
CudaAttentionMma.*) checks the real kernel. Keep the expressions in step with the kernel when it changes.
Exit 77 (skipped) without numpy.
"""
import sys

try:
    import numpy as np
except ImportError:
    print("skipped: numpy is not installed")
    sys.exit(77)

TILE = 64  # query rows per block (4 warps x 16) and key rows per K/V tile


def h16(x):
    return np.asarray(x, np.float16).astype(np.float32)


def ldmatrix_x4(smem, addr, trans=False):
    """addr(lane) -> (row, col) of the 8 halves lane gives; lanes 8i..8i+7 address matrix i's rows. Register
    i of lane l holds matrix i's (row l/4, columns 2(l%4), +1), or with .trans its transpose's."""
    regs = np.zeros((32, 4, 2), np.float32)
    for i in range(4):
        rows = [addr(8 * i + j) for j in range(8)]
        m = np.stack([smem[r, c:c + 8] for r, c in rows])
        if trans:
            m = m.T
        for lane in range(32):
            regs[lane, i] = m[lane // 4, 2 * (lane % 4):2 * (lane % 4) + 2]
    return regs


def mma(c, a, b0, b1):
    """c[lane][4] += A(16x16) . B(16x8) with A = a[lane][4][2], B = (b0, b1)[lane][2], PTX fragment layouts."""
    A = np.zeros((16, 16)); B = np.zeros((16, 8)); C = np.zeros((16, 8))
    for lane in range(32):
        g, t = lane // 4, lane % 4
        A[g, 2 * t:2 * t + 2] = a[lane, 0]; A[g + 8, 2 * t:2 * t + 2] = a[lane, 1]
        A[g, 2 * t + 8:2 * t + 10] = a[lane, 2]; A[g + 8, 2 * t + 8:2 * t + 10] = a[lane, 3]
        B[2 * t:2 * t + 2, g] = b0[lane]; B[2 * t + 8:2 * t + 10, g] = b1[lane]
        C[g, 2 * t:2 * t + 2] = c[lane, 0:2]; C[g + 8, 2 * t:2 * t + 2] = c[lane, 2:4]
    D = A @ B + C
    out = np.zeros_like(c)
    for lane in range(32):
        g, t = lane // 4, lane % 4
        out[lane, 0:2] = D[g, 2 * t:2 * t + 2]; out[lane, 2:4] = D[g + 8, 2 * t:2 * t + 2]
    return out


def quad(values, op):
    """__shfl_xor 1 and 2: every lane gets op over the 4 lanes of its quad."""
    return np.array([[op(values[(lane & ~3) + q, r] for q in range(4)) for r in range(2)] for lane in range(32)])


def block(q_tile, k_seq, v_seq, length, q0, D, head_dim, scale_log2):
    out = np.full((TILE, head_dim), np.nan, np.float32)
    for warp in range(4):
        if q0 + warp * 16 >= length:
            continue
        qf = [ldmatrix_x4(q_tile, lambda l, kk=kk: (warp * 16 + (l & 15), kk * 16 + (l >> 4) * 8))
              for kk in range(D // 16)]
        o = np.zeros((D // 8, 32, 4), np.float32)
        m = np.full((32, 2), -np.inf); l_sum = np.zeros((32, 2))
        for k0 in range(0, length, TILE):
            n = min(TILE, length - k0)
            ks = np.zeros((TILE, D), np.float32); vs = np.zeros((TILE, D), np.float32)
            ks[:n] = k_seq[k0:k0 + n]; vs[:n] = v_seq[k0:k0 + n]
            s = np.zeros((TILE // 8, 32, 4), np.float32)
            for jj in range(TILE // 16):
                for kk in range(D // 16):
                    kf = ldmatrix_x4(ks, lambda l: (jj * 16 + (l & 7) + (l >> 4) * 8, kk * 16 + ((l >> 3) & 1) * 8))
                    s[2 * jj] = mma(s[2 * jj], qf[kk], kf[:, 0], kf[:, 1])
                    s[2 * jj + 1] = mma(s[2 * jj + 1], qf[kk], kf[:, 2], kf[:, 3])
            mx = np.full((32, 2), -np.inf)
            for lane in range(32):
                t = lane & 3
                for j in range(TILE // 8):
                    for e in range(4):
                        v = s[j, lane, e] * scale_log2 if 8 * j + 2 * t + (e & 1) < n else -np.inf
                        s[j, lane, e] = v
                        mx[lane, e >> 1] = max(mx[lane, e >> 1], v)
            mx = quad(mx, max)
            m_new = np.maximum(m, mx); alpha = np.exp2(m - m_new); m = m_new
            pf = np.zeros((TILE // 16, 32, 4, 2), np.float32); part = np.zeros((32, 2))
            for kk in range(TILE // 16):
                lo, hi = s[2 * kk], s[2 * kk + 1]
                for lane in range(32):
                    def p(x, r):
                        return h16(np.exp2(x - m[lane, r]))
                    pf[kk, lane, 0] = [p(lo[lane, 0], 0), p(lo[lane, 1], 0)]
                    pf[kk, lane, 1] = [p(lo[lane, 2], 1), p(lo[lane, 3], 1)]
                    pf[kk, lane, 2] = [p(hi[lane, 0], 0), p(hi[lane, 1], 0)]
                    pf[kk, lane, 3] = [p(hi[lane, 2], 1), p(hi[lane, 3], 1)]
                    part[lane, 0] += pf[kk, lane, 0].sum() + pf[kk, lane, 2].sum()
                    part[lane, 1] += pf[kk, lane, 1].sum() + pf[kk, lane, 3].sum()
            l_sum = l_sum * alpha + quad(part, sum)
            o[:, :, 0:2] *= alpha[None, :, 0:1]; o[:, :, 2:4] *= alpha[None, :, 1:2]
            for kk in range(TILE // 16):
                for dd in range(D // 16):
                    vf = ldmatrix_x4(vs, lambda l: (kk * 16 + (l & 15), dd * 16 + (l >> 4) * 8), trans=True)
                    o[2 * dd] = mma(o[2 * dd], pf[kk], vf[:, 0], vf[:, 1])
                    o[2 * dd + 1] = mma(o[2 * dd + 1], pf[kk], vf[:, 2], vf[:, 3])
        for lane in range(32):
            g, t = lane >> 2, lane & 3
            for r in range(2):
                qi = q0 + warp * 16 + g + 8 * r
                if qi >= length:
                    continue
                for j in range(D // 8):
                    for e in range(2):
                        c = 8 * j + 2 * t + e
                        if c < head_dim:
                            out[qi - q0, c] = o[j, lane, 2 * r + e] / l_sum[lane, r]
    return out


def error(rng, length, head_dim, D):
    q, k, v = (h16(rng.standard_normal((length, head_dim))) for _ in range(3))
    scale = 1 / np.sqrt(head_dim)
    logits = (q @ k.T) * scale
    want = np.exp(logits - logits.max(1, keepdims=True))
    want = (want / want.sum(1, keepdims=True)) @ v
    pad = lambda x: np.pad(x, ((0, 0), (0, D - head_dim)))
    got = np.zeros_like(want)
    for q0 in range(0, length, TILE):
        rows = min(TILE, length - q0)
        q_tile = np.zeros((TILE, D), np.float32); q_tile[:rows] = pad(q)[q0:q0 + rows]
        got[q0:q0 + rows] = block(q_tile, pad(k), pad(v), length, q0, D, head_dim, 1.4426950408889634 * scale)[:rows]
    return np.inf if np.isnan(got).any() else float(np.abs(got - want).max())


def main():
    rng = np.random.default_rng(0)
    worst = 0.0
    # (length, head_dim, D): a single key, partial tiles, two tiles, and every head-dim bound with padding.
    for length, head_dim, D in [(1, 64, 64), (7, 64, 64), (65, 64, 64), (130, 15, 32), (70, 40, 64), (20, 128, 128)]:
        err = error(rng, length, head_dim, D)
        print(f"length {length:4d} head_dim {head_dim:3d} bound {D:3d}: max abs {err:.2e}")
        worst = max(worst, err)
    # P is rounded to fp16 like the kernel (the output here is not): errors stay at the 1e-4 level.
    if worst > 2e-3:
        print(f"FAILED: max abs {worst:.2e} > 2e-3")
        return 1
    print("passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
