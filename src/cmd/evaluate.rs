//! `agelab evaluate`: a trained model on any UTKFace-format folder, or on photos labelled in a
//! CSV file (held-out faces from elsewhere, found with `--detect` when they are whole photos).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use runner::predict::{HeadPrediction, Predictor};

use super::faces::DetectArgs;

/// Arguments of `agelab evaluate`.
#[derive(clap::Args)]
pub struct Args {
    /// A run folder, a released model's folder, or a released model's name. Several (with
    /// `--part` or `--faces`) are evaluated together as an ensemble: their outputs averaged per
    /// face; they must predict the same heads (and, with `--part`, share their split).
    #[arg(required = true)]
    models: Vec<PathBuf>,
    /// Folder of faces named as UTKFace (`[age]_[gender]_[race]_[datetime].jpg...`).
    #[arg(long, required_unless_present_any = ["faces", "part"], conflicts_with_all = ["faces", "part"])]
    data: Option<PathBuf>,
    /// A part of the model's own split, rebuilt from its config over the experiment's data:
    /// `valid` (to choose, e.g. between test views) or `test` (to report what was chosen).
    #[arg(long, value_parser = ["valid", "test"], conflicts_with = "faces")]
    part: Option<String>,
    /// Test views whose outputs are averaged: `single` (the centre crop or whole image, as in
    /// training runs), `mirror` (it and its mirror image), `ten` (corners, centre and mirrors).
    #[arg(long, default_value = "single", value_parser = ["single", "mirror", "ten"])]
    views: String,
    /// CSV of labelled photos: columns `file` (relative to the CSV) and `gender` and/or `age`
    /// (empty when unknown), `person` optional; other columns are ignored.
    #[arg(long)]
    faces: Option<PathBuf>,
    /// Folder the label file's `file` column is relative to (default: the label file's folder).
    #[arg(long, requires = "faces")]
    images: Option<PathBuf>,
    #[command(flatten)]
    detect: super::faces::DetectArgs,
    /// Output folder (default: `<model>/evaluations/<data folder name or part>`; for several
    /// models `reports/ensembles/<their experiment names joined by +>/<part>`).
    #[arg(long)]
    out: Option<PathBuf>,
}

/// Runs it.
pub fn run(a: Args) -> Result<ExitCode> {
    if a.models.len() > 1 && a.data.is_some() {
        anyhow::bail!(
            "{} models given: several models are evaluated together (an ensemble) on a part of their split (--part) or on labelled photos (--faces), not on --data",
            a.models.len()
        );
    }
    let mut loaded = Vec::with_capacity(a.models.len());
    for model in &a.models {
        let dir = super::model_dir(model)?;
        let p = Predictor::load(&dir).with_context(|| format!("loading {}", dir.display()))?;
        let views = p.named_views(&a.views)?;
        loaded.push(p.with_views(views));
    }
    let p = &loaded[0];
    if let Some(labels) = &a.faces {
        return labelled(&loaded, &names(&a.models), labels, a.images.as_deref(), &a.detect, a.out);
    }
    let suffix = if a.views == "single" { String::new() } else { format!("-{}", a.views) };
    let (m, out) = if let Some(part) = &a.part {
        let folder = format!("{part}{suffix}");
        let out = a.out.unwrap_or_else(|| evaluations_dir(&loaded).join(&folder));
        let which = if part == "valid" { dataset::Part::Valid } else { dataset::Part::Test };
        let project = std::env::current_dir().context("reading the current folder")?;
        let refs: Vec<&Predictor> = loaded.iter().collect();
        let m = runner::predict::evaluate_part(&refs, which, &project, &out)
            .with_context(|| format!("evaluating on the {part} part of the split of {}", names(&a.models)))?;
        (m, out)
    } else {
        let data = a.data.expect("clap requires --data, --part or --faces");
        let name = data.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "data".into());
        let out = a.out.unwrap_or_else(|| p.source.join("evaluations").join(format!("{name}{suffix}")));
        let m =
            p.evaluate_folder(&data, p.views(), &out).with_context(|| format!("evaluating on {}", data.display()))?;
        (m, out)
    };
    let what = format!("{} on {}, {} views", names(&a.models), m.part, a.views);
    let summary = report::evaluation_summary(&out, &what).context("summarising the evaluation")?;
    runfolder::write_atomic(&out.join("summary.md"), summary.as_bytes())?;
    println!("{summary}");
    println!("written to {}", out.display());
    Ok(ExitCode::SUCCESS)
}

/// Where evaluations go by default: the model's `evaluations/`, or for several models together
/// `reports/ensembles/<their experiment names joined by +>/`.
fn evaluations_dir(models: &[Predictor]) -> PathBuf {
    match models {
        [one] => one.source.join("evaluations"),
        many => {
            let names: Vec<&str> = many.iter().map(|p| p.experiment.name.as_str()).collect();
            Path::new("reports/ensembles").join(names.join("+"))
        }
    }
}

/// The models as given, joined by ` + ` (an ensemble) or alone.
fn names(models: &[PathBuf]) -> String {
    models.iter().map(|m| m.display().to_string()).collect::<Vec<_>>().join(" + ")
}

/// Evaluates on labelled photos: the largest face of each (with `--detect`), `predictions.csv`
/// (truth and prediction per photo) and `summary.md` (scores with intervals) in the output folder.
fn labelled(
    models: &[Predictor],
    model: &str,
    labels: &Path,
    images: Option<&Path>,
    detect: &DetectArgs,
    out: Option<PathBuf>,
) -> Result<ExitCode> {
    let p = &models[0];
    let together: Vec<&Predictor> = models.iter().collect();
    // refuses models with other heads before any photo is read
    runner::predict::predict_together(&together, &[])?;
    let faces = dataset::read_labels(labels, images)?;
    let finder = detect.finder()?;
    let stem = labels.file_stem().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "faces".into());
    let out = out.unwrap_or_else(|| evaluations_dir(models).join(stem));
    let heads = p.head_names();
    let mut header: Vec<String> =
        ["file", "person", "true_gender", "true_age", "faces_found", "x", "y", "width", "height"]
            .map(String::from)
            .into();
    for h in &heads {
        header.extend([h.clone(), format!("{h}_probability")]);
    }
    header.push("note".into());
    let mut rows = csv::Writer::from_writer(Vec::new());
    rows.write_record(&header)?;
    let mut scored = Vec::with_capacity(faces.len());
    for face in &faces {
        let mut held = report::HeldOutFace {
            file: face.name.clone(),
            person: face.person.clone(),
            gender: face.gender.map(|g| dataset::Gender::NAMES[g.index()].to_string()),
            age: face.age.map(f64::from),
            ..Default::default()
        };
        let mut fields = vec![
            face.name.clone(),
            face.person.clone().unwrap_or_default(),
            held.gender.clone().unwrap_or_default(),
            face.age.map(|a| a.to_string()).unwrap_or_default(),
        ];
        let found = if face.file.is_file() {
            dataset::images::open_photo(&face.file)
                .map_err(|e| format!("not an image: {e}"))
                .and_then(|img| finder.largest(&img, face.region.map(|[x, y, w, h]| (x, y, w, h))))
        } else {
            Err("no such file".to_string())
        };
        match found {
            Err(note) => {
                eprintln!("{}:{}: {}: {note}", labels.display(), face.line, face.file.display());
                fields.extend(std::iter::repeat_n(String::new(), 5 + 2 * heads.len()));
                held.note = note;
            }
            Ok(detect::LargestFace { crop, face_box: b, found: n }) => {
                let preds = runner::predict::predict_together(&together, &[crop])?.remove(0);
                fields.push(n.map_or("box given".into(), |n| n.to_string()));
                fields.extend([b.0, b.1, b.2, b.3].map(|v| v.to_string()));
                for (i, pred) in preds.iter().enumerate() {
                    match pred {
                        HeadPrediction::Class { label, probability, .. } => {
                            fields.extend([label.clone(), format!("{probability:.4}")]);
                            if p.is_gender(i) {
                                held.predicted_gender = Some((label.clone(), *probability));
                            } else if let dataset::Target::AgeGroup(s) = &p.heads.tasks[i].target {
                                held.predicted_group = s.labels.iter().position(|l| l == label);
                            }
                        }
                        HeadPrediction::Value(v) => {
                            fields.extend([format!("{v:.1}"), String::new()]);
                            if p.is_age(i) {
                                held.predicted_years = Some(*v);
                            }
                        }
                    }
                }
                if let Some(n) = n.filter(|&n| n > 1) {
                    held.note = format!("{n} faces found, the largest used");
                }
            }
        }
        fields.push(held.note.clone());
        rows.write_record(&fields)?;
        scored.push(held);
    }
    let group_scheme = p.heads.tasks.iter().find_map(|t| match &t.target {
        dataset::Target::AgeGroup(s) => Some(s.clone()),
        _ => None,
    });
    let cropping = if finder.detects() || faces.iter().any(|f| f.region.is_some()) {
        format!(
            "Each face's box (the label file's, else the photo's largest Haar-cascade face), {}, is what the model saw.",
            finder.describe()
        )
    } else {
        "Each image was taken whole, as a face crop.".to_string()
    };
    let runs: Option<Vec<String>> = models
        .iter()
        .map(|m| super::manifest(&m.source).ok().map(|m| format!("{}/{}", m.experiment, m.run_id)))
        .collect();
    let run = runs.map(|r| r.join(" + "));
    let summary = report::heldout_markdown(&report::HeldOut {
        model,
        labels: &labels.display().to_string(),
        cropping: &cropping,
        run: run.as_deref(),
        group_scheme: group_scheme.as_ref(),
        faces: &scored,
    });
    std::fs::create_dir_all(&out).with_context(|| format!("creating {}", out.display()))?;
    let rows = rows.into_inner().map_err(|e| anyhow::anyhow!("writing predictions.csv: {e}"))?;
    runfolder::write_atomic(&out.join("predictions.csv"), &rows)?;
    runfolder::write_atomic(&out.join("summary.md"), summary.as_bytes())?;
    println!("{summary}");
    println!("written to {}", out.display());
    if !scored
        .iter()
        .any(|f| f.predicted_gender.is_some() || f.predicted_years.is_some() || f.predicted_group.is_some())
    {
        eprintln!("{}: no face could be scored (see the notes above)", labels.display());
        return Ok(ExitCode::from(2));
    }
    Ok(ExitCode::SUCCESS)
}
