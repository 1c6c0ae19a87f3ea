//! Decode benchmark: images/s to decode + resize a UTKFace folder, and the time of a cached reload.
//!
//! ```text
//! cargo run --release -p dataset --example decode_bench -- /work/shared/data/UTKFace [--sizes 32,64] [--threads N] [--filter triangle]
//! ```
//!
//! Compare with `bench/decode_opencv.py` (OpenCV, one process). CPU seconds are read from
//! /proc/self/stat, so that a loaded machine shows in the wall/CPU ratio.

use std::path::PathBuf;
use std::time::Instant;

use dataset::images::{self, ColorMode, Preprocess, ResizeFilter};
use dataset::UtkFolder;

fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let fields: Vec<&str> = stat.rsplit(')').next()?.split_whitespace().collect();
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0)
}

fn timed<T>(f: impl FnOnce() -> T) -> (T, f64, Option<f64>) {
    let (t0, c0) = (Instant::now(), cpu_seconds());
    let out = f();
    let cpu = cpu_seconds().zip(c0).map(|(b, a)| b - a);
    (out, t0.elapsed().as_secs_f64(), cpu)
}

fn rate(n: usize, secs: Option<f64>) -> String {
    secs.filter(|s| *s > 0.0).map(|s| format!("{:.0}", n as f64 / s)).unwrap_or_else(|| "n/a".into())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let mut dir = None;
    let mut sizes = vec![32u32, 64];
    let mut threads = None;
    let mut filter = ResizeFilter::Triangle;
    let mut color = ColorMode::Rgb;
    while let Some(a) = args.next() {
        match a.as_str() {
            "--sizes" => {
                sizes =
                    args.next().ok_or("--sizes needs a value")?.split(',').map(str::parse).collect::<Result<_, _>>()?
            }
            "--threads" => threads = Some(args.next().ok_or("--threads needs a value")?.parse::<usize>()?),
            "--filter" => {
                filter = serde_json::from_str(&format!("\"{}\"", args.next().ok_or("--filter needs a value")?))?
            }
            "--gray" => color = ColorMode::Gray,
            _ if dir.is_none() => dir = Some(PathBuf::from(a)),
            other => return Err(format!("unexpected argument {other}").into()),
        }
    }
    let dir =
        dir.ok_or("usage: decode_bench <UTKFace dir> [--sizes 32,64] [--threads N] [--filter triangle] [--gray]")?;
    if let Some(n) = threads {
        rayon::ThreadPoolBuilder::new().num_threads(n).build_global()?;
    }
    println!(
        "decode_bench: {} ({} rayon thread(s), filter {filter:?}, {color:?})",
        dir.display(),
        rayon::current_num_threads()
    );

    let (scanned, wall, _) = timed(|| UtkFolder::new(&dir).scan());
    let (faces, _) = scanned?;
    let paths: Vec<PathBuf> = faces.iter().map(|f| f.path.clone()).collect();
    println!("scan: {} faces in {:.3} s", paths.len(), wall);

    for &size in &sizes {
        let pre = Preprocess { size, color, filter };
        let ((set, skipped), wall, cpu) = timed(|| images::decode_all(&paths, &pre));
        println!(
            "decode+resize {size}x{size}: {} images in {wall:.2} s wall = {} images/s; {} images per CPU-second ({} skipped)",
            set.len(),
            rate(paths.len(), Some(wall)),
            rate(paths.len(), cpu),
            skipped.len()
        );
        let cache = tempfile_dir()?;
        images::load(&paths, &pre, Some(&cache))?;
        let (reloaded, wall, _) = timed(|| images::load(&paths, &pre, Some(&cache)));
        let (reloaded, _) = reloaded?;
        assert_eq!(reloaded, set, "the cached reload differs from the decode");
        let (_, wall_all, _) = timed(|| -> Result<(), dataset::DatasetError> {
            let (faces, _) = UtkFolder::new(&dir).scan()?;
            let paths: Vec<PathBuf> = faces.into_iter().map(|f| f.path).collect();
            images::load(&paths, &pre, Some(&cache)).map(|_| ())
        });
        println!(
            "cached reload {size}x{size}: {:.3} s ({} MB); scan + cached reload {:.3} s",
            wall,
            set.pixels.len() / 1_000_000,
            wall_all
        );
        std::fs::remove_dir_all(&cache)?;
    }
    Ok(())
}

fn tempfile_dir() -> std::io::Result<PathBuf> {
    let dir = std::env::temp_dir().join(format!("agelab-decode-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}
