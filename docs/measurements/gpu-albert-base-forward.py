# Run as: python3 docs/measurements/gpu-albert-base-forward.py (needs PyTorch, transformers and a CUDA GPU; writes
# gpu-albert-base-forward.json to $OUT or the current directory). Figures of 2026-12-04 on an NVIDIA H200 beside it.
# ALBERT-base forward time on the lent GPU: what the operator's CPU side (tokenize, build tensors, emit) must keep up
# with. Random weights of albert-base-v2's shape (nothing downloaded); CUDA events; medians of timed runs.
import json, os, statistics, subprocess, sys, time
out = {}
def sh(c):
    try:
        return subprocess.run(c, shell=True, capture_output=True, text=True, timeout=30).stdout.strip()
    except Exception as e:
        return repr(e)
out["java"] = sh("command -v java; java -version 2>&1 | head -1; ls /usr/lib/jvm 2>/dev/null")
out["cudart"] = sh("ls /usr/local/cuda*/lib64/libcudart.so* 2>/dev/null | head; nvidia-smi --query-gpu=name,driver_version --format=csv,noheader")
try:
    import onnxruntime
    out["onnxruntime"] = [onnxruntime.__version__, onnxruntime.get_available_providers()]
except Exception as e:
    out["onnxruntime"] = repr(e)
import torch
from transformers import AlbertConfig, AlbertForSequenceClassification
cfg = AlbertConfig(vocab_size=30000, embedding_size=128, hidden_size=768, num_hidden_layers=12,
                   num_attention_heads=12, intermediate_size=3072, hidden_act="gelu_new", num_labels=2)
torch.manual_seed(42)
model = AlbertForSequenceClassification(cfg).cuda().eval()
rows = []
for dtype in (torch.float32, torch.float16):
    m = model.to(dtype)
    for bs in (1, 8, 32, 64, 256):
        for seq in (64, 128):
            ids = torch.randint(5, 30000, (bs, seq), device="cuda")
            mask = torch.ones_like(ids)
            with torch.inference_mode():
                for _ in range(10):
                    m(input_ids=ids, attention_mask=mask)
                torch.cuda.synchronize()
                times = []
                for _ in range(30):
                    s, e = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
                    s.record(); m(input_ids=ids, attention_mask=mask); e.record(); torch.cuda.synchronize()
                    times.append(s.elapsed_time(e))
            ms = statistics.median(times)
            rows.append({"dtype": str(dtype).split(".")[1], "batch": bs, "seq": seq, "ms": round(ms, 3),
                         "records_per_s": round(bs / ms * 1000)})
            print(rows[-1], flush=True)
out["forward"] = rows
print(json.dumps({k: v for k, v in out.items() if k != "forward"}, indent=1))
json.dump(out, open(os.path.join(os.environ.get("OUT", "."), "gpu-albert-base-forward.json"), "w"), indent=1)
