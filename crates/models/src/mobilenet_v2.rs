//! MobileNetV2: Sandler et al. (2018), "MobileNetV2: Inverted Residuals and Linear Bottlenecks"
//! (CVPR), width 1.0, in torchvision's layout so that torchvision's ImageNet weights load as they
//! are (`agelab weights fetch mobilenet_v2` converts them into the cache).
//!
//! `features`: a 3x3 stride-2 convolution to 32 channels, seventeen inverted residual blocks
//! (1x1 expansion, 3x3 depthwise, linear 1x1 projection; a skip connection where the shape is
//! kept), a 1x1 convolution to 1280 channels; every convolution is bias-free and followed by
//! batch norm, with ReLU6 except after the projections. The forward pass averages the last feature
//! map over space: [`MobileNetV2::backbone`] returns those 1280 values per image (the part a
//! fine-tuned model keeps), [`MobileNetV2::with_classifier`] adds torchvision's classifier
//! (dropout 0.2, linear 1280 -> classes).
//!
//! Variable names are torchvision's state dict names: `features.0.0.weight`,
//! `features.0.1.{weight,bias,running_mean,running_var}`, `features.N.conv.I[.J].*`,
//! `features.18.*`, `classifier.1.{weight,bias}` (tch's own `vision::mobilenet::v2` uses the same
//! names but has no backbone-only form). Inputs are 224x224 RGB normalised with ImageNet's means
//! and deviations ([`imagenet_input`]).

use std::path::Path;

use tch::nn::{self, ModuleT};
use tch::{Kind, Tensor};

use crate::ModelError;

/// The architecture's name.
pub const NAME: &str = "mobilenet_v2";

/// Values per image the backbone returns.
pub const FEATURES: i64 = 1280;

/// ImageNet's per-channel means (R, G, B) of 0-1 pixels, as torchvision normalises.
pub const IMAGENET_MEAN: [f64; 3] = [0.485, 0.456, 0.406];
/// ImageNet's per-channel standard deviations (R, G, B).
pub const IMAGENET_STD: [f64; 3] = [0.229, 0.224, 0.225];

/// The inverted residual stages: (expansion, output channels, blocks, stride of the first block).
const STAGES: [(i64, i64, i64, i64); 7] =
    [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1)];

/// Convolution (no bias) + batch norm + ReLU6, torchvision's `Conv2dNormActivation`: the
/// convolution is `<p>.0`, the batch norm `<p>.1`.
fn conv_bn_relu6(p: nn::Path, c_in: i64, c_out: i64, kernel: i64, stride: i64, groups: i64) -> nn::SequentialT {
    let cfg = nn::ConvConfig { stride, padding: (kernel - 1) / 2, groups, bias: false, ..Default::default() };
    nn::seq_t()
        .add(nn::conv2d(&p / 0, c_in, c_out, kernel, cfg))
        .add(nn::batch_norm2d(&p / 1, c_out, Default::default()))
        .add_fn(|x| x.clamp(0.0, 6.0))
}

/// One inverted residual block under `<p>.conv`.
fn inverted_residual(p: nn::Path, c_in: i64, c_out: i64, stride: i64, expansion: i64) -> nn::FuncT<'static> {
    let p = &p / "conv";
    let hidden = c_in * expansion;
    let mut conv = nn::seq_t();
    let mut i = 0;
    if expansion != 1 {
        conv = conv.add(conv_bn_relu6(&p / i, c_in, hidden, 1, 1, 1));
        i += 1;
    }
    conv = conv
        .add(conv_bn_relu6(&p / i, hidden, hidden, 3, stride, hidden))
        .add(nn::conv2d(&p / (i + 1), hidden, c_out, 1, nn::ConvConfig { bias: false, ..Default::default() }))
        .add(nn::batch_norm2d(&p / (i + 2), c_out, Default::default()));
    let skip = stride == 1 && c_in == c_out;
    nn::func_t(move |x, train| {
        let y = x.apply_t(&conv, train);
        if skip {
            x + y
        } else {
            y
        }
    })
}

/// MobileNetV2, as a backbone or with torchvision's classifier.
#[derive(Debug)]
pub struct MobileNetV2 {
    features: nn::SequentialT,
    classifier: Option<nn::Linear>,
}

impl MobileNetV2 {
    /// The backbone: `[N, 3, H, W]` -> `[N, 1280]` (the last feature map averaged over space).
    pub fn backbone(p: &nn::Path) -> Self {
        let f = p / "features";
        let mut features = nn::seq_t().add(conv_bn_relu6(&f / 0, 3, 32, 3, 2, 1));
        let mut c_in = 32;
        let mut index = 1;
        for (expansion, c_out, blocks, stride) in STAGES {
            for b in 0..blocks {
                let stride = if b == 0 { stride } else { 1 };
                features = features.add(inverted_residual(&f / index, c_in, c_out, stride, expansion));
                c_in = c_out;
                index += 1;
            }
        }
        features = features.add(conv_bn_relu6(&f / index, c_in, FEATURES, 1, 1, 1));
        MobileNetV2 { features, classifier: None }
    }

    /// The backbone and torchvision's classifier: `[N, 3, H, W]` -> `[N, classes]` logits
    /// (dropout 0.2 in training, then `classifier.1`, linear 1280 -> classes).
    pub fn with_classifier(p: &nn::Path, classes: i64) -> Self {
        let mut net = Self::backbone(p);
        net.classifier = Some(nn::linear(p / "classifier" / 1, FEATURES, classes, Default::default()));
        net
    }

    /// The last feature map, `[N, 1280, H/32, W/32]` (rounded up).
    pub fn feature_map(&self, xs: &Tensor, train: bool) -> Tensor {
        xs.apply_t(&self.features, train)
    }
}

impl ModuleT for MobileNetV2 {
    fn forward_t(&self, xs: &Tensor, train: bool) -> Tensor {
        let pooled = self.feature_map(xs, train).adaptive_avg_pool2d([1, 1]).flatten(1, -1);
        match &self.classifier {
            Some(linear) => pooled.dropout(0.2, train).apply(linear),
            None => pooled,
        }
    }
}

/// ImageNet-normalised input from `u8` pixels `[N, 3, H, W]` (RGB): `(x / 255 - mean) / std` per
/// channel, as torchvision's `ToTensor` + `Normalize` give.
pub fn imagenet_input(pixels: &Tensor) -> Tensor {
    let device = pixels.device();
    let mean = Tensor::from_slice(&IMAGENET_MEAN).to_kind(Kind::Float).to_device(device).view([1, 3, 1, 1]);
    let std = Tensor::from_slice(&IMAGENET_STD).to_kind(Kind::Float).to_device(device).view([1, 3, 1, 1]);
    (pixels.to_kind(Kind::Float) / 255.0 - mean) / std
}

/// Copies the tensors of a safetensors file (`agelab weights fetch mobilenet_v2` makes one) into
/// the variables of `vs` that `wanted` accepts by name, checking each one's presence and shape
/// first (see [`crate::pretrained::copy_from_safetensors`]). Returns the file's tensors that were
/// not used (a backbone leaves `classifier.*`).
pub fn load_pretrained(
    vs: &nn::VarStore,
    path: &Path,
    wanted: impl Fn(&str) -> bool,
) -> Result<Vec<String>, ModelError> {
    let mut targets: Vec<(String, Tensor)> = vs.variables().into_iter().filter(|(n, _)| wanted(n)).collect();
    targets.sort_by(|a, b| a.0.cmp(&b.0));
    crate::pretrained::copy_from_safetensors(NAME, &targets, path)
}

#[cfg(test)]
mod tests {
    use tch::{nn, Device};

    use super::*;

    /// torchvision's `mobilenet_v2()` has 3,504,872 parameters, its 1000-class classifier
    /// (1280 * 1000 + 1000) included, and 52 batch norms.
    #[test]
    fn parameter_count_and_names_are_torchvisions() {
        let vs = nn::VarStore::new(Device::Cpu);
        let _net = MobileNetV2::with_classifier(&vs.root(), 1000);
        let vars = vs.variables();
        let params: i64 = vs.trainable_variables().iter().map(|t| t.numel() as i64).sum();
        assert_eq!(params, 3_504_872);
        for name in [
            "features.0.0.weight",
            "features.0.1.running_var",
            "features.1.conv.0.0.weight",
            "features.1.conv.1.weight",
            "features.1.conv.2.bias",
            "features.2.conv.0.0.weight",
            "features.2.conv.1.0.weight",
            "features.2.conv.2.weight",
            "features.2.conv.3.running_mean",
            "features.17.conv.3.weight",
            "features.18.0.weight",
            "features.18.1.bias",
            "classifier.1.weight",
        ] {
            assert!(vars.contains_key(name), "no variable {name}");
        }
        assert_eq!(vars.keys().filter(|k| k.ends_with("running_mean")).count(), 52);
        assert_eq!(vars["features.18.0.weight"].size(), [1280, 320, 1, 1]);
        assert_eq!(vars["features.2.conv.1.0.weight"].size(), [96, 1, 3, 3], "depthwise");
    }

    #[test]
    fn shapes_backbone_and_classifier() {
        let vs = nn::VarStore::new(Device::Cpu);
        let backbone = MobileNetV2::backbone(&vs.root());
        let x = Tensor::zeros([2, 3, 64, 64], (Kind::Float, Device::Cpu));
        assert_eq!(backbone.feature_map(&x, false).size(), [2, 1280, 2, 2]);
        assert_eq!(backbone.forward_t(&x, false).size(), [2, 1280]);
        let vs = nn::VarStore::new(Device::Cpu);
        let net = MobileNetV2::with_classifier(&vs.root(), 5);
        assert_eq!(net.forward_t(&x, true).size(), [2, 5]);
    }

    #[test]
    fn imagenet_input_normalises_per_channel() {
        let pixels = Tensor::from_slice(&[0u8, 255, 128]).view([1, 3, 1, 1]);
        let x = Vec::<f32>::try_from(imagenet_input(&pixels).flatten(0, -1)).unwrap();
        let want = [(0.0 - 0.485) / 0.229, (1.0 - 0.456) / 0.224, (128.0 / 255.0 - 0.406) / 0.225];
        for (a, b) in x.iter().zip(want) {
            assert!((*a as f64 - b).abs() < 1e-5, "{x:?} vs {want:?}");
        }
    }

    #[test]
    fn load_checks_every_wanted_tensor_and_reports_unused_ones() {
        let dir = std::env::temp_dir().join(format!("agelab-mnv2-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let full = nn::VarStore::new(Device::Cpu);
        let _ = MobileNetV2::with_classifier(&full.root(), 1000);
        let path = dir.join("full.safetensors");
        full.save(&path).unwrap();

        let vs = nn::VarStore::new(Device::Cpu);
        let backbone = MobileNetV2::backbone(&vs.root());
        let unused = load_pretrained(&vs, &path, |_| true).unwrap();
        assert_eq!(unused, ["classifier.1.bias", "classifier.1.weight"]);
        let x = Tensor::rand([1, 3, 32, 32], (Kind::Float, Device::Cpu));
        let want = full.variables()["features.18.1.running_var"].copy();
        assert!(vs.variables()["features.18.1.running_var"].equal(&want));
        let _ = backbone.forward_t(&x, false);

        let vs = nn::VarStore::new(Device::Cpu);
        let _ = MobileNetV2::with_classifier(&vs.root(), 7);
        let e = load_pretrained(&vs, &path, |_| true).unwrap_err().to_string();
        assert!(e.contains("classifier.1.weight has shape [1000, 1280]") && e.contains("[7, 1280]"), "{e}");
        assert!(load_pretrained(&vs, &path, |n| n.starts_with("features.")).is_ok(), "the classifier left out");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
