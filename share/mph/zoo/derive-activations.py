#!/usr/bin/python3
# Measures the activation figures of models.csv that papers do not report:
#   act_peak_mb  peak memory of one no-grad forward pass per sample (MB,
#                1e6 bytes): the slope of the profiler's peak between batch
#                8 and 16, so weights and batch-independent buffers drop out;
#                workspaces such as im2col count, as cuDNN's do on a GPU
#   act_sum_mb   sum of the outputs of every leaf layer per sample (MB): the
#                activation bytes written to, and read back from, memory
# Reference implementations: torchvision (Debian python3-torchvision 0.14,
# PyTorch 1.13, CPU), random weights (weights do not change either figure),
# and the small definitions below for models torchvision lacks. Prints CSV:
# name,input,act_peak_mb,act_sum_mb,gmacs_measured,params_m_measured,layers
# where layers counts convolution and dense layers (per transformer layer:
# Q/K/V, scores, context, output, two feed-forward: 6), the kernels whose
# fixed cost each batch pays. `--layers` prints only name,layers (fast).
# The sim and the trace do not need this script; it documents the figures.
import sys
import torch
import torch.nn as nn
import torchvision.models as tvm
from torch.profiler import profile, ProfilerActivity

torch.set_num_threads(1)


def peak_bytes(m, x):
	with torch.no_grad(), profile(activities=[ProfilerActivity.CPU], profile_memory=True) as p:
		m(x)
	pts = []
	for e in p.events():
		s = e.cpu_memory_usage if e.name == '[memory]' else e.self_cpu_memory_usage
		if s:
			pts.append((e.time_range.end if s < 0 else e.time_range.start, s))
	pts.sort()
	cur = mx = 0
	for _, s in pts:
		cur += s
		mx = max(mx, cur)
	return mx


def leaf_stats(m, x):
	"""Sum of leaf outputs (elements) and MACs of conv/linear layers."""
	tot = {'out': 0, 'macs': 0}
	hooks = []

	def hook(mod, inp, out):
		outs = out if isinstance(out, (tuple, list)) else (out,)
		for o in outs:
			if torch.is_tensor(o):
				tot['out'] += o.numel()
		o = outs[0]
		if isinstance(mod, nn.Conv2d):
			tot['macs'] += o.numel() * mod.in_channels // mod.groups * mod.kernel_size[0] * mod.kernel_size[1]
		elif isinstance(mod, nn.Linear):
			tot['macs'] += o.numel() * mod.in_features
	for mod in m.modules():
		if len(list(mod.children())) == 0:
			hooks.append(mod.register_forward_hook(hook))
	with torch.no_grad():
		m(x)
	for h in hooks:
		h.remove()
	return tot['out'] / x.shape[0], tot['macs'] / x.shape[0]


class MobileNetV1(nn.Module):
	# Howard et al. 2017, Table 1 (width 1.0, 224x224).
	def __init__(self):
		super().__init__()
		cfg = [(32, 64, 1), (64, 128, 2), (128, 128, 1), (128, 256, 2), (256, 256, 1),
		       (256, 512, 2)] + [(512, 512, 1)] * 5 + [(512, 1024, 2), (1024, 1024, 1)]
		layers = [nn.Conv2d(3, 32, 3, 2, 1, bias=False), nn.BatchNorm2d(32), nn.ReLU()]
		for i, o, s in cfg:
			layers += [nn.Conv2d(i, i, 3, s, 1, groups=i, bias=False), nn.BatchNorm2d(i), nn.ReLU(),
			           nn.Conv2d(i, o, 1, bias=False), nn.BatchNorm2d(o), nn.ReLU()]
		layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(1024, 1000)]
		self.f = nn.Sequential(*layers)

	def forward(self, x):
		return self.f(x)


class SepConv(nn.Sequential):
	def __init__(self, i, o):
		super().__init__(nn.Conv2d(i, i, 3, 1, 1, groups=i, bias=False),
		                 nn.Conv2d(i, o, 1, bias=False), nn.BatchNorm2d(o))


class XBlock(nn.Module):
	"""An Xception block: ReLU-SepConv units, then a max-pool and a strided
	1x1 shortcut when it downsamples, an identity shortcut otherwise."""
	def __init__(self, i, o, reps, down, first_relu=True, grow_first=True):
		super().__init__()
		units, c = [], i
		for r in range(reps):
			out = o if (grow_first and r == 0) or (not grow_first and r == reps - 1) else c
			if r > 0 or first_relu:
				units.append(nn.ReLU())
			units.append(SepConv(c, out))
			c = out
		if down:
			units.append(nn.MaxPool2d(3, 2, 1))
		self.body = nn.Sequential(*units)
		self.skip = nn.Sequential(nn.Conv2d(i, o, 1, 2 if down else 1, bias=False),
		                          nn.BatchNorm2d(o)) if down or i != o else None

	def forward(self, x):
		return self.body(x) + (self.skip(x) if self.skip is not None else x)


class Xception(nn.Module):
	# Chollet 2017, Figure 5 (299x299).
	def __init__(self):
		super().__init__()
		self.stem = nn.Sequential(nn.Conv2d(3, 32, 3, 2, bias=False), nn.BatchNorm2d(32), nn.ReLU(),
		                          nn.Conv2d(32, 64, 3, bias=False), nn.BatchNorm2d(64), nn.ReLU())
		blocks = [XBlock(64, 128, 2, True, first_relu=False), XBlock(128, 256, 2, True),
		          XBlock(256, 728, 2, True)] + [XBlock(728, 728, 3, False) for _ in range(8)]
		blocks.append(XBlock(728, 1024, 2, True, grow_first=False))
		self.blocks = nn.Sequential(*blocks)
		self.exit = nn.Sequential(SepConv(1024, 1536), nn.ReLU(), SepConv(1536, 2048), nn.ReLU(),
		                          nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(2048, 1000))

	def forward(self, x):
		return self.exit(self.blocks(self.stem(x)))


class Encoder(nn.Module):
	"""A BERT-style (post-LN, GELU) or GPT-2-style (causal, LM head) stack."""
	def __init__(self, vocab, d, heads, ff, layers, lm_head=False, emb=None):
		super().__init__()
		self.emb = nn.Embedding(vocab, emb or d)
		self.proj = nn.Linear(emb, d) if emb else None  # ALBERT's factorised embedding
		self.layers = nn.ModuleList(nn.TransformerEncoderLayer(d, heads, ff, activation='gelu',
		                            batch_first=True) for _ in range(layers))
		self.head = nn.Linear(d, vocab, bias=False) if lm_head else None
		self.causal = lm_head
		self.shape = (vocab, d, heads, ff, layers, emb)

	def analytic(self, n):
		"""Leaf outputs (elements) and MACs per sequence of n tokens: the
		fused attention kernels hide Q, K, V and the scores from hooks."""
		vocab, d, h, ff, layers, emb = self.shape
		per_layer = n * (3 * d + d + d + d + 2 * ff + d + d) + 2 * h * n * n
		macs_layer = n * (4 * d * d + 2 * d * ff) + 2 * n * n * d
		outs = n * (emb or d) + (n * d if emb else 0) + layers * per_layer
		macs = (n * emb * d if emb else 0) + layers * macs_layer
		if self.head is not None:
			outs += n * vocab
			macs += n * d * vocab
		return outs, macs

	def forward(self, ids):
		h = self.emb(ids)
		if self.proj is not None:
			h = self.proj(h)
		mask = None
		if self.causal:
			n = ids.shape[1]
			mask = torch.triu(torch.full((n, n), float('-inf')), 1)
		for l in self.layers:
			h = l(h, src_mask=mask)
		return self.head(h) if self.head is not None else h


class BagMLP(nn.Module):
	"""NNLM / USE-DAN: averaged token embeddings, then dense layers."""
	def __init__(self, vocab, d, hidden):
		super().__init__()
		self.emb = nn.EmbeddingBag(vocab, d, mode='mean')
		dims = [d] + hidden
		self.mlp = nn.Sequential(*[m for i in range(len(hidden)) for m in
		                           (nn.Linear(dims[i], dims[i + 1]), nn.Tanh())])

	def forward(self, ids):
		return self.mlp(self.emb(ids))


SEQ = 128  # tokens per request for the text models (BERT's fine-tuning length)
MODELS = {
	# name: (constructor, input shape per sample, integer input vocab or None)
	'resnet18_v1': (tvm.resnet18, (3, 224, 224), None),
	'resnet34_v1': (tvm.resnet34, (3, 224, 224), None),
	'xception': (Xception, (3, 299, 299), None),
	'resnet50_v1': (tvm.resnet50, (3, 224, 224), None),
	'resnet101_v1': (tvm.resnet101, (3, 224, 224), None),
	'resnet152_v1': (tvm.resnet152, (3, 224, 224), None),
	'vgg16': (tvm.vgg16, (3, 224, 224), None),
	'vgg19': (tvm.vgg19, (3, 224, 224), None),
	'densenet121': (tvm.densenet121, (3, 224, 224), None),
	'densenet169': (tvm.densenet169, (3, 224, 224), None),
	'densenet201': (tvm.densenet201, (3, 224, 224), None),
	'inception_v1': (lambda: tvm.googlenet(aux_logits=False, init_weights=False), (3, 224, 224), None),
	'inception_v3': (lambda: tvm.inception_v3(aux_logits=False, init_weights=False), (3, 299, 299), None),
	'mobilenet_v1': (MobileNetV1, (3, 224, 224), None),
	'mobilenet_v2': (tvm.mobilenet_v2, (3, 224, 224), None),
	'mobilenet_v3_small': (tvm.mobilenet_v3_small, (3, 224, 224), None),
	'mobilenet_v3_large': (tvm.mobilenet_v3_large, (3, 224, 224), None),
	'efficientnet_b0': (tvm.efficientnet_b0, (3, 224, 224), None),
	'efficientnet_b1': (tvm.efficientnet_b1, (3, 240, 240), None),
	'efficientnet_b2': (tvm.efficientnet_b2, (3, 260, 260), None),
	'efficientnet_b3': (tvm.efficientnet_b3, (3, 300, 300), None),
	'efficientnet_b4': (tvm.efficientnet_b4, (3, 380, 380), None),
	'efficientnet_b5': (tvm.efficientnet_b5, (3, 456, 456), None),
	'efficientnet_b6': (tvm.efficientnet_b6, (3, 528, 528), None),
	'efficientnet_b7': (tvm.efficientnet_b7, (3, 600, 600), None),
	'bert_base': (lambda: Encoder(30522, 768, 12, 3072, 12), (SEQ,), 30522),
	'bert_large': (lambda: Encoder(30522, 1024, 16, 4096, 24), (SEQ,), 30522),
	'albert_base': (lambda: Encoder(30000, 768, 12, 3072, 12, emb=128), (SEQ,), 30000),
	'albert_large': (lambda: Encoder(30000, 1024, 16, 4096, 24, emb=128), (SEQ,), 30000),
	'roberta_base': (lambda: Encoder(50265, 768, 12, 3072, 12), (SEQ,), 50265),
	'roberta_large': (lambda: Encoder(50265, 1024, 16, 4096, 24), (SEQ,), 50265),
	'distilbert': (lambda: Encoder(30522, 768, 12, 3072, 6), (SEQ,), 30522),
	'gpt2_small': (lambda: Encoder(50257, 768, 12, 3072, 12, lm_head=True), (SEQ,), 50257),
	'nnlm_en_dim50': (lambda: BagMLP(973771, 50, []), (SEQ,), 973771),
	'nnlm_en_dim128': (lambda: BagMLP(973771, 128, []), (SEQ,), 973771),
	'use_dan': (lambda: BagMLP(8000, 512, [512, 512, 512]), (SEQ,), 8000),
}


def count_layers(m):
	if hasattr(m, 'shape'):
		vocab, d, h, ff, layers, emb = m.shape
		return 6 * layers + (1 if m.head is not None else 0) + (1 if emb else 0)
	if isinstance(m, BagMLP):
		return 1 + len([x for x in m.mlp if isinstance(x, nn.Linear)])
	return sum(1 for x in m.modules() if isinstance(x, (nn.Conv2d, nn.Linear)))


def measure(name):
	ctor, shape, vocab = MODELS[name]
	m = ctor().eval()

	def x(b):
		if vocab:
			return torch.randint(0, vocab, (b,) + shape)
		return torch.randn((b,) + shape)
	p8, p16 = peak_bytes(m, x(8)), peak_bytes(m, x(16))
	outs, macs = m.analytic(shape[0]) if hasattr(m, 'analytic') else leaf_stats(m, x(2))
	params = sum(p.numel() for p in m.parameters())
	return ((p16 - p8) / 8 / 1e6, outs * 4 / 1e6, macs / 1e9, params / 1e6,
	        'x'.join(str(s) for s in shape))


if sys.argv[1:2] == ['--layers']:
	print('name,layers')
	for name in (sys.argv[2:] or MODELS):
		print(f'{name},{count_layers(MODELS[name][0]().eval())}', flush=True)
	sys.exit(0)
print('name,input,act_peak_mb,act_sum_mb,gmacs_measured,params_m_measured,layers')
for name in (sys.argv[1:] or MODELS):
	pk, sm, g, pm, shp = measure(name)
	nl = count_layers(MODELS[name][0]().eval())
	print(f'{name},{shp},{pk:.1f},{sm:.1f},{g:.3f},{pm:.2f},{nl}', flush=True)
