"""All-reduce time as a PyTorch user sees it (torch.distributed, NCCL backend).

Run under torchrun, once with PyTorch's own NCCL and once with lccl's
libnccl.so.2 preloaded:

  torchrun --nproc_per_node 4 bench/torch/allreduce_timing.py
  LD_PRELOAD=build/lib/libnccl.so.2 torchrun --nproc_per_node 4 bench/torch/allreduce_timing.py

Prints, on rank 0, one line per size: bf16 bytes, eager us per call (CUDA
events around 100 calls after 20 warm-up calls) and CUDA-graph us per call (a
graph of 20 calls replayed 20 times after a warm-up replay); medians of 5.
"""
import os
import statistics

import torch
import torch.distributed as dist

SIZES = [1 << 10, 64 << 10, 1 << 20, 16 << 20]


def timed(fn, reps):
    start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    start.record()
    for _ in range(reps):
        fn()
    end.record()
    end.synchronize()
    return start.elapsed_time(end) * 1e3 / reps  # us per rep


def eager_us(t):
    for _ in range(20):
        dist.all_reduce(t)
    return statistics.median(timed(lambda: dist.all_reduce(t), 100) for _ in range(5))


def graph_us(t):
    s = torch.cuda.Stream()
    s.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(s):
        for _ in range(3):
            dist.all_reduce(t)  # warm-up on the capture stream
    torch.cuda.current_stream().wait_stream(s)
    g = torch.cuda.CUDAGraph()
    with torch.cuda.graph(g):
        for _ in range(20):
            dist.all_reduce(t)
    g.replay()
    torch.cuda.synchronize()
    return statistics.median(timed(g.replay, 20) / 20 for _ in range(5))


def main():
    rank = int(os.environ["RANK"])
    torch.cuda.set_device(int(os.environ["LOCAL_RANK"]))
    dist.init_process_group("nccl", device_id=torch.device("cuda", torch.cuda.current_device()))
    lib = "lccl" if "libnccl" in os.environ.get("LD_PRELOAD", "") else "nccl"
    for size in SIZES:
        t = torch.ones(size // 2, dtype=torch.bfloat16, device="cuda")
        e, g = eager_us(t), graph_us(t)
        if rank == 0:
            print(f"torch-allreduce lib={lib} ranks={dist.get_world_size()} bytes={size} "
                  f"eager_us={e:.2f} graph_us={g:.2f}", flush=True)
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
