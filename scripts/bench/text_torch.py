#!/usr/bin/env python3
"""PyTorch side of scripts/bench-text.sh: a MiniLM-sized BERT encoder (transformers' BertModel,
random weights: 6 layers, hidden 384, 12 heads, FFN 1536), sequence length 64, batch 16; full
fine-tune with embeddings frozen (as Rung's), frozen encoder + trained head, inference."""
import argparse, json, os, time
os.environ.setdefault("HF_HUB_OFFLINE", "1")
import torch
from transformers import BertConfig, BertModel

p = argparse.ArgumentParser()
p.add_argument("--threads", type=int, default=2)
p.add_argument("--seconds", type=float, default=5)
p.add_argument("--json", action="store_true")
a = p.parse_args()
torch.set_num_threads(a.threads)
torch.manual_seed(0)
cfg = BertConfig(vocab_size=30522, hidden_size=384, num_hidden_layers=6, num_attention_heads=12,
                 intermediate_size=1536, max_position_embeddings=512, attn_implementation="eager")
B, T = 16, 64
ids = torch.randint(1000, 21000, (B, T)); ids[:, 0] = 101; ids[:, -1] = 102
mask = torch.ones(B, T, dtype=torch.long)
labels = torch.arange(B) % 2

def pooled(model):
    x = model(input_ids=ids, attention_mask=mask).last_hidden_state
    m = mask[:, :, None].float()
    return (x * m).sum(1) / m.sum(1)

for name in ["full fine-tune", "frozen encoder", "inference"]:
    model = BertModel(cfg, add_pooling_layer=False)
    head = torch.nn.Linear(384, 2)
    drop = torch.nn.Dropout(0.1)
    for p_ in model.embeddings.parameters(): p_.requires_grad_(False)
    if name == "full fine-tune":
        model.train()
        opt = torch.optim.AdamW([p_ for p_ in model.parameters() if p_.requires_grad] + list(head.parameters()), lr=1e-4)
        def step():
            opt.zero_grad()
            torch.nn.functional.cross_entropy(head(drop(pooled(model))), labels).backward()
            opt.step()
    elif name == "frozen encoder":
        model.eval()
        opt = torch.optim.AdamW(head.parameters(), lr=1e-3)
        def step():
            with torch.no_grad():
                f = pooled(model)
            opt.zero_grad()
            torch.nn.functional.cross_entropy(head(drop(f)), labels).backward()
            opt.step()
    else:
        model.eval()
        def step():
            with torch.no_grad():
                head(pooled(model))
    step()
    start, n = time.perf_counter(), 0
    while time.perf_counter() - start < a.seconds:
        step(); n += 1
    rate = n / (time.perf_counter() - start)
    if a.json:
        print(json.dumps({"impl": "torch", "case": name, "threads": a.threads, "steps_per_s": rate,
                          "samples_per_s": rate * B, "version": torch.__version__}))
    else:
        print(f"{name:16s} {a.threads} thread(s): {rate:7.2f} steps/s")
