#!/usr/bin/env python3
"""PyTorch on lccl's libnccl.so.2: every collective torch.distributed issues
through NCCL, checked against a reference computed on the host.

    LD_PRELOAD=build/lib/libnccl.so.2 NCCL_DEBUG=INFO \\
        torchrun --nproc_per_node 4 test/nccl/torch_dropin.py

Inputs are random integers (never zero) chosen so every result is exact in
every dtype, whatever the reduction order. Each rank checks its own results;
the verdicts are combined over a separate gloo group (independent of the
library under test) and rank 0 prints `PASS name` / `FAIL name` lines and
`torch dropin: N passed, M failed`. Exit status 0 only when all passed.
"""
import ctypes
import datetime
import os
import sys
import traceback

# Never NVLink multicast / NVLS, whichever library serves the calls.
os.environ.setdefault("NCCL_NVLS_ENABLE", "0")
os.environ.setdefault("TORCH_SYMM_MEM_DISABLE_MULTICAST", "1")

import torch  # noqa: E402
import torch.distributed as dist  # noqa: E402

RANK = int(os.environ.get("RANK", "0"))
WORLD = int(os.environ.get("WORLD_SIZE", "1"))
LOCAL_RANK = int(os.environ.get("LOCAL_RANK", "0"))
DEV = torch.device("cuda", LOCAL_RANK)

FLOATS = [torch.bfloat16, torch.float16, torch.float32]
INTS = [torch.int32, torch.int64]
SMALL, LARGE = 1031, (1 << 20) + 7  # LL one-shot and staged paths; odd counts

results = []  # (name, ok, message)
_test_index = [0]


def values(rank, shape, dtype, lo=1, hi=4):
    """Rank `rank`'s input for the current test: integers in [lo, hi]."""
    g = torch.Generator().manual_seed(1000003 * _test_index[0] + rank)
    return torch.randint(lo, hi + 1, shape, generator=g, dtype=torch.int64).to(dtype)


def all_inputs(shape, dtype, lo=1, hi=4):
    return [values(r, shape, dtype, lo, hi) for r in range(WORLD)]


def reduce_ref(tensors, op, dtype):
    wide = [t.to(torch.float64 if dtype.is_floating_point else torch.int64) for t in tensors]
    out = wide[0].clone()
    for t in wide[1:]:
        if op in ("sum", "avg"):
            out += t
        elif op == "product":
            out *= t
        elif op == "max":
            out = torch.maximum(out, t)
        elif op == "min":
            out = torch.minimum(out, t)
    if op == "avg":
        out = out / WORLD
    return out.to(dtype)


def same(got, want, dtype, op=None):
    got = got.cpu()
    if op == "avg":
        tol = {torch.bfloat16: 2 ** -7, torch.float16: 2 ** -10}.get(dtype, 1e-6)
        ok = torch.allclose(got.double(), want.double(), rtol=tol, atol=0)
    else:
        ok = torch.equal(got, want)
    if not ok:
        diff = (got.double() - want.double()).abs()
        bad = int((diff > 0).sum())
        i = int(diff.argmax())
        raise AssertionError(f"{bad} of {got.numel()} elements wrong; first max at {i}: "
                             f"got {got.flatten()[i].item()}, want {want.flatten()[i].item()}")


def check(name, fn):
    _test_index[0] += 1
    try:
        fn()
        torch.cuda.synchronize()
        results.append((name, True, ""))
    except Exception as e:  # noqa: BLE001 — every failure is reported, the run goes on
        msg = f"{type(e).__name__}: {e}"
        results.append((name, False, msg))
        print(f"[rank {RANK}] FAIL {name}: {msg}", file=sys.stderr, flush=True)
        if os.environ.get("LCCL_DROPIN_TRACE"):
            traceback.print_exc()


# ---- the library ---------------------------------------------------------------

def nccl_libraries():
    paths = set()
    with open("/proc/self/maps") as f:
        for line in f:
            parts = line.split()
            if len(parts) >= 6 and "libnccl" in os.path.basename(parts[5]):
                paths.add(os.path.realpath(parts[5]))
    return sorted(paths)


def mapped_ranges(path):
    ranges = []
    with open("/proc/self/maps") as f:
        for line in f:
            parts = line.split()
            if len(parts) >= 6 and os.path.realpath(parts[5]) == path:
                lo, hi = (int(x, 16) for x in parts[0].split("-"))
                ranges.append((lo, hi))
    return ranges


def test_library():
    libs = nccl_libraries()
    preload = [os.path.realpath(p) for p in os.environ.get("LD_PRELOAD", "").replace(":", " ").split()
               if "libnccl" in p]
    lib = ctypes.CDLL("libnccl.so.2")  # already mapped: the same library torch uses
    ours = hasattr(lib, "ncclAllToAll") and hasattr(lib, "pncclAllToAll")  # only lccl exports both
    version = ctypes.c_int(0)
    lib.ncclGetVersion(ctypes.byref(version))
    torch_version = torch.cuda.nccl.version()
    if RANK == 0:
        print(f"libnccl mapped: {libs}; ncclGetVersion {version.value}; "
              f"torch.cuda.nccl.version() {torch_version}; lccl: {ours}", flush=True)
    assert libs, "no libnccl is mapped (a PyTorch build that links NCCL statically?)"
    assert ours, (f"libnccl.so.2 in use is not lccl's: {libs} (torch.cuda.nccl.version() "
                  f"{torch_version})")
    if preload:
        # torch may also map its own wheel's copy (it preloads CUDA libraries by
        # path); what matters is whose symbols the process binds to: the
        # global-scope ncclAllReduce must live in the preloaded library.
        addr = ctypes.cast(ctypes.CDLL(None).ncclAllReduce, ctypes.c_void_p).value
        ranges = mapped_ranges(preload[0])
        assert ranges, f"preloaded {preload[0]} is not mapped: {libs}"
        assert any(lo <= addr < hi for lo, hi in ranges), (
            f"ncclAllReduce resolves to {addr:#x}, outside the preloaded {preload[0]} ({libs})")
    else:
        assert len(libs) == 1, f"several libnccl mapped: {libs}"
    assert version.value == 22809, f"ncclGetVersion reports {version.value}"


# ---- collectives ---------------------------------------------------------------

OPS = {"sum": dist.ReduceOp.SUM, "avg": dist.ReduceOp.AVG, "max": dist.ReduceOp.MAX,
       "min": dist.ReduceOp.MIN, "product": dist.ReduceOp.PRODUCT}


def all_reduce(op, dtype, n):
    def run():
        # Products of values in [1, 2] are powers of two: exact in every dtype.
        hi = 2 if op == "product" else 4
        ins = all_inputs((n,), dtype, hi=hi)
        t = ins[RANK].to(DEV)
        dist.all_reduce(t, op=OPS[op])
        same(t, reduce_ref(ins, op, dtype), dtype, op)
    return run


def all_reduce_premul_sum(dtype, n, on_device):
    """PREMUL_SUM: ncclRedOpCreatePreMulSum with a host (Python number) or a
    device (tensor) factor; every input is scaled by it, then summed."""
    def run():
        ins = all_inputs((n,), dtype)
        t = ins[RANK].to(DEV)
        factor = 3.0
        f = torch.tensor([factor], dtype=dtype, device=DEV) if on_device else factor
        dist.all_reduce(t, op=dist._make_nccl_premul_sum(f))
        same(t, reduce_ref([x * factor for x in ins], "sum", dtype), dtype)
    return run


def all_gather(dtype, n):
    def run():
        ins = all_inputs((n,), dtype)
        out = torch.empty(WORLD * n, dtype=dtype, device=DEV)
        dist.all_gather_into_tensor(out, ins[RANK].to(DEV))
        same(out, torch.cat(ins), dtype)
    return run


def reduce_scatter(op, dtype, n):
    def run():
        ins = all_inputs((WORLD * n,), dtype)
        out = torch.empty(n, dtype=dtype, device=DEV)
        dist.reduce_scatter_tensor(out, ins[RANK].to(DEV), op=OPS[op])
        want = reduce_ref(ins, op, dtype)[RANK * n:(RANK + 1) * n]
        same(out, want, dtype, op)
    return run


def broadcast(root, dtype, n):
    def run():
        ins = all_inputs((n,), dtype)
        t = ins[RANK].to(DEV)
        dist.broadcast(t, src=root)
        same(t, ins[root], dtype)
    return run


def reduce(root, op, dtype, n):
    def run():
        ins = all_inputs((n,), dtype)
        t = ins[RANK].to(DEV)
        dist.reduce(t, dst=root, op=OPS[op])
        if RANK == root:
            same(t, reduce_ref(ins, op, dtype), dtype, op)
    return run


def all_to_all(dtype, split):
    """split(src, dst): elements src sends to dst."""
    def run():
        ins = [values(r, (sum(split(r, p) for p in range(WORLD)),), dtype) for r in range(WORLD)]
        send_sizes = [split(RANK, p) for p in range(WORLD)]
        recv_sizes = [split(p, RANK) for p in range(WORLD)]
        out = torch.empty(sum(recv_sizes), dtype=dtype, device=DEV)
        equal = len(set(send_sizes + recv_sizes)) == 1
        if equal:
            dist.all_to_all_single(out, ins[RANK].to(DEV))
        else:
            dist.all_to_all_single(out, ins[RANK].to(DEV), recv_sizes, send_sizes)
        pieces = []
        for p in range(WORLD):
            off = sum(split(p, q) for q in range(RANK))
            pieces.append(ins[p][off:off + split(p, RANK)])
        same(out, torch.cat(pieces), dtype)
    return run


def send_recv_batched(dtype, n):
    def run():
        ins = all_inputs((n,), dtype)
        nxt, prv = (RANK + 1) % WORLD, (RANK - 1) % WORLD
        out = torch.empty(n, dtype=dtype, device=DEV)
        ops = [dist.P2POp(dist.isend, ins[RANK].to(DEV), nxt), dist.P2POp(dist.irecv, out, prv)]
        for req in dist.batch_isend_irecv(ops):
            req.wait()
        same(out, ins[prv], dtype)
    return run


def send_recv_pairs(dtype, n):
    def run():
        ins = all_inputs((n,), dtype)
        peer = RANK ^ 1
        if peer >= WORLD:
            return
        out = torch.empty(n, dtype=dtype, device=DEV)
        if RANK % 2 == 0:
            dist.send(ins[RANK].to(DEV), peer)
            dist.recv(out, peer)
        else:
            dist.recv(out, peer)
            dist.send(ins[RANK].to(DEV), peer)
        same(out, ins[peer], dtype)
    return run


def barrier():
    dist.barrier(device_ids=[LOCAL_RANK])


def new_group(ranks, n):
    def run():
        group = dist.new_group(ranks=ranks)
        if RANK in ranks:
            ins = all_inputs((n,), torch.float32)
            t = ins[RANK].to(DEV)
            dist.all_reduce(t, group=group)
            same(t, reduce_ref([ins[r] for r in ranks], "sum", torch.float32), torch.float32)
            dist.barrier(group=group, device_ids=[LOCAL_RANK])
            dist.destroy_process_group(group)
    return run


def graph_all_reduce(dtype, n, replays=3):
    def run():
        static = torch.empty(n, dtype=dtype, device=DEV)
        side = torch.cuda.Stream()
        side.wait_stream(torch.cuda.current_stream())
        with torch.cuda.stream(side):  # warm-up outside the capture
            static.fill_(1)
            dist.all_reduce(static)
        torch.cuda.current_stream().wait_stream(side)
        torch.cuda.synchronize()
        graph = torch.cuda.CUDAGraph()
        with torch.cuda.graph(graph):
            dist.all_reduce(static)
        for i in range(replays):
            _test_index[0] += 1  # new inputs per replay
            ins = all_inputs((n,), dtype)
            static.copy_(ins[RANK].to(DEV))
            graph.replay()
            torch.cuda.synchronize()
            same(static, reduce_ref(ins, "sum", dtype), dtype)
    return run


def plan():
    tests = [("library", test_library)]
    for dtype in FLOATS + INTS:
        tname = str(dtype).replace("torch.", "")
        for op in OPS:
            if op == "avg" and not dtype.is_floating_point:
                continue
            for n in (SMALL, LARGE):
                tests.append((f"all_reduce_{op}_{tname}_n{n}", all_reduce(op, dtype, n)))
    # float32 and float16 only: for bfloat16, PyTorch hands NCCL a float32
    # factor while NCCL's ABI reads a bfloat16 (its first two bytes); lccl
    # reads it exactly as NCCL does.
    for dtype in (torch.float32, torch.float16):
        tname = str(dtype).replace("torch.", "")
        for on_device in (False, True):
            where = "device" if on_device else "host"
            tests.append((f"all_reduce_premul_sum_{where}_{tname}",
                          all_reduce_premul_sum(dtype, LARGE, on_device)))
    for dtype in (torch.float32, torch.bfloat16, torch.int64):
        tname = str(dtype).replace("torch.", "")
        for n in (SMALL, 65543):
            tests.append((f"all_gather_into_tensor_{tname}_n{n}", all_gather(dtype, n)))
            tests.append((f"reduce_scatter_tensor_sum_{tname}_n{n}", reduce_scatter("sum", dtype, n)))
        tests.append((f"reduce_scatter_tensor_max_{tname}", reduce_scatter("max", dtype, 4099)))
    for root in sorted({0, WORLD - 1}):
        tests.append((f"broadcast_root{root}_float32", broadcast(root, torch.float32, 262147)))
        tests.append((f"broadcast_root{root}_int32_small", broadcast(root, torch.int32, 17)))
    tests.append((f"reduce_sum_root{WORLD - 1}_float32", reduce(WORLD - 1, "sum", torch.float32, 262147)))
    tests.append(("reduce_max_root0_bfloat16", reduce(0, "max", torch.bfloat16, 1031)))
    tests.append(("all_to_all_single_equal_float32", all_to_all(torch.float32, lambda s, d: 4099)))
    tests.append(("all_to_all_single_equal_bfloat16_large",
                  all_to_all(torch.bfloat16, lambda s, d: 1 << 18)))
    tests.append(("all_to_all_single_uneven_float32",
                  all_to_all(torch.float32, lambda s, d: 1 + (3 * s + 5 * d) % 7 * 1000)))
    tests.append(("all_to_all_single_uneven_int64",
                  all_to_all(torch.int64, lambda s, d: 1 + s + 2 * d)))
    tests.append(("send_recv_batch_isend_irecv_float32", send_recv_batched(torch.float32, 65543)))
    tests.append(("send_recv_pairs_int32", send_recv_pairs(torch.int32, 1031)))
    tests.append(("barrier", barrier))
    tests.append(("new_group_even_ranks", new_group(list(range(0, WORLD, 2)), 4099)))
    tests.append(("new_group_first_two", new_group([0, 1] if WORLD > 1 else [0], 262147)))
    tests.append(("cuda_graph_all_reduce_float32", graph_all_reduce(torch.float32, 1031)))
    tests.append(("cuda_graph_all_reduce_bfloat16_large", graph_all_reduce(torch.bfloat16, LARGE)))
    return tests


def main():
    torch.cuda.set_device(DEV)
    dist.init_process_group("cpu:gloo,cuda:nccl", device_id=DEV,
                            timeout=datetime.timedelta(seconds=180))
    verdicts = dist.new_group(backend="gloo")  # combines results without the library under test
    for name, fn in plan():
        check(name, fn)
    failed_here = torch.tensor([0 if ok else 1 for _, ok, _ in results], dtype=torch.int32)
    dist.all_reduce(failed_here, op=dist.ReduceOp.SUM, group=verdicts)
    passed = failed = 0
    for (name, _, _), nbad in zip(results, failed_here.tolist()):
        if RANK == 0:
            print(f"{'PASS' if nbad == 0 else 'FAIL'} {name}" +
                  (f" ({nbad} of {WORLD} ranks)" if nbad else ""), flush=True)
        passed, failed = passed + (nbad == 0), failed + (nbad != 0)
    if RANK == 0:
        print(f"torch dropin: {passed} passed, {failed} failed", flush=True)
    dist.barrier(group=verdicts)
    dist.destroy_process_group()
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
