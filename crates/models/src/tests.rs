//! Zoo tests: parameter counts against the formulas Keras / PyTorch use (computed here by hand),
//! output shapes, one training step per model, the TOML forms, VGG-16's pretrained path.

use std::path::PathBuf;

use tch::nn::{self, ModuleT, OptimizerConfig};
use tch::{Device, Kind, Tensor};

use crate::*;

/// Conv2D parameters: k*k*cin*cout + cout.
fn conv(k: i64, cin: i64, cout: i64) -> i64 {
    k * k * cin * cout + cout
}

/// Dense parameters: in*out + out.
fn dense(inp: i64, out: i64) -> i64 {
    inp * out + out
}

/// Trainable batch-norm parameters (gamma, beta); the running mean and variance are 2*C more,
/// non-trainable.
fn bn(c: i64) -> i64 {
    2 * c
}

fn heads(list: &[(&str, usize)]) -> Vec<HeadSpec> {
    list.iter().map(|(n, o)| HeadSpec { name: n.to_string(), outputs: *o }).collect()
}

fn input(channels: i64, size: i64) -> InputShape {
    InputShape { channels, size }
}

/// Builds `spec`, checks `parameter_count` and the summary against `expected` trainable
/// parameters, and the forward output width.
fn check_count(spec: &ModelSpec, inp: InputShape, hs: &[HeadSpec], expected: i64) -> Summary {
    let vs = nn::VarStore::new(Device::Cpu);
    let built = build_with_notes(spec, &vs.root(), inp, hs).unwrap();
    assert_eq!(parameter_count(&vs), expected, "{} parameter_count", spec.name());
    assert_eq!(built.summary.trainable_params, expected, "{} summary", spec.name());
    built.summary
}

/// Every layer's real output shape equals the summary's (analytic) one.
fn check_trace(spec: &ModelSpec, inp: InputShape, hs: &[HeadSpec]) {
    let vs = nn::VarStore::new(Device::Cpu);
    let (net, _) = network(spec, &Vars::Store(vs.root()), inp, hs).unwrap();
    let x = Tensor::randn([2, inp.channels, inp.size, inp.size], (Kind::Float, Device::Cpu));
    tch::no_grad(|| {
        for (name, got, want) in net.trace(&x) {
            assert_eq!(got, want, "{} layer {name}", spec.name());
        }
        let y = net.forward_t(&x, false);
        let width: usize = hs.iter().map(|h| h.outputs).sum();
        assert_eq!(y.size(), vec![2, width as i64], "{}", spec.name());
    });
}

/// One Adam step on a batch of `batch` random images: the loss is finite and the weights move.
fn train_step(spec: &ModelSpec, inp: InputShape, hs: &[HeadSpec], batch: i64) {
    tch::manual_seed(0);
    let vs = nn::VarStore::new(Device::Cpu);
    let net = build(spec, &vs.root(), inp, hs).unwrap();
    let mut opt = nn::Adam::default().build(&vs, 1e-3).unwrap();
    let width: i64 = hs.iter().map(|h| h.outputs as i64).sum();
    let x = Tensor::rand([batch, inp.channels, inp.size, inp.size], (Kind::Float, Device::Cpu));
    let target = Tensor::rand([batch, width], (Kind::Float, Device::Cpu));
    let before: Vec<Tensor> = vs.trainable_variables().iter().map(|t| t.detach().copy()).collect();
    let out = net.forward_t(&x, true);
    assert_eq!(out.size(), vec![batch, width]);
    let loss = out.mse_loss(&target, tch::Reduction::Mean);
    let value = loss.double_value(&[]);
    assert!(value.is_finite(), "{}: loss {value}", spec.name());
    opt.backward_step(&loss);
    let after = vs.trainable_variables();
    let moved = before.iter().zip(&after).filter(|(b, a)| !b.equal(a)).count();
    assert!(moved > 0, "{}: no weight changed", spec.name());
}

// ---------------------------------------------------------------------------------------------
// The report's models

#[test]
fn model1_counts_shapes_and_towers() {
    let hs = heads(&[("age", 1), ("gender", 1)]);
    let trunk = conv(3, 1, 32) + conv(3, 32, 64) + conv(3, 64, 128) + conv(3, 128, 256) + conv(3, 256, 256);
    // 64 -> 62 -> 60 -> pool 30 -> 28 -> pool 14 -> 12 -> 10: 10*10*256 flattened
    let tower = |out| dense(10 * 10 * 256, 256) + dense(256, 128) + dense(128, 64) + dense(64, 32) + dense(32, out);
    let s = check_count(&ModelSpec::Model1 {}, input(1, 64), &hs, trunk + tower(1) + tower(1));
    assert_eq!(s.row("flatten").unwrap().output_shape, vec![25_600]);
    assert_eq!(s.row("heads.age.out").unwrap().params, dense(32, 1));
    assert_eq!(s.row("heads.gender.dense_3").unwrap().output_shape, vec![32]);
    check_trace(&ModelSpec::Model1 {}, input(1, 64), &hs);
}

#[test]
fn multi_tower_outputs_follow_heads_order() {
    let hs = heads(&[("age", 3), ("gender", 2)]);
    let vs = nn::VarStore::new(Device::Cpu);
    let net = build(&ModelSpec::Model1 {}, &vs.root(), input(1, 64), &hs).unwrap();
    let vars = vs.variables();
    tch::no_grad(|| {
        let _ = vars["heads.gender.out.weight"].shallow_clone().zero_();
        let _ = vars["heads.gender.out.bias"].shallow_clone().fill_(7.0);
    });
    let y = net.forward_t(&Tensor::rand([2, 1, 64, 64], (Kind::Float, Device::Cpu)), false);
    assert_eq!(y.size(), vec![2, 5]);
    assert!(y.narrow(1, 3, 2).eq(7.0).all().int64_value(&[]) == 1, "gender columns come last");
    assert!(y.narrow(1, 0, 3).ne(7.0).all().int64_value(&[]) == 1);
}

#[test]
fn model2_counts() {
    let hs = heads(&[("gender", 2)]);
    let expected = conv(2, 3, 64) + conv(2, 64, 32) + dense(8 * 8 * 32, 256) + dense(256, 2);
    let s = check_count(&ModelSpec::Model2 {}, input(3, 32), &hs, expected);
    assert_eq!(s.rows[0].output_shape, vec![64, 32, 32], "'same' keeps 32x32");
    check_trace(&ModelSpec::Model2 {}, input(3, 32), &hs);
}

#[test]
fn model3_first_conv_is_448_params_126x126x16() {
    let hs = heads(&[("gender", 2)]);
    assert_eq!(conv(3, 3, 16), 448);
    // 128 -> 126 -> 63 -> 61 -> 59 -> 29 -> 27 -> 13
    let expected =
        conv(3, 3, 16) + conv(3, 16, 32) + conv(3, 32, 64) + conv(3, 64, 128) + dense(13 * 13 * 128, 64) + dense(64, 2);
    let s = check_count(&ModelSpec::Model3 {}, input(3, 128), &hs, expected);
    let first = &s.rows[0];
    assert_eq!((first.name.as_str(), first.kind.as_str(), first.params), ("conv2d", "Conv2D", 448));
    assert_eq!(first.output_shape, vec![16, 126, 126]);
    assert_eq!(first.mult_adds, 126 * 126 * 16 * 27);
    let text = s.to_string();
    assert!(
        text.contains("conv2d (Conv2D)") && text.contains("(None, 126, 126, 16)") && text.contains("448"),
        "{text}"
    );
    assert!(text.contains(&format!("Total params: {}", summary::thousands(expected))), "{text}");
    check_trace(&ModelSpec::Model3 {}, input(3, 128), &hs);
}

#[test]
fn model4_is_the_reports_model() {
    let hs = heads(&[("age", 5)]);
    // Keras' counts for the report's layers (kernel + bias)
    let expected = conv(2, 3, 128) + conv(2, 128, 64) + dense(8 * 8 * 64, 256) + dense(256, 5);
    assert_eq!(expected, 1_084_613);
    let s = check_count(&ModelSpec::Model4 {}, input(3, 32), &hs, expected);
    assert_eq!(s, summary(&ModelSpec::Model4 {}, input(3, 32), &hs).unwrap(), "summary = the built network's");
    assert!(s.to_string().contains("Total params: 1,084,613 (4.14 MB)"));
    let vs = nn::VarStore::new(Device::Cpu);
    let net = build(&ModelSpec::Model4 {}, &vs.root(), input(3, 32), &hs).unwrap();
    let mut names: Vec<(String, Vec<i64>)> = vs.variables().into_iter().map(|(n, t)| (n, t.size())).collect();
    names.sort();
    let want = [
        ("conv1.bias", vec![128]),
        ("conv1.weight", vec![128, 3, 2, 2]),
        ("conv2.bias", vec![64]),
        ("conv2.weight", vec![64, 128, 2, 2]),
        ("fc1.bias", vec![256]),
        ("fc1.weight", vec![256, 4096]),
        ("out.bias", vec![5]),
        ("out.weight", vec![5, 256]),
    ];
    assert_eq!(names, want.map(|(n, d)| (n.to_string(), d)).to_vec());
    // The report's forward pass written out with libtorch's operations, bit for bit: TensorFlow's
    // 'same' for a 2x2 kernel pads one pixel right and bottom.
    let v = vs.variables();
    let conv_same = |x: &Tensor, l: &str| {
        x.constant_pad_nd([0, 1, 0, 1]).conv2d(
            &v[&format!("{l}.weight")],
            Some(&v[&format!("{l}.bias")]),
            [1, 1],
            [0, 0],
            [1, 1],
            1,
        )
    };
    let x = Tensor::randn([3, 3, 32, 32], (Kind::Float, Device::Cpu));
    let by_hand = conv_same(&conv_same(&x, "conv1").relu().max_pool2d_default(2), "conv2")
        .relu()
        .max_pool2d_default(2)
        .flatten(1, -1)
        .linear(&v["fc1.weight"], Some(&v["fc1.bias"]))
        .relu()
        .linear(&v["out.weight"], Some(&v["out.bias"]));
    assert!(net.forward_t(&x, false).equal(&by_hand));
    let err = summary(&ModelSpec::Model4 {}, input(3, 30), &hs).unwrap_err().to_string();
    assert!(err.contains("multiple of 4"), "{err}");
}

#[test]
fn summaries_allocate_nothing_and_absurd_inputs_are_errors() {
    let hs = heads(&[("age", 5)]);
    // 3x100000x100000 once asked libtorch for 40 TB and aborted
    let err = summary(&ModelSpec::Model4 {}, input(3, 100_000), &hs).unwrap_err().to_string();
    assert!(err.contains("model model4: input must have 1 to 64 channels and 1 to 4096 pixels a side"), "{err}");
    let vs = nn::VarStore::new(Device::Cpu);
    assert!(build(&ModelSpec::Model4 {}, &vs.root(), input(3, 100_000), &hs).is_err());
    // 2044 px: 1.07 billion parameters, summarised without allocating them
    let s = summary(&ModelSpec::Model4 {}, input(3, 2044), &hs).unwrap();
    assert_eq!(s.total_params, conv(2, 3, 128) + conv(2, 128, 64) + dense(511 * 511 * 64, 256) + dense(256, 5));
    let err = summary(&ModelSpec::Model4 {}, input(3, 2048), &hs).unwrap_err().to_string();
    assert!(err.contains("fc1") || err.contains("dense: the network would exceed 4,294,967,296 parameters"), "{err}");
    assert_eq!(input_sides(&ModelSpec::Model4 {}, 3, &hs).unwrap(), 4..=2044);
    assert_eq!(input_sides(&ModelSpec::from_name("vgg16").unwrap(), 3, &hs).unwrap(), 32..=4096);
    assert_eq!(input_sides(&ModelSpec::LeviHassner {}, 3, &hs).unwrap().start(), &51);
    let err = input_sides(&ModelSpec::Model2 {}, 3, &heads(&[("age", 0)])).unwrap_err().to_string();
    assert!(err.contains("zero outputs"), "{err}");
}

// ---------------------------------------------------------------------------------------------
// The literature's models

#[test]
fn levi_hassner_counts_at_227() {
    let hs = heads(&[("age", 8)]);
    // Caffe ceil-mode pooling: 227 -> conv 56 -> pool 28 -> conv 28 -> pool 14 -> conv 14 -> pool 7
    let expected = conv(7, 3, 96)
        + conv(5, 96, 256)
        + conv(3, 256, 384)
        + dense(384 * 7 * 7, 512)
        + dense(512, 512)
        + dense(512, 8);
    let s = check_count(&ModelSpec::LeviHassner {}, input(3, 227), &hs, expected);
    assert_eq!(s.row("conv1").unwrap().output_shape, vec![96, 56, 56]);
    assert_eq!(s.row("pool1").unwrap().output_shape, vec![96, 28, 28]);
    assert_eq!(s.row("pool3").unwrap().output_shape, vec![384, 7, 7]);
    check_trace(&ModelSpec::LeviHassner {}, input(3, 227), &hs);
}

#[test]
fn article3_counts_with_batch_norm() {
    let hs = heads(&[("age", 8)]);
    let spec = ModelSpec::from_name("article3").unwrap();
    let (f, k) = ([32, 64, 128, 256], 3);
    let mut expected = 0;
    let mut cin = 3;
    for c in f {
        expected += conv(k, cin, c) + bn(c);
        cin = c;
    }
    // 'same' convolutions, four 2x2 poolings: 64 -> 4
    expected += dense(4 * 4 * 256, 512) + bn(512) + dense(512, 8);
    let s = check_count(&spec, input(3, 64), &hs, expected);
    let running_stats = 2 * (32 + 64 + 128 + 256 + 512);
    assert_eq!(s.non_trainable_params, running_stats);
    assert_eq!(s.total_params, expected + running_stats);
    check_trace(&spec, input(3, 64), &hs);
}

#[test]
fn alexnet_counts_at_227() {
    let hs = heads(&[("gender", 2)]);
    let expected = conv(11, 3, 96)
        + conv(5, 96, 256)
        + conv(3, 256, 384)
        + conv(3, 384, 384)
        + conv(3, 384, 256)
        + dense(256 * 6 * 6, 4096)
        + dense(4096, 4096)
        + dense(4096, 2);
    let s = check_count(&ModelSpec::AlexnetSvm {}, input(3, 227), &hs, expected);
    assert_eq!(s.row("conv1").unwrap().output_shape, vec![96, 55, 55]);
    assert_eq!(s.row("pool5").unwrap().output_shape, vec![256, 6, 6]);
    check_trace(&ModelSpec::AlexnetSvm {}, input(3, 227), &hs);
}

#[test]
fn lmtcnn_counts_at_227() {
    let hs = heads(&[("age", 8), ("gender", 2)]);
    // depthwise 3x3: 9*C + C; pointwise 1x1: C*F + F; a batch norm after each
    let dw = |c: i64| 9 * c + c;
    let expected = conv(7, 3, 96)
        + dw(96)
        + bn(96)
        + conv(1, 96, 256)
        + bn(256)
        + dw(256)
        + bn(256)
        + conv(1, 256, 384)
        + bn(384)
        + dense(384 * 6 * 6, 512)
        + dense(512, 512)
        + dense(512, 8)
        + dense(512, 2);
    let spec = ModelSpec::from_name("lmtcnn").unwrap();
    let s = check_count(&spec, input(3, 227), &hs, expected);
    assert_eq!(s.row("convdp2.pointwise").unwrap().output_shape, vec![384, 14, 14]);
    assert_eq!(s.row("convdp1.depthwise").unwrap().kind, "DepthwiseConv2D");
    assert_eq!(s.row("convdp1.depthwise").unwrap().mult_adds, 27 * 27 * 96 * 9);
    assert_eq!(s.row("heads").unwrap().output_shape, vec![10]);
    check_trace(&spec, input(3, 227), &hs);
    // LMTCNN-2-1 doubles convdp1's pointwise filters
    let wide = ModelSpec::Lmtcnn { width: 2 };
    let delta = conv(1, 96, 512) + bn(512) + dw(512) + bn(512) + conv(1, 512, 384)
        - (conv(1, 96, 256) + bn(256) + dw(256) + bn(256) + conv(1, 256, 384));
    check_count(&wide, input(3, 227), &hs, expected + delta);
}

#[test]
fn vgg16_matches_torchvision_count_and_names() {
    // torchvision's vgg16 (1000 classes) has 138,357,544 parameters.
    let cfg: [i64; 13] = [64, 64, 128, 128, 256, 256, 256, 512, 512, 512, 512, 512, 512];
    let mut features = 0;
    let mut cin = 3;
    for c in cfg {
        features += conv(3, cin, c);
        cin = c;
    }
    let torchvision = features + dense(512 * 7 * 7, 4096) + dense(4096, 4096) + dense(4096, 1000);
    assert_eq!(torchvision, 138_357_544);
    let spec = ModelSpec::from_name("vgg16").unwrap();
    let s = summary(&spec, input(3, 224), &heads(&[("imagenet", 1000)])).unwrap();
    assert_eq!(s.total_params, torchvision);
    assert_eq!(s.row("features.28").unwrap().output_shape, vec![512, 14, 14]);
    assert_eq!(s.row("avgpool").unwrap().output_shape, vec![512, 7, 7]);
    assert_eq!(s.mult_adds, 15_470_264_320);
    // small inputs: the classifier follows the feature map (32 px: 512 values)
    let hs = heads(&[("age", 8)]);
    let small = features + dense(512, 4096) + dense(4096, 4096) + dense(4096, 8);
    check_count(&spec, input(3, 32), &hs, small);
    check_trace(&spec, input(3, 32), &hs);
    let adaptive =
        ModelSpec::Vgg16 { pretrained: None, frozen_blocks: 0, classifier_input: ClassifierInput::AdaptivePool };
    check_trace(&adaptive, input(3, 64), &hs);
    let names: Vec<String> = {
        let vs = nn::VarStore::new(Device::Cpu);
        build(&spec, &vs.root(), input(3, 32), &hs).unwrap();
        let mut v: Vec<String> = vs.variables().into_keys().collect();
        v.sort();
        v
    };
    for i in [0, 2, 5, 7, 10, 12, 14, 17, 19, 21, 24, 26, 28] {
        assert!(
            names.contains(&format!("features.{i}.weight")) && names.contains(&format!("features.{i}.bias")),
            "{i}"
        );
    }
    for n in ["classifier.0.weight", "classifier.3.bias", "head.weight", "head.bias"] {
        assert!(names.contains(&n.to_string()), "{n} in {names:?}");
    }
    assert_eq!(names.len(), 13 * 2 + 3 * 2);
    assert!(summary(&spec, input(3, 16), &hs).unwrap_err().to_string().contains("at least 32"));
}

fn temp_path(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("agelab-models-{}-{name}", std::process::id()))
}

/// Saves a randomly initialised 32 px VGG-16 (feature-map classifier) under torchvision names,
/// with torchvision's 1000-class `classifier.6` as an extra, optionally dropping / reshaping some.
fn save_vgg(path: &std::path::Path, drop: &[&str], reshape: &[&str]) -> Vec<(String, Tensor)> {
    let vs = nn::VarStore::new(Device::Cpu);
    let spec = ModelSpec::Vgg16 { pretrained: None, frozen_blocks: 0, classifier_input: ClassifierInput::FeatureMap };
    build(&spec, &vs.root(), input(3, 32), &heads(&[("x", 3)])).unwrap();
    let mut tensors: Vec<(String, Tensor)> = vs
        .variables()
        .into_iter()
        .filter(|(n, _)| !n.starts_with("head.") && !drop.contains(&n.as_str()))
        .map(|(n, t)| {
            let t = if reshape.contains(&n.as_str()) {
                Tensor::zeros([1, 2, 3], (Kind::Float, Device::Cpu))
            } else {
                t.detach()
            };
            (n, t)
        })
        .collect();
    tensors.push(("classifier.6.weight".into(), Tensor::zeros([1000, 4096], (Kind::Float, Device::Cpu))));
    tensors.push(("classifier.6.bias".into(), Tensor::zeros([1000], (Kind::Float, Device::Cpu))));
    Tensor::write_safetensors(&tensors, path).unwrap();
    tensors
}

#[test]
fn vgg16_loads_pretrained_and_freezes_blocks() {
    let path = temp_path("vgg.safetensors");
    let saved = save_vgg(&path, &[], &[]);
    let spec = ModelSpec::Vgg16 {
        pretrained: Some(path.clone()),
        frozen_blocks: 2,
        classifier_input: ClassifierInput::FeatureMap,
    };
    let hs = heads(&[("age", 8)]);
    let vs = nn::VarStore::new(Device::Cpu);
    let built = build_with_notes(&spec, &vs.root(), input(3, 32), &hs).unwrap();
    std::fs::remove_file(&path).unwrap();
    let vars = vs.variables();
    for (name, t) in &saved {
        if let Some(v) = vars.get(name) {
            assert!(v.equal(t), "{name} loaded");
        }
    }
    assert!(vars["features.0.weight"].equal(&saved.iter().find(|(n, _)| n == "features.0.weight").unwrap().1));
    let note = built.notes.join("\n");
    assert!(note.contains("classifier.6.bias, classifier.6.weight"), "{note}");
    // blocks 1-2 frozen (features.0, 2, 5, 7), the rest trainable
    for (name, t) in &vars {
        let frozen = ["features.0.", "features.2.", "features.5.", "features.7."].iter().any(|p| name.starts_with(p));
        assert_eq!(t.requires_grad(), !frozen, "{name}");
    }
    let frozen_count = conv(3, 3, 64) + conv(3, 64, 64) + conv(3, 64, 128) + conv(3, 128, 128);
    let all: i64 = vs.trainable_variables().iter().map(|t| t.numel() as i64).sum();
    assert_eq!(parameter_count(&vs), all - frozen_count);
    assert_eq!(built.summary.trainable_params, all - frozen_count);
    assert_eq!(built.summary.non_trainable_params, frozen_count);
    // the shape-only summary counts the same blocks as frozen, without reading the file
    let unread = ModelSpec::Vgg16 {
        pretrained: Some(temp_path("never-read.safetensors")),
        frozen_blocks: 2,
        classifier_input: ClassifierInput::FeatureMap,
    };
    assert_eq!(summary(&unread, input(3, 32), &hs).unwrap(), built.summary);
    // one training step leaves the frozen blocks unchanged
    let w0 = vars["features.0.weight"].detach().copy();
    let w10 = vars["features.10.weight"].detach().copy();
    let mut opt = nn::Adam::default().build(&vs, 1e-2).unwrap();
    let x = Tensor::rand([2, 3, 32, 32], (Kind::Float, Device::Cpu));
    let loss = built.net.forward_t(&x, true).square().mean(None);
    opt.backward_step(&loss);
    assert!(vars["features.0.weight"].equal(&w0), "frozen block 1 must not move");
    assert!(!vars["features.10.weight"].equal(&w10), "block 3 trains");
}

#[test]
fn vgg16_pretrained_errors_list_every_problem() {
    let path = temp_path("bad-vgg.safetensors");
    save_vgg(&path, &["features.0.weight"], &["features.2.weight"]);
    let spec = ModelSpec::Vgg16 {
        pretrained: Some(path.clone()),
        frozen_blocks: 0,
        classifier_input: ClassifierInput::FeatureMap,
    };
    let vs = nn::VarStore::new(Device::Cpu);
    let err = build(&spec, &vs.root(), input(3, 32), &heads(&[("age", 8)])).expect_err("must fail");
    std::fs::remove_file(&path).unwrap();
    match &err {
        ModelError::Pretrained { problems, .. } => assert_eq!(problems.len(), 2, "{problems:?}"),
        other => panic!("unexpected {other}"),
    }
    let text = err.to_string();
    assert!(text.contains("missing features.0.weight"), "{text}");
    assert!(
        text.contains("features.2.weight has shape [1, 2, 3] in the file, the model expects [64, 64, 3, 3]"),
        "{text}"
    );
    let missing = ModelSpec::Vgg16 {
        pretrained: Some(temp_path("does-not-exist")),
        frozen_blocks: 0,
        classifier_input: ClassifierInput::Auto,
    };
    let err = build(&missing, &vs.root(), input(3, 32), &heads(&[("age", 8)])).err().unwrap().to_string();
    assert!(err.contains("cannot read pretrained weights") && err.contains("no such file"), "{err}");
}

// ---------------------------------------------------------------------------------------------
// Training: one step each

#[test]
fn every_model_trains_one_step() {
    let two = heads(&[("age", 8), ("gender", 2)]);
    let cases: Vec<(ModelSpec, InputShape, Vec<HeadSpec>, i64)> = vec![
        (ModelSpec::Model1 {}, input(1, 64), heads(&[("age", 1), ("gender", 1)]), 4),
        (ModelSpec::Model2 {}, input(3, 32), heads(&[("gender", 2)]), 4),
        (ModelSpec::Model3 {}, input(3, 128), heads(&[("gender", 2)]), 2),
        (ModelSpec::Model4 {}, input(3, 32), heads(&[("age", 5)]), 4),
        (ModelSpec::LeviHassner {}, input(3, 227), two.clone(), 2),
        (ModelSpec::from_name("article3").unwrap(), input(3, 64), two.clone(), 4),
        // AlexNet's layers at 67 px (fc6 sees 256x1x1): the full 227 px is checked by shape above
        (ModelSpec::AlexnetSvm {}, input(3, 67), heads(&[("gender", 2)]), 2),
        (ModelSpec::from_name("lmtcnn").unwrap(), input(3, 227), two.clone(), 2),
        (ModelSpec::from_name("vgg16").unwrap(), input(3, 32), two.clone(), 2),
        (ModelSpec::from_name("custom").unwrap(), input(3, 32), two.clone(), 4),
    ];
    for (spec, inp, hs, batch) in cases {
        train_step(&spec, inp, &hs, batch);
    }
}

// ---------------------------------------------------------------------------------------------
// The experiment TOML

#[derive(serde::Deserialize)]
struct Experiment {
    model: ModelSpec,
}

fn parse(text: &str) -> Result<ModelSpec, String> {
    toml::from_str::<Experiment>(text).map(|e| e.model).map_err(|e| e.to_string())
}

#[test]
fn specs_parse_from_toml() {
    assert_eq!(parse("[model]\narch = \"model4\"\n").unwrap(), ModelSpec::Model4 {});
    assert_eq!(parse("[model]\narch = \"levi_hassner\"\n").unwrap(), ModelSpec::LeviHassner {});
    assert_eq!(
        parse("[model]\narch = \"vgg16\"\npretrained = \"w/vgg16.safetensors\"\nfrozen_blocks = 3\n").unwrap(),
        ModelSpec::Vgg16 {
            pretrained: Some("w/vgg16.safetensors".into()),
            frozen_blocks: 3,
            classifier_input: ClassifierInput::Auto
        }
    );
    assert_eq!(
        parse("[model]\narch = \"vgg16\"\nclassifier_input = \"feature_map\"\n").unwrap(),
        ModelSpec::Vgg16 { pretrained: None, frozen_blocks: 0, classifier_input: ClassifierInput::FeatureMap }
    );
    assert_eq!(
        parse("[model]\narch = \"article3\"\n").unwrap(),
        ModelSpec::Article3 { filters: vec![32, 64, 128, 256], kernel: 3 }
    );
    assert_eq!(parse("[model]\narch = \"lmtcnn\"\nwidth = 2\n").unwrap(), ModelSpec::Lmtcnn { width: 2 });
    let err = parse("[model]\narch = \"vgg16\"\nfrozen = 3\n").unwrap_err();
    assert!(err.contains("unknown field `frozen`"), "{err}");
    let err = parse("[model]\narch = \"model4\"\nfrozen_blocks = 3\n").unwrap_err();
    assert!(err.contains("frozen_blocks"), "{err}");
    let err = parse("[model]\narch = \"resnet\"\n").unwrap_err();
    assert!(err.contains("unknown variant `resnet`"), "{err}");
    // every catalogue spec survives a TOML round trip
    for e in list() {
        let text =
            toml::to_string(&toml::Table::from_iter([("model".to_string(), toml::Value::try_from(&e.spec).unwrap())]))
                .unwrap();
        assert_eq!(parse(&text).unwrap(), e.spec, "{text}");
    }
}

#[test]
fn custom_layers_parse_build_and_validate() {
    let text = r#"
[model]
arch = "custom"
layers = [
    { type = "conv", filters = 32, kernel = 3, padding = "same" },
    { type = "max_pool", size = 2 },
    { type = "dropout", rate = 0.25 },
    { type = "batch_norm" },
    { type = "separable_conv", filters = 48, kernel = 3, stride = 2, padding = "same" },
    { type = "lrn" },
    { type = "conv", filters = 16, kernel = 1, activation = "none" },
    { type = "global_avg_pool" },
    { type = "dense", units = 128 },
]
tower = [{ type = "dense", units = 16, activation = "tanh" }]
"#;
    let spec = parse(text).unwrap();
    let ModelSpec::Custom { layers, tower } = &spec else { panic!("{spec:?}") };
    assert_eq!(layers.len(), 9);
    assert_eq!(layers[1], LayerSpec::MaxPool(PoolSpec { size: 2, stride: None, padding: Padding::Valid }));
    assert_eq!(tower.len(), 1);
    let hs = heads(&[("age", 8), ("gender", 2)]);
    // 32 -> same conv 32 -> pool 16 -> separable stride 2 'same' 8 -> 1x1 -> GAP 16
    let expected = conv(3, 3, 32)
        + bn(32)
        + (9 * 32 + 32)
        + conv(1, 32, 48)
        + conv(1, 48, 16)
        + dense(16, 128)
        + (dense(128, 16) + dense(16, 8))
        + (dense(128, 16) + dense(16, 2));
    let s = check_count(&spec, input(3, 32), &hs, expected);
    assert_eq!(s.row("conv2d_1").unwrap().output_shape, vec![48, 8, 8]);
    check_trace(&spec, input(3, 32), &hs);
    train_step(&spec, input(3, 32), &hs, 4);

    let err = parse("[model]\narch = \"custom\"\nlayers = [{ type = \"conv\", filters = 8 }]\n").unwrap_err();
    assert!(err.contains("missing field `kernel`"), "{err}");
    let err = parse("[model]\narch = \"custom\"\nlayers = [{ type = \"pool\", size = 2 }]\n").unwrap_err();
    assert!(err.contains("unknown variant `pool`"), "{err}");
    let err =
        parse("[model]\narch = \"custom\"\nlayers = [{ type = \"dense\", units = 8, kernel = 3 }]\n").unwrap_err();
    assert!(err.contains("unknown field `kernel`"), "{err}");
    let err =
        parse("[model]\narch = \"custom\"\nlayers = [{ type = \"max_pool\", size = 2, units = 3 }]\n").unwrap_err();
    assert!(err.contains("unknown field `units`"), "{err}");
    let err = parse("[model]\narch = \"custom\"\nlayers = [{ type = \"separable_conv\", filters = 8 }]\n").unwrap_err();
    assert!(err.contains("missing field `kernel`"), "{err}");
    let err = parse("[model]\narch = \"custom\"\nlayers = [{ type = \"flatten\", size = 2 }]\n").unwrap_err();
    assert!(err.contains("unknown field `size`"), "{err}");

    let bad = |layers: Vec<LayerSpec>| {
        let spec = ModelSpec::Custom { layers, tower: vec![] };
        summary(&spec, input(1, 8), &heads(&[("age", 2)])).unwrap_err().to_string()
    };
    let c = |filters, kernel| {
        LayerSpec::Conv(ConvSpec { filters, kernel, stride: 1, padding: Padding::Valid, activation: Activation::Relu })
    };
    let err = bad(vec![c(4, 3), LayerSpec::Dense { units: 4, activation: Activation::Relu }]);
    assert!(err.contains("model custom: layers[1] (dense): receives a 4x6x6 feature map; flatten it first"), "{err}");
    let err = bad(vec![c(4, 3), LayerSpec::MaxPool(PoolSpec { size: 7, stride: None, padding: Padding::Valid })]);
    assert!(err.contains("layers[1] (max pool): 7x7 pooling does not fit a 4x6x6 feature map"), "{err}");
    let err = bad(vec![c(4, 9)]);
    assert!(err.contains("layers[0] (conv): 9x9 kernel does not fit a 1x8x8 feature map"), "{err}");
    let err = bad(vec![LayerSpec::Dropout { rate: 1.5 }]);
    assert!(err.contains("layers[0] (dropout): rate must be in [0, 1), got 1.5"), "{err}");
    let err = bad(vec![LayerSpec::Flatten {}, c(4, 1)]);
    assert!(err.contains("layers[1] (conv): needs a feature map"), "{err}");
    let err = bad(vec![c(0, 3)]);
    assert!(err.contains("layers[0] (conv): filters, kernel and stride must be positive"), "{err}");
}

// ---------------------------------------------------------------------------------------------
// Catalogue

#[test]
fn catalogue_is_consistent_and_readme_table_is_current() {
    let entries = list();
    let mut names: Vec<&str> = entries.iter().map(|e| e.name).collect();
    names.sort();
    names.dedup();
    assert_eq!(names.len(), entries.len());
    for e in &entries {
        assert_eq!(e.spec.name(), e.name);
        assert_eq!(ModelSpec::from_name(e.name).as_ref(), Some(&e.spec));
        assert!(!e.description.is_empty() && !e.heads.is_empty());
    }
    let table = zoo_table().unwrap();
    assert_eq!(table.lines().count(), entries.len() + 2);
    assert!(
        table.contains(
            "| `model4` | the report, Model 4 (five age groups, 63.9% test accuracy) | 3x32x32 | age:5 | 1,084,613 |"
        ),
        "{table}"
    );
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    assert!(
        readme.contains(&table),
        "crates/models/README.md is stale; regenerate the table with `cargo run -p models --example zoo`:\n{table}"
    );
}

#[test]
fn batch_norm_after_dense_accepts_a_batch_of_one_when_training() {
    // a loader's last batch can hold a single image; libtorch would refuse batch statistics
    let spec = ModelSpec::from_name("article3").unwrap();
    let vs = nn::VarStore::new(Device::Cpu);
    let net = build(&spec, &vs.root(), input(3, 32), &heads(&[("age", 8)])).unwrap();
    let y = net.forward_t(&Tensor::rand([1, 3, 32, 32], (Kind::Float, Device::Cpu)), true);
    assert_eq!(y.size(), vec![1, 8]);
}

#[test]
fn bad_inputs_and_heads_are_errors() {
    let one = heads(&[("age", 8)]);
    let vs = nn::VarStore::new(Device::Cpu);
    assert!(matches!(build(&ModelSpec::Model2 {}, &vs.root(), input(3, 32), &[]), Err(ModelError::NoHeads("model2"))));
    let err = build(&ModelSpec::Model3 {}, &vs.root(), input(3, 16), &one).err().unwrap().to_string();
    assert!(err.contains("model model3") && err.contains("does not fit"), "{err}");
    let err = build(&ModelSpec::Model2 {}, &vs.root(), input(3, 32), &heads(&[("age", 0)])).err().unwrap().to_string();
    assert!(err.contains("zero outputs"), "{err}");
    let err = build(&ModelSpec::Lmtcnn { width: 0 }, &vs.root(), input(3, 227), &one).err().unwrap().to_string();
    assert!(err.contains("width must be at least 1"), "{err}");
    let spec = ModelSpec::Vgg16 { pretrained: None, frozen_blocks: 6, classifier_input: ClassifierInput::Auto };
    let err = build(&spec, &vs.root(), input(3, 32), &one).err().unwrap().to_string();
    assert!(err.contains("frozen_blocks must be between 0 and 5"), "{err}");
}
