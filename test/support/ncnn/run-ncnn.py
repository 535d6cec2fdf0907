# The reference runtime for the NCNN → ONNX equivalence tests: runs an NCNN model on CPU in fp32 (no fp16 or
# bf16 storage or arithmetic) on a raw float32 CHW image and writes the raw float32 CHW output.
# Usage: run-ncnn.py <model.param> <model.bin> <in.raw> <channels> <height> <width> <out.raw> [threads] [repeat]
# With `repeat`, the extraction runs that many more times and the wall time of each (ms) is printed as JSON,
# for the speed benchmark (test/bench/enhance-ncnn.ts).
import json
import sys
import time

import ncnn
import numpy as np

param, weights, source, c, h, w, target = sys.argv[1:8]
threads = int(sys.argv[8]) if len(sys.argv) > 8 else 2
repeat = int(sys.argv[9]) if len(sys.argv) > 9 else 0
image = np.fromfile(source, dtype=np.float32).reshape(int(c), int(h), int(w))
net = ncnn.Net()
net.opt.use_vulkan_compute = False
net.opt.num_threads = threads
net.opt.use_fp16_storage = False
net.opt.use_fp16_arithmetic = False
net.opt.use_fp16_packed = False
net.opt.use_bf16_storage = False
net.load_param(param)
net.load_model(weights)


def extract():
    extractor = net.create_extractor()
    extractor.input(net.input_names()[0], ncnn.Mat(image).clone())
    return extractor.extract(net.output_names()[0])[1]


result = extract()
np.ascontiguousarray(np.array(result), dtype=np.float32).tofile(target)
timings = []
for _ in range(repeat):
    started = time.perf_counter()
    extract()
    timings.append((time.perf_counter() - started) * 1000)
if repeat:
    print(json.dumps(timings))
