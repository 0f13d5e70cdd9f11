"""Adds a model's weights to an ONNX file exported with export_params=False, as external data in one file.

torch 1.13's exporter holds several copies of the weights while it exports them: the SD 1.5 UNet (3.4 GB) needed
more than 12.5 GB and was killed on the shared 24 GB machine. Exported without parameters, the graph takes them as
extra inputs named after the state dict; this turns each such input into an initializer (TensorProto, FLOAT, data in
`weights.bin` beside the model) and drops it from the graph's inputs, so that ONNX Runtime treats it as a constant
(folded and prepacked at session start) exactly as in a normal export. The protobuf is edited at the wire level:
the `onnx` package is not installed here. Only the fields needed are touched (ModelProto.graph = 7;
GraphProto.initializer = 5, input = 11; ValueInfoProto.name = 1; TensorProto dims = 1, data_type = 2, name = 8,
external_data = 13, data_location = 14).
"""
import os

import numpy as np

FLOAT, EXTERNAL = 1, 1


def _varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def _read_varint(buf, i):
    shift = result = 0
    while True:
        b = buf[i]
        i += 1
        result |= (b & 0x7F) << shift
        if not b & 0x80:
            return result, i
        shift += 7


def _fields(buf):
    """(field number, wire type, payload start, payload end, whole field start) for each top-level field."""
    i = 0
    while i < len(buf):
        start = i
        key, i = _read_varint(buf, i)
        field, wire = key >> 3, key & 7
        if wire == 0:
            _, i = _read_varint(buf, i)
            yield field, wire, start, i, start
        elif wire == 2:
            n, i = _read_varint(buf, i)
            yield field, wire, i, i + n, start
            i += n
        elif wire == 1:
            yield field, wire, i, i + 8, start
            i += 8
        elif wire == 5:
            yield field, wire, i, i + 4, start
            i += 4
        else:
            raise ValueError(f"unsupported wire type {wire}")


def _bytes_field(field, payload):
    return _varint(field << 3 | 2) + _varint(len(payload)) + payload


def _varint_field(field, value):
    return _varint(field << 3) + _varint(value)


def _name(value_info):
    for field, wire, a, b, _ in _fields(value_info):
        if field == 1 and wire == 2:
            return value_info[a:b].decode()
    return None


def _initializer(name, shape, offset, length, location):
    entry = lambda k, v: _bytes_field(13, _bytes_field(1, k.encode()) + _bytes_field(2, v.encode()))
    out = b"".join(_varint_field(1, d) for d in shape)
    out += _varint_field(2, FLOAT) + _bytes_field(8, name.encode())
    out += entry("location", location) + entry("offset", str(offset)) + entry("length", str(length))
    return out + _varint_field(14, EXTERNAL)


def add_weights(model_path, named_tensors, real_inputs, location="weights.bin"):
    """Turns the graph inputs named in `named_tensors` (name -> torch tensor) into external-data initializers; every
    other input must be one of `real_inputs`."""
    with open(model_path, "rb") as f:
        model = f.read()
    graph_field = next(f for f in _fields(model) if f[0] == 7)
    graph = model[graph_field[2]:graph_field[3]]
    kept, names = [], set()
    for field, wire, a, b, start in _fields(graph):
        name = _name(graph[a:b]) if field == 11 else None
        if name is not None and name in named_tensors:
            names.add(name)
            continue
        if name is not None and name not in real_inputs:
            raise SystemExit(f"graph input {name} is neither a model input nor a weight")
        kept.append(graph[start:b])
    offset = 0
    initializers = []
    with open(os.path.join(os.path.dirname(model_path), location + ".tmp"), "wb") as w:
        for name in sorted(names):
            a = named_tensors[name].detach().contiguous().cpu().numpy().astype("<f4")
            pad = (-offset) % 4096
            w.write(b"\0" * pad)
            offset += pad
            w.write(a.tobytes())
            initializers.append(_bytes_field(5, _initializer(name, a.shape, offset, a.nbytes, location)))
            offset += a.nbytes
    os.replace(os.path.join(os.path.dirname(model_path), location + ".tmp"), os.path.join(os.path.dirname(model_path), location))
    new_graph = b"".join(kept) + b"".join(initializers)
    out = model[:graph_field[4]] + _bytes_field(7, new_graph) + model[graph_field[3]:]
    with open(model_path + ".tmp", "wb") as f:
        f.write(out)
    os.replace(model_path + ".tmp", model_path)
    return len(names), offset
