//! MTCNN's three networks as facenet-pytorch defines them (`facenet_pytorch/models/mtcnn.py`),
//! with its parameter names, so its converted weights load tensor for tensor.

use std::path::Path;

use tch::{Device, Kind, Tensor};

use crate::DetectError;

/// A convolution or dense layer's weight and bias.
struct Layer {
    weight: Tensor,
    bias: Tensor,
}

impl Layer {
    fn conv(&self, x: &Tensor) -> Tensor {
        x.conv2d(&self.weight, Some(&self.bias), [1, 1], [0, 0], [1, 1], 1)
    }

    fn dense(&self, x: &Tensor) -> Tensor {
        x.linear(&self.weight, Some(&self.bias))
    }
}

/// The tensors a network expects, created empty and filled from the weights file in one go.
struct Params {
    targets: Vec<(String, Tensor)>,
}

impl Params {
    fn new() -> Self {
        Params { targets: Vec::new() }
    }

    fn tensor(&mut self, name: String, shape: &[i64]) -> Tensor {
        let t = Tensor::zeros(shape, (Kind::Float, Device::Cpu));
        // A shallow clone shares storage: filling the target fills the layer's tensor.
        self.targets.push((name, t.shallow_clone()));
        t
    }

    fn conv(&mut self, name: &str, out: i64, inp: i64, kernel: i64) -> Layer {
        Layer {
            weight: self.tensor(format!("{name}.weight"), &[out, inp, kernel, kernel]),
            bias: self.tensor(format!("{name}.bias"), &[out]),
        }
    }

    fn dense(&mut self, name: &str, out: i64, inp: i64) -> Layer {
        Layer {
            weight: self.tensor(format!("{name}.weight"), &[out, inp]),
            bias: self.tensor(format!("{name}.bias"), &[out]),
        }
    }

    fn prelu(&mut self, name: &str, channels: i64) -> Tensor {
        self.tensor(format!("{name}.weight"), &[channels])
    }

    /// Fills every tensor from `path`; a missing, mismatched or extra tensor is an error (an
    /// extra one means the file is another network's).
    fn load(self, net: &'static str, path: &Path) -> Result<(), DetectError> {
        let unused = models::pretrained::copy_from_safetensors(net, &self.targets, path)
            .map_err(|source| DetectError::MtcnnWeights { net, source })?;
        if unused.is_empty() {
            Ok(())
        } else {
            Err(DetectError::MtcnnExtraTensors { net, path: path.to_path_buf(), unused })
        }
    }
}

/// `convN` + `preluN`, then `MaxPool2d(kernel, stride, ceil_mode=True)` where the net has one.
struct Block {
    conv: Layer,
    prelu: Tensor,
    pool: Option<(i64, i64)>,
}

/// A block's (output channels, input channels, kernel, pool (kernel, stride)).
type BlockSpec = (i64, i64, i64, Option<(i64, i64)>);

impl Params {
    /// `conv1`/`prelu1`, `conv2`/`prelu2`, ... as listed.
    fn blocks(&mut self, specs: &[BlockSpec]) -> Vec<Block> {
        let block = |p: &mut Params, i: usize, &(out, inp, kernel, pool): &BlockSpec| Block {
            conv: p.conv(&format!("conv{i}"), out, inp, kernel),
            prelu: p.prelu(&format!("prelu{i}"), out),
            pool,
        };
        specs.iter().enumerate().map(|(i, spec)| block(self, i + 1, spec)).collect()
    }
}

/// The convolutional blocks in order.
fn trunk(blocks: &[Block], x: &Tensor) -> Tensor {
    blocks.iter().fold(x.shallow_clone(), |x, b| {
        let x = b.conv.conv(&x).prelu(&b.prelu);
        match b.pool {
            Some((k, s)) => x.max_pool2d([k, k], [s, s], [0, 0], [1, 1], true),
            None => x,
        }
    })
}

/// facenet-pytorch flattens channels-last with x and y swapped (`permute(0, 3, 2, 1)`), as the
/// original Caffe model's dense layers expect, then runs the dense layer `denseN` + `preluN`.
fn dense_block(x: &Tensor, dense: &Layer, prelu: &Tensor) -> Tensor {
    let n = x.size()[0];
    dense.dense(&x.permute([0, 3, 2, 1]).contiguous().view([n, -1])).prelu(prelu)
}

/// P-Net: fully convolutional, one 12x12 window every 2 pixels.
pub(crate) struct PNet {
    blocks: Vec<Block>,
    conv4_1: Layer,
    conv4_2: Layer,
}

impl PNet {
    pub fn load(path: &Path) -> Result<Self, DetectError> {
        let mut p = Params::new();
        let net = PNet {
            blocks: p.blocks(&[(10, 3, 3, Some((2, 2))), (16, 10, 3, None), (32, 16, 3, None)]),
            conv4_1: p.conv("conv4_1", 2, 32, 1),
            conv4_2: p.conv("conv4_2", 4, 32, 1),
        };
        p.load("MTCNN P-Net", path)?;
        Ok(net)
    }

    /// (box regression `[n, 4, h, w]`, face/non-face probabilities `[n, 2, h, w]`).
    pub fn forward(&self, x: &Tensor) -> (Tensor, Tensor) {
        let x = trunk(&self.blocks, x);
        (self.conv4_2.conv(&x), self.conv4_1.conv(&x).softmax(1, Kind::Float))
    }
}

/// R-Net: scores and refines 24x24 crops.
pub(crate) struct RNet {
    blocks: Vec<Block>,
    dense4: Layer,
    prelu4: Tensor,
    dense5_1: Layer,
    dense5_2: Layer,
}

impl RNet {
    pub fn load(path: &Path) -> Result<Self, DetectError> {
        let mut p = Params::new();
        let net = RNet {
            blocks: p.blocks(&[(28, 3, 3, Some((3, 2))), (48, 28, 3, Some((3, 2))), (64, 48, 2, None)]),
            dense4: p.dense("dense4", 128, 576),
            prelu4: p.prelu("prelu4", 128),
            dense5_1: p.dense("dense5_1", 2, 128),
            dense5_2: p.dense("dense5_2", 4, 128),
        };
        p.load("MTCNN R-Net", path)?;
        Ok(net)
    }

    /// (box regression `[n, 4]`, probabilities `[n, 2]`).
    pub fn forward(&self, x: &Tensor) -> (Tensor, Tensor) {
        let x = dense_block(&trunk(&self.blocks, x), &self.dense4, &self.prelu4);
        (self.dense5_2.dense(&x), self.dense5_1.dense(&x).softmax(1, Kind::Float))
    }
}

/// O-Net: final scores, boxes and five landmarks on 48x48 crops.
pub(crate) struct ONet {
    blocks: Vec<Block>,
    dense5: Layer,
    prelu5: Tensor,
    dense6_1: Layer,
    dense6_2: Layer,
    dense6_3: Layer,
}

impl ONet {
    pub fn load(path: &Path) -> Result<Self, DetectError> {
        let mut p = Params::new();
        let net = ONet {
            blocks: p.blocks(&[
                (32, 3, 3, Some((3, 2))),
                (64, 32, 3, Some((3, 2))),
                (64, 64, 3, Some((2, 2))),
                (128, 64, 2, None),
            ]),
            dense5: p.dense("dense5", 256, 1152),
            prelu5: p.prelu("prelu5", 256),
            dense6_1: p.dense("dense6_1", 2, 256),
            dense6_2: p.dense("dense6_2", 4, 256),
            dense6_3: p.dense("dense6_3", 10, 256),
        };
        p.load("MTCNN O-Net", path)?;
        Ok(net)
    }

    /// (box regression `[n, 4]`, landmarks `[n, 10]` (five x, then five y, as fractions of
    /// the crop), probabilities `[n, 2]`).
    pub fn forward(&self, x: &Tensor) -> (Tensor, Tensor, Tensor) {
        let x = dense_block(&trunk(&self.blocks, x), &self.dense5, &self.prelu5);
        (self.dense6_2.dense(&x), self.dense6_3.dense(&x), self.dense6_1.dense(&x).softmax(1, Kind::Float))
    }
}
