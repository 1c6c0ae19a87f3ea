//! Reproducibility pins: the same seed gives bitwise the same initial weights for every zoo
//! architecture, and the released models under `models/` load and give the outputs they gave when
//! they were released. Both compare against `tests/fingerprints.txt`, recorded from the code as it
//! was before the layer engine was reorganised; a refactoring must leave it unchanged. After an
//! intended change of initialisation or numerics, regenerate it with
//! `AGELAB_UPDATE_FINGERPRINTS=1 cargo test -p models --test reproducibility` and say why in the
//! commit.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use models::{HeadSpec, InputShape, ModelSpec};
use tch::nn;
use tch::{Device, Kind, Tensor};

/// libtorch's generator is process-wide and the harness runs tests on several threads: building a
/// model draws from it, so the tests of this file take turns.
static RNG: Mutex<()> = Mutex::new(());

fn fingerprints_file() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fingerprints.txt")
}

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The recorded lines whose first field is `kind`, keyed by the rest of the line up to ` = `.
fn recorded(kind: &str) -> BTreeMap<String, String> {
    let text = std::fs::read_to_string(fingerprints_file()).unwrap_or_default();
    text.lines()
        .filter_map(|l| l.strip_prefix(kind)?.strip_prefix(' ')?.split_once(" = "))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// Replaces the lines of `kind` in the fingerprints file (temp file + rename).
fn update(kind: &str, lines: &BTreeMap<String, String>) {
    let path = fingerprints_file();
    let old = std::fs::read_to_string(&path).unwrap_or_default();
    let mut out: Vec<String> = old.lines().filter(|l| !l.starts_with(&format!("{kind} "))).map(String::from).collect();
    out.extend(lines.iter().map(|(k, v)| format!("{kind} {k} = {v}")));
    let tmp = path.with_extension("txt.tmp");
    std::fs::write(&tmp, out.join("\n") + "\n").unwrap();
    std::fs::rename(&tmp, &path).unwrap();
}

fn updating() -> bool {
    std::env::var_os("AGELAB_UPDATE_FINGERPRINTS").is_some()
}

/// Compares computed lines with the recorded ones, listing every difference.
fn compare(kind: &str, got: &BTreeMap<String, String>, same: impl Fn(&str, &str) -> bool) {
    if updating() {
        update(kind, got);
        return;
    }
    let want = recorded(kind);
    assert!(!want.is_empty(), "no `{kind}` lines in {}", fingerprints_file().display());
    let mut problems = Vec::new();
    for (k, w) in &want {
        match got.get(k) {
            None => problems.push(format!("{k}: recorded but not produced")),
            Some(g) if !same(g, w) => problems.push(format!("{k}: {g}\n    recorded {w}")),
            Some(_) => {}
        }
    }
    problems.extend(got.keys().filter(|k| !want.contains_key(*k)).map(|k| format!("{k}: produced but not recorded")));
    assert!(problems.is_empty(), "{kind}: {} difference(s):\n  {}", problems.len(), problems.join("\n  "));
}

/// FNV-1a over the tensor's 32-bit words: any changed bit changes it.
fn bits_hash(t: &Tensor) -> String {
    let values = Vec::<f32>::try_from(t.to_kind(Kind::Float).flatten(0, -1)).unwrap();
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for v in values {
        h = (h ^ u64::from(v.to_bits())).wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{h:016x}")
}

#[test]
fn seed_zero_gives_the_recorded_initial_weights() {
    let _turn = RNG.lock().unwrap_or_else(|p| p.into_inner());
    let mut got = BTreeMap::new();
    for e in models::list() {
        // VGG-16's initialisation does not depend on the input size: 64 px keeps the test light.
        let input = if e.name == "vgg16" { InputShape { channels: 3, size: 64 } } else { e.input };
        tch::manual_seed(0);
        let vs = nn::VarStore::new(Device::Cpu);
        models::build(&e.spec, &vs.root(), input, &e.heads).unwrap();
        for (name, t) in vs.variables() {
            got.insert(format!("{} {name}", e.name), format!("{:?} {}", t.size(), bits_hash(&t)));
        }
    }
    compare("init", &got, |a, b| a == b);
}

/// A released model: its `[model]` table, input and heads (from its manifest) and weights.
fn released() -> Vec<(String, ModelSpec, InputShape, Vec<HeadSpec>, PathBuf)> {
    #[derive(serde::Deserialize)]
    struct Config {
        model: ModelSpec,
    }
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(repo().join("models"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.join("config.toml").is_file())
        .collect();
    dirs.sort();
    dirs.into_iter()
        .map(|dir| {
            let name = dir.file_name().unwrap().to_string_lossy().into_owned();
            let config: toml::Table =
                toml::from_str(&std::fs::read_to_string(dir.join("config.toml")).unwrap()).unwrap();
            let model = toml::Table::from_iter([("model".to_string(), config["model"].clone())]);
            let spec = model.try_into::<Config>().unwrap().model;
            let manifest: serde_json::Value =
                serde_json::from_str(&std::fs::read_to_string(dir.join("manifest.json")).unwrap()).unwrap();
            let input: InputShape = serde_json::from_value(manifest["input"].clone()).unwrap();
            let heads = manifest["heads"]
                .as_array()
                .unwrap()
                .iter()
                .map(|h| HeadSpec {
                    name: h["name"].as_str().unwrap().to_string(),
                    outputs: h["outputs"].as_u64().unwrap() as usize,
                })
                .collect();
            (name, spec, input, heads, dir.join("weights.safetensors"))
        })
        .collect()
}

#[test]
fn released_models_load_and_give_their_recorded_outputs() {
    let _turn = RNG.lock().unwrap_or_else(|p| p.into_inner());
    let models = released();
    assert!(!models.is_empty(), "expected released models under models/");
    let mut got = BTreeMap::new();
    for (name, spec, input, heads, weights) in models {
        let mut vs = nn::VarStore::new(Device::Cpu);
        let net = models::build(&spec, &vs.root(), input, &heads).unwrap();
        // Every tensor of the file is a variable of the model and the other way round.
        let mut file: Vec<String> = Tensor::read_safetensors(&weights).unwrap().into_iter().map(|(n, _)| n).collect();
        let mut vars: Vec<String> = vs.variables().into_keys().collect();
        file.sort();
        vars.sort();
        assert_eq!(file, vars, "{name}: tensors of {}", weights.display());
        vs.load(&weights).unwrap();
        // Two fixed images in [0, 1], the network in evaluation mode.
        let n = 2 * input.channels * input.size * input.size;
        let x = (Tensor::arange(n, (Kind::Float, Device::Cpu)) * 0.001).sin() * 0.5 + 0.5;
        let y = tch::no_grad(|| net.forward_t(&x.view([2, input.channels, input.size, input.size]), false));
        let values = Vec::<f32>::try_from(y.flatten(0, -1)).unwrap();
        let text: Vec<String> = values.iter().map(|v| format!("{v:e}")).collect();
        got.insert(name, text.join(" "));
    }
    // Same weights, same input: equal up to the rounding of a different CPU's kernels.
    compare("released", &got, |a, b| {
        let parse = |s: &str| s.split(' ').map(|v| v.parse::<f32>().unwrap()).collect::<Vec<f32>>();
        let (a, b) = (parse(a), parse(b));
        a.len() == b.len() && a.iter().zip(&b).all(|(x, y)| (x - y).abs() <= 1e-4 * (1.0 + y.abs()))
    });
}
