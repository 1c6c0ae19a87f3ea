//! Lays photos side by side on one canvas (each scaled to a common height), so that a single
//! picture holds several real faces for `agelab predict --detect`:
//!
//! ```sh
//! cargo run --release --example compose -- out.png a.png b.jpg c.png [--height 400]
//! ```
//!
//! `scripts/example-photo.sh` uses it on public-domain portraits shipped in PyPI wheels.

use std::path::PathBuf;

use image::{imageops, RgbImage};

/// Gap between photos and around the canvas, in pixels.
const GAP: u32 = 16;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let mut height = 400u32;
    if let Some(i) = args.iter().position(|a| a == "--height") {
        height = args.get(i + 1).ok_or("--height needs a value")?.parse()?;
        args.drain(i..=i + 1);
    }
    let (out, inputs) = args.split_first().ok_or("usage: compose OUT.png IMAGE... [--height N]")?;
    if inputs.is_empty() {
        return Err("no input images".into());
    }
    let photos: Vec<RgbImage> = inputs
        .iter()
        .map(|p| {
            let img = image::open(p).map_err(|e| format!("{p}: {e}"))?.to_rgb8();
            let width = (img.width() as f64 * height as f64 / img.height() as f64).round() as u32;
            Ok(imageops::resize(&img, width, height, imageops::FilterType::CatmullRom))
        })
        .collect::<Result<_, String>>()?;
    let width = photos.iter().map(|p| p.width() + GAP).sum::<u32>() + GAP;
    let mut canvas = RgbImage::from_pixel(width, height + 2 * GAP, image::Rgb([245, 245, 245]));
    let mut x = GAP;
    for p in &photos {
        imageops::overlay(&mut canvas, p, i64::from(x), i64::from(GAP));
        x += p.width() + GAP;
    }
    let out = PathBuf::from(out);
    canvas.save(&out).map_err(|e| format!("{}: {e}", out.display()))?;
    println!("{} ({}x{}) from {} photos", out.display(), canvas.width(), canvas.height(), photos.len());
    Ok(())
}
