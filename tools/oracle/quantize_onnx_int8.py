#!/usr/bin/python3
"""Writes ONNX Runtime's dynamic-int8 version of an fp32 ONNX model: the int8 peer of cpu-int8.

What onnxruntime.quantization.quantize_dynamic(per_channel=True, weight_type=QInt8) produces once ORT's own
graph optimizer has fused its DynamicQuantizeLinear -> MatMulInteger -> Cast -> Mul chains: every MatMul
whose weight is a 2-D initializer becomes `com.microsoft.DynamicQuantizeMatMul` with
- the weight quantized per output column, symmetric int8 (scale = max|w| / 127, zero point 0), and
- the activations quantized by ORT at run time (uint8, asymmetric, one scale for the whole tensor).
Everything else (attention's activation x activation MatMuls, softmax, LayerNorm, GELU) stays fp32, as
quantize_dynamic leaves it. onnxruntime's Python package is not on our machines (only the npm one), so the
rewrite is done here with python3-onnx.

Usage: /usr/bin/python3 tools/oracle/quantize_onnx_int8.py --input model.onnx --output model-int8.onnx
"""
import argparse

import numpy as np
import onnx
from onnx import helper, numpy_helper


def quantize_columns(w):
    """[K, N] fp32 -> (int8 [K, N], fp32 scale [N]), symmetric per column as quantize_dynamic's per_channel."""
    scale = np.abs(w).max(axis=0) / 127.0
    scale[scale == 0] = 1.0  # an all-zero column: any scale reproduces it
    q = np.clip(np.rint(w / scale), -127, 127).astype(np.int8)
    return q, scale.astype(np.float32)


def rewrite(model):
    graph = model.graph
    inits = {t.name: t for t in graph.initializer}
    nodes, replaced = [], 0
    for node in graph.node:
        weight = inits.get(node.input[1]) if node.op_type == "MatMul" else None
        if weight is None or len(weight.dims) != 2:
            nodes.append(node)
            continue
        q, scale = quantize_columns(numpy_helper.to_array(weight).astype(np.float32))
        base = weight.name
        graph.initializer.extend([numpy_helper.from_array(q, base + "_quantized"),
                                  numpy_helper.from_array(scale, base + "_scale")])
        nodes.append(helper.make_node("DynamicQuantizeMatMul", [node.input[0], base + "_quantized", base + "_scale"],
                                      list(node.output), name=node.name + "_quant", domain="com.microsoft"))
        replaced += 1
    del graph.node[:]
    graph.node.extend(nodes)
    used = {i for n in graph.node for i in n.input}
    kept = [t for t in graph.initializer if t.name in used]
    del graph.initializer[:]
    graph.initializer.extend(kept)
    if not any(o.domain == "com.microsoft" for o in model.opset_import):
        model.opset_import.append(helper.make_opsetid("com.microsoft", 1))
    return replaced


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--input", required=True, help="fp32 ONNX model (tools/oracle/export_onnx.py)")
    parser.add_argument("--output", required=True, help="int8 ONNX model to write")
    args = parser.parse_args()
    model = onnx.load(args.input)
    replaced = rewrite(model)
    if replaced == 0:
        raise SystemExit(f"quantize_onnx_int8: no MatMul with a 2-D weight initializer in {args.input}")
    onnx.checker.check_model(model)
    onnx.save(model, args.output)
    print(f"wrote {args.output}: {replaced} MatMuls as DynamicQuantizeMatMul (per-column int8 weights)")


if __name__ == "__main__":
    main()
