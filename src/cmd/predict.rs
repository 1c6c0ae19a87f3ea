//! `agelab predict`: age and gender for face crops, or for every face a Haar cascade finds in
//! photos (`--detect`, the report's Model 5 pipeline), with a CSV row per face and annotated PNGs.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use detect::FaceBox;
use image::DynamicImage;
use runner::predict::{HeadPrediction, Predictor};

/// Arguments of `agelab predict`.
#[derive(clap::Args)]
pub struct Args {
    /// One or more models: run folders, released model folders or names. Age and gender may come
    /// from two models or one multi-task model.
    #[arg(required = true, value_name = "MODEL")]
    models: Vec<PathBuf>,
    /// The image, or the folder of images, to predict for.
    #[arg(required = true, value_name = "INPUT")]
    input: PathBuf,
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

/// Photos decoded (on every core) and predicted together, in one forward pass per model: face
/// crops are small, whole photos for detection can be large.
const CROPS_PER_BATCH: usize = 128;
const PHOTOS_PER_BATCH: usize = 8;

/// The image files to predict for: the file itself, or the folder's images sorted by name.
fn inputs(path: &Path) -> Result<Vec<PathBuf>> {
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
            p.is_file()
                && p.extension()
                    .and_then(|e| e.to_str())
                    .is_some_and(|e| IMAGE_EXTENSIONS.contains(&e.to_lowercase().as_str()))
        })
        .collect();
    if files.is_empty() {
        bail!(
            "{}: no images in this folder (expected files ending in .{})",
            path.display(),
            IMAGE_EXTENSIONS.join(", .")
        );
    }
    files.sort();
    Ok(files)
}

/// What one photo gave.
enum Found {
    /// It could not be read; the reason.
    Unreadable(String),
    /// Its faces: boxes, and the photo when it is to be annotated.
    Faces(Vec<FaceBox>, Option<DynamicImage>),
}

/// Runs it.
pub fn run(a: Args) -> Result<ExitCode> {
    let predictors: Vec<Predictor> = a
        .models
        .iter()
        .map(|m| {
            let dir = super::model_dir(m)?;
            let p = Predictor::load(&dir).with_context(|| format!("loading model {}", dir.display()))?;
            let views = p.named_views(&a.views)?;
            Ok(p.with_views(views))
        })
        .collect::<Result<_>>()?;
    for warning in predictors.iter().filter_map(Predictor::unfinished) {
        eprintln!("warning: {warning}");
    }
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
    let files = inputs(&a.input)?;
    let finder = a.detect.finder()?;
    std::fs::create_dir_all(&a.out).with_context(|| format!("creating {}", a.out.display()))?;

    let mut header: Vec<String> = ["file", "face", "x", "y", "width", "height"].map(String::from).into();
    for p in shown {
        for h in p.head_names() {
            let probability = format!("{h}_probability");
            header.extend([h, probability]);
        }
    }
    header.push("note".into());
    let blank = |name: &str, note: &str| {
        let mut row = vec![String::new(); header.len()];
        row[0] = name.to_string();
        row[header.len() - 1] = note.to_string();
        row
    };
    let mut csv = csv::Writer::from_writer(Vec::new());
    csv.write_record(&header)?;
    let mut exit = ExitCode::SUCCESS;
    let batch = if finder.detects() { PHOTOS_PER_BATCH } else { CROPS_PER_BATCH };
    for chunk in files.chunks(batch) {
        let mut crops = Vec::new();
        let found: Vec<Found> = dataset::images::open_photos(chunk)
            .into_iter()
            .map(|photo| match photo {
                Err(e) => Found::Unreadable(e.to_string()),
                Ok(img) => {
                    let (boxes, faces): (Vec<FaceBox>, Vec<DynamicImage>) = finder.faces(&img).into_iter().unzip();
                    crops.extend(faces);
                    Found::Faces(boxes, finder.detects().then_some(img))
                }
            })
            .collect();
        let per_model: Vec<Vec<Vec<HeadPrediction>>> = if a.ensemble {
            vec![runner::predict::predict_together(&refs, &crops)?]
        } else {
            predictors.iter().map(|p| p.predict(&crops)).collect()
        };
        let mut face_index = 0;
        for (file, found) in chunk.iter().zip(found) {
            let name = file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            let (boxes, photo) = match found {
                Found::Unreadable(why) => {
                    eprintln!("{}: not an image ({why})", file.display());
                    csv.write_record(blank(&name, &format!("not an image: {why}")))?;
                    exit = ExitCode::from(2);
                    continue;
                }
                Found::Faces(boxes, _) if boxes.is_empty() => {
                    println!("{name}: no face found");
                    csv.write_record(blank(&name, "no face found"))?;
                    continue;
                }
                Found::Faces(boxes, photo) => (boxes, photo),
            };
            let mut marks = Vec::new();
            for (i, b) in boxes.iter().enumerate() {
                let mut row = vec![name.clone(), (i + 1).to_string()];
                row.extend([b.0, b.1, b.2, b.3].map(|v| v.to_string()));
                let mut label_parts = Vec::new();
                for (p, preds) in shown.iter().zip(&per_model) {
                    for (h, pred) in preds[face_index].iter().enumerate() {
                        match pred {
                            HeadPrediction::Class { label, probability, .. } => {
                                row.extend([label.clone(), format!("{probability:.4}")])
                            }
                            HeadPrediction::Value(v) => row.extend([format!("{v:.1}"), String::new()]),
                        }
                        if p.is_gender(h) || p.is_age(h) {
                            label_parts.push(short_label(pred, p.is_gender(h)));
                        }
                    }
                }
                row.push(String::new());
                csv.write_record(&row)?;
                println!("{name} face {}: {}", i + 1, label_parts.join(", "));
                marks.push(report::Mark { x: b.0, y: b.1, width: b.2, height: b.3, label: label_parts.join("\n") });
                face_index += 1;
            }
            if let Some(img) = photo {
                let stem = file.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
                let out = a.out.join(format!("{stem}-annotated.png"));
                report::annotate(&img.to_rgb8(), &marks, &out).with_context(|| format!("writing {}", out.display()))?;
                println!("annotated: {}", out.display());
            }
        }
    }
    let path = a.out.join("predictions.csv");
    let bytes = csv.into_inner().context("writing the predictions")?;
    runfolder::write_atomic(&path, &bytes).with_context(|| format!("writing {}", path.display()))?;
    println!("predictions: {}", path.display());
    Ok(exit)
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
