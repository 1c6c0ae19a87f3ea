//! Synthetic faces in UTKFace's file format, for the quick start and tests on machines without
//! UTKFace. The drawing depends on the labels (skin tone on race, hair on gender, face shape, grey
//! hair and wrinkles on age), so a CNN can learn them above chance through the same JPEG decode path.

use std::path::Path;

use image::{Rgb, RgbImage};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::labels::{Gender, Race};
use crate::DatasetError;

/// Side of the generated images in pixels.
pub const SIDE: u32 = 96;

/// Draws an age roughly as UTKFace's long-tailed distribution (many infants and 20-35s, few 80+).
fn sample_age(rng: &mut ChaCha8Rng) -> u16 {
    let r: f64 = rng.random();
    let age = if r < 0.12 {
        rng.random_range(0..=5)
    } else if r < 0.22 {
        rng.random_range(6..=17)
    } else if r < 0.62 {
        rng.random_range(18..=38)
    } else if r < 0.85 {
        rng.random_range(39..=60)
    } else {
        rng.random_range(61..=100)
    };
    age as u16
}

fn skin(race: Race) -> [f32; 3] {
    match race {
        Race::White => [232.0, 196.0, 170.0],
        Race::Black => [110.0, 72.0, 50.0],
        Race::Asian => [225.0, 190.0, 140.0],
        Race::Indian => [170.0, 120.0, 85.0],
        Race::Others => [200.0, 150.0, 110.0],
    }
}

fn fill_ellipse(img: &mut RgbImage, cx: f32, cy: f32, rx: f32, ry: f32, color: [f32; 3]) {
    let (w, h) = img.dimensions();
    let x0 = (cx - rx).floor().max(0.0) as u32;
    let x1 = ((cx + rx).ceil() as u32).min(w - 1);
    let y0 = (cy - ry).floor().max(0.0) as u32;
    let y1 = ((cy + ry).ceil() as u32).min(h - 1);
    for y in y0..=y1 {
        for x in x0..=x1 {
            let dx = (x as f32 - cx) / rx;
            let dy = (y as f32 - cy) / ry;
            if dx * dx + dy * dy <= 1.0 {
                img.put_pixel(x, y, Rgb(color.map(|c| c.clamp(0.0, 255.0) as u8)));
            }
        }
    }
}

fn fill_rect(img: &mut RgbImage, x0: f32, y0: f32, x1: f32, y1: f32, color: [f32; 3]) {
    let (w, h) = img.dimensions();
    for y in (y0.max(0.0) as u32)..(y1.min(h as f32) as u32) {
        for x in (x0.max(0.0) as u32)..(x1.min(w as f32) as u32) {
            img.put_pixel(x, y, Rgb(color.map(|c| c.clamp(0.0, 255.0) as u8)));
        }
    }
}

/// Draws one face for the given labels.
pub fn draw_face(age: u16, gender: Gender, race: Race, rng: &mut ChaCha8Rng) -> RgbImage {
    let s = SIDE as f32;
    let mut jitter = |amount: f32| rng.random_range(-amount..=amount);
    let bg = [120.0 + jitter(60.0), 120.0 + jitter(60.0), 120.0 + jitter(60.0)];
    let mut img = RgbImage::from_pixel(SIDE, SIDE, Rgb(bg.map(|c| c as u8)));
    let young = (1.0 - age as f32 / 18.0).clamp(0.0, 1.0); // 1 for infants, 0 from 18
    let old = ((age as f32 - 35.0) / 45.0).clamp(0.0, 1.0); // 0 until 35, 1 from 80
    let tone = skin(race).map(|c| c + jitter(12.0));
    let cx = s / 2.0 + jitter(3.0);
    let cy = s * 0.54 + jitter(3.0);
    let rx = s * (0.30 + 0.05 * young) + jitter(1.5);
    let ry = s * (0.38 - 0.03 * young) + jitter(1.5);
    // hair: grey with age, long for women, little for infants
    let dark = [40.0 + jitter(15.0), 30.0 + jitter(10.0), 25.0 + jitter(10.0)];
    let grey = [190.0, 190.0, 195.0];
    let hair: [f32; 3] = std::array::from_fn(|i| dark[i] + (grey[i] - dark[i]) * old);
    let hair_len = match gender {
        Gender::Female => s * (0.35 + jitter(0.05)),
        Gender::Male => s * (0.05 + jitter(0.03)),
    } * (1.0 - 0.7 * young);
    if gender == Gender::Female {
        fill_rect(&mut img, cx - rx * 1.15, cy - ry * 0.6, cx + rx * 1.15, cy + hair_len, hair);
    }
    fill_ellipse(&mut img, cx, cy - ry * 0.55, rx * 1.08, ry * (0.55 - 0.3 * young), hair);
    fill_ellipse(&mut img, cx, cy, rx, ry, tone);
    // eyes: bigger for children
    let eye_r = s * (0.035 + 0.02 * young);
    let eye_y = cy - ry * (0.15 - 0.1 * young);
    for side in [-1.0, 1.0] {
        fill_ellipse(&mut img, cx + side * rx * 0.42, eye_y, eye_r * 1.6, eye_r, [245.0, 245.0, 245.0]);
        fill_ellipse(&mut img, cx + side * rx * 0.42, eye_y, eye_r * 0.8, eye_r * 0.8, [50.0, 35.0, 30.0]);
    }
    // mouth, lips stronger for women; a beard shadow for adult men
    let lip = if gender == Gender::Female { [180.0, 60.0, 70.0] } else { [150.0, 90.0, 80.0] };
    fill_ellipse(&mut img, cx, cy + ry * 0.5, rx * 0.35, ry * 0.07, lip);
    if gender == Gender::Male && age >= 16 {
        let beard = tone.map(|c| c * 0.75);
        fill_rect(&mut img, cx - rx * 0.5, cy + ry * 0.62, cx + rx * 0.5, cy + ry * 0.8, beard);
    }
    // wrinkles: forehead lines that multiply with age
    let lines = (old * 5.0).round() as i32;
    for k in 0..lines {
        let y = cy - ry * (0.45 + 0.08 * k as f32);
        fill_rect(&mut img, cx - rx * 0.5, y, cx + rx * 0.5, y + 1.0, tone.map(|c| c * 0.6));
    }
    // sensor noise
    for p in img.pixels_mut() {
        let n: i16 = rng.random_range(-8..=8);
        p.0 = p.0.map(|c| (c as i16 + n).clamp(0, 255) as u8);
    }
    img
}

/// Writes `n` synthetic faces into `dir` with UTKFace names; returns how many were written.
/// Seeded: the same seed gives the same files.
pub fn generate(dir: &Path, n: usize, seed: u64) -> Result<usize, DatasetError> {
    std::fs::create_dir_all(dir).map_err(|e| DatasetError::Write { path: dir.into(), source: e })?;
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    for i in 0..n {
        let age = sample_age(&mut rng);
        let gender = if rng.random_bool(0.5) { Gender::Female } else { Gender::Male };
        let race = Race::ALL[rng.random_range(0..5)];
        let img = draw_face(age, gender, race, &mut rng);
        // datetime field: a fixed date plus the index, so names are unique and sort by index
        let name =
            format!("{age}_{}_{}_{}.jpg.chip.jpg", gender.index(), race.index(), 20170101000000000u64 + i as u64);
        let path = dir.join(&name);
        let tmp = dir.join(format!(".{name}.tmp"));
        let save = img
            .save_with_format(&tmp, image::ImageFormat::Jpeg)
            .map_err(|e| std::io::Error::other(e.to_string()))
            .and_then(|_| std::fs::rename(&tmp, &path));
        save.map_err(|e| DatasetError::Write { path: path.clone(), source: e })?;
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::UtkFolder;

    #[test]
    fn generated_faces_parse_and_decode() {
        let dir = tempfile::tempdir().unwrap();
        generate(dir.path(), 12, 3).unwrap();
        let (faces, summary) = UtkFolder::new(dir.path()).scan().unwrap();
        assert_eq!(faces.len(), 12);
        assert!(summary.skipped.is_empty());
        let img = image::open(&faces[0].path).unwrap();
        assert_eq!(img.width(), SIDE);
    }

    #[test]
    fn same_seed_same_files() {
        let a = tempfile::tempdir().unwrap();
        let b = tempfile::tempdir().unwrap();
        generate(a.path(), 3, 9).unwrap();
        generate(b.path(), 3, 9).unwrap();
        let (fa, _) = UtkFolder::new(a.path()).scan().unwrap();
        let (fb, _) = UtkFolder::new(b.path()).scan().unwrap();
        for (x, y) in fa.iter().zip(&fb) {
            assert_eq!(x.file, y.file);
            assert_eq!(std::fs::read(&x.path).unwrap(), std::fs::read(&y.path).unwrap());
        }
    }
}
