//! Side-by-side comparison with OpenCV's `CascadeClassifier::detectMultiScale`.
//!
//! Composes the seeded test photos (UTKFace crops from `$AGELAB_DATA/UTKFace`) into a folder,
//! runs this crate's detector on one thread, runs `bench/opencv_detect.py` (OpenCV, one
//! thread) on the same PNGs, and reports how the boxes agree and how long each took.
//!
//! ```text
//! AGELAB_DATA=/work/shared/data cargo run --release -p detect --example compare_opencv -- \
//!     [--out DIR] [--count 20] [--seed 2024] [--repeat 5] [--min-neighbors 5] [--min-size 30]
//!     [--scale-factor 1.1]
//!     [--python bench/.venv/bin/python] [--skip-opencv]
//! AGELAB_DATA=/work/shared/data cargo run --release -p detect --example compare_opencv -- --calibrate 200
//! ```
//! `--calibrate N` instead measures where the detector puts its box on N single crops,
//! which is how `tests/common`'s `FACE_BOX` was chosen.

#[path = "../tests/common/mod.rs"]
mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use detect::{iou, Cascade, DetectParams, Detection};
use serde_json::{json, Value};

struct Args {
    out: PathBuf,
    count: usize,
    seed: u64,
    repeat: usize,
    min_neighbors: usize,
    min_size: u32,
    scale_factor: f64,
    python: PathBuf,
    skip_opencv: bool,
    calibrate: Option<usize>,
}

fn parse_args() -> Result<Args, String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut a = Args {
        out: std::env::temp_dir().join("agelab_detect_compare"),
        count: 20,
        seed: 2024,
        repeat: 5,
        min_neighbors: 5,
        min_size: 30,
        scale_factor: 1.1,
        python: root.join("bench/.venv/bin/python"),
        skip_opencv: false,
        calibrate: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut val = || it.next().ok_or(format!("{flag} needs a value"));
        let num = |v: String| v.parse::<u64>().map_err(|e| format!("{flag}: {e}"));
        match flag.as_str() {
            "--out" => a.out = PathBuf::from(val()?),
            "--count" => a.count = num(val()?)? as usize,
            "--seed" => a.seed = num(val()?)?,
            "--repeat" => a.repeat = num(val()?)?.max(1) as usize,
            "--min-neighbors" => a.min_neighbors = num(val()?)? as usize,
            "--min-size" => a.min_size = num(val()?)? as u32,
            "--scale-factor" => a.scale_factor = val()?.parse().map_err(|e| format!("{flag}: {e}"))?,
            "--python" => a.python = PathBuf::from(val()?),
            "--skip-opencv" => a.skip_opencv = true,
            "--calibrate" => a.calibrate = Some(num(val()?)? as usize),
            other => return Err(format!("unknown argument {other}")),
        }
    }
    Ok(a)
}

fn main() {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
    let dir = match testenv::locate_data("UTKFace") {
        Ok(d) => d,
        Err(why) => {
            eprintln!("cannot compose photos: {why}");
            std::process::exit(2);
        }
    };
    let cascade = Cascade::frontal_face_default().expect("bundled cascade parses");
    match args.calibrate {
        Some(n) => calibrate(&cascade, &dir, n),
        None => compare(&cascade, &dir, &args),
    }
}

/// Median of per-run times in milliseconds.
fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn calibrate(cascade: &Cascade, dir: &Path, n: usize) {
    let files = common::list_faces(dir);
    let picks = common::pick_faces(&files, n, 7);
    let params = DetectParams::default();
    let mut rel = Vec::new();
    let (mut none, mut many) = (0, 0);
    for f in &picks {
        let photo = common::single_face(f, 200);
        let img = image::DynamicImage::ImageRgb8(photo.image);
        let dets = cascade.detect(&img, &params);
        let p = &photo.faces[0];
        match dets.as_slice() {
            [d] => rel.push([
                (d.x as f64 - p.x as f64) / p.size as f64,
                (d.y as f64 - p.y as f64) / p.size as f64,
                d.width as f64 / p.size as f64,
                d.height as f64 / p.size as f64,
            ]),
            [] => none += 1,
            _ => many += 1,
        }
    }
    let k = rel.len() as f64;
    let mean: Vec<f64> = (0..4).map(|i| rel.iter().map(|r| r[i]).sum::<f64>() / k).collect();
    let sd: Vec<f64> = (0..4).map(|i| (rel.iter().map(|r| (r[i] - mean[i]).powi(2)).sum::<f64>() / k).sqrt()).collect();
    println!("{} crops at 200 px: {} with one box, {none} with none, {many} with several", picks.len(), rel.len());
    println!(
        "mean box (left, top, width, height) / crop: ({:.3}, {:.3}, {:.3}, {:.3})",
        mean[0], mean[1], mean[2], mean[3]
    );
    println!("sd: ({:.3}, {:.3}, {:.3}, {:.3})", sd[0], sd[1], sd[2], sd[3]);
}

fn boxes_of(v: &Value) -> Vec<Detection> {
    let boxes = v["boxes"].as_array().cloned().unwrap_or_default();
    let neigh = v["neighbors"].as_array().cloned().unwrap_or_default();
    boxes
        .iter()
        .enumerate()
        .map(|(i, b)| {
            let g = |k: usize| b[k].as_u64().unwrap_or(0) as u32;
            Detection {
                x: g(0),
                y: g(1),
                width: g(2),
                height: g(3),
                neighbors: neigh.get(i).and_then(Value::as_u64).unwrap_or(0) as usize,
            }
        })
        .collect()
}

/// Greedy one-to-one pairing by IoU (best first); returns pairs (ours, theirs, iou).
fn pair(ours: &[Detection], theirs: &[Detection]) -> Vec<(usize, usize, f64)> {
    let mut all: Vec<(usize, usize, f64)> = Vec::new();
    for (i, a) in ours.iter().enumerate() {
        for (j, b) in theirs.iter().enumerate() {
            let v = iou(a, b);
            if v > 0.0 {
                all.push((i, j, v));
            }
        }
    }
    all.sort_by(|a, b| b.2.total_cmp(&a.2));
    let (mut ui, mut uj) = (vec![false; ours.len()], vec![false; theirs.len()]);
    let mut out = Vec::new();
    for (i, j, v) in all {
        if !ui[i] && !uj[j] {
            ui[i] = true;
            uj[j] = true;
            out.push((i, j, v));
        }
    }
    out
}

fn fmt_box(d: &Detection) -> String {
    format!("[{} {} {} {}] n={}", d.x, d.y, d.width, d.height, d.neighbors)
}

fn compare(cascade: &Cascade, dir: &Path, args: &Args) {
    std::fs::create_dir_all(&args.out).expect("create output folder");
    // Start from an empty folder of PNGs so the Python side sees exactly this set.
    if let Ok(rd) = std::fs::read_dir(&args.out) {
        for e in rd.flatten() {
            if e.path().extension().is_some_and(|x| x == "png") {
                let _ = std::fs::remove_file(e.path());
            }
        }
    }
    let photos = common::compose_set(dir, args.count, args.seed);
    for p in &photos {
        p.image.save(args.out.join(&p.name)).expect("write PNG");
    }
    let params = DetectParams {
        min_neighbors: args.min_neighbors,
        min_size: (args.min_size, args.min_size),
        scale_factor: args.scale_factor,
        parallel: false,
        ..Default::default()
    };
    let cascade_path = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/haarcascade_frontalface_default.xml");
    let params_json = json!({
        "cascade": cascade_path.canonicalize().unwrap_or(cascade_path.clone()),
        "scale_factor": params.scale_factor,
        "min_neighbors": params.min_neighbors,
        "min_size": [params.min_size.0, params.min_size.1],
        "max_size": null,
        "repeat": args.repeat,
    });
    let params_path = args.out.join("params.json");
    std::fs::write(&params_path, serde_json::to_string_pretty(&params_json).unwrap_or_default()).expect("write params");

    // Ours: decode + gray outside the timer, like the Python side.
    let mut ours = Vec::new();
    let mut our_ms = Vec::new();
    let mut par_ms = Vec::new();
    let par_params = DetectParams { parallel: true, ..params.clone() };
    for p in &photos {
        let img = image::open(args.out.join(&p.name)).expect("read back PNG");
        let gray = detect::to_gray(&img);
        let mut times = Vec::new();
        let mut dets = Vec::new();
        for _ in 0..args.repeat {
            let t = Instant::now();
            dets = cascade.detect_gray(&gray, &params).expect("valid params");
            times.push(t.elapsed().as_secs_f64() * 1000.0);
        }
        our_ms.push(median(times));
        // The same with rayon, for information (all cores of this machine).
        let mut times = Vec::new();
        for _ in 0..args.repeat {
            let t = Instant::now();
            let d = cascade.detect_gray(&gray, &par_params).expect("valid params");
            times.push(t.elapsed().as_secs_f64() * 1000.0);
            assert_eq!(d, dets, "parallel and single-thread results differ on {}", p.name);
        }
        par_ms.push(median(times));
        ours.push(dets);
    }
    let ours_json = json!({
        "images": photos.iter().zip(&ours).zip(&our_ms).map(|((p, d), ms)| json!({
            "file": p.name,
            "boxes": d.iter().map(|b| [b.x, b.y, b.width, b.height]).collect::<Vec<_>>(),
            "neighbors": d.iter().map(|b| b.neighbors).collect::<Vec<_>>(),
            "ms": ms,
        })).collect::<Vec<_>>(),
    });
    std::fs::write(args.out.join("agelab.json"), serde_json::to_string_pretty(&ours_json).unwrap_or_default())
        .expect("write agelab.json");

    let mut theirs: Option<(Vec<Vec<Detection>>, Vec<f64>, String)> = None;
    if !args.skip_opencv {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../bench/opencv_detect.py");
        let out_json = args.out.join("opencv.json");
        let status = Command::new(&args.python)
            .arg(&script)
            .arg(&args.out)
            .arg(&params_path)
            .arg("--out")
            .arg(&out_json)
            .status();
        match status {
            Ok(s) if s.success() => {
                let v: Value = serde_json::from_str(&std::fs::read_to_string(&out_json).expect("read opencv.json"))
                    .expect("parse opencv.json");
                let imgs = v["images"].as_array().cloned().unwrap_or_default();
                let by_name = |n: &str| imgs.iter().find(|i| i["file"] == n).cloned().unwrap_or(Value::Null);
                let boxes = photos.iter().map(|p| boxes_of(&by_name(&p.name))).collect();
                let ms = photos.iter().map(|p| by_name(&p.name)["ms"].as_f64().unwrap_or(f64::NAN)).collect();
                theirs = Some((boxes, ms, v["opencv_version"].as_str().unwrap_or("?").to_string()));
            }
            other => eprintln!("OpenCV side did not run ({other:?}); python: {}", args.python.display()),
        }
    }

    println!("{} photos in {}; params: {:?}", photos.len(), args.out.display(), params);
    let (mut tp, mut nd, mut nt) = (0, 0, 0);
    let (mut ctp, mut cnd) = (0, 0);
    let (mut exact, mut close, mut differ) = (0, 0, 0);
    for (k, p) in photos.iter().enumerate() {
        let truths = p.truths();
        let (a, b, c) = common::match_boxes(&ours[k], &truths, 0.5);
        tp += a;
        nd += b;
        nt += c;
        let mut line = format!(
            "{} {}x{} {:5} faces={} ours={} ({:.1} ms)",
            p.name,
            p.image.width(),
            p.image.height(),
            p.background,
            p.faces.len(),
            ours[k].len(),
            our_ms[k]
        );
        if let Some((tb, tms, _)) = &theirs {
            let (a2, b2, _) = common::match_boxes(&tb[k], &truths, 0.5);
            ctp += a2;
            cnd += b2;
            line += &format!(" opencv={} ({:.1} ms)", tb[k].len(), tms[k]);
            let pairs = pair(&ours[k], &tb[k]);
            let mut paired_o = vec![false; ours[k].len()];
            let mut paired_t = vec![false; tb[k].len()];
            let mut notes = Vec::new();
            for &(i, j, v) in &pairs {
                let (o, t) = (&ours[k][i], &tb[k][j]);
                let same = (o.x, o.y, o.width, o.height) == (t.x, t.y, t.width, t.height);
                if same {
                    exact += 1;
                } else if v >= 0.8 {
                    close += 1;
                    notes.push(format!("  close (IoU {v:.3}): ours {} opencv {}", fmt_box(o), fmt_box(t)));
                }
                if v >= 0.8 {
                    paired_o[i] = true;
                    paired_t[j] = true;
                }
            }
            for o in ours[k].iter().zip(&paired_o).filter(|(_, &p)| !p).map(|(o, _)| o) {
                differ += 1;
                let best = tb[k].iter().map(|t| iou(o, t)).fold(0.0, f64::max);
                notes.push(format!("  only ours: {} (best IoU with opencv {best:.2})", fmt_box(o)));
            }
            for t in tb[k].iter().zip(&paired_t).filter(|(_, &p)| !p).map(|(t, _)| t) {
                differ += 1;
                let best = ours[k].iter().map(|o| iou(o, t)).fold(0.0, f64::max);
                notes.push(format!("  only opencv: {} (best IoU with ours {best:.2})", fmt_box(t)));
            }
            println!("{line}");
            for n in notes {
                println!("{n}");
            }
        } else {
            println!("{line}");
        }
    }
    let mean_ours = our_ms.iter().sum::<f64>() / our_ms.len().max(1) as f64;
    let mean_par = par_ms.iter().sum::<f64>() / par_ms.len().max(1) as f64;
    println!();
    println!(
        "agelab: recall {:.3} precision {:.3} (IoU >= 0.5 vs expected boxes; {tp} of {nt} faces, {nd} boxes), {:.1} ms/image on one thread, {:.1} ms/image with rayon ({} threads)",
        tp as f64 / nt.max(1) as f64,
        tp as f64 / nd.max(1) as f64,
        mean_ours,
        mean_par,
        rayon::current_num_threads()
    );
    if let Some((_, tms, ver)) = &theirs {
        let mean_cv = tms.iter().sum::<f64>() / tms.len().max(1) as f64;
        println!(
            "opencv {ver}: recall {:.3} precision {:.3} ({ctp} of {nt} faces, {cnd} boxes), {:.1} ms/image on one thread",
            ctp as f64 / nt.max(1) as f64,
            ctp as f64 / cnd.max(1) as f64,
            mean_cv
        );
        println!(
            "boxes: {exact} identical, {close} matched at IoU >= 0.8 but not identical, {differ} unmatched (either side); time ratio agelab/opencv {:.2}",
            mean_ours / mean_cv
        );
    }
}
