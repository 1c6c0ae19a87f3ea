//! `agelab predict`: age and gender for face crops, or for every face a Haar cascade finds in
//! photos (`--detect`, the report's Model 5 pipeline), with a CSV row per face and annotated PNGs.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use runner::predict::{HeadPrediction, Predictor};

/// Arguments of `agelab predict`.
#[derive(clap::Args)]
pub struct Args {
    /// One or more models (run folders, released model folders or names), then the image or
    /// folder of images. Age and gender may come from two models or one multi-task model.
    #[arg(required = true, num_args = 2.., value_name = "MODEL... INPUT")]
    paths: Vec<PathBuf>,
    #[command(flatten)]
    detect: super::faces::DetectArgs,
    /// Output folder for predictions.csv and annotated PNGs.
    #[arg(long, default_value = "predictions")]
    out: PathBuf,
    /// Test views whose outputs are averaged: `single`, or `mirror` (the face and its mirror
    /// image; chosen on validation for the released models), or `ten`.
    #[arg(long, default_value = "single", value_parser = ["single", "mirror", "ten"])]
    views: String,
    /// Use the models together (an ensemble): their outputs averaged per face, one prediction per
    /// head. They must predict the same heads. Without it each model's heads are listed.
    #[arg(long)]
    ensemble: bool,
}

const IMAGE_EXTENSIONS: [&str; 6] = ["jpg", "jpeg", "png", "bmp", "webp", "gif"];

pub(crate) fn inputs(path: &Path) -> Result<Vec<PathBuf>> {
    if path.is_file() {
        return Ok(vec![path.to_path_buf()]);
    }
    if !path.is_dir() {
        bail!("{}: no such file or folder", path.display());
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(path)
        .with_context(|| format!("listing {}", path.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| IMAGE_EXTENSIONS.contains(&e.to_lowercase().as_str()))
        })
        .collect();
    files.sort();
    Ok(files)
}

pub(crate) fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// Runs it.
pub fn run(a: Args) -> Result<ExitCode> {
    let (input, models) = a.paths.split_last().expect("clap requires two paths");
    let predictors: Vec<Predictor> = models
        .iter()
        .map(|m| {
            let dir = super::model_dir(m)?;
            let p = Predictor::load(&dir).with_context(|| format!("loading model {}", dir.display()))?;
            let views = p.named_views(&a.views)?;
            Ok(p.with_views(views))
        })
        .collect::<Result<_>>()?;
    let refs: Vec<&Predictor> = predictors.iter().collect();
    if a.ensemble {
        if predictors.len() < 2 {
            bail!("--ensemble averages two models or more; {} given", predictors.len());
        }
        // checks that the models predict the same heads before any photo is read
        runner::predict::predict_together(&refs, &[])?;
    }
    // the models whose heads make the columns: all of them, or the first for an ensemble
    let shown = if a.ensemble { &predictors[..1] } else { &predictors[..] };
    let files = inputs(input)?;
    std::fs::create_dir_all(&a.out).with_context(|| format!("creating {}", a.out.display()))?;
    let finder = super::faces::FaceFinder::new(&a.detect)?;

    let mut header = vec!["file".to_string(), "face".into(), "x".into(), "y".into(), "width".into(), "height".into()];
    for p in shown {
        for h in p.head_names() {
            header.push(h.clone());
            header.push(format!("{h}_probability"));
        }
    }
    header.push("note".into());
    let mut rows = vec![header.join(",")];
    let mut exit = ExitCode::SUCCESS;
    for file in &files {
        let name = file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let img = match image::open(file) {
            Ok(img) => img,
            Err(e) => {
                eprintln!("{}: not an image ({e})", file.display());
                rows.push(format!(
                    "{},,,,,,{}not an image: {}",
                    csv_field(&name),
                    ",".repeat(2 * head_count(shown)),
                    csv_field(&e.to_string())
                ));
                exit = ExitCode::from(2);
                continue;
            }
        };
        let (boxes, crops): (Vec<_>, Vec<_>) =
            finder.boxes(&img).into_iter().filter_map(|b| finder.crop(&img, b).map(|c| (b, c))).unzip();
        if boxes.is_empty() {
            println!("{name}: no face found");
            rows.push(format!("{},,,,,,{}no face found", csv_field(&name), ",".repeat(2 * head_count(shown))));
            continue;
        }
        let per_model: Vec<Vec<Vec<HeadPrediction>>> = if a.ensemble {
            vec![runner::predict::predict_together(&refs, &crops)?]
        } else {
            predictors.iter().map(|p| p.predict(&crops)).collect()
        };
        let mut marks = Vec::new();
        for (i, b) in boxes.iter().enumerate() {
            let mut fields = vec![
                csv_field(&name),
                (i + 1).to_string(),
                b.0.to_string(),
                b.1.to_string(),
                b.2.to_string(),
                b.3.to_string(),
            ];
            let mut label_parts = Vec::new();
            for (p, preds) in shown.iter().zip(&per_model) {
                for (h, pred) in preds[i].iter().enumerate() {
                    match pred {
                        HeadPrediction::Class { label, probability, .. } => {
                            fields.push(csv_field(label));
                            fields.push(format!("{probability:.4}"));
                        }
                        HeadPrediction::Value(v) => {
                            fields.push(format!("{v:.1}"));
                            fields.push(String::new());
                        }
                    }
                    if p.is_gender(h) || p.is_age(h) {
                        label_parts.push(short_label(pred, p.is_gender(h)));
                    }
                }
            }
            fields.push(String::new());
            println!("{name} face {}: {}", i + 1, label_parts.join(", "));
            rows.push(fields.join(","));
            marks.push(report::Mark { x: b.0, y: b.1, width: b.2, height: b.3, label: label_parts.join("\n") });
        }
        if finder.detects() {
            let stem = file.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
            let out = a.out.join(format!("{stem}-annotated.png"));
            report::annotate(&img.to_rgb8(), &marks, &out).with_context(|| format!("writing {}", out.display()))?;
            println!("annotated: {}", out.display());
        }
    }
    let csv = a.out.join("predictions.csv");
    std::fs::write(&csv, rows.join("\n") + "\n").with_context(|| format!("writing {}", csv.display()))?;
    println!("predictions: {}", csv.display());
    Ok(exit)
}

fn head_count(ps: &[Predictor]) -> usize {
    ps.iter().map(|p| p.head_names().len()).sum()
}

/// "Female (0.91)" for gender, "25-32 (0.87)" or "31 years" for age.
fn short_label(pred: &HeadPrediction, gender: bool) -> String {
    match pred {
        HeadPrediction::Class { label, probability, .. } if gender => {
            let mut c = label.chars();
            let cap: String = c.next().map(|f| f.to_uppercase().chain(c).collect()).unwrap_or_default();
            format!("{cap} ({probability:.2})")
        }
        HeadPrediction::Class { label, probability, .. } => format!("{label} ({probability:.2})"),
        HeadPrediction::Value(v) => format!("{v:.0} years"),
    }
}
