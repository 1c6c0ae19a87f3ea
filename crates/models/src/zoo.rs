//! The zoo's catalogue: every architecture with its source and default geometry, for
//! `agelab models` and the README table.

use crate::summary::{human, thousands};
use crate::{article3, custom, lmtcnn, summary, vgg16, HeadSpec, InputShape, ModelError, ModelSpec};

/// A publication an architecture comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paper {
    /// Authors, as cited ("Levi & Hassner").
    pub authors: &'static str,
    /// Publication year.
    pub year: u16,
    /// Title.
    pub title: &'static str,
    /// Where it appeared.
    pub venue: &'static str,
}

impl Paper {
    /// "Levi & Hassner (2015), Age and Gender Classification using Convolutional Neural Networks".
    pub fn citation(&self) -> String {
        format!("{} ({}), \"{}\", {}", self.authors, self.year, self.title, self.venue)
    }
}

/// One architecture of the zoo.
#[derive(Debug, Clone, PartialEq)]
pub struct ZooEntry {
    /// The `arch` name.
    pub name: &'static str,
    /// One line on what it is.
    pub description: &'static str,
    /// The publication it reproduces; `None` for the report's own models and `custom`.
    pub paper: Option<Paper>,
    /// Where it comes from, in words (for entries without a paper, and to say which article).
    pub source: &'static str,
    /// The input it was designed for.
    pub input: InputShape,
    /// The heads its source trains (the zoo table's parameter counts use them).
    pub heads: Vec<HeadSpec>,
    /// The spec with default options.
    pub spec: ModelSpec,
}

fn heads(list: &[(&str, usize)]) -> Vec<HeadSpec> {
    list.iter().map(|(n, o)| HeadSpec { name: n.to_string(), outputs: *o }).collect()
}

fn shape(channels: i64, size: i64) -> InputShape {
    InputShape { channels, size }
}

/// Every architecture, in catalogue order.
pub fn list() -> Vec<ZooEntry> {
    vec![
        ZooEntry {
            name: "model1",
            description: "two-headed CNN, 5 valid 3x3 convolutions, one Dense 256-128-64-32 tower per head",
            paper: None,
            source: "the report, Model 1 (age regression + gender)",
            input: shape(1, 64),
            heads: heads(&[("age", 1), ("gender", 1)]),
            spec: ModelSpec::Model1 {},
        },
        ZooEntry {
            name: "model2",
            description: "two 2x2 'same' conv blocks with dropout, Dense 256",
            paper: None,
            source: "the report, Model 2 (gender)",
            input: shape(3, 32),
            heads: heads(&[("gender", 2)]),
            spec: ModelSpec::Model2 {},
        },
        ZooEntry {
            name: "model3",
            description: "four valid 3x3 convolutions, three poolings, Dense 64",
            paper: None,
            source: "the report, Model 3 (gender)",
            input: shape(3, 128),
            heads: heads(&[("gender", 2)]),
            spec: ModelSpec::Model3 {},
        },
        ZooEntry {
            name: "model4",
            description: "two 2x2 'same' conv blocks (128, 64) with dropout, Dense 256",
            paper: None,
            source: "the report, Model 4 (five age groups, 63.9% test accuracy)",
            input: shape(3, 32),
            heads: heads(&[("age", 5)]),
            spec: ModelSpec::Model4 {},
        },
        ZooEntry {
            name: "levi_hassner",
            description: "3 conv layers with LRN, two FC 512 with dropout: the Adience baseline",
            paper: Some(Paper {
                authors: "Levi & Hassner",
                year: 2015,
                title: "Age and Gender Classification using Convolutional Neural Networks",
                venue: "CVPR Workshops (AMFG)",
            }),
            source: "article: Levi & Hassner 2015",
            input: shape(3, 227),
            heads: heads(&[("age", 8)]),
            spec: ModelSpec::LeviHassner {},
        },
        ZooEntry {
            name: "article3",
            description: "four conv-ReLU-BN-pool-dropout blocks, FC 512 with BN and dropout",
            paper: Some(Paper {
                authors: "Agbo-Ajala & Viriri",
                year: 2020,
                title: "Deeply Learned Classifiers for Age and Gender Predictions of Unfiltered Faces",
                venue: "The Scientific World Journal",
            }),
            source: "article 3 (filter counts are our documented default)",
            input: shape(3, 64),
            heads: heads(&[("age", 8)]),
            spec: ModelSpec::Article3 { filters: article3::default_filters(), kernel: article3::default_kernel() },
        },
        ZooEntry {
            name: "alexnet_svm",
            description: "AlexNet (5 conv with LRN, FC 4096 x2); the article's SVM is a hinge loss in the runner",
            paper: Some(Paper {
                authors: "Krizhevsky, Sutskever & Hinton",
                year: 2012,
                title: "ImageNet Classification with Deep Convolutional Neural Networks",
                venue: "NeurIPS",
            }),
            source: "article 6 (AlexNet features + SVM)",
            input: shape(3, 227),
            heads: heads(&[("gender", 2)]),
            spec: ModelSpec::AlexnetSvm {},
        },
        ZooEntry {
            name: "lmtcnn",
            description: "lightweight multi-task CNN: depthwise-separable convs, shared trunk, one output per head",
            paper: Some(Paper {
                authors: "Lee, Chan, Chen & Chen",
                year: 2018,
                title: "Joint Estimation of Age and Gender from Unconstrained Face Images using Lightweight \
                        Multi-task CNN for Mobile Applications",
                venue: "IEEE MIPR",
            }),
            source: "article 7 (LMTCNN-1-1)",
            input: shape(3, 227),
            heads: heads(&[("age", 8), ("gender", 2)]),
            spec: ModelSpec::Lmtcnn { width: lmtcnn::default_width() },
        },
        ZooEntry {
            name: "vgg16",
            description: "VGG-16 in torchvision's layout; loads torchvision weights, freezes leading blocks",
            paper: Some(Paper {
                authors: "Simonyan & Zisserman",
                year: 2015,
                title: "Very Deep Convolutional Networks for Large-Scale Image Recognition",
                venue: "ICLR",
            }),
            source: "transfer learning baseline (torchvision vgg16)",
            input: shape(3, 224),
            heads: heads(&[("age", 8)]),
            spec: ModelSpec::Vgg16 {
                pretrained: None,
                frozen_blocks: 0,
                classifier_input: vgg16::ClassifierInput::Auto,
            },
        },
        ZooEntry {
            name: "custom",
            description: "layers listed in the experiment TOML (example: 2 conv blocks, BN, Dense 128)",
            paper: None,
            source: "your experiment file",
            input: shape(3, 64),
            heads: heads(&[("age", 8)]),
            spec: ModelSpec::Custom { layers: custom::example_layers(), tower: Vec::new() },
        },
    ]
}

/// The zoo as a Markdown table (name, source, input, heads, parameters, multiply-adds), every
/// number computed by [`summary`](crate::summary()) for the entry's default input and heads.
pub fn table() -> Result<String, ModelError> {
    let mut out = String::from(
        "| Name | Source | Input | Heads | Parameters | Mult-adds / image |\n|---|---|---|---|---:|---:|\n",
    );
    for e in list() {
        let s = summary(&e.spec, e.input, &e.heads)?;
        let source = match &e.paper {
            Some(p) => format!("{} ({}), *{}*", p.authors, p.year, p.title),
            None => e.source.to_string(),
        };
        let heads: Vec<String> = e.heads.iter().map(|h| format!("{}:{}", h.name, h.outputs)).collect();
        out.push_str(&format!(
            "| `{}` | {} | {}x{}x{} | {} | {} | {} |\n",
            e.name,
            source,
            e.input.channels,
            e.input.size,
            e.input.size,
            heads.join(", "),
            thousands(s.total_params),
            human(s.mult_adds)
        ));
    }
    Ok(out)
}
