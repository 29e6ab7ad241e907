# Usage (from the repository root, with the onnx and numpy packages): python3 model/demo-encoder/make_encoder.py \
#     model/demo-model model/demo-encoder
# Cuts model/demo-model's classifier off: the same graph and weights up to the pooler, with the outputs a
# feature-extraction export has (last_hidden_state, pooler_output). Checks that the classifier applied to the new
# pooler_output gives the old logits.
import json, sys, copy
import numpy as np
import onnx
from onnx import helper, TensorProto, numpy_helper

src, out = sys.argv[1], sys.argv[2]
m = onnx.load(src + "/model.onnx")
g = m.graph
assert [o.name for o in g.output] == ["logits"]
by_output = {o: n for n in g.node for o in n.output}
add = by_output["logits"]                       # Add(MatMul(pooler, Transpose(classifier.weight)), classifier.bias)
matmul = by_output[add.input[0]]
transpose = by_output[matmul.input[1]]
assert list(transpose.input) == ["classifier.weight"] and add.input[1] == "classifier.bias"
pooler = matmul.input[0]                        # Tanh(pooler dense)
gather = by_output[by_output[by_output[pooler].input[0]].input[0]].input[0]
hidden = by_output[gather].input[0]             # the last layer's LayerNormalization: [batch, sequence, hidden]
assert by_output[hidden].op_type == "LayerNormalization", by_output[hidden].op_type
hidden_size = json.load(open(src + "/config.json"))["hidden_size"]

e = copy.deepcopy(m)
eg = e.graph
drop = {id(add), id(matmul), id(transpose)}
keep = [n for n in g.node if id(n) not in drop]
del eg.node[:]
eg.node.extend(copy.deepcopy(keep))
eg.node.append(helper.make_node("Identity", [hidden], ["last_hidden_state"], name="last_hidden_state"))
eg.node.append(helper.make_node("Identity", [pooler], ["pooler_output"], name="pooler_output"))
kept_init = [i for i in eg.initializer if i.name not in ("classifier.weight", "classifier.bias")]
del eg.initializer[:]
eg.initializer.extend(kept_init)
del eg.output[:]
eg.output.append(helper.make_tensor_value_info("last_hidden_state", TensorProto.FLOAT,
                                               ["batch_size", "sequence_length", hidden_size]))
eg.output.append(helper.make_tensor_value_info("pooler_output", TensorProto.FLOAT, ["batch_size", hidden_size]))
onnx.checker.check_model(e)
onnx.save(e, out + "/model.onnx")
config = json.load(open(src + "/config.json"))
config["architectures"] = ["AlbertModel"]
for key in ("id2label", "label2id"):
    config.pop(key, None)
with open(out + "/config.json", "w") as f:
    json.dump(config, f, indent=2)
    f.write("\n")

# The check: classifier(pooler_output of the encoder) == logits of the classifier, on the same inputs.
from onnx.reference import ReferenceEvaluator
W = numpy_helper.to_array(next(i for i in g.initializer if i.name == "classifier.weight"))
b = numpy_helper.to_array(next(i for i in g.initializer if i.name == "classifier.bias"))
rng = np.random.default_rng(0)
ids = rng.integers(5, 8000, size=(3, 12)).astype(np.int64)
ids[:, 0] = 2; ids[:, -1] = 3
feeds = {"input_ids": ids, "attention_mask": np.ones_like(ids), "token_type_ids": np.zeros_like(ids)}
feeds = {k: v for k, v in feeds.items() if k in [i.name for i in g.input]}
logits = ReferenceEvaluator(m).run(["logits"], feeds)[0]
hid, pool = ReferenceEvaluator(e).run(["last_hidden_state", "pooler_output"], feeds)
print("hidden", hid.shape, "pooler", pool.shape)
diff = np.abs(pool @ W.T + b - logits).max()
print("max |classifier(pooler_output) - logits| =", diff)
assert diff < 1e-5
